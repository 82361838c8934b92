//! Choosing a step's alto, tenor and bass from the model's logits under the rules of four-part
//! writing (key-normalised pitches).
//!
//! The rules, in the order they are given up — each only when no joint choice satisfies it and
//! the ones after it:
//! 1. each voice within its range;
//! 2. no voice rests while the soprano sounds; while it rests, a voice may only hold its note,
//!    for at most [`HOLD_THROUGH_REST`] 16ths, then rests too (a live player's detached notes
//!    keep the harmony; a melody that stops ends it);
//! 3. S ≥ A ≥ T ≥ B (no crossing);
//! 4. soprano–alto and alto–tenor at most an octave apart;
//! 5. no parallel fifths or octaves between any two voices (soprano included).
//!
//! Rule 5 is dropped first, then 4, and so on. Choices are scored by the model's log-probability
//! plus the voice-leading preferences of [`super::leading`]. At temperature 0 a small beam keeps
//! the `beam` best partial choices per voice (in the model's [`Order`](super::model::Order)) and
//! takes the joint choice with the highest summed score, widening before it gives a rule up;
//! above 0, each voice is sampled in turn under every rule, a draw that corners a later voice is
//! drawn again, and a step that keeps failing is decoded by the beam. No allocation: everything
//! lives on the stack.
//!
//! The work is capped: a step expands at most [`MAX_EXPANSIONS`] partial choices (one
//! expansion: a voice's logits conditioned, normalised and scored against every class). Each
//! search is charged its worst case before it runs; when the next one would not fit, the step
//! goes straight to the narrowest search with rules given up from rule 2 down, whose cost is kept
//! back for it. On the chorales every step is decided by the first search (beam 3, every rule),
//! so the cap changes nothing there; it bounds a hostile step to about a quarter of what the
//! full ladder (12 searches) could cost.

use super::features::{CLASSES, HEAD, REST, VOICES, class_pitch};
use super::leading::Leading;
use super::model::HarmonyModel;

mod sample;
pub use sample::sample;

/// 16ths a voice may hold its note while the soprano rests (a quarter note).
pub(crate) const HOLD_THROUGH_REST: u32 = 4;

/// Widest beam.
pub const MAX_BEAM: usize = 4;

/// What the rules and the voice-leading preferences look at for one step (key-normalised
/// pitches).
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// The soprano now.
    pub soprano: Option<u8>,
    /// The soprano at the previous step.
    pub prev_soprano: Option<u8>,
    /// The soprano strikes now.
    pub soprano_onset: bool,
    /// Metrical strength of the step, 0–4 ([`crate::music::phase::strength`]).
    pub strength: u8,
    /// 16ths the soprano has rested before this step (0 while it sounds).
    pub soprano_rest: u32,
    /// Each voice's class at the previous step.
    pub prev: [usize; VOICES],
    /// Each voice's range, key-normalised.
    pub ranges: [(i32, i32); VOICES],
}

/// Whether moving `a0 → a1` against `b0 → b1` makes parallel fifths or octaves (both move in
/// the same direction into the same perfect interval they left).
pub fn parallel(a0: Option<u8>, b0: Option<u8>, a1: Option<u8>, b1: Option<u8>) -> bool {
    let (Some(a0), Some(b0), Some(a1), Some(b1)) = (a0, b0, a1, b1) else {
        return false;
    };
    if a0 == a1 || b0 == b1 {
        return false;
    }
    // The interval between the two, whichever is higher (so the test is symmetric).
    let (i0, i1) = (
        (a0 as i32 - b0 as i32).abs() % 12,
        (a1 as i32 - b1 as i32).abs() % 12,
    );
    let similar = (a1 > a0) == (b1 > b0);
    similar && i0 == i1 && (i0 == 0 || i0 == 7)
}

impl Context {
    /// Whether voice `v` may take class `c`, given the voices already chosen (`chosen[u]` is
    /// `Some(class)`), with the rules up to `level` (1–5) in force.
    pub fn allows(&self, v: usize, c: usize, chosen: &[Option<usize>; VOICES], level: u8) -> bool {
        let p = class_pitch(c);
        if level >= 1
            && let Some(p) = p
            && !(self.ranges[v].0..=self.ranges[v].1).contains(&(p as i32))
        {
            return false;
        }
        if level >= 2 {
            if p.is_none() && self.soprano.is_some() {
                return false;
            }
            if p.is_some()
                && self.soprano.is_none()
                && (c != self.prev[v] || self.soprano_rest >= HOLD_THROUGH_REST)
            {
                return false;
            }
        }
        let Some(p) = p else { return true };
        // Against the soprano, then each chosen voice (lower index = higher voice).
        if level >= 3 && self.soprano.is_some_and(|s| p > s) {
            return false;
        }
        if level >= 4 && v == 0 && self.soprano.is_some_and(|s| s as i32 - p as i32 > 12) {
            return false;
        }
        let prev = |u: usize| class_pitch(self.prev[u]);
        if level >= 5 && parallel(self.prev_soprano, prev(v), self.soprano, Some(p)) {
            return false;
        }
        for (u, cu) in chosen.iter().enumerate() {
            let Some(q) = cu.and_then(class_pitch) else {
                continue;
            };
            let (hi, lo) = if u < v { (q, p) } else { (p, q) };
            if level >= 3 && lo > hi {
                return false;
            }
            if level >= 4 && (u.min(v), u.max(v)) == (0, 1) && hi as i32 - lo as i32 > 12 {
                return false;
            }
            if level >= 5 && parallel(prev(u), prev(v), Some(q), Some(p)) {
                return false;
            }
        }
        true
    }
}

