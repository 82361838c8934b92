//! Adam and global-norm gradient clipping over a model's parameter tensors.

use crate::pool::{Pool, lock};
use altus_core::harmony::model::HarmonyModel;
use altus_core::nn::math::fold_lanes;
use std::sync::Mutex;

/// Adam (Kingma & Ba) with bias correction.
pub(crate) struct Adam {
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
    pub(crate) fn for_sizes(sizes: &[usize], lr: f32) -> Self {
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

    /// One update of any list of tensors from their gradients (same order and shapes).
    pub(crate) fn step_tensors(&mut self, params: Vec<&mut [f32]>, grads: &[&[f32]]) {
        let k = self.advance();
        for (((p, g), m), v) in params
            .into_iter()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            adam_update(p, g, m, v, k, 1.0);
        }
    }

    /// Counts a step; its coefficients (step size, β₁, β₂, ε).
    fn advance(&mut self) -> [f32; 4] {
        self.t += 1;
        let c1 = 1.0 - self.b1.powi(self.t);
        let c2 = 1.0 - self.b2.powi(self.t);
        let a = self.lr * c2.sqrt() / c1;
        [a, self.b1, self.b2, self.eps]
    }

    /// Sums the workers' gradients (`grads[w]`: worker `w`'s tensors, in `params`' order),
    /// clips their global L2 norm to `clip`, takes one step and leaves every gradient at zero
    /// for the next batch (zeroed where each is read, instead of one more pass by each
    /// worker); returns the norm before clipping. Each tensor is cut into one part per thread
    /// of `pool`: these passes are memory-bound (seven streams of every weight), and one core
    /// doing them while the other waited was a sixteenth of a harmony batch.
    pub(crate) fn step_summed(
        &mut self,
        pool: &mut Pool,
        params: Vec<&mut [f32]>,
        grads: Vec<Vec<&mut [f32]>>,
        clip: f32,
    ) -> f32 {
        let width = pool.width();
        let k = self.advance();
        let mut shares: Vec<Vec<Part>> = (0..width).map(|_| Vec::new()).collect();
        let mut workers: Vec<_> = grads.into_iter().map(Vec::into_iter).collect();
        for ((p, m), v) in params.into_iter().zip(&mut self.m).zip(&mut self.v) {
            // Parts of whole 64-byte lines, so two threads never write one line.
            let c = p.len().div_ceil(width).next_multiple_of(16).max(16);
            let mut g: Vec<_> = workers
                .iter_mut()
                .map(|w| w.next().expect("a gradient per tensor").chunks_mut(c))
                .collect();
            let parts = p.chunks_mut(c).zip(m.chunks_mut(c)).zip(v.chunks_mut(c));
            for (share, ((p, m), v)) in shares.iter_mut().zip(parts) {
                let g = g
                    .iter_mut()
                    .map(|w| w.next().expect("same shape"))
                    .collect();
                share.push(Part { p, m, v, g });
            }
        }
        // Each thread's parts and its partial Σ g².
        let shares: Vec<Mutex<(Vec<Part>, f32)>> =
            shares.into_iter().map(|s| Mutex::new((s, 0.0))).collect();
        pool.run(&|j| {
            let (parts, ss) = &mut *lock(&shares[j]);
            for part in parts.iter_mut() {
                let (first, rest) = part.g.split_first_mut().expect("one worker");
                rest.iter_mut().for_each(|r| take_into(first, r));
                *ss += square_sum(first);
            }
        });
        // Summed in index order: the same norm whatever order the threads finished in.
        let norm = shares.iter().map(|s| lock(s).1).sum::<f32>().sqrt();
        let scale = if norm > clip && norm.is_finite() {
            clip / norm
        } else {
            1.0
        };
        pool.run(&|j| {
            for part in lock(&shares[j]).0.iter_mut() {
                adam_update_taking(part.p, part.g[0], part.m, part.v, k, scale);
            }
        });
        norm
    }
}

/// One thread's part of one tensor: the weights, their moments and every worker's gradient.
struct Part<'a> {
    p: &'a mut [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
    g: Vec<&'a mut [f32]>,
}

altus_core::multiversion!(
    /// `dst += src`, then `src = 0`; compiled for the CPU's best instruction set.
    fn take_into(dst: &mut [f32], src: &mut [f32]) => take_into_impl
);

#[inline(always)]
fn take_into_impl(dst: &mut [f32], src: &mut [f32]) {
    dst.iter_mut().zip(src).for_each(|(d, s)| {
        *d += *s;
        *s = 0.0;
    });
}

altus_core::multiversion!(
    /// Σ x², in lanes (one chain of dependent adds is serial work), for the CPU's best
    /// instruction set.
    fn square_sum(x: &[f32]) -> f32 => square_sum_impl
);

#[inline(always)]
fn square_sum_impl(x: &[f32]) -> f32 {
    fold_lanes(x, 0.0, |a, x| a + x * x, |a, b| a + b)
}

