//! Batched forward and backward of the whole alto model over windows of steps (BPTT).
//!
//! Rows are independent windows; time runs forward through every layer and the head, then the
//! backward runs time in reverse, top layer first. Scheduled sampling: where `Batch::own` is set,
//! the row's previous-alto input is the model's own previous choice instead of Bach's.

use super::cells::{
    StepCache, backward_sparse_input, backward_step, forward_step, input_grads, recurrent_grad,
    recurrent_weights,
};
use crate::gemm::{self, mm_nt, mm_tn_acc};
use altus_core::harmony::features::{CLASSES, MAX_ACTIVE, OUTPUTS, StepFeatures};
use altus_core::harmony::model::{AltoModel, CellKind};
use altus_core::nn::math::{gather_rows, mat_mat_acc, sigmoid};

/// No target at this step (padding).
pub const NO_TARGET: u16 = u16::MAX;

/// One thread's share of a mini-batch: `rows` windows of `steps` steps, indexed `[t * rows + r]`.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Windows.
    pub rows: usize,
    /// Steps per window.
    pub steps: usize,
    /// Inputs; `prev_alto`/`prev_onset` hold Bach's previous alto (teacher forcing).
    pub features: Vec<StepFeatures>,
    /// Bach's alto class, or [`NO_TARGET`].
    pub target: Vec<u16>,
    /// Where Bach's alto repeats its pitch: 1 if struck again, 0 if held; −1 elsewhere.
    pub restrike: Vec<i8>,
    /// Feed the model's own previous choice at this step.
    pub own: Vec<bool>,
}

/// Loss and accuracy sums over a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Sum of class cross-entropies.
    pub class_loss: f64,
    /// Sum of re-strike binary cross-entropies.
    pub onset_loss: f64,
    /// Steps with a class target.
    pub count: usize,
    /// Steps whose most likely class was Bach's.
    pub correct: usize,
    /// Steps with a re-strike target.
    pub onset_count: usize,
}

impl Stats {
    /// Adds another batch's sums.
    pub fn add(&mut self, o: &Stats) {
        self.class_loss += o.class_loss;
        self.onset_loss += o.onset_loss;
        self.count += o.count;
        self.correct += o.correct;
        self.onset_count += o.onset_count;
    }

    /// Mean loss per class target (class + re-strike terms).
    pub fn loss(&self) -> f64 {
        (self.class_loss + self.onset_loss) / self.count.max(1) as f64
    }

    /// Mean class negative log-likelihood.
    pub fn nll(&self) -> f64 {
        self.class_loss / self.count.max(1) as f64
    }

    /// Teacher-forced accuracy.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.count.max(1) as f64
    }
}

/// Buffers for one thread, sized for a model and a batch shape; reused across batches.
pub struct Workspace {
    rows: usize,
    steps: usize,
    active: Vec<[u16; MAX_ACTIVE]>,
    nact: Vec<u8>,
    pred: Vec<(u16, bool)>,
    h: Vec<Vec<f32>>,
    c: Vec<Vec<f32>>,
    acts: Vec<Vec<f32>>,
    hproj: Vec<Vec<f32>>,
    logits: Vec<f32>,
    dh_top: Vec<f32>,
    dh_next: Vec<f32>,
    dc: Vec<f32>,
    dh: Vec<f32>,
    dp_all: Vec<f32>,
    dhp_all: Vec<f32>,
    dx_all: Vec<f32>,
    w_hh_t: Vec<f32>,
}

impl Workspace {
    /// Buffers for `model` and batches of `rows × steps`.
    pub fn new(model: &AltoModel, rows: usize, steps: usize) -> Self {
        let (h, l) = (model.config.hidden, model.cells.len());
        let g = model.cells[0].gates();
        let gru = model.config.cell == CellKind::Gru;
        let n = rows * steps;
        Workspace {
            rows,
            steps,
            active: vec![[0; MAX_ACTIVE]; n],
            nact: vec![0; n],
            pred: vec![(0, false); n],
            h: vec![vec![0.0; (steps + 1) * rows * h]; l],
            c: vec![vec![0.0; (steps + 1) * rows * h]; l],
            acts: vec![vec![0.0; n * g]; l],
            hproj: vec![vec![0.0; if gru { n * g } else { 0 }]; l],
            logits: vec![0.0; n * OUTPUTS],
            dh_top: vec![0.0; n * h],
            dh_next: vec![0.0; rows * h],
            dc: vec![0.0; rows * h],
            dh: vec![0.0; rows * h],
            dp_all: vec![0.0; n * g],
            dhp_all: vec![0.0; n * g],
            dx_all: vec![0.0; n * h],
            w_hh_t: vec![0.0; g * h],
        }
    }

