//! The melody autoencoder's batched forward and hand-written backward: each layer's gradient
//! under its forward, shapes in comments. The VAE draws its code as μ + σ·ε
//! (reparameterisation) and adds β·KL(N(μ, σ²) ‖ N(0, 1)); both heads are trained.

use crate::gemm::{mm_acc, mm_nt, mm_tn_acc};
use crate::melody::autoencoder::Autoencoder;
use crate::melody::window::{CLASSES, PER_STEP, REST, SIZE, WINDOW, Window};
use altus_core::nn::math::gather_rows;

/// Per-batch buffers.
pub(super) struct Acts {
    pub(super) h1: Vec<f32>,
    pub(super) mu: Vec<f32>,
    pub(super) lv: Vec<f32>,
    pub(super) z: Vec<f32>,
    pub(super) h2: Vec<f32>,
    pub(super) y: Vec<f32>,
}

/// Forward; `eps` (B×L standard normals) draws the VAE's code, `None` uses its mean.
pub(super) fn forward(ae: &Autoencoder, batch: &[Window], eps: Option<&[f32]>) -> Acts {
    let (b, hd, l) = (batch.len(), ae.enc1.output, ae.latent());
    let mut h1 = vec![0f32; b * hd];
    for (r, w) in batch.iter().enumerate() {
        gather_rows(
            &ae.enc1.w,
            &ae.enc1.b,
            &w.active(),
            &mut h1[r * hd..(r + 1) * hd],
        );
    }
    h1.iter_mut().for_each(|v| *v = v.max(0.0));
    let rows = |bias: &[f32]| {
        bias.iter()
            .copied()
            .cycle()
            .take(b * bias.len())
            .collect::<Vec<f32>>()
    };
    // z (B×L) = h1·W2 + b2 ; h2 (B×H) = relu(z·W3 + b3) ; y (B×SIZE) = h2·W4 + b4
    let mut mu = rows(&ae.enc2.b);
    mm_acc(&h1, &ae.enc2.w, &mut mu, b, hd, l);
    let (mut lv, mut z) = (Vec::new(), mu.clone());
    if let Some(head) = &ae.logvar {
        // lv (B×L) = h1·Wlv + blv ; z = μ + exp(lv / 2)·ε
        lv = rows(&head.b);
        mm_acc(&h1, &head.w, &mut lv, b, hd, l);
        lv.iter_mut().for_each(|v| *v = v.clamp(-10.0, 10.0));
        if let Some(e) = eps {
            z.iter_mut()
                .zip(&lv)
                .zip(e)
                .for_each(|((z, lv), e)| *z += (0.5 * lv).exp() * e);
        }
    }
    let mut h2 = rows(&ae.dec1.b);
    mm_acc(&z, &ae.dec1.w, &mut h2, b, l, hd);
    h2.iter_mut().for_each(|v| *v = v.max(0.0));
    let mut y = rows(&ae.dec2.b);
    mm_acc(&h2, &ae.dec2.w, &mut y, b, hd, SIZE);
    Acts {
        h1,
        mu,
        lv,
        z,
        h2,
        y,
    }
}

/// Loss of a batch: per step, cross-entropy of the class plus, on sounding steps, binary
/// cross-entropy of the onset. Turns `y` into ∂L/∂y (scaled by `1/norm`). Returns (loss sum,
/// steps right).
pub(super) fn loss(batch: &[Window], y: &mut [f32], norm: f32) -> (f64, usize) {
    let (mut total, mut right) = (0.0, 0);
    for (r, w) in batch.iter().enumerate() {
        for t in 0..WINDOW {
            let s = &mut y[(r * WINDOW + t) * PER_STEP..(r * WINDOW + t + 1) * PER_STEP];
            let (cls, on) = s.split_at_mut(CLASSES);
            let target = w.class[t] as usize;
            let m = cls.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = cls.iter().map(|v| (v - m).exp()).sum();
            total += (m + z.ln() - cls[target]) as f64;
            right += usize::from(
                (0..CLASSES).max_by(|&a, &b| cls[a].total_cmp(&cls[b])) == Some(target),
            );
            for (k, v) in cls.iter_mut().enumerate() {
                *v = (((*v - m).exp() / z) - f32::from(k == target)) / norm;
            }
            if target != REST {
                let p = altus_core::nn::math::sigmoid(on[0]).clamp(1e-7, 1.0 - 1e-7);
                let y1 = f32::from(w.onset[t]);
                total -= (y1 * p.ln() + (1.0 - y1) * (1.0 - p).ln()) as f64;
                on[0] = (p - y1) / norm;
            } else {
                on[0] = 0.0;
            }
        }
    }
    (total, right)
}

/// Loss sums of a batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Losses {
    /// Reconstruction (per-step cross-entropies).
    pub recon: f64,
    /// KL divergence of the codes (VAE), unweighted.
    pub kl: f64,
    /// Steps reconstructed exactly.
    pub right: usize,
}

