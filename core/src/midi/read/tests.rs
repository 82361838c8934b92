//! The reader on hand-made files: pairing rules and every limit.

use super::*;
use crate::types::Pitch;

/// A type-1 file built by hand: conductor track plus one note track, 96 tpq.
fn file(track: Vec<u8>) -> Vec<u8> {
    let mut b = b"MThd\0\0\0\x06\0\x01\0\x01\0\x60".to_vec();
    b.extend_from_slice(b"MTrk");
    b.extend_from_slice(&(track.len() as u32).to_be_bytes());
    b.extend(track);
    b
}

#[test]
fn running_status_velocity_zero_and_repeated_note_on() {
    // on C4; (running status) on C4 again at the same tick; C4 vel 0 after a quarter;
    // then E4 on and a note-off E4.
    let s = read_bytes(&file(vec![
        0x00, 0x90, 60, 80, 0x00, 60, 80, 0x60, 60, 0, 0x00, 64, 90, 0x30, 0x80, 64, 0, 0x00, 0xFF,
        0x2F, 0x00,
    ]))
    .unwrap();
    let n = &s.parts[0].notes;
    assert_eq!(n.len(), 2);
    assert_eq!(
        (n[0].start, n[0].end, n[0].pitch),
        (Tick(0), Tick(96), Pitch(60))
    );
    assert_eq!(
        (n[1].start, n[1].end, n[1].pitch),
        (Tick(96), Tick(144), Pitch(64))
    );
}

#[test]
fn note_off_before_note_on_at_the_same_tick() {
    // C4 on at 0; at tick 96 the file says "on C4" before "off C4": a re-strike, not a
    // zero-length note.
    let s = read_bytes(&file(vec![
        0x00, 0x90, 60, 80, 0x60, 0x90, 60, 80, 0x00, 0x80, 60, 0, 0x60, 0x80, 60, 0, 0x00, 0xFF,
        0x2F, 0x00,
    ]))
    .unwrap();
    let n = &s.parts[0].notes;
    assert_eq!(n.len(), 2, "{n:?}");
    assert_eq!((n[0].start, n[0].end), (Tick(0), Tick(96)));
    assert_eq!((n[1].start, n[1].end), (Tick(96), Tick(192)));
}

#[test]
fn note_that_never_ends_is_closed_and_reported() {
    let s = read_bytes(&file(vec![
        0x00, 0x90, 60, 80, 0x83, 0x00, 0xFF, 0x2F, 0x00,
    ]))
    .unwrap();
    assert_eq!(s.parts[0].notes[0].end, Tick(384));
    assert!(s.problems[0].contains("never ends"), "{:?}", s.problems);
}

#[test]
fn smpte_and_garbage_are_clear_errors() {
    let mut smpte = file(vec![0x00, 0xFF, 0x2F, 0x00]);
    smpte[12] = 0xE7; // -25 fps
    smpte[13] = 40;
    assert!(matches!(read_bytes(&smpte), Err(Error::Unsupported(_))));
    assert!(matches!(read_bytes(b""), Err(Error::InvalidMidi(_))));
    assert!(matches!(
        read_bytes(b"RIFF1234"),
        Err(Error::InvalidMidi(_))
    ));
    let no_notes = file(vec![0x00, 0xFF, 0x2F, 0x00]);
    assert!(matches!(read_bytes(&no_notes), Err(Error::NoNotes)));
}

#[test]
fn zero_length_notes_last_one_step() {
    // C4 on then off at tick 0 (on first in the file): kept, a 16th (24 ticks at 96 tpq) long.
    // Then at tick 96, E4 off before E4 on in the file: a stray off, then a note to tick 192.
    let s = read_bytes(&file(vec![
        0x00, 0x90, 60, 80, 0x00, 0x80, 60, 0, 0x60, 0x80, 64, 0, 0x00, 0x90, 64, 80, 0x60, 0x80,
        64, 0, 0x00, 0xFF, 0x2F, 0x00,
    ]))
    .unwrap();
    let n = &s.parts[0].notes;
    assert_eq!(
        n.iter()
            .map(|n| (n.start.0, n.end.0, n.pitch.0))
            .collect::<Vec<_>>(),
        [(0, 24, 60), (96, 192, 64)]
    );
    assert!(s.problems.is_empty(), "{:?}", s.problems);
}

/// A header with `format`, `tracks` and `tpq`, then the track chunks.
fn smf(format: u8, tpq: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut b = b"MThd\0\0\0\x06\0".to_vec();
    b.push(format);
    b.extend_from_slice(&(tracks.len().min(0xFFFF) as u16).to_be_bytes());
    b.extend_from_slice(&tpq.to_be_bytes());
    for t in tracks {
        b.extend_from_slice(b"MTrk");
        b.extend_from_slice(&(t.len() as u32).to_be_bytes());
        b.extend_from_slice(t);
    }
    b
}

