//! Batched forward and backward of one recurrent step, for every cell kind. The element-wise
//! forward maths is core's (`lstm_pointwise`, `gru_pointwise`): one forward pass for training and
//! plugin. Each backward sits under its forward; shapes are `rows × width`, row-major.

use super::gemm::{mm_acc, mm_nt, mm_tn_acc};
use altus_core::nn::Cell;
use altus_core::nn::gru::gru_pointwise;
use altus_core::nn::lstm::lstm_pointwise;

/// What one step's forward keeps for the backward.
pub struct StepCache<'a> {
    /// `h_{t-1}` (B×H).
    pub h_prev: &'a [f32],
    /// `c_{t-1}` (B×H, LSTM).
    pub c_prev: &'a [f32],
    /// Gate activations (B×G).
    pub acts: &'a [f32],
    /// `c_t` (B×H, LSTM).
    pub c: &'a [f32],
    /// `h_{t-1}·W_hh + b_hh` (B×G, GRU).
    pub hproj: &'a [f32],
}

/// Forward of one step for `b` rows. `p` (B×G) holds the input projection on entry and the gate
/// activations on exit; writes `h` and `c` (B×H); `hproj` (B×G) is kept for the GRU backward.
#[allow(clippy::too_many_arguments)]
pub fn forward_step(
    cell: &Cell,
    b: usize,
    p: &mut [f32],
    h_prev: &[f32],
    c_prev: &[f32],
    h: &mut [f32],
    c: &mut [f32],
    hproj: &mut [f32],
) {
    let (hd, g) = (cell.hidden(), cell.gates());
    match cell {
        Cell::Lstm(l) => {
            // gates (B×4H) += h_prev (B×H) · W_hh (H×4H)
            mm_acc(h_prev, &l.w_hh, p, b, hd, g);
            c.copy_from_slice(c_prev);
            for r in 0..b {
                lstm_pointwise(
                    &mut p[r * g..(r + 1) * g],
                    &mut c[r * hd..(r + 1) * hd],
                    &mut h[r * hd..(r + 1) * hd],
                );
            }
        }
        Cell::Gru(gr) => {
            // hproj (B×3H) = b_hh + h_prev · W_hh
            for r in 0..b {
                hproj[r * g..(r + 1) * g].copy_from_slice(&gr.b_hh);
            }
            mm_acc(h_prev, &gr.w_hh, hproj, b, hd, g);
            h.copy_from_slice(h_prev);
            for r in 0..b {
                gru_pointwise(
                    &mut p[r * g..(r + 1) * g],
                    &hproj[r * g..(r + 1) * g],
                    &mut h[r * hd..(r + 1) * hd],
                );
            }
        }
        Cell::Rnn(rn) => {
            mm_acc(h_prev, &rn.w_hh, p, b, hd, g);
            for (hv, pv) in h.iter_mut().zip(p.iter_mut()) {
                *pv = altus_core::nn::math::tanh(*pv);
                *hv = *pv;
            }
        }
    }
}