    /// Rows (windows) per batch.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Logits of step `t`, row `r` (after a forward).
    pub fn logits(&self, t: usize, r: usize) -> &[f32] {
        let i = (t * self.rows + r) * OUTPUTS;
        &self.logits[i..i + OUTPUTS]
    }
}

/// Forward over the batch; fills the workspace caches and logits.
pub fn forward(model: &AltoModel, batch: &Batch, ws: &mut Workspace) {
    let (rows, hd) = (batch.rows, model.config.hidden);
    assert!(
        rows == ws.rows && batch.steps == ws.steps,
        "workspace shape"
    );
    let g = model.cells[0].gates();
    let top = model.cells.len() - 1;
    let sampling = batch.own.iter().any(|&o| o);
    for t in 0..batch.steps {
        for r in 0..rows {
            let i = t * rows + r;
            let mut f = batch.features[i];
            if batch.own[i] && t > 0 {
                let (c, o) = ws.pred[i - rows];
                f.prev_alto = c as usize;
                f.prev_onset = o;
            }
            ws.nact[i] = f.active(&mut ws.active[i]) as u8;
        }
        for (l, cell) in model.cells.iter().enumerate() {
            let (lo, hi) = ((t * rows) * g, ((t + 1) * rows) * g);
            let p = &mut ws.acts[l][lo..hi];
            if l == 0 {
                for r in 0..rows {
                    let i = t * rows + r;
                    let (w, b) = cell.input_weights();
                    gather_rows(
                        w,
                        b,
                        &ws.active[i][..ws.nact[i] as usize],
                        &mut p[r * g..(r + 1) * g],
                    );
                }
            } else {
                let b = cell.input_weights().1;
                p.chunks_mut(g).for_each(|row| row.copy_from_slice(b));
                let x = &ws.h[l - 1][(t + 1) * rows * hd..(t + 2) * rows * hd];
                mat_mat_acc(x, cell.input_weights().0, p, rows);
            }
            let (hp, hn) = ws.h[l].split_at_mut((t + 1) * rows * hd);
            let (cp, cn) = ws.c[l].split_at_mut((t + 1) * rows * hd);
            let hproj = if ws.hproj[l].is_empty() {
                &mut [][..]
            } else {
                &mut ws.hproj[l][lo..hi]
            };
            forward_step(
                cell,
                rows,
                p,
                &hp[t * rows * hd..],
                &cp[t * rows * hd..],
                &mut hn[..rows * hd],
                &mut cn[..rows * hd],
                hproj,
            );
        }
        if !sampling {
            continue;
        }
        // The model's own choice at t feeds step t + 1: the head runs step by step.
        let lg = &mut ws.logits[t * rows * OUTPUTS..(t + 1) * rows * OUTPUTS];
        lg.chunks_mut(OUTPUTS)
            .for_each(|row| row.copy_from_slice(&model.head.b));
        mat_mat_acc(
            &ws.h[top][(t + 1) * rows * hd..(t + 2) * rows * hd],
            &model.head.w,
            lg,
            rows,
        );
        for r in 0..rows {
            let i = t * rows + r;
            let row = &lg[r * OUTPUTS..(r + 1) * OUTPUTS];
            let c = argmax(&row[..CLASSES]);
            let prev = if batch.own[i] && t > 0 {
                ws.pred[i - rows].0 as usize
            } else {
                batch.features[i].prev_alto
            };
            ws.pred[i] = (c as u16, c != prev || sigmoid(row[CLASSES]) > 0.5);
        }
    }
    if !sampling {
        // Teacher forcing only: the head for all steps in one product.
        let n = rows * batch.steps;
        ws.logits
            .chunks_mut(OUTPUTS)
            .for_each(|row| row.copy_from_slice(&model.head.b));
        gemm::mm_acc(
            &ws.h[top][rows * hd..],
            &model.head.w,
            &mut ws.logits,
            n,
            hd,
            OUTPUTS,
        );
    }
}

/// Loss of the last forward; writes ∂L/∂logits (scaled by `1/norm`) into the logits buffer.
fn loss_and_dlogits(batch: &Batch, ws: &mut Workspace, norm: f32) -> Stats {
    let mut s = Stats::default();
    for (i, row) in ws.logits.chunks_mut(OUTPUTS).enumerate() {
        let target = batch.target[i];
        if target == NO_TARGET {
            row.fill(0.0);
            continue;
        }
        let (cls, on) = row.split_at_mut(CLASSES);
        let m = cls.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let z: f32 = cls.iter().map(|x| (x - m).exp()).sum();
        s.class_loss += (m + z.ln() - cls[target as usize]) as f64;
        s.count += 1;
        s.correct += usize::from(argmax(cls) == target as usize);
        for (k, x) in cls.iter_mut().enumerate() {
            *x = (((*x - m).exp() / z) - f32::from(k == target as usize)) / norm;
        }
        let y = batch.restrike[i];
        if y >= 0 {
            let p = sigmoid(on[0]).clamp(1e-7, 1.0 - 1e-7);
            s.onset_loss -= if y == 1 { p.ln() } else { (1.0 - p).ln() } as f64;
            s.onset_count += 1;
            on[0] = (p - y as f32) / norm;
        } else {
            on[0] = 0.0;
        }
    }
    s
}

