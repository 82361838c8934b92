//! Where the downbeats fall when a file does not say.
//!
//! The chorale files pad their pickup bars with rests, so the time signature's bar lines are
//! right. A melody exported from notation software usually starts with its pickup note at time 0,
//! which puts every bar line in the wrong place. [`estimate`] scores every phase:
//! - each note adds its position's metrical strength × log2(1 + its length): long notes sit on
//!   strong beats;
//! - the last note starting on a downbeat or half bar, and the melody ending on a bar line, add
//!   [`W_LAST`] and [`W_END`] (hymn tunes end on a strong beat, often completing the bar);
//! - starting on a downbeat or with a one-beat pickup, the usual cases, adds [`W_PRIOR`].
//!
//! The three weights were chosen on the chorale sopranos (tests/phase_corpus.rs measures them).

use crate::music::grid::VoiceLine;
use crate::music::score::Meter;

/// Bonus for a last note on a downbeat or half bar.
pub(crate) const W_LAST: f64 = 16.0;
/// Bonus for a melody that ends on a bar line.
pub(crate) const W_END: f64 = 8.0;
/// Bonus for no pickup or a one-beat pickup.
pub(crate) const W_PRIOR: f64 = 8.0;

/// Metrical strength of a position in a bar: downbeat 4, half bar 3 (duple metres), beat 2,
/// half beat 1, otherwise 0.
pub fn strength(pos: usize, num: u8, den: u8) -> u32 {
    let bar = Meter::bar_steps(num, den);
    let beat = Meter::beat_steps(num, den);
    let beats = bar / beat.max(1);
    if pos == 0 {
        4
    } else if beats.is_multiple_of(2) && beats >= 4 && pos == bar / 2 {
        3
    } else if pos.is_multiple_of(beat) {
        2
    } else if pos.is_multiple_of((beat / 2).max(1)) && beat > 1 {
        1
    } else {
        0
    }
}

/// The bar position of step 0 (0 = the melody starts on a downbeat) that best fits the melody.
pub fn estimate(melody: &VoiceLine, num: u8, den: u8) -> usize {
    let bar = Meter::bar_steps(num, den);
    let beat = Meter::beat_steps(num, den);
    let notes = melody.notes();
    let Some(&(last, end, _)) = notes.last() else {
        return 0;
    };
    let (last, end) = (last.0, end.0);
    let score = |phase: usize| {
        let mut s = 0.0f64;
        for &(a, b, _) in &notes {
            s += strength((a.0 + phase) % bar, num, den) as f64 * (1.0 + (b.0 - a.0) as f64).log2();
        }
        if strength((last + phase) % bar, num, den) >= 3 {
            s += W_LAST;
        }
        if (end + phase).is_multiple_of(bar) {
            s += W_END;
        }
        if phase == 0 || phase + beat == bar {
            s += W_PRIOR;
        }
        s
    };
    (0..bar)
        .max_by(|&a, &b| score(a).total_cmp(&score(b)).then(b.cmp(&a)))
        .unwrap_or(0)
}