/// Loss, accuracy and gradients (added to `g`) of a batch. For a VAE, `vae` = (β, ε).
pub(crate) fn loss_and_grads(
    ae: &Autoencoder,
    batch: &[Window],
    g: &mut Autoencoder,
    norm: f32,
    vae: Option<(f32, &[f32])>,
) -> Losses {
    let (b, hd, l) = (batch.len(), ae.enc1.output, ae.latent());
    let mut a = forward(ae, batch, vae.map(|v| v.1));
    let (recon, right) = loss(batch, &mut a.y, norm);
    let dy = &a.y;
    // dec2: dW (H×SIZE) += h2ᵀ·dy ; db += Σ dy ; dh2 (B×H) = dy·W4ᵀ ⊙ relu'
    mm_tn_acc(&a.h2, dy, &mut g.dec2.w, b, hd, SIZE);
    crate::gemm::col_sums(dy, &mut g.dec2.b);
    let mut dh2 = vec![0f32; b * hd];
    mm_nt(dy, &ae.dec2.w, &mut dh2, b, SIZE, hd, 0.0);
    relu_grad(&a.h2, &mut dh2);
    // dec1: dW (L×H) += zᵀ·dh2 ; dz (B×L) = dh2·W3ᵀ
    mm_tn_acc(&a.z, &dh2, &mut g.dec1.w, b, l, hd);
    crate::gemm::col_sums(&dh2, &mut g.dec1.b);
    let mut dz = vec![0f32; b * l];
    mm_nt(&dh2, &ae.dec1.w, &mut dz, b, hd, l, 0.0);
    // VAE: z = μ + σ·ε, plus β·KL/norm with KL = −½ Σ (1 + lv − μ² − e^lv):
    // dμ = dz + β·μ/norm ; dlv = dz·ε·½σ + β·½(e^lv − 1)/norm.
    let mut kl = 0.0;
    let mut dmu = dz.clone();
    // ∂L/∂h1 starts with the log-variance head's share (VAE), then the mean's is added.
    let mut dh1 = vec![0f32; b * hd];
    if let (Some((beta, eps)), Some(head), Some(gh)) = (vae, &ae.logvar, g.logvar.as_mut()) {
        let mut dlv = vec![0f32; b * l];
        for i in 0..b * l {
            let (mu, lv) = (a.mu[i], a.lv[i]);
            kl += (-0.5 * (1.0 + lv - mu * mu - lv.exp())) as f64;
            dmu[i] += beta * mu / norm;
            dlv[i] = dz[i] * eps[i] * 0.5 * (0.5 * lv).exp() + beta * 0.5 * (lv.exp() - 1.0) / norm;
        }
        // logvar: dW (H×L) += h1ᵀ·dlv ; dh1 (B×H) = dlv·Wlvᵀ
        mm_tn_acc(&a.h1, &dlv, &mut gh.w, b, hd, l);
        crate::gemm::col_sums(&dlv, &mut gh.b);
        mm_nt(&dlv, &head.w, &mut dh1, b, l, hd, 0.0);
    }
    // enc2 (the mean): dW (H×L) += h1ᵀ·dμ ; dh1 (B×H) += dμ·W2ᵀ, then ⊙ relu'
    mm_tn_acc(&a.h1, &dmu, &mut g.enc2.w, b, hd, l);
    crate::gemm::col_sums(&dmu, &mut g.enc2.b);
    mm_nt(&dmu, &ae.enc2.w, &mut dh1, b, l, hd, 1.0);
    relu_grad(&a.h1, &mut dh1);
    // enc1 (one-hot input): scatter dh1 rows into the active rows.
    for (r, w) in batch.iter().enumerate() {
        let d = &dh1[r * hd..(r + 1) * hd];
        for j in w.active() {
            g.enc1.w[j as usize * hd..(j as usize + 1) * hd]
                .iter_mut()
                .zip(d)
                .for_each(|(x, y)| *x += y);
        }
        g.enc1.b.iter_mut().zip(d).for_each(|(x, y)| *x += y);
    }
    Losses { recon, kl, right }
}

fn relu_grad(h: &[f32], d: &mut [f32]) {
    d.iter_mut().zip(h).for_each(|(d, &h)| {
        if h <= 0.0 {
            *d = 0.0
        }
    });
}

pub(super) fn tensors(ae: &mut Autoencoder) -> Vec<&mut [f32]> {
    ae.layers_mut()
        .into_iter()
        .flat_map(|d| [&mut d.w[..], &mut d.b[..]])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::melody::autoencoder::Autoencoder;
    use altus_core::rng::Rng;

    #[test]
    fn gradients_match_finite_differences() {
        check(false);
        check(true);
    }

    fn check(variational: bool) {
        let mut rng = Rng::new(3);
        let fresh = || {
            if variational {
                Autoencoder::zeros_variational(6, 3)
            } else {
                Autoencoder::zeros(6, 3)
            }
        };
        let mut ae = fresh();
        for t in tensors(&mut ae) {
            t.iter_mut().for_each(|w| *w = rng.normal() * 0.3);
        }
        let batch: Vec<Window> = (0..3)
            .map(|_| {
                let pitch: Vec<Option<u8>> = (0..WINDOW)
                    .map(|_| (rng.below(5) > 0).then(|| 55 + rng.below(20) as u8))
                    .collect();
                let onset: Vec<bool> = (0..WINDOW).map(|_| rng.below(2) == 0).collect();
                Window::from_steps(&pitch, &onset, 0)
            })
            .collect();
        let norm = (batch.len() * WINDOW) as f32;
        let eps: Vec<f32> = (0..batch.len() * 3).map(|_| rng.normal()).collect();
        let vae = variational.then_some((0.7f32, &eps[..]));
        let mut g = fresh();
        loss_and_grads(&ae, &batch, &mut g, norm, vae);
        let analytic: Vec<Vec<f32>> = g
            .layers()
            .iter()
            .flat_map(|d| [d.w.clone(), d.b.clone()])
            .collect();
        let loss_of = |ae: &Autoencoder| {
            let l = loss_and_grads(ae, &batch, &mut fresh(), norm, vae);
            (l.recon + if variational { 0.7 * l.kl } else { 0.0 }) / norm as f64
        };
        let checked = testkit::fd::check(&analytic, 1e-2, 3, |t, i, d| {
            let orig = tensors(&mut ae)[t][i];
            tensors(&mut ae)[t][i] = orig + d;
            let l = loss_of(&ae);
            tensors(&mut ae)[t][i] = orig;
            l
        });
        assert!(checked > 100);
    }
}
