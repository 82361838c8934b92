//! Fuzz-style tests in the normal suite: random bytes and mutated real files never panic.

use altus_core::Grid;
use altus_core::music::midi;
use altus_core::rng::Rng;
use testkit::chorales_for_test;

/// Everything a reader of untrusted bytes does; must return, never panic.
fn exercise(bytes: &[u8]) {
    if let Ok(score) = midi::read_bytes(bytes) {
        let grid = Grid::from_score(&score);
        let _ = grid.key();
        let _ = grid.bar_positions();
        let _ = grid.to_midi().to_bytes();
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(1);
    for i in 0..3000 {
        let len = rng.below(300);
        let mut b: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if i % 2 == 0 && b.len() >= 14 {
            // A valid header in front makes the track parser do the work.
            b[..14].copy_from_slice(b"MThd\0\0\0\x06\0\x01\0\x02\x01\xE0");
        }
        exercise(&b);
    }
}

#[test]
fn mutated_and_truncated_chorales_never_panic() {
    let Some(dir) = chorales_for_test("mutated_and_truncated_chorales_never_panic") else {
        return;
    };
    let mut rng = Rng::new(7);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files.iter().step_by(9) {
        let orig = std::fs::read(path).unwrap();
        for _ in 0..40 {
            let mut b = orig.clone();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next_u64() as u8;
            }
            exercise(&b);
            let cut = rng.below(orig.len());
            exercise(&orig[..cut]);
        }
    }
}

#[test]
fn degenerate_files_give_clear_errors() {
    // Header only, zero tracks.
    let e = midi::read_bytes(b"MThd\0\0\0\x06\0\x01\0\x00\0\x60").unwrap_err();
    assert!(e.to_string().contains("no tracks"), "{e}");
    // A track with only an absurd tempo (1 µs per quarter) and no notes.
    let t = b"MThd\0\0\0\x06\0\x01\0\x01\0\x60MTrk\0\0\0\x0B\0\xFF\x51\x03\0\0\x01\0\xFF\x2F\0";
    let e = midi::read_bytes(t).unwrap_err();
    assert!(e.to_string().contains("no notes"), "{e}");
}
