//! The model's per-step input, all binary, given as the indices of the active inputs, and its
//! output layout.
//!
//! Feature spec version [`FEATURE_VERSION`], on key-normalised music (C major / A minor):
//!
//! | inputs | what |
//! |---|---|
//! | `SOP` (37) | soprano pitch one-hot, MIDI 53–88 (folded by octaves), or rest |
//! | `SOP_ONSET` (1) | the soprano strikes a note at this step |
//! | `POS` (16) | position in the bar modulo 16 (16ths) |
//! | `DOWNBEAT` (1) | first step of a bar |
//! | `MINOR` (1) | the piece is in minor |
//! | `DEGREE` (12) | the soprano's pitch class (its scale degree, the key being C / A) |
//! | `STRENGTH` (5) | metrical strength of the step: downbeat, half bar, beat, half beat, other |
//! | `MOTION` (26) | interval from the previous soprano note, −12…+12 semitones (clipped), or none |
//! | `HELD` (8) | 16ths since the soprano last struck, 0…7 (7: longer) |
//! | `PREV` (3 × 57) | each generated voice's class at the previous step (MIDI 28–83, or rest) |
//! | `PREV_ONSET` (3) | each generated voice struck at the previous step |
//! | `INTERVAL` (3 × 13) | each generated voice's previous pitch to the soprano now, in semitones modulo 12, or none (either rests) |
//! | `OVER_BASS` (2 × 13) | the alto's and tenor's previous pitches above the previous bass, modulo 12, or none |
//! | `NEXT_PC` (13) | lookahead: the soprano's next note's pitch class, or none |
//! | `NEXT_MOTION` (26) | lookahead: from the soprano now to its next note, −12…+12 (clipped), or none |
//! | `NEXT_IN` (9) | lookahead: 16ths to the next note, 1…8 (8: more), or none |
//! | `AFTER_MOTION` (26) | lookahead: from the next note to the one after, −12…+12, or none |
//!
//! The extra soprano features (`DEGREE` … `HELD`), the previous voices (`PREV`, `PREV_ONSET`)
//! and the intervals can each be left out ([`Inputs`]), for the ablations; the lookahead inputs
//! ([`super::ahead`]) are only for the offline model.
//!
//! Output, per generated voice in [`VOICES`] order (alto, tenor, bass): [`CLASSES`] logits over
//! MIDI 28–83 then rest, and one "re-strike" logit (used when the chosen pitch is the one
//! already sounding): [`HEAD`] values, [`OUTPUTS`] in all.

use super::ahead::Ahead;
use serde::{Deserialize, Serialize};

/// Version of this layout; weight files record it and are refused when it differs.
pub const FEATURE_VERSION: u32 = 3;
/// Lowest soprano pitch with its own input.
pub const SOP_LO: u8 = 53;
/// Number of soprano pitches.
pub const SOP_N: usize = 36;
/// The generated voices: alto, tenor, bass.
pub const VOICES: usize = 3;
/// Lowest pitch of a generated voice's classes.
pub(crate) const PITCH_LO: u8 = 28;
/// Pitches per voice (MIDI 28–83); class `PITCHES` is the rest.
pub(crate) const PITCHES: usize = 56;
/// Classes per voice including rest.
pub const CLASSES: usize = PITCHES + 1;
/// The rest class.
pub const REST: usize = PITCHES;
/// Outputs per voice: class logits then the re-strike logit.
pub const HEAD: usize = CLASSES + 1;
/// Model outputs: the three voices' heads.
pub const OUTPUTS: usize = VOICES * HEAD;

const SOP: usize = 0;
const SOP_ONSET: usize = SOP + SOP_N + 1;
const POS: usize = SOP_ONSET + 1;
const DOWNBEAT: usize = POS + 16;
const MINOR: usize = DOWNBEAT + 1;
const DEGREE: usize = MINOR + 1;
const STRENGTH: usize = DEGREE + 12;
const MOTION: usize = STRENGTH + 5;
const HELD: usize = MOTION + 26;
const PREV: usize = HELD + 8;
const PREV_ONSET: usize = PREV + VOICES * CLASSES;
const INTERVAL: usize = PREV_ONSET + VOICES;
const OVER_BASS: usize = INTERVAL + VOICES * 13;
const NEXT_PC: usize = OVER_BASS + 2 * 13;
const NEXT_MOTION: usize = NEXT_PC + 13;
const NEXT_IN: usize = NEXT_MOTION + 26;
const AFTER_MOTION: usize = NEXT_IN + 9;
/// Number of inputs.
pub const INPUTS: usize = AFTER_MOTION + 26;
/// Most inputs active at once.
pub const MAX_ACTIVE: usize = 24;

