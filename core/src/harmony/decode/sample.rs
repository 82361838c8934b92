//! Decoding at a temperature above 0: each voice drawn in turn under every rule (see the parent
//! module's doc), the beam taking over a step that keeps failing.

use super::{Context, MAX_EXPANSIONS, beam_within, log_probs, voice_logits};
use crate::harmony::features::{CLASSES, HEAD, REST, VOICES};
use crate::harmony::leading::Leading;
use crate::harmony::model::HarmonyModel;
use crate::rng::Rng;

/// Draws before sampling gives up on keeping every rule for a step.
const SAMPLE_TRIES: usize = 8;

/// Each voice sampled in turn at `temperature` from the classes every rule allows; a draw that
/// leaves a later voice without such a class is drawn again (at most [`SAMPLE_TRIES`] times),
/// then the step is decoded by [`beam`], which gives rules up in order (the draws count
/// against [`MAX_EXPANSIONS`]).
pub fn sample(
    model: &HarmonyModel,
    base: &[f32],
    ctx: &Context,
    leading: &Leading,
    temperature: f32,
    rng: &mut Rng,
) -> ([usize; VOICES], [[f32; HEAD]; VOICES]) {
    for _ in 0..SAMPLE_TRIES {
        if let Some(found) = sample_once(model, base, ctx, leading, temperature, rng) {
            return found;
        }
    }
    let mut budget = MAX_EXPANSIONS - SAMPLE_TRIES as u32 * VOICES as u32;
    beam_within(model, base, ctx, leading, 1, &mut budget)
}

/// One draw of every voice in the model's order with all rules in force, or `None` when a voice
/// is left without a class.
fn sample_once(
    model: &HarmonyModel,
    base: &[f32],
    ctx: &Context,
    leading: &Leading,
    temperature: f32,
    rng: &mut Rng,
) -> Option<([usize; VOICES], [[f32; HEAD]; VOICES])> {
    let mut chosen = [None; VOICES];
    let mut logits = [[0f32; HEAD]; VOICES];
    for v in model.config.order.voices() {
        let seen = voice_logits(model, base, &chosen, v);
        let mut l = seen;
        for (x, b) in l[..CLASSES]
            .iter_mut()
            .zip(leading.bonuses(ctx, v, &log_probs(&seen).1))
        {
            *x += b;
        }
        let allowed = |c: usize| ctx.allows(v, c, &chosen, 5);
        let m = (0..CLASSES)
            .filter(|&c| allowed(c))
            .map(|c| l[c])
            .fold(f32::NEG_INFINITY, f32::max);
        if m == f32::NEG_INFINITY {
            return None;
        }
        let mut w = [0f32; CLASSES];
        let mut total = 0.0;
        for c in 0..CLASSES {
            if allowed(c) {
                w[c] = ((l[c] - m) / temperature).exp();
                total += w[c];
            }
        }
        let mut r = rng.next_f32() * total;
        let mut pick = (0..CLASSES).rev().find(|&c| allowed(c)).unwrap_or(REST);
        for (c, &wc) in w.iter().enumerate() {
            if allowed(c) && r < wc {
                pick = c;
                break;
            }
            r -= wc;
        }
        chosen[v] = Some(pick);
        logits[v] = seen;
    }
    Some((chosen.map(|c| c.unwrap_or(REST)), logits))
}
