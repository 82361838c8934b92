//! Chord names on Bach's own four voices: most beats are a triad or seventh chord (complete, or a
//! triad's root and third), and the final cadences are read as dominant to tonic.

use altus_core::Grid;
use altus_core::music::chord::beats::per_beat;
use altus_core::music::midi;
use testkit::chorales_for_test;

#[test]
fn most_of_bachs_beats_get_a_tertian_name() {
    let Some(dir) = chorales_for_test("most_of_bachs_beats_get_a_tertian_name") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut beats, mut named, mut chorales, mut last_tonic) = (0, 0, 0, 0);
    for f in files {
        let Ok(score) = midi::read_file(&f) else {
            continue;
        };
        let grid = Grid::from_score(&score);
        if grid.voices.len() != 4 {
            continue;
        }
        chorales += 1;
        let key = grid.key();
        // Beats where all four voices sound.
        let full: Vec<_> = per_beat(&grid, &grid.bar_positions())
            .into_iter()
            .filter(|b| b.pitches.len() == 4)
            .collect();
        beats += full.len();
        named += full.iter().filter(|b| b.chord.is_some()).count();
        // An authentic cadence at the end: the chord before the final one (held over however
        // many beats) is a dominant, V or V7 in any position.
        let last = full
            .last()
            .and_then(|b| b.chord)
            .map(|c| (c.root, c.quality));
        let before = full
            .iter()
            .rev()
            .filter_map(|b| b.chord)
            .find(|c| Some((c.root, c.quality)) != last);
        let dominant = before.is_some_and(|c| {
            let numeral = c.numeral(key);
            numeral.starts_with('V') && !numeral.contains('/')
        });
        last_tonic += dominant as usize;
    }
    let share = named as f64 / beats as f64;
    let tonic = last_tonic as f64 / chorales as f64;
    eprintln!(
        "{chorales} four-part chorales: {named} of {beats} four-voice beats named ({:.1}%); a dominant right before the final chord in {:.1}%",
        100.0 * share,
        100.0 * tonic
    );
    assert!(chorales > 300, "{chorales}");
    assert!(share > 0.85, "{named} of {beats} beats named");
    assert!(
        tonic > 0.75,
        "{last_tonic} of {chorales} have a V before the final chord"
    );
}