/// Forward, loss and backward: gradients (divided by `norm`) are added to `grads`.
pub fn forward_backward(
    model: &AltoModel,
    batch: &Batch,
    ws: &mut Workspace,
    grads: &mut AltoModel,
    norm: f32,
) -> Stats {
    forward(model, batch, ws);
    let stats = loss_and_dlogits(batch, ws, norm);
    let (rows, steps, hd) = (batch.rows, batch.steps, model.config.hidden);
    let n = rows * steps;
    let top = model.cells.len() - 1;
    // Head, all steps at once: dW (H×O) += Hᵀ·dY ; db += Σ dY ; dH (N×H) = dY·Wᵀ.
    let h_top = &ws.h[top][rows * hd..];
    mm_tn_acc(h_top, &ws.logits, &mut grads.head.w, n, hd, OUTPUTS);
    for row in ws.logits.chunks(OUTPUTS) {
        grads.head.b.iter_mut().zip(row).for_each(|(b, d)| *b += d);
    }
    mm_nt(
        &ws.logits,
        &model.head.w,
        &mut ws.dh_top,
        n,
        OUTPUTS,
        hd,
        0.0,
    );
    // Layer by layer, top first: a layer's backward needs only what comes from above.
    let g = model.cells[0].gates();
    for l in (0..=top).rev() {
        let cell = &model.cells[l];
        altus_core::nn::math::transpose_into(recurrent_weights(cell), hd, g, &mut ws.w_hh_t);
        ws.dh_next.fill(0.0);
        ws.dc.fill(0.0);
        for t in (0..steps).rev() {
            let above = if l == top { &ws.dh_top } else { &ws.dx_all };
            for ((d, a), b) in ws
                .dh
                .iter_mut()
                .zip(&above[t * rows * hd..(t + 1) * rows * hd])
                .zip(&ws.dh_next)
            {
                *d = a + b;
            }
            let (s0, s1) = (t * rows * hd, (t + 1) * rows * hd);
            let (g0, g1) = (t * rows * g, (t + 1) * rows * g);
            let cache = StepCache {
                h_prev: &ws.h[l][s0..s1],
                c_prev: &ws.c[l][s0..s1],
                acts: &ws.acts[l][g0..g1],
                c: &ws.c[l][s1..s1 + rows * hd],
                hproj: if ws.hproj[l].is_empty() {
                    &[]
                } else {
                    &ws.hproj[l][g0..g1]
                },
            };
            backward_step(
                cell,
                rows,
                &ws.dh,
                &mut ws.dc,
                &cache,
                &ws.w_hh_t,
                &mut ws.dp_all[g0..g1],
                &mut ws.dhp_all[g0..g1],
                &mut ws.dh_next,
            );
        }
        // Recurrent weights, all steps at once: dW_hh (H×G) += H_prevᵀ · dHP.
        let grad = &mut grads.cells[l];
        mm_tn_acc(
            &ws.h[l][..n * hd],
            &ws.dhp_all,
            recurrent_grad(grad),
            n,
            hd,
            g,
        );
        if let altus_core::nn::Cell::Gru(gg) = grad {
            crate::gemm::col_sums(&ws.dhp_all, &mut gg.b_hh);
        }
        if l == 0 {
            let active: Vec<&[u16]> = (0..n)
                .map(|i| &ws.active[i][..ws.nact[i] as usize])
                .collect();
            backward_sparse_input(grad, &ws.dp_all, &active);
        } else {
            // dW_ih (H×G) += Xᵀ·dP ; bias ; dX (N×H) = dP·W_ihᵀ for the layer below.
            let x = &ws.h[l - 1][rows * hd..];
            let (w, b) = input_grads(grad);
            mm_tn_acc(x, &ws.dp_all, w, n, hd, g);
            crate::gemm::col_sums(&ws.dp_all, b);
            mm_nt(
                &ws.dp_all,
                cell.input_weights().0,
                &mut ws.dx_all,
                n,
                g,
                hd,
                0.0,
            );
        }
    }
    stats
}

/// Forward and loss only (validation).
pub fn evaluate(model: &AltoModel, batch: &Batch, ws: &mut Workspace) -> Stats {
    forward(model, batch, ws);
    loss_and_dlogits(batch, ws, 1.0)
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len())
        .max_by(|&a, &b| v[a].total_cmp(&v[b]))
        .unwrap_or(0)
}