/// A partial joint choice.
#[derive(Clone, Copy)]
struct Partial {
    score: f32,
    chosen: [Option<usize>; VOICES],
}

/// A voice's class log-probabilities and probabilities from its logits, each exponential
/// computed once (the voice-leading preferences read the probabilities).
fn log_probs(l: &[f32]) -> ([f32; CLASSES], [f32; CLASSES]) {
    let m = l[..CLASSES]
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    let e: [f32; CLASSES] = std::array::from_fn(|c| (l[c] - m).exp());
    let z: f32 = e.iter().sum();
    let norm = m + z.ln();
    (std::array::from_fn(|c| l[c] - norm), e.map(|x| x / z))
}

/// The voice's logits after the conditioning on the voices chosen before it.
fn voice_logits(
    model: &HarmonyModel,
    base: &[f32],
    chosen: &[Option<usize>; VOICES],
    v: usize,
) -> [f32; HEAD] {
    let mut all = [0f32; super::features::OUTPUTS];
    all.copy_from_slice(base);
    for (u, c) in chosen.iter().enumerate() {
        if let Some(c) = *c {
            model.condition(u, c, &mut all);
        }
    }
    let mut out = [0f32; HEAD];
    out.copy_from_slice(&all[v * HEAD..(v + 1) * HEAD]);
    #[cfg(test)]
    tests::EXPANSIONS.with(|e| e.set(e.get() + 1));
    out
}

/// Partial choices kept when the asked-for beam finds no joint choice at a rule level: a wider
/// search before a rule is given up.
const WIDE: usize = 16;

/// Most partial choices one step's decoding expands (see the module doc): the first two rule
/// levels at the asked-for beam and the wide one, the third at the asked-for beam, and the last
/// resort.
pub const MAX_EXPANSIONS: u32 = 96;

/// The most a search of `width` expands: one partial choice for the first voice, at most
/// `width` for each of the other two.
fn cost(width: usize) -> u32 {
    1 + 2 * width as u32
}

/// Kept back for the last resort: three narrowest searches.
const RESERVE: u32 = 9;

/// The best joint choice by beam search (temperature 0): each voice's class, and its logits as
/// decoding saw them (for the re-strike decision). Choices are scored by the model's
/// log-probabilities plus the voice-leading preferences. At each rule level the beam of `width`
/// is tried, then a [`WIDE`] one; a rule is dropped only when both find nothing (within
/// [`MAX_EXPANSIONS`]).
pub fn beam(
    model: &HarmonyModel,
    base: &[f32],
    ctx: &Context,
    leading: &Leading,
    width: usize,
) -> ([usize; VOICES], [[f32; HEAD]; VOICES]) {
    let mut budget = MAX_EXPANSIONS;
    beam_within(model, base, ctx, leading, width, &mut budget)
}

/// [`beam`] with what is left of the step's `budget` of expansions.
fn beam_within(
    model: &HarmonyModel,
    base: &[f32],
    ctx: &Context,
    leading: &Leading,
    width: usize,
    budget: &mut u32,
) -> ([usize; VOICES], [[f32; HEAD]; VOICES]) {
    let width = width.clamp(1, MAX_BEAM);
    let found = |best: [Option<usize>; VOICES]| {
        (
            best.map(|c| c.unwrap_or(REST)),
            seen_logits(model, base, &best),
        )
    };
    'ladder: for level in (0..=5u8).rev() {
        for w in [width, WIDE] {
            if *budget < cost(w) + RESERVE {
                break 'ladder;
            }
            *budget -= cost(w);
            if let Some(best) = search(model, base, ctx, leading, w, level) {
                return found(best);
            }
        }
    }
    // The last resort, within the reserve: the narrowest search, giving the rules up from 2.
    for level in [2, 1, 0] {
        if let Some(best) = search(model, base, ctx, leading, 1, level) {
            return found(best);
        }
    }
    ([REST; VOICES], [[0.0; HEAD]; VOICES])
}

