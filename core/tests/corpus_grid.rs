//! Real corpus facts: every chorale reads, round-trips through MIDI, and a known chorale's grid
//! matches an independent reading.

use altus_core::music::midi;
use altus_core::{Grid, Pitch, Voice};
use testkit::chorales_for_test;

/// Notes `(step, pitch, length)` of a voice, from the grid.
fn notes(grid: &Grid, v: Voice) -> Vec<(usize, u8, usize)> {
    grid.voice(v)
        .unwrap()
        .notes()
        .into_iter()
        .map(|(a, b, p)| (a.0, p.0, b.0 - a.0))
        .collect()
}

#[test]
fn known_chorale_grid() {
    let Some(dir) = chorales_for_test("known_chorale_grid") else {
        return;
    };
    let score = midi::read_file(&dir.join("000206b_.mid")).unwrap();
    let grid = Grid::from_score(&score);
    // Expected values from tests/fixtures/grid_fixture.py (mido, independent of Altus) on 000206b_.mid.
    let soprano = [
        (12, 69, 4),
        (16, 70, 4),
        (20, 69, 4),
        (24, 67, 4),
        (28, 74, 4),
        (32, 74, 2),
        (34, 72, 2),
        (36, 70, 4),
        (40, 69, 4),
        (44, 72, 4),
        (48, 70, 4),
        (52, 69, 4),
    ];
    let alto = [
        (12, 66, 4),
        (16, 67, 4),
        (20, 66, 4),
        (24, 67, 4),
        (28, 70, 4),
        (32, 69, 4),
        (36, 67, 4),
        (40, 66, 4),
        (44, 68, 4),
        (48, 67, 4),
        (52, 66, 4),
        (56, 61, 4),
    ];
    assert_eq!(notes(&grid, Voice::Soprano)[..12], soprano);
    assert_eq!(notes(&grid, Voice::Alto)[..12], alto);
    // The pickup: 3 beats of rest, so the first note falls on beat 4 of a 4/4 bar.
    let pos = grid.bar_positions();
    assert_eq!((pos[12], pos[16]), (12, 0));
    let s = grid.voice(Voice::Soprano).unwrap();
    assert_eq!(s.pitch[11], None);
    assert_eq!(
        (s.pitch[13], s.onset[13]),
        (Some(Pitch(69)), false),
        "held, not re-struck"
    );
    assert_eq!(grid.len, 252, "63 quarters (index.tsv length_quarters)");
    // Signature 1 flat, final bass D: D minor, moved down 5 semitones to A minor.
    assert_eq!(grid.key().name(), "Dm");
    assert_eq!(grid.key().shift_to_reference(), -5);
}

#[test]
fn every_chorale_round_trips_through_midi() {
    let Some(dir) = chorales_for_test("every_chorale_round_trips_through_midi") else {
        return;
    };
    let tmp = std::env::temp_dir().join(format!("altus-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let grid = Grid::from_score(&midi::read_file(&path).unwrap());
        let out = tmp.join("x.mid");
        grid.to_midi().write(&out).unwrap();
        let back = Grid::from_score(&midi::read_file(&out).unwrap());
        assert_eq!(back, grid, "{}", path.display());
        // Written tracks are named after their voices.
        let score = midi::read_file(&out).unwrap();
        assert_eq!(score.parts[0].name.as_deref(), Some("Soprano"));
        n += 1;
    }
    std::fs::remove_dir_all(&tmp).unwrap();
    assert_eq!(n, 432);
}
