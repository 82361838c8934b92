//! Products with the packed weights the step streams ([`super::layout`]): from their
//! half-size copy where the level in use reads one ([`super::half`]), else from the `f32`
//! panels through the register-blocked kernel ([`super::gemm`]).

use super::half::HalfPanels;

crate::multiversion!(
    /// `out (rows × n) += x (rows × k) · W`, `x` and `out` row-major, `W` (`k × n`) packed;
    /// compiled for the CPU's best instruction set ([`super::gemm`] holds the kernel).
    pub fn mat_mat_acc(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) => mat_mat_acc_impl
);

#[inline(always)]
fn mat_mat_acc_impl(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    let n = out.len().checked_div(rows).unwrap_or(0);
    let k = x.len().checked_div(rows).unwrap_or(0);
    assert!(w.len() == k * n && x.len() == rows * k, "shapes");
    super::gemm::product(x, w, out, (rows, k), super::gemm::Layout::packed(k, n));
}

/// A packed matrix as the step reads it: its `f32` panels, and their half-size copy when the
/// model has one ([`super::half`]).
#[derive(Clone, Copy, Debug)]
pub struct Panels<'a> {
    /// The weights.
    pub w: &'a [f32],
    /// Their half-size copy.
    pub half: Option<&'a HalfPanels>,
}

/// `out (n) += x (k) · W`, `W` (`k × n`) packed: from the half-size copy where there is one
/// the level in use reads ([`HalfPanels::usable`]); else from the `f32` weights.
#[inline(always)]
pub fn vec_acc(x: &[f32], w: Panels, out: &mut [f32]) {
    match w.half {
        Some(h) if h.usable() => h.vec_acc(x, out),
        _ => mat_mat_acc(x, w.w, out, 1),
    }
}
