//! Bars and written note values: where the bar lines fall on the grid, and how a span of 16ths
//! is written as tied notes a reader takes in at a glance (no value hides a beat it crosses).

use crate::music::grid::Grid;
use crate::music::score::Meter;

/// One bar of the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// First step.
    pub start: usize,
    /// One past the last step.
    pub end: usize,
    /// Position in the bar of `start` (non-zero for a pickup).
    pub offset: usize,
    /// The metre in force.
    pub meter: (u8, u8),
}

impl Bar {
    /// Its full length in 16ths under its metre.
    pub fn full(&self) -> usize {
        Meter::bar_steps(self.meter.0, self.meter.1)
    }

    /// Whether it is shorter than its metre says (a pickup, or a last bar completing one).
    pub fn incomplete(&self) -> bool {
        self.end - self.start < self.full()
    }
}

/// The bars from step `from` to the grid's end: a bar line wherever `bar_pos` returns to 0.
pub fn bars(grid: &Grid, bar_pos: &[u16], from: usize) -> Vec<Bar> {
    let len = grid.len.min(bar_pos.len());
    let mut out = Vec::new();
    let mut start = from;
    while start < len {
        let end = (start + 1..len).find(|&t| bar_pos[t] == 0).unwrap_or(len);
        out.push(Bar {
            start,
            end,
            offset: bar_pos[start] as usize,
            meter: grid.meter_at(start),
        });
        start = end;
    }
    out
}

/// The written values, in 16ths, that MusicXML's note types (with up to one dot) can show.
const VALUES: [usize; 9] = [24, 16, 12, 8, 6, 4, 3, 2, 1];

/// A span of `len` 16ths starting at position `pos` of a bar whose beat is `beat` 16ths, as
/// written values in order (to be tied): the longest value that either stays within one beat or
/// starts on a beat and lasts whole beats (or a beat and a half: the dotted beat), and never
/// crosses the bar's middle unless it starts the bar.
pub fn values(mut pos: usize, mut len: usize, beat: usize, bar: usize) -> Vec<usize> {
    let beat = beat.max(1);
    let mut out = Vec::new();
    while len > 0 {
        let fits = |v: usize| {
            let within_beat = pos / beat == (pos + v - 1) / beat;
            let on_beat = pos.is_multiple_of(beat);
            let whole_beats = on_beat && (v.is_multiple_of(beat) || 2 * v == 3 * beat);
            let half = bar / 2;
            let crosses_middle = bar.is_multiple_of(2 * beat)
                && !pos.is_multiple_of(bar)
                && pos < half
                && pos + v > half;
            v <= len && (within_beat || whole_beats) && !crosses_middle
        };
        let v = VALUES.into_iter().find(|&v| fits(v)).unwrap_or(1);
        out.push(v);
        pos += v;
        len -= v;
    }
    out
}

/// MusicXML's note type and dot count for a written value in 16ths.
pub(crate) fn note_type(value: usize) -> (&'static str, bool) {
    match value {
        24 => ("whole", true),
        16 => ("whole", false),
        12 => ("half", true),
        8 => ("half", false),
        6 => ("quarter", true),
        4 => ("quarter", false),
        3 => ("eighth", true),
        2 => ("eighth", false),
        _ => ("16th", false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_values_stay_whole() {
        // 4/4: beat 4, bar 16.
        assert_eq!(values(0, 16, 4, 16), vec![16]);
        assert_eq!(values(0, 8, 4, 16), vec![8]);
        assert_eq!(values(8, 8, 4, 16), vec![8]);
        assert_eq!(values(0, 12, 4, 16), vec![12]);
        assert_eq!(values(4, 4, 4, 16), vec![4]);
        assert_eq!(values(0, 6, 4, 16), vec![6]);
        assert_eq!(values(2, 2, 4, 16), vec![2]);
        // 3/4: a half on the second beat is whole; 6/8: dotted quarters.
        assert_eq!(values(4, 8, 4, 12), vec![8]);
        assert_eq!(values(0, 6, 6, 12), vec![6]);
        assert_eq!(values(6, 6, 6, 12), vec![6]);
    }

    #[test]
    fn beats_and_the_middle_show() {
        // A quarter from the second 8th of beat 1 is an 8th tied to an 8th.
        assert_eq!(values(2, 4, 4, 16), vec![2, 2]);
        // A half on beat 2 of 4/4 crosses the middle: quarter + quarter.
        assert_eq!(values(4, 8, 4, 16), vec![4, 4]);
        // Five 16ths from the downbeat: quarter + 16th.
        assert_eq!(values(0, 5, 4, 16), vec![4, 1]);
        // The values always add up.
        for pos in 0..16 {
            for len in 1..=16 - pos {
                assert_eq!(values(pos, len, 4, 16).iter().sum::<usize>(), len);
            }
        }
    }
}
