//! Elman RNN cell (Keras's SimpleRNN, the prototype's model): `h' = tanh(x·W_ih + h·W_hh + b)`.

use super::math::vec_mat_acc;

/// Simple RNN weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Rnn {
    /// Input size.
    pub input: usize,
    /// Hidden size H.
    pub hidden: usize,
    /// Input weights, `input × H`.
    pub w_ih: Vec<f32>,
    /// Recurrent weights, `H × H`.
    pub w_hh: Vec<f32>,
    /// Bias, `H`.
    pub b_ih: Vec<f32>,
}

impl Rnn {
    /// Zero weights of the given size.
    pub fn zeros(input: usize, hidden: usize) -> Self {
        Rnn {
            input,
            hidden,
            w_ih: vec![0.0; input * hidden],
            w_hh: vec![0.0; hidden * hidden],
            b_ih: vec![0.0; hidden],
        }
    }

    /// One step: `pre` holds the input projection (H; left holding the new `h`).
    #[inline(always)]
    pub fn step(&self, pre: &mut [f32], h: &mut [f32]) {
        vec_mat_acc(h, &self.w_hh, pre);
        for (hk, p) in h.iter_mut().zip(pre.iter_mut()) {
            *p = super::math::tanh(*p);
            *hk = *p;
        }
    }
}
