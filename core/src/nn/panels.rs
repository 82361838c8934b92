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
use super::lanes::{self, Lanes};

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
    for r in 0..rows {
        for c in 0..cols {
            out[offset(rows, cols, r, c)] += w[r * cols + c];
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

crate::multiversion!(
    /// `out (rows × n) += x (rows × k) · W`, `x` and `out` row-major, `W` (`k × n`) packed;
    /// compiled for the CPU's best instruction set.
    pub fn mat_mat_acc(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) => mat_mat_acc_impl
);

/// Register blocking per instruction set: `R` rows × `Q` panels of accumulators share each
/// panel-row load and each `x` value. One row (inference) takes as many panels at a time as
/// hide the add latency and share the load of `x`; several rows (training) share each panel row
/// across rows, as a GEMM micro-kernel does. The panel-row update is written with the
/// instruction set's registers ([`Lanes`]): as plain loops, the compiler vectorised across rows
/// with gathers, 4–10× slower.
#[inline(always)]
fn mat_mat_acc_impl(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    use super::simd::Isa;
    let n = out.len() / rows;
    let k = x.len() / rows;
    // Every unchecked read below relies on this.
    assert!(w.len() == k * n && x.len() == rows * k && out.len() == rows * n);
    let isa = super::simd::isa();
    let mut r = 0;
    if rows > 1 {
        r = match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => many_rows::<lanes::Zmm, 4, 4>(x, w, out, rows),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => many_rows::<lanes::Ymm, 4, 1>(x, w, out, rows),
            _ => many_rows::<lanes::Plain, 2, 1>(x, w, out, rows),
        };
    }
    for r in r..rows {
        let (x, out) = (&x[r * k..(r + 1) * k], &mut out[r * n..(r + 1) * n]);
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => rows_times_w::<lanes::Zmm, 1, 12>(x, w, out),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => rows_times_w::<lanes::Ymm, 1, 4>(x, w, out),
            _ => rows_times_w::<lanes::Plain, 1, 3>(x, w, out),
        }
    }
}

/// Blocks of `R` rows while `R` remain; returns the rows done (the rest go one by one).
#[inline(always)]
fn many_rows<L: Lanes, const R: usize, const Q: usize>(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    rows: usize,
) -> usize {
    let (k, n) = (x.len() / rows, out.len() / rows);
    let rfull = rows - rows % R;
    for r0 in (0..rfull).step_by(R) {
        let (xs, os) = (&x[r0 * k..(r0 + R) * k], &mut out[r0 * n..(r0 + R) * n]);
        rows_times_w::<L, R, Q>(xs, w, os);
    }
    rfull
}

/// `R` rows of `x` times every panel: `Q` panels at a time, then smaller blocks, then the narrow
/// last panel. The caller has checked `w.len() = k·n`.
#[inline(always)]
fn rows_times_w<L: Lanes, const R: usize, const Q: usize>(x: &[f32], w: &[f32], out: &mut [f32]) {
    let (k, n) = (x.len() / R, out.len() / R);
    let xs: [&[f32]; R] = std::array::from_fn(|r| &x[r * k..(r + 1) * k]);
    let mut p = blocks::<L, R, Q>(&xs, w, out, n, 0);
    p = blocks::<L, R, 4>(&xs, w, out, n, p);
    p = blocks::<L, R, 2>(&xs, w, out, n, p);
    blocks::<L, R, 1>(&xs, w, out, n, p);
    for (r, xr) in xs.iter().enumerate() {
        narrow::<L>(xr, w, &mut out[r * n..(r + 1) * n]);
    }
}

/// Rows `xs`, `Q` full panels at a time from panel `p` while `Q` remain; returns the next panel.
#[inline(always)]
fn blocks<L: Lanes, const R: usize, const Q: usize>(
    xs: &[&[f32]; R],
    w: &[f32],
    out: &mut [f32],
    n: usize,
    mut p: usize,
) -> usize {
    let k = xs[0].len();
    while p + Q <= n / WIDTH {
        // One raw pointer and index arithmetic: slices would keep a bounds check per panel
        // and row in the innermost loop.
        let base = w[p * WIDTH * k..].as_ptr();
        let mut acc = [[L::zero(); Q]; R];
        for kk in 0..k {
            for q in 0..Q {
                // SAFETY: row `kk < k` of panel `p + q`, a full panel within `w` (`w.len() =
                // k·n`, checked by `mat_mat_acc_impl`): offset `(q·k + kk)·WIDTH` from panel `p`.
                let row = unsafe { &*(base.add((q * k + kk) * WIDTH) as *const [f32; WIDTH]) };
                for (a, xr) in acc.iter_mut().zip(xs) {
                    a[q] = a[q].madd(xr[kk], row);
                }
            }
        }
        for (r, a) in acc.iter().enumerate() {
            let o = &mut out[r * n + p * WIDTH..r * n + (p + Q) * WIDTH];
            for (o, a) in o.as_chunks_mut::<WIDTH>().0.iter_mut().zip(a) {
                a.add_to(o);
            }
        }
        p += Q;
    }
    p
}

/// The last panel of one row when it is narrower than [`WIDTH`] (`wp` columns, rows of `wp`
/// back to back): each row is read as [`WIDTH`] values, the spare lanes (the next row's first
/// values) summed and dropped; the last rows, where that read would leave the matrix, scalar.
#[inline(always)]
fn narrow<L: Lanes>(x: &[f32], w: &[f32], out: &mut [f32]) {
    let (n, k) = (out.len(), x.len());
    let from = n - n % WIDTH;
    if from == n {
        return;
    }
    let (wp, pan) = (n - from, &w[from * k..from * k + (n - from) * k]);
    // Rows `kk` with `kk·wp + WIDTH ≤ pan.len()` are read whole.
    let wide = match pan.len().checked_sub(WIDTH) {
        Some(spare) => (spare / wp + 1).min(k),
        None => 0,
    };
    let mut acc = L::zero();
    for (kk, &xv) in x[..wide].iter().enumerate() {
        let row: &[f32; WIDTH] = pan[kk * wp..kk * wp + WIDTH].try_into().expect("row");
        acc = acc.madd(xv, row);
    }
    let mut sum = [0f32; WIDTH];
    acc.add_to(&mut sum);
    for (kk, &xv) in x.iter().enumerate().skip(wide) {
        for (s, wv) in sum.iter_mut().zip(&pan[kk * wp..(kk + 1) * wp]) {
            *s = L::madd1(xv, *wv, *s);
        }
    }
    for (o, s) in out[from..].iter_mut().zip(sum) {
        *o += s;
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
            let mut acc = p.clone();
            pack_add(&w, rows, cols, &mut acc);
            assert_eq!(acc[..], p.iter().map(|v| 2.0 * v).collect::<Vec<_>>()[..]);
        }
    }
}