/// Which optional inputs a model uses (stored in its weight file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The soprano's scale degree, metrical strength, motion and held time.
    pub soprano_context: bool,
    /// The generated voices' previous classes and onsets.
    pub previous_voices: bool,
    /// Each voice's previous pitch to the soprano now, and the alto's and tenor's previous
    /// pitches above the previous bass, modulo 12.
    #[serde(default)]
    pub intervals: bool,
    /// The soprano's next notes (the offline model only: [`super::ahead`]).
    #[serde(default)]
    pub lookahead: bool,
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            soprano_context: true,
            previous_voices: true,
            intervals: true,
            lookahead: false,
        }
    }
}

/// Everything the model sees at one step (pitches key-normalised).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepFeatures {
    /// Soprano pitch, if it sounds.
    pub soprano: Option<u8>,
    /// The soprano strikes at this step.
    pub soprano_onset: bool,
    /// Position in the bar in 16ths.
    pub bar_pos: u16,
    /// Metrical strength 0–4 ([`crate::music::phase::strength`]).
    pub strength: u8,
    /// Minor mode.
    pub minor: bool,
    /// The soprano's previous (different) note, if any.
    pub prev_soprano: Option<u8>,
    /// 16ths since the soprano last struck (capped at 7).
    pub held: u8,
    /// Each voice's class at the previous step (`REST` for a rest).
    pub prev: [usize; VOICES],
    /// Each voice struck at the previous step.
    pub prev_onset: [bool; VOICES],
    /// The soprano's next notes (read by lookahead models only).
    pub ahead: Ahead,
}

impl Default for StepFeatures {
    fn default() -> Self {
        StepFeatures {
            soprano: None,
            soprano_onset: false,
            bar_pos: 0,
            strength: 0,
            minor: false,
            prev_soprano: None,
            held: 0,
            prev: [REST; VOICES],
            prev_onset: [false; VOICES],
            ahead: Ahead::default(),
        }
    }
}

impl StepFeatures {
    /// Writes the active input indices into `out`; returns how many.
    pub fn active(&self, inputs: Inputs, out: &mut [u16; MAX_ACTIVE]) -> usize {
        let mut n = 0;
        let mut push = |i: usize| {
            out[n] = i as u16;
            n += 1;
        };
        push(
            SOP + self
                .soprano
                .map_or(SOP_N, |p| fold(p, SOP_LO, SOP_N) as usize),
        );
        if self.soprano_onset {
            push(SOP_ONSET);
        }
        push(POS + (self.bar_pos % 16) as usize);
        if self.bar_pos == 0 {
            push(DOWNBEAT);
        }
        if self.minor {
            push(MINOR);
        }
        if inputs.soprano_context {
            if let Some(s) = self.soprano {
                push(DEGREE + (s % 12) as usize);
            }
            push(STRENGTH + self.strength.min(4) as usize);
            let motion = match (self.prev_soprano, self.soprano) {
                (Some(a), Some(b)) => (b as i32 - a as i32).clamp(-12, 12) + 12,
                _ => 25,
            };
            push(MOTION + motion as usize);
            push(HELD + self.held.min(7) as usize);
        }
        if inputs.previous_voices {
            for v in 0..VOICES {
                push(PREV + v * CLASSES + self.prev[v].min(REST));
                if self.prev_onset[v] {
                    push(PREV_ONSET + v);
                }
            }
        }
        if inputs.intervals {
            let above = |hi: Option<u8>, lo: Option<u8>| match (hi, lo) {
                (Some(h), Some(l)) => (h as i32 - l as i32).rem_euclid(12) as usize,
                _ => 12,
            };
            let prev = self.prev.map(class_pitch);
            for (v, &p) in prev.iter().enumerate() {
                push(INTERVAL + v * 13 + above(self.soprano, p));
            }
            for (v, &p) in prev[..2].iter().enumerate() {
                push(OVER_BASS + v * 13 + above(p, prev[2]));
            }
        }
        if inputs.lookahead {
            self.push_ahead(&mut push);
        }
        n
    }

    fn push_ahead(&self, push: &mut impl FnMut(usize)) {
        let motion = |a: Option<u8>, b: Option<u8>| match (a, b) {
            (Some(a), Some(b)) => ((b as i32 - a as i32).clamp(-12, 12) + 12) as usize,
            _ => 25,
        };
        let a = self.ahead;
        push(NEXT_PC + a.next.map_or(12, |p| (p % 12) as usize));
        push(NEXT_MOTION + motion(self.soprano, a.next));
        push(
            NEXT_IN
                + if a.next.is_some() {
                    a.next_in.clamp(1, 8) as usize - 1
                } else {
                    8
                },
        );
        push(AFTER_MOTION + motion(a.next, a.after));
    }
}

