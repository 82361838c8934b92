//! How a voice moves and in what rhythm, counted over its notes (key-normalised lines):
//! - a *note* starts where the voice strikes or changes pitch and lasts while it holds that pitch;
//! - a *move* is one note to the next with no rest between and another pitch (a repeated note
//!   is no move); *steps* are moves of 1–2 semitones, *leaps* moves over a perfect fourth
//!   (6 semitones or more); the *mean interval* is over moves, in semitones;
//! - *returns*: moves straight back to the pitch the previous move left (A–B–A, a neighbour
//!   figure; a chain of them is a trill, which Bach's chorale voices hardly write);
//! - *odd starts*: notes starting on an odd 16th of the bar (between 8ths); *16ths*: notes one
//!   16th long;
//! - *mean pitch*: over the steps the voice sounds (MIDI, in C major / A minor).
//!
//! Counts add over files ([`Motion::add`]); shares are of the summed counts.

use crate::data::sequences::Line;

/// One voice's motion and rhythm counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Motion {
    /// Notes.
    pub notes: usize,
    /// Moves (adjacent notes of different pitch).
    pub moves: usize,
    /// … of 1 or 2 semitones.
    pub steps: usize,
    /// … of more than 5 semitones.
    pub leaps: usize,
    /// Sum of the moves' sizes in semitones.
    pub interval_sum: usize,
    /// Moves back to the pitch the previous move left.
    pub returns: usize,
    /// Notes starting on an odd 16th of the bar.
    pub odd_starts: usize,
    /// Notes one 16th long.
    pub sixteenths: usize,
    /// Steps the voice sounds.
    pub sounding: usize,
    /// Sum of its pitch over those steps.
    pub pitch_sum: u64,
}

