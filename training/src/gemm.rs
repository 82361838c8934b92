//! Matrix products on row-major slices, through ndarray's GEMM.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

fn view(a: &[f32], r: usize, c: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((r, c), a).expect("matrix shape")
}

fn view_mut(a: &mut [f32], r: usize, c: usize) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((r, c), a).expect("matrix shape")
}

/// `c (m×n) += a (m×k) · b (k×n)`.
pub fn mm_acc(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    general_mat_mul(
        1.0,
        &view(a, m, k),
        &view(b, k, n),
        1.0,
        &mut view_mut(c, m, n),
    );
}

/// `c (k×n) += aᵀ · b` with `a (m×k)`, `b (m×n)`: weight gradients.
pub fn mm_tn_acc(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    general_mat_mul(
        1.0,
        &view(a, m, k).t(),
        &view(b, m, n),
        1.0,
        &mut view_mut(c, k, n),
    );
}

/// `c (m×k) (+)= a (m×n) · bᵀ` with `b (k×n)`: gradients flowing back through a weight matrix.
pub fn mm_nt(a: &[f32], b: &[f32], c: &mut [f32], m: usize, n: usize, k: usize, beta: f32) {
    general_mat_mul(
        1.0,
        &view(a, m, n),
        &view(b, k, n).t(),
        beta,
        &mut view_mut(c, m, k),
    );
}

/// `out[j] += Σ_i m[i, j]` for a row-major matrix with `out.len()` columns: bias gradients.
pub fn col_sums(m: &[f32], out: &mut [f32]) {
    for row in m.chunks(out.len()) {
        out.iter_mut().zip(row).for_each(|(o, v)| *o += v);
    }
}
