//! A voice as a piano roll, the prototype's representation (its `note2binary`): the data side's
//! n-d array view of a grid.

use altus_core::{Grid, Voice};
use ndarray::Array2;

/// One voice of `grid` as `len × 128`, 1 where the pitch sounds (a missing voice: all 0).
pub fn piano_roll(grid: &Grid, v: Voice) -> Array2<u8> {
    let mut roll = Array2::zeros((grid.len, 128));
    if let Some(line) = grid.voice(v) {
        for (t, p) in line.pitch.iter().enumerate() {
            if let Some(p) = p {
                roll[[t, p.0 as usize]] = 1;
            }
        }
    }
    roll
}