/// Beam search of width `width` (≤ [`WIDE`]) with the rules up to `level`.
fn search(
    model: &HarmonyModel,
    base: &[f32],
    ctx: &Context,
    leading: &Leading,
    width: usize,
    level: u8,
) -> Option<[Option<usize>; VOICES]> {
    let none = Partial {
        score: f32::NEG_INFINITY,
        chosen: [None; VOICES],
    };
    let mut beams = [Partial { score: 0.0, ..none }; WIDE];
    let mut n = 1;
    for v in model.config.order.voices() {
        let mut next = [none; WIDE];
        let mut m = 0;
        for b in &beams[..n] {
            let l = voice_logits(model, base, &b.chosen, v);
            let (logp, p) = log_probs(&l);
            let extra = leading.bonuses(ctx, v, &p);
            for (c, (&lp, &x)) in logp.iter().zip(&extra).enumerate() {
                if ctx.allows(v, c, &b.chosen, level) {
                    let mut chosen = b.chosen;
                    chosen[v] = Some(c);
                    let p = Partial {
                        score: b.score + lp + x,
                        chosen,
                    };
                    keep(&mut next, &mut m, width, p);
                }
            }
        }
        if m == 0 {
            return None;
        }
        (beams, n) = (next, m);
    }
    Some(beams[0].chosen)
}

/// Inserts `p` into the `m` best kept so far (descending), keeping at most `width`.
fn keep(next: &mut [Partial; WIDE], m: &mut usize, width: usize, p: Partial) {
    let at = next[..*m]
        .iter()
        .position(|x| x.score < p.score)
        .unwrap_or(*m);
    if at < width {
        let end = (*m).min(width - 1);
        next.copy_within(at..end, at + 1);
        next[at] = p;
        *m = (*m + 1).min(width);
    }
}

/// Each voice's logits given the choices of the voices it sees.
fn seen_logits(
    model: &HarmonyModel,
    base: &[f32],
    best: &[Option<usize>; VOICES],
) -> [[f32; HEAD]; VOICES] {
    let mut logits = [[0f32; HEAD]; VOICES];
    for (v, out) in logits.iter_mut().enumerate() {
        let mut earlier = *best;
        for (u, e) in earlier.iter_mut().enumerate() {
            if !model.config.order.sees(v, u) {
                *e = None;
            }
        }
        *out = voice_logits(model, base, &earlier, v);
    }
    logits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harmony::model::{CellKind, ModelConfig};

    thread_local!(pub(super) static EXPANSIONS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });

    /// A step no rule can be kept in (every range empty, the soprano sounding): the decoder
    /// goes down the whole ladder, within the cap.
    #[test]
    fn the_worst_step_stays_within_the_cap() {
        let model = HarmonyModel::init(ModelConfig::new(CellKind::Lstm, 16, 1), 3);
        let base = [0.5f32; crate::harmony::features::OUTPUTS];
        let ctx = Context {
            soprano: Some(60),
            prev_soprano: Some(62),
            soprano_onset: true,
            strength: 4,
            soprano_rest: 0,
            prev: [REST; VOICES],
            ranges: [(90, 10); VOICES],
        };
        for width in 1..=MAX_BEAM {
            EXPANSIONS.with(|e| e.set(0));
            beam(&model, &base, &ctx, &Leading::NONE, width);
            let used = EXPANSIONS.with(|e| e.get());
            // The searches, then the three logits decoding reports (the whole ladder: 6 levels
            // of 2 searches, 240 expansions at beam 3).
            assert!(used <= MAX_EXPANSIONS + 3, "beam {width}: {used}");
            let mut rng = crate::rng::Rng::new(1);
            EXPANSIONS.with(|e| e.set(0));
            sample(&model, &base, &ctx, &Leading::NONE, 0.8, &mut rng);
            let used = EXPANSIONS.with(|e| e.get());
            assert!(used <= MAX_EXPANSIONS + 3, "sampling: {used}");
        }
    }

    #[test]
    fn parallels() {
        // C5/F4 → D5/G4: fifths in similar motion.
        assert!(parallel(Some(72), Some(65), Some(74), Some(67)));
        // Contrary motion into a fifth is fine; so is a held voice.
        assert!(!parallel(Some(72), Some(65), Some(74), Some(62)));
        assert!(!parallel(Some(72), Some(65), Some(72), Some(65)));
        // Octaves.
        assert!(parallel(Some(72), Some(60), Some(71), Some(59)));
        assert!(!parallel(None, Some(60), Some(71), Some(59)));
        // Either voice first: the lower voice given first is the same fifth.
        assert!(parallel(Some(65), Some(72), Some(67), Some(74)));
    }
}
