//! Weights the step streams (recurrent matrices, the harmony head) stored as column panels.
//!
//! A `rows × cols` matrix is cut into panels of [`WIDTH`] columns (the last one narrower when
//! `cols` is not a multiple); each panel is stored whole, row after row, on a cache-line boundary
//! ([`Aligned`]), so the product `x · W` reads a few long contiguous streams of whole cache lines.
//! Row-major storage read 512 bytes of each 4 KB row per block of columns: at hidden 256 the
//! recurrent product took 14.0 µs that way and 7.3 µs packed (`cargo bench -p altus-core
//! --bench step` measures the whole step).
//!
//! Element `(r, c)` of panel `p = c / WIDTH` (width `w`) sits at `p·WIDTH·rows + r·w + c mod WIDTH`.

use super::aligned::Aligned;
use super::half::HalfPanels;

/// Columns per panel: one 64-byte cache line, one AVX-512 register.
pub const WIDTH: usize = 16;

/// Index of element `(r, c)` of a packed `rows × cols` matrix.
#[inline]
pub fn offset(rows: usize, cols: usize, r: usize, c: usize) -> usize {
    let p = c / WIDTH;
    let w = WIDTH.min(cols - p * WIDTH);
    p * WIDTH * rows + r * w + c % WIDTH
}

/// A row-major `rows × cols` matrix, packed, on a cache-line boundary.
pub fn pack(w: &[f32], rows: usize, cols: usize) -> Aligned {
    let mut out = Aligned::zeros(w.len());
    pack_add(w, rows, cols, &mut out);
    out
}

/// `out += pack(w)`: a row-major gradient added into a packed one.
pub fn pack_add(w: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    assert!(w.len() == rows * cols && out.len() == rows * cols, "shapes");
    // Panel by panel, each panel row a contiguous run of both: no index arithmetic per element.
    for c0 in (0..cols).step_by(WIDTH) {
        let wp = WIDTH.min(cols - c0);
        let panel = &mut out[c0 * rows..(c0 + wp) * rows];
        for (r, o) in panel.chunks_exact_mut(wp).enumerate() {
            o.iter_mut()
                .zip(&w[r * cols + c0..r * cols + c0 + wp])
                .for_each(|(o, v)| *o += v);
        }
    }
}

/// A packed `rows × cols` matrix back to row-major.
pub fn unpack(p: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; p.len()];
    unpack_into(p, rows, cols, &mut out);
    out
}

/// `out` (row-major `rows × cols`) = the packed matrix `p`.
pub fn unpack_into(p: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for r in 0..rows {
        for c in 0..cols {
            out[r * cols + c] = p[offset(rows, cols, r, c)];
        }
    }
}

/// `Wᵀ` (`cols × rows`, row-major: PyTorch's layout) of a packed `rows × cols` matrix.
pub fn unpack_transposed(p: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; p.len()];
    unpack_transposed_into(p, rows, cols, &mut out);
    out
}

/// `out (cols × rows, row-major) = Wᵀ` of a packed `rows × cols` matrix (the backward's view).
pub fn unpack_transposed_into(p: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for c in 0..cols {
        for r in 0..rows {
            out[c * rows + r] = p[offset(rows, cols, r, c)];
        }
    }
}

/// `out = Wᵀ` (`cols × rows`), packed, of a packed `rows × cols` matrix: the matrix training's
/// backward multiplies by at every step.
pub fn transpose_packed_into(p: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for c in 0..cols {
        for r in 0..rows {
            out[offset(cols, rows, c, r)] = p[offset(rows, cols, r, c)];
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_places_each_element_once() {
        for (rows, cols) in [(3, 40), (5, 16), (2, 7), (4, 33)] {
            let w: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let p = pack(&w, rows, cols);
            let mut seen: Vec<usize> = (0..rows * cols)
                .map(|i| offset(rows, cols, i / cols, i % cols))
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..rows * cols).collect::<Vec<_>>());
            assert_eq!(unpack(&p, rows, cols), w);
            assert_eq!(p.as_ptr() as usize % 64, 0);
            let mut t = vec![0.0; w.len()];
            unpack_transposed_into(&p, rows, cols, &mut t);
            assert_eq!(t, super::super::math::transpose(&w, rows, cols));
            let mut tp = vec![0.0; w.len()];
            transpose_packed_into(&p, rows, cols, &mut tp);
            assert_eq!(unpack(&tp, cols, rows), t);
            let mut acc = p.clone();
            pack_add(&w, rows, cols, &mut acc);
            assert_eq!(acc[..], p.iter().map(|v| 2.0 * v).collect::<Vec<_>>()[..]);
        }
    }
}
