//! Batched forward and backward of the whole alto model over windows of steps (BPTT).
//!
//! Rows are independent windows; time runs forward through every layer and the head, then the
//! backward runs time in reverse, top layer first. Scheduled sampling: where `Batch::own` is set,
//! the row's previous-alto input is the model's own previous choice instead of Bach's.

use super::cells::{
    StepCache, backward_sparse_input, backward_step, forward_step, input_grads, recurrent_grad,
};
use super::loss;
use crate::gemm::{self, mm_nt, mm_tn_acc};
use altus_core::harmony::features::{CLASSES, HEAD, MAX_ACTIVE, OUTPUTS};
use altus_core::harmony::model::HarmonyModel;
use altus_core::nn::Cell;
use altus_core::nn::layout;
use altus_core::nn::math::{gather_rows, mat_mat_acc, sigmoid};
use altus_core::nn::panels;

use super::batch::wait_to_rejoin;
pub use super::batch::{Batch, NO_TARGET, Rejoin, Stats};
use super::distill::Teach;
pub use super::workspace::Workspace;

/// Forward over the batch; fills the workspace caches and logits.
pub fn forward(model: &HarmonyModel, batch: &Batch, ws: &mut Workspace) {
    assert!(
        batch.rows == ws.rows && batch.steps == ws.steps,
        "workspace shape"
    );
    // The head row-major, once per batch: the batched products below and the backward read it.
    let hd = model.config.hidden;
    layout::unpack_into(&model.head.w, hd, OUTPUTS, &mut ws.head_w);
    let sampling = batch.own.iter().any(|&o| o);
    ws.target.copy_from_slice(&batch.target);
    ws.restrike.copy_from_slice(&batch.restrike);
    for t in 0..batch.steps {
        inputs_at(batch, ws, t, model.config.inputs);
        for l in 0..model.cells.len() {
            layer_forward(model, ws, l, t);
        }
        if !ws.keep.is_empty() {
            drop_head_input(ws, model.cells.len() - 1, t);
        }
        if sampling {
            // The model's own choice at t feeds step t + 1: the head runs step by step.
            own_choices(model, batch, ws, t);
        }
    }
    if !sampling {
        head_all_steps(model, ws);
    }
}

/// Teacher forcing: the head for all steps in one product, from the row-major head weights
/// already in `ws.head_w`.
pub(super) fn head_all_steps(model: &HarmonyModel, ws: &mut Workspace) {
    let (rows, hd, top) = (ws.rows, model.config.hidden, model.cells.len() - 1);
    ws.logits
        .chunks_mut(OUTPUTS)
        .for_each(|row| row.copy_from_slice(&model.head.b));
    let n = rows * ws.steps;
    let x = head_input(&ws.h[top], &ws.h_head, &ws.keep, rows * hd);
    gemm::mm_acc(x, &ws.head_w, &mut ws.logits, n, hd, OUTPUTS);
}

/// Step `t`'s head input while dropping: the top layer's output times the mask.
fn drop_head_input(ws: &mut Workspace, top: usize, t: usize) {
    let w = ws.h_head.len() / ws.steps.max(1);
    let (lo, hi) = (t * w, (t + 1) * w);
    let (h, out) = (&ws.h[top][lo + w..hi + w], &mut ws.h_head[lo..hi]);
    for ((o, &x), &k) in out.iter_mut().zip(h).zip(&ws.keep[lo..hi]) {
        *o = x * k;
    }
}

/// What the head reads over all steps: the top layer's output `h_top` after its initial state
/// (the `first` values), or its masked copy while dropping.
fn head_input<'a>(h_top: &'a [f32], h_head: &'a [f32], keep: &[f32], first: usize) -> &'a [f32] {
    if keep.is_empty() {
        &h_top[first..]
    } else {
        h_head
    }
}

/// The active one-hot inputs of step `t`, with the model's own previous choice where the row
/// samples.
fn inputs_at(
    batch: &Batch,
    ws: &mut Workspace,
    t: usize,
    inputs: altus_core::harmony::features::Inputs,
) {
    let rows = batch.rows;
    for r in 0..rows {
        let i = t * rows + r;
        let mut f = batch.features[i];
        if batch.own[i] && t > 0 {
            for (v, &(c, o)) in ws.pred[i - rows].iter().enumerate() {
                let wait = match batch.rejoin {
                    Rejoin::Now => false,
                    Rejoin::AtOnsets => true,
                    Rejoin::OnEighths => f.strength == 0,
                };
                if wait {
                    wait_to_rejoin(&mut ws.target[i][v], &mut ws.restrike[i][v], f.prev[v], c);
                }
                f.prev[v] = c as usize;
                f.prev_onset[v] = o;
            }
        }
        ws.nact[i] = f.active(inputs, &mut ws.active[i]) as u8;
    }
}

