//! Edges of the audio thread's voice, driven as a host drives it: a rolled chord of any size
//! inside one 16th is answered for its top note; voices sharing a channel keep a unison
//! sounding until the last of them leaves it; an auto-key change keeps the voices where they
//! sound (no voice jumps by the change of frame); auto key hears a melody played off the grid.

mod common;

use altus_core::harmony::engine::DecodeOptions;
use altus_core::{Key, Mode};
use altus_plugin::realtime::{KeySetting, Settings};
use common::scenarios::Song;
use common::{PerformerRun, check_balanced, default_settings, in_block, playing_at};

fn fixed(channels: [u8; 3]) -> Settings {
    Settings {
        key: KeySetting::Fixed(Key::new(0, Mode::Major)),
        decode: DecodeOptions::default(),
        channels,
        ..default_settings()
    }
}

/// The voices after one block that plays `notes` from the start of a song.
fn voices_after(notes: &[(u32, u8, bool)]) -> ([Option<(u8, u8)>; 3], Vec<common::Out>) {
    let mut run = PerformerRun::new(fixed([1, 2, 3]), 512);
    run.block(&playing_at(0, 120.0), notes);
    let voices = std::array::from_fn(|v| run.performer.voice_note(v));
    (voices, run.out)
}

#[test]
fn a_rolled_chord_of_any_size_is_answered_for_its_top_note() {
    // Rolled upwards, 20 samples apart: all inside one 512-sample block and one 16th.
    let chord = [48u8, 52, 55, 60, 64, 67, 72, 76, 79, 84, 88];
    for n in 2..=chord.len() {
        let roll: Vec<(u32, u8, bool)> = (0..n).map(|i| (20 * i as u32, chord[i], true)).collect();
        let top = chord[n - 1];
        let (rolled, out) = voices_after(&roll);
        // The top note alone, struck where the roll began.
        let (alone, _) = voices_after(&[(0, top, true)]);
        assert_eq!(rolled, alone, "a roll of {n} up to {top}");
        assert!(rolled.iter().all(Option::is_some), "{n}: {rolled:?}");
        // Answered inside the block, by the roll's last note.
        let last_on = out.iter().filter(|o| o.2 && o.3 != 0).map(|o| o.0).max();
        assert!(last_on <= Some(20 * (n as u64 - 1)), "{n}: {out:?}");
    }
}

/// Replays `out` and says whether (channel, key) sounds at the end.
fn sounding(out: &[common::Out]) -> [[bool; 128]; 16] {
    let mut s = [[false; 128]; 16];
    for &(_, k, on, c) in out {
        s[c as usize & 15][k as usize & 127] = on;
    }
    s
}

#[test]
fn voices_on_one_channel_keep_a_unison_sounding() {
    let Some(dir) = testkit::chorales_for_test("voices_on_one_channel_keep_a_unison_sounding")
    else {
        return;
    };
    let (mut unisons, mut blocks) = (0, 0);
    for file in [
        "000206b_.mid",
        "000306b_.mid",
        "000408b_.mid",
        "000507b_.mid",
        "001207b_.mid",
    ] {
        let song = Song::chorale(&dir, file);
        // Alto, tenor and bass all on channel 1; the soprano through on channel 0.
        let mut run = PerformerRun::new(fixed([1, 1, 1]), 64);
        while run.now < song.end {
            let notes = in_block(&song.events, run.now, run.block);
            run.block(&playing_at(run.now, 120.0), &notes);
            let s = sounding(&run.out);
            let voices: Vec<(u8, u8)> =
                (0..3).filter_map(|v| run.performer.voice_note(v)).collect();
            for &(k, c) in &voices {
                assert!(
                    s[c as usize][k as usize],
                    "{file} at {}: a voice's {k} on channel {c} was silenced",
                    run.now
                );
            }
            unisons +=
                (voices.len() == 3 && (voices[0] == voices[1] || voices[1] == voices[2])) as usize;
            blocks += 1;
        }
        assert!(
            check_balanced(&run.out).is_ok(),
            "{file}: {:?}",
            check_balanced(&run.out)
        );
    }
    // The songs hold unisons for a while: the rule is exercised.
    assert!(unisons > 50, "{unisons} of {blocks} blocks with a unison");
}