/// `a / b`, 0 when `b` is 0 (a share of counts; here and in [`super::metrics`]).
pub(super) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Motion {
    /// Counts a line; `bar_pos[t]` is step `t`'s position in its bar, in 16ths.
    pub fn of(line: &Line, bar_pos: &[u16]) -> Motion {
        let mut m = Motion::default();
        // The note sounding: its start and pitch; the pitch the last move left, while the line
        // has not rested since.
        let mut note: Option<(usize, u8)> = None;
        let mut left: Option<u8> = None;
        let len = line.pitch.len();
        for t in 0..=len {
            let p = if t < len { line.pitch[t] } else { None };
            let starts = p.is_some_and(|p| line.onset[t] || note.map(|n| n.1) != Some(p));
            if let Some((start, q)) = note
                && (starts || p.is_none())
            {
                m.sixteenths += usize::from(t - start == 1);
                if let Some(p) = p.filter(|&p| p != q) {
                    let d = (p as i32 - q as i32).unsigned_abs() as usize;
                    m.moves += 1;
                    m.steps += usize::from(d <= 2);
                    m.leaps += usize::from(d > 5);
                    m.interval_sum += d;
                    m.returns += usize::from(left == Some(p));
                    left = Some(q);
                }
            }
            let Some(p) = p else {
                (note, left) = (None, None);
                continue;
            };
            m.sounding += 1;
            m.pitch_sum += p as u64;
            if starts {
                m.notes += 1;
                m.odd_starts += usize::from(bar_pos.get(t).is_some_and(|b| b % 2 == 1));
                note = Some((t, p));
            }
        }
        m
    }

    /// Adds another line's counts.
    pub fn add(&mut self, o: &Motion) {
        self.notes += o.notes;
        self.moves += o.moves;
        self.steps += o.steps;
        self.leaps += o.leaps;
        self.interval_sum += o.interval_sum;
        self.returns += o.returns;
        self.odd_starts += o.odd_starts;
        self.sixteenths += o.sixteenths;
        self.sounding += o.sounding;
        self.pitch_sum += o.pitch_sum;
    }

    /// Share of moves by step (1–2 semitones).
    pub fn step_share(&self) -> f64 {
        ratio(self.steps, self.moves)
    }
    /// Share of moves over a perfect fourth.
    pub fn leap_share(&self) -> f64 {
        ratio(self.leaps, self.moves)
    }
    /// Mean size of a move, in semitones.
    pub fn mean_interval(&self) -> f64 {
        ratio(self.interval_sum, self.moves)
    }
    /// Share of moves straight back to where the previous move came from.
    pub(crate) fn return_share(&self) -> f64 {
        ratio(self.returns, self.moves)
    }
    /// Share of notes starting on an odd 16th.
    pub fn odd_start_share(&self) -> f64 {
        ratio(self.odd_starts, self.notes)
    }
    /// Share of notes one 16th long.
    pub fn sixteenth_share(&self) -> f64 {
        ratio(self.sixteenths, self.notes)
    }
    /// Mean sounding pitch (MIDI).
    pub(crate) fn mean_pitch(&self) -> f64 {
        if self.sounding == 0 {
            0.0
        } else {
            self.pitch_sum as f64 / self.sounding as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line from (pitch or rest, 16ths, struck) notes.
    fn line(notes: &[(Option<u8>, usize)]) -> Line {
        let mut l = Line::default();
        for &(p, n) in notes {
            for i in 0..n {
                l.pitch.push(p);
                l.onset.push(i == 0 && p.is_some());
            }
        }
        l
    }

    #[test]
    fn counts_moves_steps_leaps_and_rhythm() {
        // 4/4 from the downbeat: C4 (4), D4 (2), E4 (1, on 16th 6), E4 again (1, odd 16th 7:
        // a repeated note, no move), A4 (4: a fourth up, no leap), rest (2), C5 (1, after the
        // rest: no move), G4 (1, odd 16th 15; a fourth down), C4 (4: a fifth down, a leap).
        let l = line(&[
            (Some(60), 4),
            (Some(62), 2),
            (Some(64), 1),
            (Some(64), 1),
            (Some(69), 4),
            (None, 2),
            (Some(72), 1),
            (Some(67), 1),
            (Some(60), 4),
        ]);
        let pos: Vec<u16> = (0..l.pitch.len()).map(|t| (t % 16) as u16).collect();
        let m = Motion::of(&l, &pos);
        assert_eq!(m.notes, 8);
        // Moves: +2, +2, +5, −5, −7; none goes back where it came from (the rest breaks A4 … C5).
        assert_eq!((m.moves, m.steps, m.leaps, m.interval_sum), (5, 2, 1, 21));
        assert_eq!(m.returns, 0);
        assert_eq!(m.odd_starts, 2);
        // One-16th notes: E4, E4, C5, G4.
        assert_eq!(m.sixteenths, 4);
        assert_eq!(m.sounding, 18);
        let pitch: u64 = 4 * 60 + 2 * 62 + 2 * 64 + 4 * 69 + 72 + 67 + 4 * 60;
        assert_eq!(m.pitch_sum, pitch);
        assert!((m.mean_interval() - 4.2).abs() < 1e-12);
        assert!((m.step_share() - 0.4).abs() < 1e-12);
        assert!((m.leap_share() - 0.2).abs() < 1e-12);
        assert!((m.odd_start_share() - 0.25).abs() < 1e-12);
        assert!((m.sixteenth_share() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_held_pitch_without_onset_is_one_note_and_counts_add() {
        // A tie: the same pitch, no onset, is one note; a last note cut by the end counts.
        let mut l = line(&[(Some(60), 3), (Some(59), 1)]);
        l.onset[2] = false;
        let pos = [1, 2, 3, 4];
        let m = Motion::of(&l, &pos);
        assert_eq!(
            (m.notes, m.moves, m.steps, m.odd_starts, m.sixteenths),
            (2, 1, 1, 1, 1)
        );
        let mut sum = m.clone();
        sum.add(&m);
        assert_eq!((sum.notes, sum.moves, sum.sixteenths), (4, 2, 2));
        assert_eq!(Motion::of(&Line::default(), &[]), Motion::default());
    }

    #[test]
    fn a_trill_is_counted_in_returns() {
        // G F# G F# (a trill in 8ths), E, and F# again (back to where F#→E left).
        let l = line(&[
            (Some(55), 2),
            (Some(54), 2),
            (Some(55), 2),
            (Some(54), 2),
            (Some(52), 2),
            (Some(54), 2),
        ]);
        let pos: Vec<u16> = (0..l.pitch.len()).map(|t| (t % 16) as u16).collect();
        let m = Motion::of(&l, &pos);
        // Moves: G→F#, F#→G (back), G→F# (back), F#→E, E→F# (back).
        assert_eq!((m.moves, m.returns), (5, 3));
        assert!((m.return_share() - 0.6).abs() < 1e-12);
    }
}
