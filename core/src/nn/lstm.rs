//! LSTM cell. Gate order i, f, g, o (PyTorch); one combined bias at run time.
//!
//! `gates = x·W_ih + h·W_hh + b`; `i, f, o = σ(…)`, `g = tanh(…)`; `c' = f⊙c + i⊙g`; `h' = o⊙tanh(c')`.

use super::aligned::Aligned;
use super::math::sigmoid;
use super::panels;

/// LSTM weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Lstm {
    /// Input size.
    pub input: usize,
    /// Hidden size H.
    pub hidden: usize,
    /// Input weights, `input × 4H`.
    pub w_ih: Aligned,
    /// Recurrent weights, `H × 4H`, packed ([`panels`]).
    pub w_hh: Aligned,
    /// Bias (`b_ih + b_hh` of PyTorch), `4H`.
    pub b_ih: Vec<f32>,
}

impl Lstm {
    /// Zero weights of the given size.
    pub fn zeros(input: usize, hidden: usize) -> Self {
        Lstm {
            input,
            hidden,
            w_ih: Aligned::zeros(input * 4 * hidden),
            w_hh: Aligned::zeros(hidden * 4 * hidden),
            b_ih: vec![0.0; 4 * hidden],
        }
    }

    /// One step: `gates` holds the input projection on entry (4H, overwritten with activations);
    /// `w_hh` is [`Lstm::w_hh`] with its half-size copy, if any.
    #[inline(always)]
    pub fn step(&self, w_hh: panels::Panels, gates: &mut [f32], h: &mut [f32], c: &mut [f32]) {
        panels::vec_acc(h, w_hh, gates);
        lstm_pointwise(gates, c, h);
    }
}

/// The LSTM's element-wise part, shared with training: on entry `gates` holds pre-activations
/// `[i f g o]`; on exit activations; `c` is updated in place and `h` written.
#[inline(always)]
pub fn lstm_pointwise(gates: &mut [f32], c: &mut [f32], h: &mut [f32]) {
    let n = h.len();
    let (ifg, o) = gates.split_at_mut(3 * n);
    let (if_, g) = ifg.split_at_mut(2 * n);
    let (o, c) = (&mut o[..n], &mut c[..n]);
    // One simple loop per operation: each vectorises reliably (a fused loop did not).
    // (A `chain` of the two would be an out-of-line `fold`, compiled without the caller's
    // instruction set.)
    if_.iter_mut().for_each(|v| *v = sigmoid(*v));
    o.iter_mut().for_each(|v| *v = sigmoid(*v));
    g.iter_mut().for_each(|v| *v = super::math::tanh(*v));
    let (i, f) = if_.split_at(n);
    for k in 0..n {
        c[k] = f[k] * c[k] + i[k] * g[k];
    }
    for k in 0..n {
        h[k] = o[k] * super::math::tanh(c[k]);
    }
}
