//! Files written by other tools: soprano-only melodies, type 0, named tracks, odd resolutions.
//! Built byte by byte with midly (not with Altus's writer) so the reader is tested on its own.

use altus_core::music::midi;
use altus_core::{Grid, Key, Mode, Pitch, Voice};
use midly::num::{u4, u7, u15, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

fn ev(delta: u32, kind: TrackEventKind<'static>) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind,
    }
}

fn note(delta: u32, ch: u8, key: u8, vel: u8) -> TrackEvent<'static> {
    // Note-offs as note-on with velocity 0, as many tools write them.
    let message = MidiMessage::NoteOn {
        key: u7::new(key),
        vel: u7::new(vel),
    };
    ev(
        delta,
        TrackEventKind::Midi {
            channel: u4::new(ch),
            message,
        },
    )
}

fn eot() -> TrackEvent<'static> {
    ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack))
}

/// "Ein feste Burg"-like opening in C major: (quarters, pitch).
const TUNE: [(u32, u8); 8] = [
    (1, 60),
    (1, 60),
    (1, 60),
    (1, 55),
    (1, 57),
    (1, 59),
    (2, 60),
    (4, 60),
];

fn melody_track(tpq: u32, ch: u8, transpose: i8) -> Vec<TrackEvent<'static>> {
    let mut t = vec![ev(
        0,
        TrackEventKind::Meta(MetaMessage::TrackName(b"Piano")),
    )];
    for (q, p) in TUNE {
        let p = (p as i8 + 12 + transpose) as u8;
        t.push(note(0, ch, p, 90));
        t.push(note(q * tpq, ch, p, 0));
    }
    t.push(eot());
    t
}

fn bytes(smf: &Smf) -> Vec<u8> {
    let mut b = Vec::new();
    smf.write_std(&mut b).unwrap();
    b
}

#[test]
fn soprano_only_single_track_at_96_and_480_tpq_without_key_signature() {
    for tpq in [96u16, 480] {
        let mut smf = Smf::new(Header::new(
            Format::SingleTrack,
            Timing::Metrical(u15::new(tpq)),
        ));
        smf.tracks.push(melody_track(tpq as u32, 0, 0));
        let score = midi::read_bytes(&bytes(&smf)).unwrap();
        assert_eq!(score.key_sig(), None);
        let grid = Grid::from_score(&score);
        assert_eq!(grid.voices.len(), 1);
        let s = grid
            .voice(Voice::Soprano)
            .expect("a single part is the soprano");
        let got: Vec<(usize, u8, usize)> = s
            .notes()
            .into_iter()
            .map(|(a, b, p)| (a.0, p.0, b.0 - a.0))
            .collect();
        let mut step = 0;
        let want: Vec<_> = TUNE
            .iter()
            .map(|&(q, p)| {
                step += 4 * q as usize;
                (step - 4 * q as usize, p + 12, 4 * q as usize)
            })
            .collect();
        assert_eq!(got, want, "tpq {tpq}");
        assert_eq!(s.onsets(), 8, "repeated C5s are separate notes");
        assert_eq!(
            grid.key(),
            Key::new(0, Mode::Major),
            "estimated from the melody"
        );
    }
}

#[test]
fn type_0_file_has_one_voice_per_channel() {
    let tpq = 480;
    let mut track = vec![ev(
        0,
        TrackEventKind::Meta(MetaMessage::KeySignature(-1, false)),
    )];
    // Soprano on channel 0 and alto on channel 1, interleaved in one track.
    for (q, p) in TUNE {
        track.push(note(0, 0, p + 12, 90));
        track.push(note(0, 1, p + 5, 70));
        track.push(note(q * tpq, 0, p + 12, 0));
        track.push(note(0, 1, p + 5, 0));
    }
    track.push(eot());
    let mut smf = Smf::new(Header::new(
        Format::SingleTrack,
        Timing::Metrical(u15::new(tpq as u16)),
    ));
    smf.tracks.push(track);
    let grid = Grid::from_score(&midi::read_bytes(&bytes(&smf)).unwrap());
    assert_eq!(grid.voices.len(), 2);
    assert_eq!(grid.voice(Voice::Alto).unwrap().pitch[0], Some(Pitch(65)));
    assert_eq!(
        grid.voice(Voice::Soprano).unwrap().pitch[0],
        Some(Pitch(72))
    );
}

#[test]
fn track_names_beat_track_order() {
    let tpq = 96u32;
    let mut smf = Smf::new(Header::new(
        Format::Parallel,
        Timing::Metrical(u15::new(tpq as u16)),
    ));
    let named = |name: &'static [u8], p: u8| {
        vec![
            ev(0, TrackEventKind::Meta(MetaMessage::TrackName(name))),
            note(0, 0, p, 80),
            note(tpq, 0, p, 0),
            eot(),
        ]
    };
    smf.tracks.push(named(b"Bass", 48));
    smf.tracks.push(named(b"Instrument 2", 60));
    smf.tracks.push(named(b"sopran", 72));
    let grid = Grid::from_score(&midi::read_bytes(&bytes(&smf)).unwrap());
    let first = |v| grid.voice(v).unwrap().pitch[0].unwrap().0;
    assert_eq!(
        (
            first(Voice::Soprano),
            first(Voice::Alto),
            first(Voice::Bass)
        ),
        (72, 60, 48)
    );
}