/// Layer `l` at step `t`: input projection (a gather for the one-hot first layer, a product
/// with the layer below otherwise), then the cell.
pub(super) fn layer_forward(model: &HarmonyModel, ws: &mut Workspace, l: usize, t: usize) {
    let (rows, hd) = (ws.rows, model.config.hidden);
    let cell = &model.cells[l];
    let g = cell.gates();
    let (lo, hi) = ((t * rows) * g, ((t + 1) * rows) * g);
    let p = &mut ws.acts[l][lo..hi];
    let (w, b) = cell.input_weights();
    if l == 0 {
        let at = t * rows..(t + 1) * rows;
        gather_batch(w, b, &ws.active[at.clone()], &ws.nact[at], p);
    } else {
        p.chunks_mut(g).for_each(|row| row.copy_from_slice(b));
        let x = &ws.h[l - 1][(t + 1) * rows * hd..(t + 2) * rows * hd];
        mat_mat_acc(x, w, p, rows);
    }
    let (hp, hn) = ws.h[l].split_at_mut((t + 1) * rows * hd);
    let (cp, cn) = ws.c[l].split_at_mut((t + 1) * rows * hd);
    let hproj = if ws.hproj[l].is_empty() {
        &mut [][..]
    } else {
        &mut ws.hproj[l][lo..hi]
    };
    let (h_prev, c_prev) = (&hp[t * rows * hd..], &cp[t * rows * hd..]);
    forward_step(
        cell,
        rows,
        p,
        h_prev,
        c_prev,
        &mut hn[..rows * hd],
        &mut cn[..rows * hd],
        hproj,
    );
}

altus_core::multiversion!(
    /// Each row's one-hot input projection (`p`: rows × gates), compiled for the CPU's best
    /// instruction set.
    fn gather_batch(w: &[f32], b: &[f32], active: &[[u16; MAX_ACTIVE]], nact: &[u8], p: &mut [f32]) => gather_batch_impl
);

#[inline(always)]
fn gather_batch_impl(
    w: &[f32],
    b: &[f32],
    active: &[[u16; MAX_ACTIVE]],
    nact: &[u8],
    p: &mut [f32],
) {
    let g = b.len();
    for ((act, &n), row) in active.iter().zip(nact).zip(p.chunks_exact_mut(g)) {
        gather_rows(w, b, &act[..n as usize], row);
    }
}

/// The head at step `t` and the greedy choices each sampling row feeds back: voice by voice in
/// the model's order, each seeing the earlier ones (no decoding rules).
fn own_choices(model: &HarmonyModel, batch: &Batch, ws: &mut Workspace, t: usize) {
    let (rows, hd) = (batch.rows, model.config.hidden);
    let lg = &mut ws.logits[t * rows * OUTPUTS..(t + 1) * rows * OUTPUTS];
    lg.chunks_mut(OUTPUTS)
        .for_each(|row| row.copy_from_slice(&model.head.b));
    let top = model.cells.len() - 1;
    let h = head_input(&ws.h[top], &ws.h_head, &ws.keep, rows * hd);
    let h = &h[t * rows * hd..(t + 1) * rows * hd];
    panels::mat_mat_acc(h, &model.head.w, lg, rows);
    for r in 0..rows {
        let i = t * rows + r;
        let mut row = [0f32; OUTPUTS];
        row.copy_from_slice(&lg[r * OUTPUTS..(r + 1) * OUTPUTS]);
        for v in model.config.order.voices() {
            let block = &row[v * HEAD..(v + 1) * HEAD];
            let c = argmax(&block[..CLASSES]);
            let prev = if batch.own[i] && t > 0 {
                ws.pred[i - rows][v].0 as usize
            } else {
                batch.features[i].prev[v]
            };
            ws.pred[i][v] = (c as u16, c != prev || sigmoid(block[CLASSES]) > 0.5);
            model.condition(v, c, &mut row);
        }
    }
}

