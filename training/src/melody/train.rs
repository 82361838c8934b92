//! Training the melody autoencoder and its variational version on windows of key-normalised
//! sopranos with Adam: β warms up over the first epochs, and the epoch kept is the one that does
//! best on a selection split (the backward pass is in [`super::backward`]).

use super::backward::{forward, loss, loss_and_grads, tensors};
use crate::data::sequences::Sequence;
use crate::melody::autoencoder::Autoencoder;
use crate::melody::window::{SIZE, WINDOW, Window};
use crate::optim::Adam;
use altus_core::rng::Rng;
use std::sync::atomic::{AtomicBool, Ordering};

/// Windows of every sequence, every `hop` steps, keeping those with at least 4 notes.
pub fn windows(seqs: &[Sequence], hop: usize) -> Vec<Window> {
    let mut out = Vec::new();
    for s in seqs {
        let mut start = 0;
        while start + WINDOW <= s.len() {
            let w = Window::from_steps(&s.soprano, &s.soprano_onset, start);
            if w.onset.iter().filter(|&&o| o).count() >= 4 {
                out.push(w);
            }
            start += hop;
        }
    }
    out
}

/// A model's figures on some windows, with the code means (no sampling).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Eval {
    /// Reconstruction loss per step (class cross-entropy + onset BCE), nats.
    pub nll: f64,
    /// KL divergence of the codes per window (VAE), nats.
    pub kl: f64,
    /// Share of steps reconstructed exactly.
    pub accuracy: f64,
}

impl Eval {
    /// The loss the selection split ranks epochs by: reconstruction per step plus, for a VAE,
    /// β × KL per step.
    pub(crate) fn selection_loss(&self, beta: f32) -> f64 {
        self.nll + beta as f64 * self.kl / WINDOW as f64
    }
}

/// Reconstruction and KL of a model on windows.
pub fn evaluate(ae: &Autoencoder, windows: &[Window]) -> Eval {
    let (mut nll, mut kl, mut right) = (0.0, 0.0, 0);
    for chunk in windows.chunks(256) {
        let mut a = forward(ae, chunk, None);
        let (l, r) = loss(chunk, &mut a.y, 1.0);
        nll += l;
        right += r;
        kl +=
            a.mu.iter()
                .zip(&a.lv)
                .map(|(m, lv)| (-0.5 * (1.0 + lv - m * m - lv.exp())) as f64)
                .sum::<f64>();
    }
    let (w, steps) = (
        windows.len().max(1) as f64,
        (windows.len() * WINDOW).max(1) as f64,
    );
    Eval {
        nll: nll / steps,
        kl: kl / w,
        accuracy: right as f64 / steps,
    }
}

/// Per-step exact reconstruction accuracy of a model on windows.
pub fn accuracy(ae: &Autoencoder, windows: &[Window]) -> f64 {
    evaluate(ae, windows).accuracy
}

/// How to train.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct AeConfig {
    /// Hidden units.
    pub hidden: usize,
    /// Latent size.
    pub latent: usize,
    /// Epochs.
    pub epochs: usize,
    /// Seed.
    pub seed: u64,
    /// `Some((β, warm-up epochs))` trains a VAE: the KL weight grows linearly to β.
    pub vae: Option<(f32, usize)>,
}

/// One epoch's figures.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct AeEpoch {
    /// 1-based.
    pub epoch: usize,
    /// Training reconstruction loss per step.
    pub recon: f64,
    /// Training KL per window (VAE).
    pub kl: f64,
    /// KL weight used.
    pub beta: f32,
    /// On the selection split.
    pub select: Eval,
}

/// The outcome of a run.
pub struct AeTrained {
    /// The epoch with the lowest selection loss (at the final β).
    pub ae: Autoencoder,
    /// Its epoch.
    pub best_epoch: usize,
    /// Every epoch run.
    pub epochs: Vec<AeEpoch>,
    /// Stopped by the user.
    pub interrupted: bool,
}