#[test]
fn an_auto_key_change_keeps_the_voices_where_they_sound() {
    let Some(dir) =
        testkit::chorales_for_test("an_auto_key_change_keeps_the_voices_where_they_sound")
    else {
        return;
    };
    let (mut changes, mut jumps) = (0, 0);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    for file in files.iter().step_by(20) {
        let song = Song::chorale(&dir, file.to_str().unwrap());
        let mut run = PerformerRun::new(default_settings(), 64);
        let mut before: (Key, [Option<(u8, u8)>; 3]) = (run.performer.key_view().0, [None; 3]);
        while run.now < song.end {
            let notes = in_block(&song.events, run.now, run.block);
            run.block(&playing_at(run.now, 120.0), &notes);
            let key = run.performer.key_view().0;
            let voices: [Option<(u8, u8)>; 3] =
                std::array::from_fn(|v| run.performer.voice_note(v));
            if key.shift_to_reference() != before.0.shift_to_reference() {
                // A voice moving by exactly the change of frame "held" its key-normalised note.
                let delta = key.shift_to_reference() - before.0.shift_to_reference();
                for (a, b) in before.1.iter().zip(&voices) {
                    if let (Some(a), Some(b)) = (a, b) {
                        changes += 1;
                        jumps += (b.0 as i32 - a.0 as i32 == -delta) as usize;
                    }
                }
            }
            before = (key, voices);
        }
    }
    eprintln!("{jumps} of {changes} voices at a change of frame moved by exactly the change");
    assert!(changes >= 20, "only {changes} voices at key changes");
    assert!(
        jumps * 5 <= changes,
        "{jumps} of {changes} voices jumped by the change of frame"
    );
}

#[test]
fn auto_key_hears_a_melody_played_off_the_grid() {
    let Some(dir) = testkit::chorales_for_test("auto_key_hears_a_melody_played_off_the_grid")
    else {
        return;
    };
    // A D-major melody whose every note comes a sixth of a 16th late, as a player's may (or a
    // standalone app's free-running grid meets them): each onset re-runs the 16th that has
    // already started.
    let song = Song::chorale(&dir, "003604b2.mid");
    let late: Vec<_> = song.events.iter().map(|e| (e.0 + 1000, e.1, e.2)).collect();
    let mut run = PerformerRun::new(default_settings(), 256);
    while run.now < song.end {
        let notes = in_block(&late, run.now, run.block);
        run.block(&playing_at(run.now, 120.0), &notes);
    }
    let (key, fixed, confidence) = run.performer.key_view();
    assert!(!fixed);
    assert_eq!(key, Key::new(2, Mode::Major), "confidence {confidence}");
    assert!(confidence > 0.5, "{confidence}");
    check_balanced(&run.out).unwrap();
}

#[test]
fn a_player_without_a_transport_starts_the_grid_on_a_downbeat() {
    let Some(dir) =
        testkit::chorales_for_test("a_player_without_a_transport_starts_the_grid_on_a_downbeat")
    else {
        return;
    };
    // No transport (a standalone app, or a stopped host): the grid runs at the Tempo parameter
    // (120 bpm) from wherever it was. A player at that tempo, starting at an arbitrary moment
    // after a while of silence, should find the grid starting with them: the voices answer
    // at the soprano's sample as often as they do under a host's transport.
    let stopped = common::HostTime {
        playing: false,
        bpm: 120.0,
        beats: 0.0,
    };
    let mut struck = Vec::new();
    for (file, start) in [("003604b2.mid", 12_345u64), ("000206b_.mid", 40_001)] {
        let song = Song::chorale(&dir, file);
        let late: Vec<_> = song
            .events
            .iter()
            .map(|e| (e.0 + start, e.1, e.2))
            .collect();
        let onsets: Vec<u64> = late.iter().filter(|e| e.2).map(|e| e.0).collect();
        let mut run = PerformerRun::new(default_settings(), 256);
        while run.now < song.end + start {
            let notes = in_block(&late, run.now, run.block);
            run.block(&stopped, &notes);
        }
        check_balanced(&run.out).unwrap();
        let at_onset = onsets
            .iter()
            .filter(|&&t| run.out.iter().any(|o| o.0 == t && o.2 && o.3 != 0))
            .count();
        struck.push((file, at_onset, onsets.len()));
    }
    eprintln!("voices struck at the soprano's sample: {struck:?}");
    for (file, n, of) in struck {
        assert!(n * 10 >= of * 8, "{file}: {n} of {of}");
    }
}
