//! The model's per-step input, all binary, given as the indices of the active inputs.
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
//! | `PREV_ALTO` (33) | the alto of the previous step: MIDI 48–79 or rest |
//! | `PREV_ONSET` (1) | the previous alto step was struck (not held) |
//!
//! Output: 33 logits over alto classes (MIDI 48–79, then rest) and 1 logit for "re-strike"
//! (used when the chosen pitch equals the previous one).

/// Version of this layout; weight files record it and are refused when it differs.
pub const FEATURE_VERSION: u32 = 1;
/// Lowest soprano pitch with its own input.
pub const SOP_LO: u8 = 53;
/// Number of soprano pitches.
pub const SOP_N: usize = 36;
/// Lowest alto pitch class.
pub const ALTO_LO: u8 = 48;
/// Number of alto pitches; class `ALTO_N` is the rest.
pub const ALTO_N: usize = 32;
/// Alto classes including rest.
pub const CLASSES: usize = ALTO_N + 1;
/// The rest class.
pub const REST: usize = ALTO_N;
/// Model outputs: alto class logits then the re-strike logit.
pub const OUTPUTS: usize = CLASSES + 1;

const SOP: usize = 0;
const SOP_ONSET: usize = SOP + SOP_N + 1;
const POS: usize = SOP_ONSET + 1;
const DOWNBEAT: usize = POS + 16;
const MINOR: usize = DOWNBEAT + 1;
const PREV_ALTO: usize = MINOR + 1;
const PREV_ONSET: usize = PREV_ALTO + CLASSES;
/// Number of inputs.
pub const INPUTS: usize = PREV_ONSET + 1;
/// Most inputs active at once.
pub const MAX_ACTIVE: usize = 7;

/// Everything the model sees at one step (pitches key-normalised).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepFeatures {
    /// Soprano pitch, if it sounds.
    pub soprano: Option<u8>,
    /// The soprano strikes at this step.
    pub soprano_onset: bool,
    /// Position in the bar in 16ths.
    pub bar_pos: u16,
    /// Minor mode.
    pub minor: bool,
    /// Alto class of the previous step (`REST` for a rest).
    pub prev_alto: usize,
    /// The previous alto step was struck.
    pub prev_onset: bool,
}

impl StepFeatures {
    /// Writes the active input indices into `out`; returns how many.
    pub fn active(&self, out: &mut [u16; MAX_ACTIVE]) -> usize {
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
        push(PREV_ALTO + self.prev_alto.min(REST));
        if self.prev_onset {
            push(PREV_ONSET);
        }
        n
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

/// Alto class of a (key-normalised) pitch, folded into range; `REST` for none.
pub fn alto_class(p: Option<u8>) -> usize {
    p.map_or(REST, |p| fold(p, ALTO_LO, ALTO_N) as usize)
}

/// Pitch of an alto class, `None` for the rest.
pub fn class_pitch(c: usize) -> Option<u8> {
    (c < ALTO_N).then(|| ALTO_LO + c as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_folding() {
        assert_eq!(INPUTS, 90);
        let f = StepFeatures {
            soprano: Some(96),
            soprano_onset: true,
            bar_pos: 16,
            minor: true,
            prev_alto: 5,
            prev_onset: true,
        };
        let mut a = [0; MAX_ACTIVE];
        let n = f.active(&mut a);
        // 96 folds to 84 (index 31); bar position 16 (in a 24-step 12/8 bar) wraps to 0 but is no downbeat.
        assert_eq!(&a[..n], &[31, 37, 38, 55, 56 + 5, 89]);
        assert_eq!(alto_class(Some(84)), 24); // 84 → 72
        assert_eq!(class_pitch(REST), None);
    }
}