/// Forward, loss and backward: gradients (divided by `norm`) are added to `grads`.
pub(crate) fn forward_backward(
    model: &HarmonyModel,
    batch: &Batch,
    ws: &mut Workspace,
    grads: &mut HarmonyModel,
    norm: f32,
    teach: Option<&mut Teach>,
) -> Stats {
    forward(model, batch, ws);
    let soft = teach.map(|t| t.logits_on(ws));
    let stats = loss::loss_and_dlogits(model, &ws.target, &ws.restrike, &mut ws.logits, norm, soft);
    loss::cond_grads(model, &ws.target, &ws.logits, &mut grads.cond);
    let (rows, hd) = (batch.rows, model.config.hidden);
    let n = rows * batch.steps;
    let top = model.cells.len() - 1;
    // Head, all steps at once: dW (H×O) += Hᵀ·dY ; db += Σ dY ; dH (N×H) = dY·Wᵀ.
    ws.dhead_w.fill(0.0);
    let x = head_input(&ws.h[top], &ws.h_head, &ws.keep, rows * hd);
    mm_tn_acc(x, &ws.logits, &mut ws.dhead_w, n, hd, OUTPUTS);
    layout::pack_add(&ws.dhead_w, hd, OUTPUTS, &mut grads.head.w);
    crate::gemm::col_sums(&ws.logits, &mut grads.head.b);
    mm_nt(&ws.logits, &ws.head_w, &mut ws.dh_top, n, OUTPUTS, hd, 0.0);
    if !ws.keep.is_empty() {
        ws.dh_top
            .iter_mut()
            .zip(&ws.keep)
            .for_each(|(d, &k)| *d *= k);
    }
    // Layer by layer, top first: a layer's backward needs only what comes from above.
    for l in (0..=top).rev() {
        layer_backward(model, ws, l, batch.steps);
        weight_grads(model, ws, &mut grads.cells[l], l, n);
    }
    stats
}

/// Backward through time of layer `l`: from the last step to the first, ∂L/∂h from above plus
/// from the step after; fills `dp_all` and `dhp_all` (B×G per step).
fn layer_backward(model: &HarmonyModel, ws: &mut Workspace, l: usize, steps: usize) {
    let (rows, hd) = (ws.rows, model.config.hidden);
    let cell = &model.cells[l];
    let g = cell.gates();
    let top = l == model.cells.len() - 1;
    layout::transpose_packed_into(cell.recurrent_weights(), hd, g, &mut ws.w_hh_t);
    ws.dh_next.fill(0.0);
    ws.dc.fill(0.0);
    for t in (0..steps).rev() {
        let above = if top { &ws.dh_top } else { &ws.dx_all };
        let above = &above[t * rows * hd..(t + 1) * rows * hd];
        for ((d, a), b) in ws.dh.iter_mut().zip(above).zip(&ws.dh_next) {
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
        let (dp, dhp) = (&mut ws.dp_all[g0..g1], &mut ws.dhp_all[g0..g1]);
        backward_step(
            cell,
            rows,
            &ws.dh,
            &mut ws.dc,
            &cache,
            &ws.w_hh_t,
            dp,
            dhp,
            &mut ws.dh_next,
        );
    }
}

/// Layer `l`'s weight gradients from its `dp_all`/`dhp_all`, all steps at once, and ∂L/∂x for
/// the layer below.
fn weight_grads(model: &HarmonyModel, ws: &mut Workspace, grad: &mut Cell, l: usize, n: usize) {
    let (rows, hd) = (ws.rows, model.config.hidden);
    let g = model.cells[l].gates();
    // Recurrent weights: dW_hh (H×G) += H_prevᵀ · dHP, row-major, then into the packed grad.
    ws.dw_hh.fill(0.0);
    let dhp = recurrent_grad(&model.cells[l], &ws.dp_all, &ws.dhp_all);
    mm_tn_acc(&ws.h[l][..n * hd], dhp, &mut ws.dw_hh, n, hd, g);
    layout::pack_add(&ws.dw_hh, hd, g, grad.recurrent_weights_mut());
    if let Cell::Gru(gg) = grad {
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
        let w_ih = model.cells[l].input_weights().0;
        mm_nt(&ws.dp_all, w_ih, &mut ws.dx_all, n, g, hd, 0.0);
    }
}

/// Forward and loss only (validation).
pub fn evaluate(model: &HarmonyModel, batch: &Batch, ws: &mut Workspace) -> Stats {
    ws.keep.clear();
    forward(model, batch, ws);
    loss::loss_and_dlogits(model, &ws.target, &ws.restrike, &mut ws.logits, 1.0, None)
}

/// Index of the largest value (the first of ties).
pub(super) fn argmax(v: &[f32]) -> usize {
    (0..v.len())
        .max_by(|&a, &b| v[a].total_cmp(&v[b]))
        .unwrap_or(0)
}