/// Trains from scratch on `train`, keeping the epoch that does best on `select`; `stop` ends
/// the run after the current batch; `report(epoch, is_best)` after each epoch.
pub fn train(
    train: &[Window],
    select: &[Window],
    cfg: AeConfig,
    stop: &AtomicBool,
    mut report: impl FnMut(&AeEpoch, bool),
) -> AeTrained {
    let mut rng = Rng::new(cfg.seed);
    let mut ae = initial(cfg, &mut rng);
    let sizes: Vec<usize> = tensors(&mut ae).iter().map(|t| t.len()).collect();
    let mut adam = Adam::for_sizes(&sizes, 1e-3);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut grads = fresh(cfg);
    let final_beta = cfg.vae.map_or(0.0, |v| v.0);
    let mut out = AeTrained {
        ae: ae.clone(),
        best_epoch: 0,
        epochs: Vec::new(),
        interrupted: false,
    };
    let mut best = f64::INFINITY;
    for epoch in 1..=cfg.epochs {
        rng.shuffle(&mut order);
        let beta = cfg
            .vae
            .map(|(b, warm)| b * (epoch as f32 / warm.max(1) as f32).min(1.0));
        let mut pass = Pass {
            ae: &mut ae,
            grads: &mut grads,
            adam: &mut adam,
            rng: &mut rng,
        };
        let (recon, kl, interrupted) = pass.epoch(train, &order, beta, stop);
        out.interrupted = interrupted;
        let figures = AeEpoch {
            epoch,
            recon: recon / (train.len() * WINDOW).max(1) as f64,
            kl: kl / train.len().max(1) as f64,
            beta: beta.unwrap_or(0.0),
            select: evaluate(&ae, select),
        };
        // An interrupted epoch is not a candidate: it did not see all its batches.
        let score = figures.select.selection_loss(final_beta);
        let improved = !out.interrupted && score < best;
        if improved {
            (best, out.best_epoch, out.ae) = (score, epoch, ae.clone());
        }
        report(&figures, improved);
        out.epochs.push(figures);
        if out.interrupted {
            break;
        }
    }
    if out.best_epoch == 0 {
        out.ae = ae;
    }
    out
}

/// Zero weights of the configured kind.
fn fresh(cfg: AeConfig) -> Autoencoder {
    if cfg.vae.is_some() {
        Autoencoder::zeros_variational(cfg.hidden, cfg.latent)
    } else {
        Autoencoder::zeros(cfg.hidden, cfg.latent)
    }
}

/// He-style initial weights (halved for the wide one-hot layers); small initial variances.
fn initial(cfg: AeConfig, rng: &mut Rng) -> Autoencoder {
    let mut ae = fresh(cfg);
    for d in ae.layers_mut() {
        let s = (2.0 / d.input.min(64) as f32).sqrt() * if d.input == SIZE { 0.5 } else { 1.0 };
        d.w.iter_mut().for_each(|w| *w = rng.normal() * s);
    }
    if let Some(head) = ae.logvar.as_mut() {
        head.w.iter_mut().for_each(|w| *w *= 0.1);
        head.b.fill(-4.0);
    }
    ae
}

/// What one epoch updates.
struct Pass<'a> {
    ae: &'a mut Autoencoder,
    grads: &'a mut Autoencoder,
    adam: &'a mut Adam,
    rng: &'a mut Rng,
}

impl Pass<'_> {
    /// Batches of 64 in `order`; returns the summed reconstruction loss and KL, and whether
    /// `stop` ended it early.
    fn epoch(
        &mut self,
        train: &[Window],
        order: &[usize],
        beta: Option<f32>,
        stop: &AtomicBool,
    ) -> (f64, f64, bool) {
        let latent = self.ae.latent();
        let (mut recon, mut kl) = (0.0, 0.0);
        let mut eps = Vec::new();
        for chunk in order.chunks(64) {
            let batch: Vec<Window> = chunk.iter().map(|&i| train[i].clone()).collect();
            tensors(self.grads).into_iter().for_each(|t| t.fill(0.0));
            eps.clear();
            eps.extend((0..batch.len() * latent).map(|_| self.rng.normal()));
            let vae = beta.map(|b| (b, &eps[..]));
            let norm = (batch.len() * WINDOW) as f32;
            let l = loss_and_grads(self.ae, &batch, self.grads, norm, vae);
            (recon, kl) = (recon + l.recon, kl + l.kl);
            let gs: Vec<&[f32]> = self
                .grads
                .layers()
                .into_iter()
                .flat_map(|d| [&d.w[..], &d.b[..]])
                .collect();
            self.adam.step_tensors(tensors(self.ae), &gs);
            if stop.load(Ordering::Relaxed) {
                return (recon, kl, true);
            }
        }
        (recon, kl, false)
    }
}

/// The code means of windows (the VAE's μ; the autoencoder's code).
pub fn codes(ae: &Autoencoder, windows: &[Window]) -> Vec<Vec<f32>> {
    windows.iter().map(|w| ae.encode(w)).collect()
}
