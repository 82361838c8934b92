//! Matrix products on row-major slices for the batched backward passes, through core's
//! register-blocked kernel ([`gemm_acc`]: 8 rows × 3 panels of 16 columns on AVX-512, the inner
//! dimension in chunks of 128). ndarray's GEMM (matrixmultiply) has no AVX-512 kernel and was a
//! quarter of a training step.

use altus_core::nn::gemm::gemm_acc;
use std::cell::RefCell;

thread_local! {
    /// `bᵀ` for [`mm_nt`], kept between calls.
    static TRANSPOSED: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `c (m×n) += a (m×k) · b (k×n)`.
pub fn mm_acc(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    gemm_acc(&a[..m * k], false, &b[..k * n], &mut c[..m * n], m, k);
}

/// `c (k×n) += aᵀ · b` with `a (m×k)`, `b (m×n)`: weight gradients.
pub fn mm_tn_acc(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    gemm_acc(&a[..m * k], true, &b[..m * n], &mut c[..k * n], k, m);
}

/// `c (m×k) (+)= a (m×n) · bᵀ` with `b (k×n)`: gradients flowing back through a weight matrix.
/// `beta` is 0 (overwrite `c`) or 1 (add to it).
pub fn mm_nt(a: &[f32], b: &[f32], c: &mut [f32], m: usize, n: usize, k: usize, beta: f32) {
    assert!(beta == 0.0 || beta == 1.0, "beta is 0 or 1");
    let c = &mut c[..m * k];
    if beta == 0.0 {
        c.fill(0.0);
    }
    TRANSPOSED.with_borrow_mut(|bt| {
        bt.resize(k * n, 0.0);
        altus_core::nn::math::transpose_into(&b[..k * n], k, n, bt);
        gemm_acc(&a[..m * n], false, bt, c, m, n);
    });
}

/// `out[j] += Σ_i m[i, j]` for a row-major matrix with `out.len()` columns: bias gradients.
pub(crate) fn col_sums(m: &[f32], out: &mut [f32]) {
    for row in m.chunks(out.len()) {
        out.iter_mut().zip(row).for_each(|(o, v)| *o += v);
    }
}
