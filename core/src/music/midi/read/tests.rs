//! The reader on hand-made files: pairing rules and every limit.

use super::*;
use crate::music::types::Pitch;

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
