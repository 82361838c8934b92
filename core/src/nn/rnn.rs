//! Elman RNN cell (Keras's SimpleRNN, the prototype's model): `h' = tanh(x·W_ih + h·W_hh + b)`.

use super::aligned::Aligned;
use super::panels;

/// Simple RNN weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Rnn {
    /// Input size.
    pub input: usize,
    /// Hidden size H.
    pub hidden: usize,
    /// Input weights, `input × H`.
    pub w_ih: Aligned,
    /// Recurrent weights, `H × H`, packed ([`panels`]).
    pub w_hh: Aligned,
    /// Bias, `H`.
    pub b_ih: Vec<f32>,
}

impl Rnn {
    /// Zero weights of the given size.
    pub fn zeros(input: usize, hidden: usize) -> Self {
        Rnn {
            input,
            hidden,
            w_ih: Aligned::zeros(input * hidden),
            w_hh: Aligned::zeros(hidden * hidden),
            b_ih: vec![0.0; hidden],
        }
    }

    /// One step: `pre` holds the input projection (H; left holding the new `h`); `w_hh` is
    /// [`Rnn::w_hh`] with its half-size copy, if any.
    #[inline(always)]
    pub fn step(&self, w_hh: panels::Panels, pre: &mut [f32], h: &mut [f32]) {
        panels::vec_acc(h, w_hh, pre);
        for (hk, p) in h.iter_mut().zip(pre.iter_mut()) {
            *p = super::math::tanh(*p);
            *hk = *p;
        }
    }
}
