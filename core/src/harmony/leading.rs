//! Voice-leading preferences the decoder adds to the model's log-probabilities: how a chorale's
//! lower voices move. A causal model trained on its own rollouts learns to correct itself at
//! once, wherever it is in the bar; Bach's voices move on beats and 8ths, by step, often against
//! the soprano. These terms (in nats, chosen on the selection split for each model by `altus
//! train` and stored in its weight file) tilt each 16th's choice that way:
//! - a bonus for keeping the previous pitch, by metrical strength (odd 16th, 8th, beat) and by
//!   whether the soprano strikes;
//! - a bonus for a move by step (1–2 semitones), and a cost per semitone of a move beyond one;
//! - a bonus for moving against the soprano's direction;
//! - the model's own total probability of each kind of move (hold, step, third, fourth or fifth,
//!   larger), weighted: a voice whose model spreads its belief in a step over four pitches still
//!   steps, where the single most likely pitch would be a chord root a leap away.

use super::decode::Context;
use super::features::{CLASSES, class_pitch};
use serde::{Deserialize, Serialize};

/// Voice-leading weights, in nats added to a class's log-probability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Leading {
    /// Bonus for keeping the previous pitch: `[voice][strength][soprano strikes]`, strength 0
    /// an odd 16th, 1 an 8th between beats, 2 a beat or stronger.
    pub hold: [[[f32; 2]; 3]; 3],
    /// Bonus for a move of 1–2 semitones, per voice (alto, tenor, bass).
    pub step: [f32; 3],
    /// Cost per semitone of a move beyond 2 semitones, per voice.
    pub leap: [f32; 3],
    /// Bonus for a move in the direction opposite to the soprano's move.
    pub contrary: f32,
    /// Weight of the log of the model's total probability of the move's kind, per voice.
    #[serde(default)]
    pub kinds: [f32; 3],
}

/// Kinds of move for [`Leading::kinds`]: to or from a rest, hold, step (1–2 semitones), third
/// (3–4), fourth or fifth (5–7), larger.
const KINDS: usize = 6;

fn kind(prev: Option<u8>, p: Option<u8>) -> usize {
    let (Some(q), Some(p)) = (prev, p) else {
        return 0;
    };
    match (p as i32 - q as i32).abs() {
        0 => 1,
        1..=2 => 2,
        3..=4 => 3,
        5..=7 => 4,
        _ => 5,
    }
}

impl Leading {
    /// No preference: the model's own probabilities (a model without stored weights).
    pub const NONE: Leading = Leading {
        hold: [[[0.0; 2]; 3]; 3],
        step: [0.0; 3],
        leap: [0.0; 3],
        contrary: 0.0,
        kinds: [0.0; 3],
    };

    /// Every weight, in one order (holds by voice, strength and soprano onset; steps; leaps;
    /// contrary motion; kinds): for checking a file's and for searching them.
    pub fn weights(&self) -> impl Iterator<Item = &f32> {
        (self.hold.iter().flatten().flatten())
            .chain(&self.step)
            .chain(&self.leap)
            .chain([&self.contrary])
            .chain(&self.kinds)
    }

    /// Every weight, mutable, in the order of [`Leading::weights`].
    pub fn weights_mut(&mut self) -> impl Iterator<Item = &mut f32> {
        (self.hold.iter_mut().flatten().flatten())
            .chain(&mut self.step)
            .chain(&mut self.leap)
            .chain([&mut self.contrary])
            .chain(&mut self.kinds)
    }

    /// Whether every weight is zero (decoding skips the terms).
    pub fn is_none(&self) -> bool {
        *self == Leading::NONE
    }

    /// What each class adds to voice `v`'s log-probabilities at this step, given its
    /// probabilities `p`.
    pub(crate) fn bonuses(&self, ctx: &Context, v: usize, p: &[f32; CLASSES]) -> [f32; CLASSES] {
        if self.is_none() {
            return [0.0; CLASSES];
        }
        let mut out: [f32; CLASSES] = std::array::from_fn(|c| self.bonus(ctx, v, c));
        let w = self.kinds[v];
        if w != 0.0 {
            let prev = class_pitch(ctx.prev[v]);
            let kinds: [usize; CLASSES] = std::array::from_fn(|c| kind(prev, class_pitch(c)));
            let mut mass = [0f32; KINDS];
            for (&k, &pc) in kinds.iter().zip(p) {
                mass[k] += pc;
            }
            for (o, &k) in out.iter_mut().zip(&kinds) {
                *o += w * mass[k].max(1e-30).ln();
            }
        }
        out
    }