/// Follows the soprano step by step for the `MOTION` and `HELD` inputs: the note before the
/// current one, and how many 16ths ago the soprano last struck or changed. The engine and the
/// training data use this one definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SopranoTrack {
    /// The soprano at the previous step.
    last_step: Option<u8>,
    /// The note before the current one, and the current one.
    notes: (Option<u8>, Option<u8>),
    /// 16ths since the soprano last struck or changed (saturating).
    held: u8,
}

impl SopranoTrack {
    /// The soprano's next step; returns `(previous note, held)` for this step's features.
    pub fn advance(&mut self, soprano: Option<u8>, onset: bool) -> (Option<u8>, u8) {
        if onset || soprano != self.last_step {
            if soprano.is_some() && soprano != self.notes.1 {
                self.notes = (self.notes.1, soprano);
            }
            self.held = 0;
        } else {
            self.held = self.held.saturating_add(1);
        }
        self.last_step = soprano;
        (self.notes.0, self.held)
    }

    /// The same soprano in a frame `delta` semitones away (a key change).
    pub fn transpose(&mut self, delta: i32) {
        let t = |p: Option<u8>| {
            p.and_then(|p| u8::try_from(p as i32 + delta).ok().filter(|p| *p < 128))
        };
        self.last_step = t(self.last_step);
        self.notes = (t(self.notes.0), t(self.notes.1));
    }
}

/// Folds a pitch by octaves into `lo..lo+n`, returning its index.
pub fn fold(p: u8, lo: u8, n: usize) -> u8 {
    let mut p = p as i32;
    let (lo, hi) = (lo as i32, lo as i32 + n as i32);
    while p < lo {
        p += 12;
    }
    while p >= hi {
        p -= 12;
    }
    (p - lo) as u8
}

/// A voice's class of a (key-normalised) pitch, folded into range; `REST` for none.
pub fn class_of(p: Option<u8>) -> usize {
    p.map_or(REST, |p| fold(p, PITCH_LO, PITCHES) as usize)
}

/// The pitch of a class, `None` for the rest.
pub(crate) fn class_pitch(c: usize) -> Option<u8> {
    (c < PITCHES).then(|| PITCH_LO + c as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_folding() {
        assert_eq!(INPUTS, 107 + 3 * CLASSES + 3 + 5 * 13 + 13 + 26 + 9 + 26);
        let f = StepFeatures {
            soprano: Some(96),
            soprano_onset: true,
            bar_pos: 16,
            strength: 4,
            minor: true,
            prev_soprano: Some(79),
            held: 9,
            prev: [5, REST, 0],
            prev_onset: [true, false, false],
            ahead: Ahead {
                next: Some(74),
                next_in: 11,
                after: None,
            },
        };
        let mut a = [0; MAX_ACTIVE];
        let n = f.active(Inputs::default(), &mut a);
        // 96 folds to 84 (index 31); bar position 16 (in a 24-step 12/8 bar) wraps to 0 but is no
        // downbeat; motion +17 clips to +12; held 9 caps at 7.
        let want = [
            31,
            37,
            38,
            MINOR as u16,
            DEGREE as u16,
            STRENGTH as u16 + 4,
            MOTION as u16 + 24,
            HELD as u16 + 7,
            PREV as u16 + 5,
            PREV_ONSET as u16,
            (PREV + CLASSES + REST) as u16,
            (PREV + 2 * CLASSES) as u16,
            // 96 over MIDI 33 (class 5) is 63 semitones: 3 modulo 12; the tenor rests; 96 over
            // MIDI 28 is 68: 8.
            (INTERVAL + 3) as u16,
            (INTERVAL + 13 + 12) as u16,
            (INTERVAL + 26 + 8) as u16,
            // The alto (MIDI 33) over the bass (28): 5; the tenor rests.
            (OVER_BASS + 5) as u16,
            (OVER_BASS + 13 + 12) as u16,
        ];
        assert_eq!(&a[..n], &want);
        let ahead = Inputs {
            lookahead: true,
            ..Inputs::default()
        };
        assert_eq!(f.active(ahead, &mut a), n + 4);
        // D (2), 74 − 96 clips to −12, 11 16ths away (8: more), nothing after.
        let want_ahead = [NEXT_PC + 2, NEXT_MOTION, NEXT_IN + 7, AFTER_MOTION + 25];
        assert_eq!(&a[n..n + 4], &want_ahead.map(|i| i as u16));
        let bare = Inputs {
            soprano_context: false,
            previous_voices: false,
            intervals: false,
            lookahead: false,
        };
        assert_eq!(f.active(bare, &mut a), 4);
        assert_eq!(class_of(Some(84)), 84 - 12 - PITCH_LO as usize);
        assert_eq!(class_pitch(REST), None);
    }
}
