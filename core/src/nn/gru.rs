//! GRU cell, PyTorch convention, gate order r, z, n:
//! `r = σ(x·W_ir + b_ir + h·W_hr + b_hr)`, `z` likewise, `n = tanh(x·W_in + b_in + r⊙(h·W_hn + b_hn))`,
//! `h' = (1 − z)⊙n + z⊙h`.

use super::aligned::Aligned;
use super::panels;

/// GRU weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Gru {
    /// Input size.
    pub input: usize,
    /// Hidden size H.
    pub hidden: usize,
    /// Input weights, `input × 3H`.
    pub w_ih: Aligned,
    /// Recurrent weights, `H × 3H`, packed ([`panels`]).
    pub w_hh: Aligned,
    /// Input bias, `3H`.
    pub b_ih: Vec<f32>,
    /// Recurrent bias, `3H` (kept apart: it sits inside `r⊙…` for the n gate).
    pub b_hh: Vec<f32>,
}

impl Gru {
    /// Zero weights of the given size.
    pub fn zeros(input: usize, hidden: usize) -> Self {
        Gru {
            input,
            hidden,
            w_ih: Aligned::zeros(input * 3 * hidden),
            w_hh: Aligned::zeros(hidden * 3 * hidden),
            b_ih: vec![0.0; 3 * hidden],
            b_hh: vec![0.0; 3 * hidden],
        }
    }

    /// One step: `xproj` holds the input projection (3H, overwritten with `[r z n]`);
    /// `hproj` is 3H scratch (left holding `h·W_hh + b_hh`); `w_hh` is [`Gru::w_hh`] with its
    /// half-size copy, if any.
    #[inline(always)]
    pub fn step(&self, w_hh: panels::Panels, xproj: &mut [f32], h: &mut [f32], hproj: &mut [f32]) {
        hproj.copy_from_slice(&self.b_hh);
        panels::vec_acc(h, w_hh, hproj);
        gru_pointwise(xproj, hproj, h);
    }
}

/// The GRU's element-wise part, shared with training. On exit `xproj` holds `[r z n]`.
#[inline(always)]
pub fn gru_pointwise(xproj: &mut [f32], hproj: &[f32], h: &mut [f32]) {
    let n = h.len();
    let (xrz, xn) = xproj.split_at_mut(2 * n);
    let xn = &mut xn[..n];
    let (hrz, hn) = (&hproj[..2 * n], &hproj[2 * n..3 * n]);
    // One simple loop per operation: each vectorises reliably (a fused loop did not).
    for (x, hv) in xrz.iter_mut().zip(hrz) {
        *x = super::math::sigmoid(*x + hv);
    }
    let (r, z) = xrz.split_at(n);
    for k in 0..n {
        xn[k] = super::math::tanh(xn[k] + r[k] * hn[k]);
    }
    for k in 0..n {
        h[k] = (1.0 - z[k]) * xn[k] + z[k] * h[k];
    }
}