/// Backward of one step for `b` rows.
/// In: `dh` (B×H) = ∂L/∂h_t; `dc` (B×H) = ∂L/∂c_t from step t+1 (LSTM).
/// Out: `dp` (B×G) = ∂L/∂(input projection); `dh_prev` (B×H) = ∂L/∂h_{t-1} through the
/// recurrence; `dc` = ∂L/∂c_{t-1}; recurrent weight and bias gradients accumulated into `grad`.
/// `scratch` is B×G.
#[allow(clippy::too_many_arguments)]
pub fn backward_step(
    cell: &Cell,
    grad: &mut Cell,
    b: usize,
    dh: &[f32],
    dc: &mut [f32],
    cache: &StepCache,
    dp: &mut [f32],
    dh_prev: &mut [f32],
    scratch: &mut [f32],
) {
    let (hd, g) = (cell.hidden(), cell.gates());
    match (cell, grad) {
        (Cell::Lstm(l), Cell::Lstm(gl)) => {
            for r in 0..b {
                let a = &cache.acts[r * g..(r + 1) * g];
                for k in 0..hd {
                    let x = r * hd + k;
                    let (i, f, gg, o) = (a[k], a[hd + k], a[2 * hd + k], a[3 * hd + k]);
                    let tc = altus_core::nn::math::tanh(cache.c[x]);
                    let dct = dc[x] + dh[x] * o * (1.0 - tc * tc);
                    let d = &mut dp[r * g..(r + 1) * g];
                    d[k] = dct * gg * i * (1.0 - i);
                    d[hd + k] = dct * cache.c_prev[x] * f * (1.0 - f);
                    d[2 * hd + k] = dct * i * (1.0 - gg * gg);
                    d[3 * hd + k] = dh[x] * tc * o * (1.0 - o);
                    dc[x] = dct * f;
                }
            }
            // dW_hh (H×4H) += h_prevᵀ · dp ; dh_prev (B×H) = dp · W_hhᵀ
            mm_tn_acc(cache.h_prev, dp, &mut gl.w_hh, b, hd, g);
            mm_nt(dp, &l.w_hh, dh_prev, b, g, hd, 0.0);
        }
        (Cell::Gru(gr), Cell::Gru(gg)) => {
            let dhp = scratch;
            for r in 0..b {
                let a = &cache.acts[r * g..(r + 1) * g];
                let hp = &cache.hproj[r * g..(r + 1) * g];
                for k in 0..hd {
                    let x = r * hd + k;
                    let (rr, z, n) = (a[k], a[hd + k], a[2 * hd + k]);
                    let dn_pre = dh[x] * (1.0 - z) * (1.0 - n * n);
                    let dz_pre = dh[x] * (cache.h_prev[x] - n) * z * (1.0 - z);
                    let dr_pre = dn_pre * hp[2 * hd + k] * rr * (1.0 - rr);
                    let (o, d) = (r * g, &mut dp[r * g..(r + 1) * g]);
                    d[k] = dr_pre;
                    d[hd + k] = dz_pre;
                    d[2 * hd + k] = dn_pre;
                    dhp[o + k] = dr_pre;
                    dhp[o + hd + k] = dz_pre;
                    dhp[o + 2 * hd + k] = dn_pre * rr;
                    dh_prev[x] = dh[x] * z;
                }
            }
            mm_tn_acc(cache.h_prev, dhp, &mut gg.w_hh, b, hd, g);
            for r in 0..b {
                for (db, d) in gg.b_hh.iter_mut().zip(&dhp[r * g..(r + 1) * g]) {
                    *db += d;
                }
            }
            mm_nt(dhp, &gr.w_hh, dh_prev, b, g, hd, 1.0);
        }
        (Cell::Rnn(rn), Cell::Rnn(gn)) => {
            for ((d, &a), &dhv) in dp.iter_mut().zip(cache.acts).zip(dh) {
                *d = dhv * (1.0 - a * a);
            }
            mm_tn_acc(cache.h_prev, dp, &mut gn.w_hh, b, hd, g);
            mm_nt(dp, &rn.w_hh, dh_prev, b, g, hd, 0.0);
        }
        _ => unreachable!("gradient buffers have the model's cell kind"),
    }
}

/// Input-side backward for a one-hot input: scatter `dp` rows into the active rows of `dW_ih`,
/// and sum them into the input bias.
pub fn backward_sparse_input(grad: &mut Cell, dp: &[f32], active: &[&[u16]]) {
    let g = grad.gates();
    let (w, bias) = input_grads(grad);
    for (r, act) in active.iter().enumerate() {
        let d = &dp[r * g..(r + 1) * g];
        for &j in act.iter() {
            for (wv, dv) in w[j as usize * g..(j as usize + 1) * g].iter_mut().zip(d) {
                *wv += dv;
            }
        }
        for (bv, dv) in bias.iter_mut().zip(d) {
            *bv += dv;
        }
    }
}

/// Input-side backward for a dense input `x` (B×I): `dW_ih += xᵀ·dp`, bias, and `dx += dp·W_ihᵀ`.
pub fn backward_dense_input(
    cell: &Cell,
    grad: &mut Cell,
    b: usize,
    x: &[f32],
    dp: &[f32],
    dx: &mut [f32],
) {
    let (g, i) = (cell.gates(), cell.input());
    let (w, bias) = input_grads(grad);
    mm_tn_acc(x, dp, w, b, i, g);
    for r in 0..b {
        for (bv, dv) in bias.iter_mut().zip(&dp[r * g..(r + 1) * g]) {
            *bv += dv;
        }
    }
    mm_nt(dp, cell.input_weights().0, dx, b, g, i, 1.0);
}

fn input_grads(grad: &mut Cell) -> (&mut [f32], &mut [f32]) {
    match grad {
        Cell::Lstm(l) => (&mut l.w_ih, &mut l.b_ih),
        Cell::Gru(g) => (&mut g.w_ih, &mut g.b_ih),
        Cell::Rnn(r) => (&mut r.w_ih, &mut r.b_ih),
    }
}