altus_core::multiversion!(
    /// One tensor's Adam update (`k` = step size, β₁, β₂, ε) from the gradient times `scale`,
    /// compiled for the CPU's best instruction set.
    fn adam_update(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: [f32; 4], scale: f32) => adam_impl
);

altus_core::multiversion!(
    /// [`adam_update`], zeroing the gradient as it reads it.
    fn adam_update_taking(p: &mut [f32], g: &mut [f32], m: &mut [f32], v: &mut [f32], k: [f32; 4], scale: f32) => adam_taking_impl
);

#[inline(always)]
fn adam_impl(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: [f32; 4], scale: f32) {
    let n = p.len();
    let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        adam_one(&mut p[i], g[i] * scale, &mut m[i], &mut v[i], k);
    }
}

#[inline(always)]
fn adam_taking_impl(
    p: &mut [f32],
    g: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    k: [f32; 4],
    scale: f32,
) {
    let n = p.len();
    let (g, m, v) = (&mut g[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        adam_one(&mut p[i], g[i] * scale, &mut m[i], &mut v[i], k);
        g[i] = 0.0;
    }
}

/// Adam on one weight from its (scaled) gradient `g`.
#[inline(always)]
fn adam_one(p: &mut f32, g: f32, m: &mut f32, v: &mut f32, [a, b1, b2, eps]: [f32; 4]) {
    *m = b1 * *m + (1.0 - b1) * g;
    *v = b2 * *v + (1.0 - b2) * g * g;
    *p -= a * *m / (v.sqrt() + eps);
}

#[cfg(test)]
mod tests {
    use super::*;
    use altus_core::harmony::model::{CellKind, ModelConfig};

    #[test]
    fn adam_moves_against_the_gradient() {
        let cfg = ModelConfig::new(CellKind::Rnn, 2, 1);
        let mut m = HarmonyModel::zeros(cfg);
        let mut g = HarmonyModel::zeros(cfg);
        g.head
            .b
            .iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x = i as f32 - 10.0);
        let mut adam = Adam::new(&m, 0.1);
        adam.step_tensors(m.params_mut(), &g.params());
        // First Adam step moves each weight by lr against the sign of its gradient.
        assert!((m.head.b[0] - 0.1).abs() < 1e-5 && (m.head.b[20] + 0.1).abs() < 1e-5);
        assert_eq!(m.head.b[10], 0.0);
    }

    /// The threaded sum, clip and step against the same done serially: one to three workers,
    /// tensor lengths that do not divide into parts, clipping on two steps of three.
    #[test]
    fn the_parallel_summed_step_is_the_serial_step_on_the_clipped_sum() {
        let cfg = ModelConfig::new(CellKind::Gru, 5, 1);
        for workers in 1..=3u64 {
            // Pool widths 3, 1 and 2: parts need not match workers.
            let mut pool = Pool::new((workers as usize + 1) % 3);
            let mut fast = HarmonyModel::init(cfg, 1);
            let mut slow = fast.clone();
            let (mut adam_fast, mut adam_slow) = (Adam::new(&fast, 0.01), Adam::new(&slow, 0.01));
            for step in 0..3u64 {
                let mut gs: Vec<HarmonyModel> = (0..workers)
                    .map(|w| HarmonyModel::init(cfg, 10 + 7 * step + w))
                    .collect();
                let mut sum: Vec<Vec<f32>> = gs[0].params().iter().map(|p| p.to_vec()).collect();
                for g in &gs[1..] {
                    for (s, p) in sum.iter_mut().zip(g.params()) {
                        s.iter_mut().zip(p).for_each(|(a, b)| *a += b);
                    }
                }
                let norm = sum
                    .iter()
                    .flatten()
                    .map(|&x| x as f64 * x as f64)
                    .sum::<f64>()
                    .sqrt();
                let clip = if step == 1 { 1e9 } else { norm as f32 / 3.0 };
                let scale = (clip as f64 / norm).min(1.0) as f32;
                let clipped: Vec<Vec<f32>> = sum
                    .iter()
                    .map(|p| p.iter().map(|x| x * scale).collect())
                    .collect();
                let refs: Vec<&[f32]> = clipped.iter().map(|p| &p[..]).collect();
                adam_slow.step_tensors(slow.params_mut(), &refs);
                let grads = gs.iter_mut().map(|g| g.params_mut()).collect();
                let got = adam_fast.step_summed(&mut pool, fast.params_mut(), grads, clip);
                assert!((got as f64 - norm).abs() < 1e-5 * norm, "{got} vs {norm}");
                let mut left = gs.iter().flat_map(|g| g.params()).flatten();
                assert!(left.all(|&x| x == 0.0), "every gradient is zero again");
            }
            for (a, b) in fast
                .params()
                .into_iter()
                .flatten()
                .zip(slow.params().into_iter().flatten())
            {
                assert!((a - b).abs() < 1e-6, "{workers} workers: {a} vs {b}");
            }
        }
    }
}
