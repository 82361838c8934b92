//! "Save what you played": a chorale melody played into the audio-thread performer, every note
//! in and out recorded in the take as the plugin records it, saved as MIDI and as MusicXML and
//! read back — the melody as played, the voices as sent.

mod common;

use altus_core::music::midi;
use altus_core::{Grid, Key, Mode, Voice as Part};
use altus_plugin::realtime::Transport;
use altus_plugin::take::Take;
use altus_plugin::take::file::{Layout, save};
use common::{SR, default_settings, in_block, note, record, song_events};
use testkit::chorales_for_test;

/// Notes on the 16th grid from the piece's first note: (start, end, pitch).
type Line = Vec<(usize, usize, u8)>;

/// Each voice's notes.
fn grid_notes(grid: &Grid) -> Vec<(Part, Line)> {
    let from = grid.first_onset().unwrap();
    grid.voices
        .iter()
        .map(|l| {
            let notes = l.notes().into_iter();
            (
                l.voice,
                notes
                    .map(|(a, b, p)| (a.0 - from, b.0 - from, p.0))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_last_performance_saves_as_midi_and_as_a_score() {
    let Some(dir) = chorales_for_test("the_last_performance_saves_as_midi_and_as_a_score") else {
        return;
    };
    let grid = Grid::from_score(&midi::read_file(&dir.join("003604b2.mid")).unwrap());
    let bpm = 120.0;
    let events = song_events(&grid, bpm);
    let end = events.last().unwrap().0 + 48_000;
    let take = Take::default();
    let mut performer = altus_plugin::realtime::Performer::new(
        Box::new(altus_core::embedded::default_harmony().0),
        SR,
        default_settings(),
    );
    // As `process` does: the input recorded as played, every note sent recorded as sent.
    let (block, mut now, mut sent) = (256u32, 0u64, Vec::new());
    let transport = Transport {
        tempo: Some(bpm),
        ..Transport::default()
    };
    while now < end {
        performer.begin(&transport, block, &mut |n| {
            take.record(n, false);
            sent.push(record(now, n));
            true
        });
        for (at, key, on) in in_block(&events, now, block) {
            let n = note(at, key, on);
            take.record(n, true);
            performer.note(n, &mut |n| {
                take.record(n, false);
                sent.push(record(now, n));
                true
            });
        }
        performer.end(&mut |n| {
            take.record(n, false);
            sent.push(record(now, n));
            true
        });
        take.end_block(block, SR, bpm);
        now += block as u64;
    }
    let voices_sent = sent
        .iter()
        .filter(|o| o.2 && (1..=3).contains(&o.3))
        .count();
    assert!(voices_sent > 100, "{voices_sent} voice notes");

    let d = std::env::temp_dir().join(format!("altus-take-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let layout = Layout {
        channels: default_settings().channels,
        rate: SR,
        tempo: bpm,
    };
    let key = Key::new(2, Mode::Major);
    let performance = take.last_performance();
    let line = save(&performance, layout, key, &d.join("take.mid")).unwrap();
    assert!(line.starts_with("Saved "), "{line}");
    save(&performance, layout, key, &d.join("take.musicxml")).unwrap();

    // The MIDI file: the melody exactly as played, the voices' notes as the performer sent them.
    let saved = Grid::from_score(&midi::read_file(&d.join("take.mid")).unwrap());
    let got = grid_notes(&saved);
    let want_soprano = grid_notes(&grid)
        .into_iter()
        .find(|v| v.0 == Part::Soprano)
        .unwrap()
        .1;
    assert_eq!(got[0], (Part::Soprano, want_soprano));
    let per_step = SR * 60.0 / bpm / 4.0;
    let first = events[0].0;
    for (v, part) in [Part::Alto, Part::Tenor, Part::Bass]
        .into_iter()
        .enumerate()
    {
        let onsets: Vec<(usize, u8)> = sent
            .iter()
            .filter(|o| o.2 && o.3 == v as u8 + 1)
            .map(|o| (((o.0 - first) as f64 / per_step).round() as usize, o.1))
            .collect();
        let line = &got.iter().find(|g| g.0 == part).unwrap().1;
        let saved_onsets: Vec<(usize, u8)> = line.iter().map(|n| (n.0, n.2)).collect();
        assert_eq!(saved_onsets, onsets, "{part:?}");
    }

    // The score: the same notes, read back by an independent MusicXML parser.
    let back = testkit::score::read(&d.join("take.musicxml")).unwrap();
    assert_eq!(back.fifths, 2);
    for (i, (part, voice)) in [(0, "1"), (0, "2"), (1, "1"), (1, "2")]
        .into_iter()
        .enumerate()
    {
        let v = back
            .voices
            .iter()
            .find(|x| x.0 == (part, voice.to_string()))
            .unwrap();
        assert_eq!(v.1, got[i].1, "voice {i}");
    }
    // Nothing played: a clear refusal, no file.
    let empty = Take::default();
    let none = d.join("none.mid");
    assert_eq!(
        save(&empty.last_performance(), layout, key, &none),
        Err("nothing played yet".to_string())
    );
    assert!(!none.exists());
    std::fs::remove_dir_all(&d).unwrap();
}