/// A variable-length delta.
fn vlq(mut v: u32) -> Vec<u8> {
    let mut out = vec![(v & 0x7F) as u8];
    v >>= 7;
    while v > 0 {
        out.insert(0, 0x80 | (v & 0x7F) as u8);
        v >>= 7;
    }
    out
}

fn limit(bytes: &[u8]) -> String {
    match read_bytes(bytes) {
        Err(e @ Error::Limit(_)) => e.to_string(),
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn huge_deltas_are_refused_before_anything_is_sized() {
    // One note, then a delta of 2^28 − 1 ticks at 1 tick per quarter: a billion 16ths.
    let mut t = vec![0x00, 0x90, 60, 80];
    t.extend(vlq(0x0FFF_FFFF));
    t.extend([0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00]);
    let e = limit(&smf(1, 1, &[t.clone()]));
    assert!(e.contains("32,768 bars"), "{e}");
    // The same delta chained on meta events.
    let mut chained = vec![0x00, 0x90, 60, 80];
    for _ in 0..30 {
        chained.extend(vlq(0x0FFF_FFFF));
        chained.extend([0xFF, 0x01, 0x00]);
    }
    chained.extend([0x00, 0x80, 60, 0]);
    assert!(limit(&smf(1, 1, &[chained])).contains("32,768 bars"));
}

#[test]
fn slow_tempo_beyond_24_hours_is_refused() {
    // 10 bpm, one note lasting 250,000 quarters (under the step limit, 6.9 days).
    let mut t = vec![0x00, 0xFF, 0x51, 0x03, 0x5B, 0x8D, 0x80, 0x00, 0x90, 60, 80];
    t.extend(vlq(250_000));
    t.extend([0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00]);
    let e = limit(&smf(1, 1, &[t]));
    assert!(e.contains("hours"), "{e}");
}

#[test]
fn too_many_tracks_parts_and_cells_are_refused() {
    let note = |k: u8| vec![0x00, 0x90, k, 80, 0x10, 0x80, k, 0, 0x00, 0xFF, 0x2F, 0x00];
    let mut many: Vec<Vec<u8>> = vec![vec![0x00, 0xFF, 0x2F, 0x00]; 299];
    many.push(note(60));
    assert!(limit(&smf(1, 96, &many)).contains("256 tracks"));
    let parts: Vec<Vec<u8>> = (0..65).map(|i| note(40 + i as u8)).collect();
    assert!(limit(&smf(1, 96, &parts)).contains("64 note parts"));
    // 40 parts, one of them ending at step 500,000: 20 million cells.
    let mut tracks: Vec<Vec<u8>> = (0..39).map(|i| note(40 + i as u8)).collect();
    let mut long = vec![0x00, 0x90, 90, 80];
    long.extend(vlq(500_000 * 24));
    long.extend([0x80, 90, 0, 0x00, 0xFF, 0x2F, 0x00]);
    tracks.push(long);
    assert!(limit(&smf(1, 96, &tracks)).contains("grid cells"));
}

#[test]
fn type_2_files_are_refused() {
    let t = vec![
        0x00, 0x90, 60, 80, 0x10, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00,
    ];
    let e = read_bytes(&smf(2, 96, &[t])).unwrap_err();
    assert!(
        matches!(e, Error::Unsupported(_)) && e.to_string().contains("type 2"),
        "{e}"
    );
}

#[test]
fn too_many_note_events_are_refused() {
    // Running status: 3 bytes per note event.
    let mut t = vec![0x00, 0x90, 60, 80];
    for i in 0..(super::MAX_NOTE_EVENTS as u32) {
        t.extend([0x00, 60, if i % 2 == 0 { 0 } else { 80 }]);
    }
    assert!(limit(&smf(1, 96, &[t])).contains("note events"));
}

#[test]
fn problems_are_listed_up_to_a_limit() {
    // 100 absurd tempos.
    let mut t = Vec::new();
    for _ in 0..100 {
        t.extend([0x00, 0xFF, 0x51, 0x03, 0, 0, 1]);
    }
    t.extend([
        0x00, 0x90, 60, 80, 0x10, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00,
    ]);
    let s = read_bytes(&smf(1, 96, &[t])).unwrap();
    assert_eq!(s.problems.len(), super::MAX_PROBLEMS + 1);
    assert!(
        s.problems.last().unwrap().contains("60 more"),
        "{:?}",
        s.problems.last()
    );
}
