//! Every limit of the MIDI reader on hand-made files: each is refused with a clear error before
//! anything is sized by it.

use altus_core::Error;
use altus_core::music::midi::limits::{MAX_NOTE_EVENTS, MAX_PROBLEMS};
use altus_core::music::midi::read_bytes;
use testkit::fuzz::{smf, vlq};

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
    // 10 bpm, one note lasting 100,000 quarters (under the step limit, 6.9 days).
    let mut t = vec![0x00, 0xFF, 0x51, 0x03, 0x5B, 0x8D, 0x80, 0x00, 0x90, 60, 80];
    t.extend(vlq(100_000));
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
    for i in 0..(MAX_NOTE_EVENTS as u32) {
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
    assert_eq!(s.problems.len(), MAX_PROBLEMS + 1);
    assert!(
        s.problems.last().unwrap().contains("60 more"),
        "{:?}",
        s.problems.last()
    );
}
