//! A score's chords beat by beat: what sounds at each beat's first 16th, named.

use super::name::{Chord, identify};
use crate::music::grid::Grid;
use crate::music::score::Meter;

/// One beat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// Its first 16th step.
    pub step: usize,
    /// Bar number: 1 for the first full bar, 0 for a pickup.
    pub bar: usize,
    /// Beat in the bar, from 1.
    pub beat: usize,
    /// The pitches sounding then, lowest first.
    pub pitches: Vec<u8>,
    /// Their chord, if they make one.
    pub chord: Option<Chord>,
}

/// The beats where the chord changes (a beat with no chord ends the one before it), bar lines
/// where `bar_pos` (position in the bar of each step) puts them.
pub fn changes(grid: &Grid, bar_pos: &[u16]) -> Vec<Beat> {
    let mut out: Vec<Beat> = Vec::new();
    let mut last = None;
    for b in per_beat(grid, bar_pos) {
        let now = b.chord.map(|c| (c.root, c.quality, c.bass));
        if now != last {
            last = now;
            out.push(b);
        }
    }
    out
}

/// Every beat of `grid` at which something sounds, with its chord; `bar_pos` is each step's
/// position in its bar (the file's own: [`Grid::bar_positions`]; a melody whose pickup starts at
/// time 0: the harmonizer's estimate).
pub fn per_beat(grid: &Grid, bar_pos: &[u16]) -> Vec<Beat> {
    let pos = bar_pos;
    let mut bar = if pos.first().is_some_and(|&p| p != 0) {
        0
    } else {
        1
    };
    let mut out = Vec::new();
    for (step, &p) in pos.iter().enumerate().take(grid.len) {
        if p == 0 && step > 0 {
            bar += 1;
        }
        let (num, den) = grid.meter_at(step);
        let beat_len = Meter::beat_steps(num, den);
        if !(p as usize).is_multiple_of(beat_len) {
            continue;
        }
        let mut pitches: Vec<u8> = grid
            .voices
            .iter()
            .filter_map(|v| v.pitch[step].map(|p| p.0))
            .collect();
        if pitches.is_empty() {
            continue;
        }
        pitches.sort_unstable();
        out.push(Beat {
            step,
            bar,
            beat: p as usize / beat_len + 1,
            chord: identify(&pitches),
            pitches,
        });
    }
    out
}
