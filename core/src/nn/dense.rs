//! Fully connected output layer: `y = h·W + b`.

use super::aligned::Aligned;
use super::half::HalfPanels;
use super::math::vec_mat_acc;
use super::panels;

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

/// A fully connected layer run every step (the harmony model's head): weights packed in panels
/// ([`panels`]) on a cache-line boundary, like the recurrent weights.
#[derive(Clone, Debug, PartialEq)]
pub struct PackedDense {
    /// Input size.
    pub input: usize,
    /// Output size.
    pub output: usize,
    /// Weights, `input × output`, packed.
    pub w: Aligned,
    /// Bias, `output`.
    pub b: Vec<f32>,
}

impl PackedDense {
    /// Zero weights of the given size.
    pub fn zeros(input: usize, output: usize) -> Self {
        PackedDense {
            input,
            output,
            w: Aligned::zeros(input * output),
            b: vec![0.0; output],
        }
    }

    /// `out = x·W + b`, from `W`'s half-size copy `half` where [`panels::vec_acc`] can.
    #[inline(always)]
    pub fn forward(&self, half: Option<&HalfPanels>, x: &[f32], out: &mut [f32]) {
        out.copy_from_slice(&self.b);
        panels::vec_acc(x, panels::Panels { w: &self.w, half }, out);
    }
}
