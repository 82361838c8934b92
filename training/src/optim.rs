//! Adam and global-norm gradient clipping over a model's parameter tensors.

use altus_core::harmony::model::HarmonyModel;
use altus_core::nn::math::fold_lanes;

/// Adam (Kingma & Ba) with bias correction.
pub struct Adam {
    /// Learning rate.
    pub lr: f32,
    b1: f32,
    b2: f32,
    eps: f32,
    t: i32,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl Adam {
    /// Zero moments for `model`'s tensors.
    pub fn new(model: &HarmonyModel, lr: f32) -> Self {
        Self::for_sizes(
            &model.params().iter().map(|p| p.len()).collect::<Vec<_>>(),
            lr,
        )
    }

    /// Zero moments for tensors of these lengths.
    pub fn for_sizes(sizes: &[usize], lr: f32) -> Self {
        let zeros: Vec<Vec<f32>> = sizes.iter().map(|&n| vec![0.0; n]).collect();
        Adam {
            lr,
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            t: 0,
            m: zeros.clone(),
            v: zeros,
        }
    }

    /// One update of `model` from `grads` (same shapes).
    pub fn step(&mut self, model: &mut HarmonyModel, grads: &HarmonyModel) {
        self.step_tensors(model.params_mut(), &grads.params());
    }

    /// One update of any list of tensors from their gradients (same order and shapes).
    pub fn step_tensors(&mut self, params: Vec<&mut [f32]>, grads: &[&[f32]]) {
        self.t += 1;
        let c1 = 1.0 - self.b1.powi(self.t);
        let c2 = 1.0 - self.b2.powi(self.t);
        let (b1, b2, eps) = (self.b1, self.b2, self.eps);
        let a = self.lr * c2.sqrt() / c1;
        for (((p, g), m), v) in params
            .into_iter()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            adam_update(p, g, m, v, [a, b1, b2, eps]);
        }
    }
}

altus_core::multiversion!(
    /// One tensor's Adam update (`k` = step size, β₁, β₂, ε), compiled for the CPU's best
    /// instruction set.
    fn adam_update(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: [f32; 4]) => adam_impl
);

#[inline(always)]
fn adam_impl(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: [f32; 4]) {
    let [a, b1, b2, eps] = k;
    let n = p.len();
    let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        p[i] -= a * m[i] / (v[i].sqrt() + eps);
    }
}

/// Scales `grads` so their global L2 norm is at most `max`; returns the norm before clipping.
pub fn clip_global_norm(grads: &mut HarmonyModel, max: f32) -> f32 {
    let norm = grads
        .params()
        .iter()
        // In lanes: one chain of dependent adds over every weight took a third of a
        // millisecond per batch while the other core waited.
        .map(|p| fold_lanes(p, 0.0, |a, x| a + x * x, |a, b| a + b))
        .sum::<f32>()
        .sqrt();
    if norm > max && norm.is_finite() {
        let s = max / norm;
        grads
            .params_mut()
            .into_iter()
            .for_each(|p| p.iter_mut().for_each(|g| *g *= s));
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use altus_core::harmony::model::{CellKind, ModelConfig};

    #[test]
    fn adam_moves_against_the_gradient_and_clipping_bounds_the_norm() {
        let cfg = ModelConfig::new(CellKind::Rnn, 2, 1);
        let mut m = HarmonyModel::zeros(cfg);
        let mut g = HarmonyModel::zeros(cfg);
        g.head
            .b
            .iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x = i as f32 - 10.0);
        let mut adam = Adam::new(&m, 0.1);
        adam.step(&mut m, &g);
        // First Adam step moves each weight by lr against the sign of its gradient.
        assert!((m.head.b[0] - 0.1).abs() < 1e-5 && (m.head.b[20] + 0.1).abs() < 1e-5);
        assert_eq!(m.head.b[10], 0.0);
        let before = clip_global_norm(&mut g, 1.0);
        assert!(before > 1.0);
        let after: f32 = g
            .params()
            .iter()
            .flat_map(|p| p.iter())
            .map(|x| x * x)
            .sum::<f32>()
            .sqrt();
        assert!((after - 1.0).abs() < 1e-5);
    }
}