    /// What voice `v` taking class `c` adds to its log-probability at this step, besides the
    /// kinds' term.
    #[inline]
    pub fn bonus(&self, ctx: &Context, v: usize, c: usize) -> f32 {
        let (Some(q), Some(p)) = (class_pitch(ctx.prev[v]), class_pitch(c)) else {
            return 0.0;
        };
        if p == q {
            let s = usize::from(ctx.strength.min(2));
            return self.hold[v][s][usize::from(ctx.soprano_onset)];
        }
        let d = (p as i32 - q as i32).abs();
        let mut b = if d <= 2 {
            self.step[v]
        } else {
            -self.leap[v] * (d - 2) as f32
        };
        if let (Some(s0), Some(s1)) = (ctx.prev_soprano, ctx.soprano)
            && s0 != s1
            && (s1 > s0) != (p > q)
        {
            b += self.contrary;
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harmony::features::{PITCH_LO, REST, class_of};

    fn ctx(strength: u8, soprano_onset: bool, prev: [u8; 3], sop: (u8, u8)) -> Context {
        Context {
            soprano: Some(sop.1),
            prev_soprano: Some(sop.0),
            soprano_onset,
            strength,
            soprano_rest: 0,
            prev: prev.map(|p| class_of(Some(p))),
            ranges: [(0, 127); 3],
        }
    }

    #[test]
    fn holds_leaps_and_contrary_motion() {
        let w = Leading {
            hold: [
                [[3.0, 1.0], [0.5, 0.25], [0.0, -0.5]],
                [[0.0; 2]; 3],
                [[0.0; 2], [0.0; 2], [0.0, 2.0]],
            ],
            step: [0.0, 0.0, 0.125],
            leap: [0.1, 0.5, 0.5],
            contrary: 0.75,
            kinds: [0.0; 3],
        };
        let c = |p: u8| class_of(Some(p));
        // Keeping G4 on an odd 16th, soprano holding / striking; on an 8th; on the downbeat.
        assert_eq!(
            w.bonus(&ctx(0, false, [67, 60, 48], (72, 72)), 0, c(67)),
            3.0
        );
        assert_eq!(
            w.bonus(&ctx(0, true, [67, 60, 48], (72, 74)), 0, c(67)),
            1.0
        );
        assert_eq!(
            w.bonus(&ctx(1, true, [67, 60, 48], (72, 74)), 0, c(67)),
            0.25
        );
        assert_eq!(
            w.bonus(&ctx(4, true, [67, 60, 48], (72, 74)), 0, c(67)),
            -0.5
        );
        // Each voice its own: the bass keeping C3 on the downbeat.
        assert_eq!(
            w.bonus(&ctx(4, true, [67, 60, 48], (72, 74)), 2, c(48)),
            2.0
        );
        assert_eq!(
            w.bonus(&ctx(4, true, [67, 60, 48], (72, 74)), 1, c(60)),
            0.0
        );
        // The soprano rises C5 → D5: the bass falling a semitone is a step and contrary; a fifth
        // up is 5 semitones beyond a step at 0.5 each, in similar motion.
        let x = ctx(2, true, [67, 60, 48], (72, 74));
        assert_eq!(w.bonus(&x, 2, c(47)), 0.875);
        assert_eq!(w.bonus(&x, 2, c(55)), -2.5);
        assert_eq!(w.bonus(&x, 1, c(62)), 0.0);
        assert!((w.bonus(&x, 0, c(72)) - -0.3).abs() < 1e-6);
        // From or to a rest: nothing.
        let mut r = x;
        r.prev[1] = REST;
        assert_eq!(w.bonus(&r, 1, c(62)), 0.0);
        assert_eq!(w.bonus(&x, 1, REST), 0.0);
        assert_eq!(Leading::NONE.bonus(&x, 2, c(PITCH_LO + 40)), 0.0);
        assert!(Leading::NONE.is_none() && !w.is_none());
    }

    #[test]
    fn the_kinds_term_adds_each_kinds_total_probability() {
        // The bass on C3: a quarter of the belief on each of B2, D3 and E3, the rest on G2.
        let c = |p: u8| class_of(Some(p));
        let mut p = [0f32; CLASSES];
        for q in [47, 50, 52, 43] {
            p[c(q)] = 0.25;
        }
        let logp = p.map(|x| x.max(1e-30).ln());
        let w = Leading {
            kinds: [0.0, 0.0, 1.0],
            ..Leading::NONE
        };
        let b = w.bonuses(&ctx(2, true, [67, 60, 48], (72, 74)), 2, &p);
        // Steps (B2, D3) hold half the belief, the third (E3) and the fourth (G2) a quarter.
        assert!((b[c(47)] - 0.5f32.ln()).abs() < 1e-5);
        assert!((b[c(50)] - 0.5f32.ln()).abs() < 1e-5);
        assert!((b[c(52)] - 0.25f32.ln()).abs() < 1e-5);
        assert!((b[c(43)] - 0.25f32.ln()).abs() < 1e-5);
        // So a step wins over the fourth that was as likely on its own.
        assert!(logp[c(50)] + b[c(50)] > logp[c(43)] + b[c(43)]);
        // No weight, no term; the other voices are untouched.
        assert_eq!(
            Leading::NONE.bonuses(&ctx(2, true, [67, 60, 48], (72, 74)), 2, &p)[c(43)],
            0.0
        );
        assert_eq!(
            w.bonuses(&ctx(2, true, [67, 60, 48], (72, 74)), 0, &p)[c(43)],
            0.0
        );
    }
}
