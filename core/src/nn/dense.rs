//! Fully connected output layer: `y = h·W + b`.

use super::math::vec_mat_acc;

/// Dense weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Input size.
    pub input: usize,
    /// Output size.
    pub output: usize,
    /// Weights, `input × output`.
    pub w: Vec<f32>,
    /// Bias, `output`.
    pub b: Vec<f32>,
}

impl Dense {
    /// Zero weights of the given size.
    pub fn zeros(input: usize, output: usize) -> Self {
        Dense {
            input,
            output,
            w: vec![0.0; input * output],
            b: vec![0.0; output],
        }
    }

    /// `out = x·W + b`.
    #[inline(always)]
    pub fn forward(&self, x: &[f32], out: &mut [f32]) {
        out.copy_from_slice(&self.b);
        vec_mat_acc(x, &self.w, out);
    }
}
