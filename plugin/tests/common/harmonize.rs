//! The bundles against `altus harmonize`: a host sets Key and Mode to the file's key, plays its
//! soprano, and every generated voice must play harmonize's notes on its channel, each struck
//! with a soprano note at the soprano note-on's very sample.

use super::{Host, Out, SR, check_balanced, play_song, song_events};
use altus_core::Grid;
use altus_core::Mode;
use altus_core::harmony::engine::DecodeOptions;
use altus_core::harmony::harmonize;

/// Each voice's note-ons (step, key) as `altus harmonize` writes them, in the file's key.
pub fn harmonized(grid: &Grid) -> [Vec<(usize, u8)>; 3] {
    let (model, _) = altus_core::embedded::default_harmony();
    let bar_pos = harmonize::bar_positions(grid, 0);
    let lines =
        harmonize::voice_lines(grid, &model, grid.key(), &bar_pos, DecodeOptions::default());
    lines.map(|l| l.notes().iter().map(|(a, _, p)| (a.0, p.0)).collect())
}

/// Plays `grid`'s soprano on `host` (Key and Mode set by parameter) at 120 bpm and checks every
/// voice against [`harmonized`]; `finish` stops the host and returns its output.
pub fn check<H: Host>(mut host: H, grid: &Grid, file: &str, finish: impl FnOnce(H) -> Vec<Out>) {
    let key = grid.key();
    // Key: Auto, C, C#, …, B (13 choices); Mode: Auto, Major, Minor.
    host.set_param("Key", (key.tonic as f64 + 1.0) / 12.0);
    host.set_param("Mode", if key.mode == Mode::Major { 0.5 } else { 1.0 });
    let events = song_events(grid, 120.0);
    let per_step = SR * 60.0 / 120.0 / 4.0;
    let end = (grid.len as f64 * per_step) as u64 + 8_000;
    play_song(&mut host, &events, end);
    let out = finish(host);
    check_balanced(&out).unwrap_or_else(|e| panic!("{file}: {e}"));
    for (v, want) in harmonized(grid).iter().enumerate() {
        let ch = 1 + v as u8;
        let got: Vec<(usize, u8)> = out
            .iter()
            .filter(|o| o.2 && o.3 == ch)
            .map(|o| ((o.0 as f64 / per_step).round() as usize, o.1))
            .filter(|(s, _)| *s < grid.len)
            .collect();
        assert_eq!(
            &got, want,
            "{file} in {key}: voice {v} is altus harmonize's"
        );
        assert!(want.len() > 20, "{file}: voice {v} plays");
        for &(t, _, _) in events.iter().filter(|e| e.2) {
            let step = (t as f64 / per_step).round() as usize;
            if want.iter().any(|(w, _)| *w == step) {
                assert!(
                    out.iter().any(|o| o.2 && o.3 == ch && o.0 == t),
                    "{file}: voice {v} note-on at the soprano's sample {t}"
                );
            }
        }
    }
}
