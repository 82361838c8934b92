//! Metrical phase estimation on real melodies: every chorale soprano with its leading rest cut
//! off (as notation software exports a pickup), estimated against the truth the corpus gives.

use altus_core::music::grid::VoiceLine;
use altus_core::music::midi;
use altus_core::music::phase;
use altus_core::{Grid, Voice};
use testkit::chorales_for_test;

#[test]
fn phase_of_chorale_melodies_starting_at_time_zero() {
    let Some(dir) = chorales_for_test("phase_of_chorale_melodies_starting_at_time_zero") else {
        return;
    };
    let (mut right, mut total, mut with_pickup, mut pickup_right) = (0, 0, 0, 0);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let grid = Grid::from_score(&midi::read_file(&path).unwrap());
        if grid.meters.len() != 1 {
            continue;
        }
        let (num, den) = grid.meter_at(0);
        let s = grid.voice(Voice::Soprano).unwrap();
        let first = s.onset.iter().position(|&o| o).unwrap();
        let truth = grid.bar_positions()[first] as usize;
        let cut = VoiceLine {
            voice: Voice::Soprano,
            pitch: s.pitch[first..].to_vec(),
            onset: s.onset[first..].to_vec(),
        };
        let est = phase::estimate(&cut, num, den);
        total += 1;
        right += usize::from(est == truth);
        if truth != 0 {
            with_pickup += 1;
            pickup_right += usize::from(est == truth);
        }
    }
    eprintln!("phase: {right}/{total} right; with a pickup {pickup_right}/{with_pickup}");
    assert!(total > 400, "{total}");
    // Measured 2026-11-22: 395/424 right, 268/294 of those with a pickup.
    assert!(right * 100 >= total * 90, "{right}/{total}");
    assert!(
        pickup_right * 100 >= with_pickup * 88,
        "{pickup_right}/{with_pickup}"
    );
}
