//! How the weights the step streams are laid out in memory: the bottom of `nn`, used by the
//! kernels above it and by nothing it uses but [`Aligned`].
//!
//! A `rows × cols` matrix is cut into panels of [`WIDTH`] columns (the last one narrower when
//! `cols` is not a multiple); each panel is stored whole, row after row, on a cache-line boundary
//! ([`Aligned`]), so the product `x · W` reads a few long contiguous streams of whole cache lines.
//! Row-major storage read 512 bytes of each 4 KB row per block of columns: at hidden 256 the
//! recurrent product took 14.0 µs that way and 7.3 µs packed (`cargo bench -p altus-core
//! --bench step` measures the whole step).
//!
//! Element `(r, c)` of panel `p = c / WIDTH` (width `w`) sits at `p·WIDTH·rows + r·w + c mod WIDTH`.
//! The 16-bit copies ([`super::half`]) keep the panels in cache lines of two rows ([`Line`]).

use super::aligned::Aligned;

/// Columns per panel: one 64-byte cache line, one AVX-512 register.
pub(crate) const WIDTH: usize = 16;

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
pub(crate) fn unpack_transposed(p: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; p.len()];
    unpack_transposed_into(p, rows, cols, &mut out);
    out
}

/// `out (cols × rows, row-major) = Wᵀ` of a packed `rows × cols` matrix (the backward's view).
pub(crate) fn unpack_transposed_into(p: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
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

/// One cache line of a 16-bit copy: two rows of one panel, each of [`WIDTH`] values.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub(super) struct Line(pub(super) [u16; 2 * WIDTH]);

/// The packed `k × n` matrix `packed` (above) as 16-bit lines: panel `p`'s rows
/// `2j` and `2j + 1` in line `p·⌈k/2⌉ + j`, each panel padded to full width and an odd last row
/// with zeros; `slot(r mod 2, c mod WIDTH)` is an element's place in its line (the format's
/// layout), `round` its bits. `None` when `packed` is not `k × n`.
pub(super) fn lines(
    packed: &[f32],
    (k, n): (usize, usize),
    slot: fn(usize, usize) -> usize,
    round: fn(f32) -> u16,
) -> Option<Vec<Line>> {
    if packed.len() != k * n {
        return None;
    }
    let pairs = k.div_ceil(2);
    let mut lines = vec![Line([0; 2 * WIDTH]); n.div_ceil(WIDTH) * pairs];
    for r in 0..k {
        for c in 0..n {
            let v = packed[offset(k, n, r, c)];
            lines[(c / WIDTH) * pairs + r / 2].0[slot(r % 2, c % WIDTH)] = round(v);
        }
    }
    Some(lines)
}

/// The bits of element `(r, c)` of lines made by [`lines`] for `k` rows with `slot`.
pub(super) fn bits(
    lines: &[Line],
    k: usize,
    (r, c): (usize, usize),
    slot: fn(usize, usize) -> usize,
) -> u16 {
    lines[(c / WIDTH) * k.div_ceil(2) + r / 2].0[slot(r % 2, c % WIDTH)]
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
