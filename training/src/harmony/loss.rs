//! The harmony model's loss on a forward's logits, per voice: class cross-entropy and
//! re-strike binary cross-entropy, each voice's logits conditioned on Bach's choices of the
//! voices it sees (teacher forcing within the step); and the gradient of the conditioning table.

use super::batch::{NO_TARGET, Stats};
use altus_core::harmony::features::{CLASSES, HEAD, OUTPUTS, VOICES};
use altus_core::harmony::model::HarmonyModel;
use altus_core::nn::math::{exp, fold_lanes, sigmoid};

altus_core::multiversion!(
    /// Loss of the last forward against per-step class and re-strike targets (see
    /// [`super::batch::Batch`]), the voices conditioned on the target choices at the same step;
    /// writes ∂L/∂logits (scaled by `1/norm`) into the logits buffer. Compiled for the CPU's
    /// best instruction set: with `std`'s `exp` (a libm call per logit) it was an eighth of a
    /// training step.
    pub(crate) fn loss_and_dlogits(model: &HarmonyModel, target: &[[u16; VOICES]], restrike: &[[i8; VOICES]], logits: &mut [f32], norm: f32, soft: Soft) -> Stats => loss_impl
);

/// A teacher's logits for every step of the batch (row after row, [`OUTPUTS`] each) and the
/// weight its distribution takes in the class target (distillation); `None` for Bach alone.
pub(crate) type Soft<'a> = Option<(&'a [f32], f32)>;

#[inline(always)]
fn loss_impl(
    model: &HarmonyModel,
    target: &[[u16; VOICES]],
    restrike: &[[i8; VOICES]],
    logits: &mut [f32],
    norm: f32,
    soft: Soft,
) -> Stats {
    let mut s = Stats::default();
    for (i, row) in logits.chunks_mut(OUTPUTS).enumerate() {
        let teacher = soft.map(|(t, a)| (&t[i * OUTPUTS..(i + 1) * OUTPUTS], a));
        for (u, &c) in target[i].iter().enumerate() {
            if c != NO_TARGET {
                model.condition(u, c as usize, row);
            }
        }
        for v in 0..VOICES {
            voice_loss(
                &mut row[v * HEAD..(v + 1) * HEAD],
                target[i][v],
                restrike[i][v],
                norm,
                teacher.map(|(t, a)| (&t[v * HEAD..v * HEAD + CLASSES], a)),
                v,
                &mut s,
            );
        }
    }
    s
}

/// [`CLASSES`] rounded up to whole 16-lane registers.
const PADDED: usize = CLASSES.div_ceil(16) * 16;

/// One voice's cross-entropy and re-strike loss at one step; its block becomes ∂L/∂logits.
#[inline(always)]
fn voice_loss(
    block: &mut [f32],
    target: u16,
    restrike: i8,
    norm: f32,
    teacher: Soft,
    v: usize,
    s: &mut Stats,
) {
    if target == NO_TARGET {
        block.fill(0.0);
        return;
    }
    let (cls, on) = block.split_at_mut(CLASSES);
    // The classes in whole registers, padded with −∞ (below the maximum; their exponentials,
    // floored as below, add nothing to `z` at f32 precision and are dropped): fixed-size loops
    // vectorise without a scalar tail, where 57 classes left 9 (or 1 at eight lanes) to scalar
    // code in every pass.
    let mut x = [f32::NEG_INFINITY; PADDED];
    x[..CLASSES].copy_from_slice(cls);
    // In lanes: one chain of dependent `max` or `+` was most of this loss's time.
    let m = fold_lanes(&x, f32::NEG_INFINITY, f32::max, f32::max);
    let t = target as usize;
    let logit = cls[t];
    // Right when the target is the first of the largest logits.
    s.correct[v] += usize::from(logit == m && cls[..t].iter().all(|&x| x < m));
    // Each exponential once (core's polynomial, relative error < 3e-7), kept for the gradient.
    // From −60 up: a subnormal value (the padding's exponential, or a tiny probability times
    // `scale` below) costs a microcode assist of ~150 cycles on Intel cores, which was a
    // third of this loss. e^−60 · scale stays normal for any batch the CLI accepts (`norm` ≤
    // 4096 × 4096 steps and z ≤ 64, so scale ≥ 2^−30 and the product ≥ 2^−117), and what the
    // floor adds to a probability, 9e-27, is far below an f32 step of any gradient here.
    x.iter_mut().for_each(|x| *x = exp((*x - m).max(-60.0)));
    let z = fold_lanes(&x, 0.0, |a, b| a + b, |a, b| a + b);
    // Cross-entropy against the target: Bach's class, or its mix with the teacher's
    // distribution (weight `a`).
    let q = teacher.map(|(q, a)| (softmax(q), a));
    let soft_logit = match &q {
        None => logit,
        Some((q, a)) => (1.0 - a) * logit + a * cls.iter().zip(q).map(|(x, q)| x * q).sum::<f32>(),
    };
    s.class_loss[v] += (m + z.ln() - soft_logit) as f64;
    s.count[v] += 1;
    let scale = 1.0 / (z * norm);
    x.iter_mut().for_each(|x| *x *= scale);
    cls.copy_from_slice(&x[..CLASSES]);
    match q {
        None => cls[t] -= 1.0 / norm,
        Some((q, a)) => {
            cls.iter_mut().zip(&q).for_each(|(g, q)| *g -= a * q / norm);
            cls[t] -= (1.0 - a) / norm;
        }
    }
    if restrike >= 0 {
        let p = sigmoid(on[0]).clamp(1e-7, 1.0 - 1e-7);
        s.onset_loss[v] -= if restrike == 1 {
            p.ln()
        } else {
            (1.0 - p).ln()
        } as f64;
        s.onset_count[v] += 1;
        on[0] = (p - restrike as f32) / norm;
    } else {
        on[0] = 0.0;
    }
}

/// The distribution of one voice's class logits.
#[inline(always)]
fn softmax(l: &[f32]) -> [f32; PADDED] {
    let mut x = [f32::NEG_INFINITY; PADDED];
    x[..CLASSES].copy_from_slice(l);
    let m = fold_lanes(&x, f32::NEG_INFINITY, f32::max, f32::max);
    x.iter_mut().for_each(|x| *x = exp((*x - m).max(-60.0)));
    let z = fold_lanes(&x, 0.0, |a, b| a + b, |a, b| a + b);
    x.iter_mut().for_each(|x| *x /= z);
    x
}

/// ∂L/∂cond: each target class of an earlier voice collects the gradient of the later voices'
/// logits it was added to.
pub(crate) fn cond_grads(
    model: &HarmonyModel,
    target: &[[u16; VOICES]],
    dlogits: &[f32],
    grad: &mut [f32],
) {
    if grad.is_empty() {
        return;
    }
    for (i, row) in dlogits.chunks(OUTPUTS).enumerate() {
        for (u, &c) in target[i].iter().enumerate() {
            if c == NO_TARGET {
                continue;
            }
            let g = &mut grad[(u * CLASSES + c as usize) * OUTPUTS..][..OUTPUTS];
            for v in 0..VOICES {
                if model.config.order.sees(v, u) {
                    let block = v * HEAD..(v + 1) * HEAD;
                    g[block.clone()]
                        .iter_mut()
                        .zip(&row[block])
                        .for_each(|(a, d)| *a += d);
                }
            }
        }
    }
}
