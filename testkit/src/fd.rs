//! Finite-difference gradient checks, shared by every hand-written backward pass.

use altus_core::rng::Rng;

/// Checks `analytic` gradients (one vector per tensor) against central differences with step
/// `h`. `loss(t, i, delta)` is the loss with entry `i` of tensor `t` moved by `delta`; it must
/// put the entry back. Tensors of up to 400 entries are checked whole; larger ones (one-hot
/// input matrices, mostly rows no example uses) at their first 80 non-zero entries and 40 at
/// random. An entry passes within 2e-3 + 3% of the larger magnitude. Returns how many entries
/// were checked; panics naming the first that fails.
pub fn check(
    analytic: &[Vec<f32>],
    h: f32,
    seed: u64,
    mut loss: impl FnMut(usize, usize, f32) -> f64,
) -> usize {
    let mut rng = Rng::new(seed);
    let mut checked = 0;
    for (t, grad) in analytic.iter().enumerate() {
        let entries: Vec<usize> = if grad.len() <= 400 {
            (0..grad.len()).collect()
        } else {
            (0..grad.len())
                .filter(|&i| grad[i] != 0.0)
                .take(80)
                .chain((0..40).map(|_| rng.below(grad.len())))
                .collect()
        };
        for i in entries {
            let numeric = ((loss(t, i, h) - loss(t, i, -h)) / (2.0 * h as f64)) as f32;
            let a = grad[i];
            assert!(
                (a - numeric).abs() <= 2e-3 + 3e-2 * a.abs().max(numeric.abs()),
                "tensor {t} entry {i}: analytic {a} vs numeric {numeric}"
            );
            checked += 1;
        }
    }
    checked
}
