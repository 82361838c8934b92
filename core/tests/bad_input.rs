//! Fuzz-style tests in the normal suite: random bytes and mutated real files never panic, and
//! enough of them read as scores that the grid and the writer are exercised too.

use altus_core::Grid;
use altus_core::music::midi;
use altus_core::rng::Rng;
use testkit::chorales_for_test;

/// Everything a reader of untrusted bytes does; must return, never panic. True when the bytes
/// were read as a score and went through the grid.
fn exercise(bytes: &[u8]) -> bool {
    let Ok(score) = midi::read_bytes(bytes) else {
        return false;
    };
    let grid = Grid::from_score(&score);
    let _ = grid.key();
    let _ = grid.bar_positions();
    let _ = grid.to_midi().to_bytes();
    true
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(1);
    let mut reached = [0usize; 3];
    for i in 0..3000 {
        let len = rng.below(300);
        let mut b: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        match i % 3 {
            // A valid header in front makes the chunk parser do the work.
            1 if b.len() >= 14 => b[..14].copy_from_slice(b"MThd\0\0\0\x06\0\x01\0\x02\x01\xE0"),
            // A valid header and track chunk around note events with random keys, velocities,
            // deltas and channels (some bytes random anywhere): the reader and the grid work.
            2 => b = random_notes(&mut rng),
            _ => {}
        }
        reached[i % 3] += exercise(&b) as usize;
    }
    eprintln!("read as scores (plain, header, notes): {reached:?} of 1000 each");
    // The cases must get past the header, or they test only the first 14 bytes.
    assert!(reached[2] > 800, "random notes read as scores: {reached:?}");
}

/// A type-1 file whose one track holds random note events (and a few random bytes).
fn random_notes(rng: &mut Rng) -> Vec<u8> {
    let mut t = Vec::new();
    for _ in 0..1 + rng.below(40) {
        t.extend(testkit::fuzz::vlq(rng.below(2000) as u32));
        let status = if rng.below(2) == 0 { 0x90 } else { 0x80 } | rng.below(16) as u8;
        t.extend([status, 36 + rng.below(60) as u8, rng.below(128) as u8]);
        if rng.below(20) == 0 {
            t.push(rng.next_u64() as u8);
        }
    }
    t.extend([0x00, 0xFF, 0x2F, 0x00]);
    testkit::fuzz::smf(1, 480, &[t])
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
    let (mut cases, mut reached) = (0, 0);
    for path in files.iter().step_by(9) {
        let orig = std::fs::read(path).unwrap();
        for _ in 0..40 {
            let mut b = orig.clone();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next_u64() as u8;
            }
            reached += exercise(&b) as usize;
            let cut = rng.below(orig.len());
            reached += exercise(&orig[..cut]) as usize;
            cases += 2;
        }
    }
    eprintln!("{reached} of {cases} mutated or cut chorales read as scores");
    // Most mutations leave a readable file: the grid and the writer see damaged scores.
    assert!(
        reached * 10 > cases * 8,
        "{reached} of {cases} mutated files read as scores"
    );
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
