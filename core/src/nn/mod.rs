//! Neural layers for one step at a time, RTNeural-style: weights apart from state, `step` writes
//! into caller-owned buffers sized at load time, no allocation and no `Result` inside a step;
//! their kernels, compiled for the CPU's best instruction set; and the safetensors codec of every
//! weight file. Nothing musical: uses only the error type and the random numbers.
//!
//! Layout: input weights are stored transposed (`input × gates`) so that a one-hot input is a
//! gather of a few rows, and recurrent weights as `hidden × gates` packed in column panels
//! ([`layout`]) so the recurrent product reads a few contiguous streams. Weight files use
//! PyTorch's `gates × input` layout; see [`safetensors`].
//!
//! Imports run one way, layout below kernels below layers: [`aligned`] and [`layout`] (how the
//! weights sit in memory) ← [`simd`], `lanes` and [`gemm`] (the kernel) ← [`bf16`], [`f16`] and
//! [`half`] (the 16-bit copies) ← [`panels`] (products with packed weights) and [`math`] ←
//! [`dense`], [`lstm`], [`gru`], [`rnn`] and the [`Cell`] enum.

pub mod aligned;
pub mod bf16;
pub mod dense;
pub mod f16;
pub mod gemm;
pub mod gru;
pub mod half;
pub(crate) mod lanes;
pub mod layout;
pub mod lstm;
pub mod math;
pub mod panels;
pub mod rnn;
pub mod safetensors;
pub mod simd;

pub use dense::{Dense, PackedDense};
pub use gru::Gru;
pub use lstm::Lstm;
pub use rnn::Rnn;

/// A recurrent cell of any supported kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Long short-term memory.
    Lstm(Lstm),
    /// Gated recurrent unit.
    Gru(Gru),
    /// Elman RNN with tanh (the prototype's SimpleRNN).
    Rnn(Rnn),
}

impl Cell {
    /// Hidden size.
    pub fn hidden(&self) -> usize {
        match self {
            Cell::Lstm(l) => l.hidden,
            Cell::Gru(g) => g.hidden,
            Cell::Rnn(r) => r.hidden,
        }
    }

    /// Input size.
    pub fn input(&self) -> usize {
        match self {
            Cell::Lstm(l) => l.input,
            Cell::Gru(g) => g.input,
            Cell::Rnn(r) => r.input,
        }
    }

    /// Width of the gate pre-activations (4H, 3H or H).
    pub fn gates(&self) -> usize {
        self.hidden()
            * match self {
                Cell::Lstm(_) => 4,
                Cell::Gru(_) => 3,
                Cell::Rnn(_) => 1,
            }
    }

    /// Input weights (`input × gates`) and input bias (`gates`).
    pub fn input_weights(&self) -> (&[f32], &[f32]) {
        match self {
            Cell::Lstm(l) => (&l.w_ih, &l.b_ih),
            Cell::Gru(g) => (&g.w_ih, &g.b_ih),
            Cell::Rnn(r) => (&r.w_ih, &r.b_ih),
        }
    }

    /// Recurrent weights (`hidden × gates`, packed: [`panels`]).
    pub fn recurrent_weights(&self) -> &[f32] {
        match self {
            Cell::Lstm(l) => &l.w_hh,
            Cell::Gru(g) => &g.w_hh,
            Cell::Rnn(r) => &r.w_hh,
        }
    }

    /// Recurrent weights, mutable (an optimiser's or a gradient's view).
    pub fn recurrent_weights_mut(&mut self) -> &mut aligned::Aligned {
        match self {
            Cell::Lstm(l) => &mut l.w_hh,
            Cell::Gru(g) => &mut g.w_hh,
            Cell::Rnn(r) => &mut r.w_hh,
        }
    }

    /// `out = b_ih + Σ rows of w_ih at the active (one-hot) inputs`.
    #[inline(always)]
    pub fn project_sparse(&self, active: &[u16], out: &mut [f32]) {
        let (w, b) = self.input_weights();
        math::gather_rows(w, b, active, out);
    }

    /// `out = b_ih + x · w_ih` for a dense input.
    #[inline(always)]
    pub fn project_dense(&self, x: &[f32], out: &mut [f32]) {
        let (w, b) = self.input_weights();
        out.copy_from_slice(b);
        math::vec_mat_acc(x, w, out);
    }

    /// One step from the input projection `xproj` (`gates` long; used as scratch). Updates `h`
    /// (and `c` for an LSTM, `H` long); `scratch` must be `gates` long. `half`, when given, is
    /// the recurrent weights' half-size copy ([`half`]).
    #[inline(always)]
    pub fn step(
        &self,
        half: Option<&half::HalfPanels>,
        xproj: &mut [f32],
        h: &mut [f32],
        c: &mut [f32],
        scratch: &mut [f32],
    ) {
        let w = panels::Panels {
            w: self.recurrent_weights(),
            half,
        };
        match self {
            Cell::Lstm(l) => l.step(w, xproj, h, c),
            Cell::Gru(g) => g.step(w, xproj, h, scratch),
            Cell::Rnn(r) => r.step(w, xproj, h),
        }
    }
}
