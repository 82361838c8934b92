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

/// Every beat of `grid` at which something sounds, with its chord.
pub fn per_beat(grid: &Grid) -> Vec<Beat> {
    let pos = grid.bar_positions();
    let mut bar = if pos.first().is_some_and(|&p| p != 0) {
        0
    } else {
        1
    };
    let mut out = Vec::new();
    for (step, &p) in pos.iter().enumerate() {
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
