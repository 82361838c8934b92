//! Recurrent weights stored as column panels, the layout the step reads fastest.
//!
//! A `rows × cols` matrix is cut into panels of [`WIDTH`] columns (the last one narrower when
//! `cols` is not a multiple); each panel is stored whole, row after row, so the step's product
//! `x · W` reads a few long contiguous streams instead of short pieces of every row. Row-major
//! storage read a new 4 KB page for each of the 256 rows at hidden 256 and ran about half as
//! fast (`examples`-style probes, `cargo bench -p altus-core --bench step`).
//!
//! Element `(r, c)` of panel `p = c / WIDTH` (width `w`) sits at `p·WIDTH·rows + r·w + c mod WIDTH`.

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
    for r in 0..rows {
        for c in 0..cols {
            out[offset(rows, cols, r, c)] = w[r * cols + c];
        }
    }
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

/// `out (cols × rows, row-major) = Wᵀ` of a packed `rows × cols` matrix (the backward's view).
pub fn unpack_transposed_into(p: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for c in 0..cols {
        for r in 0..rows {
            out[c * rows + r] = p[offset(rows, cols, r, c)];
        }
    }
}

use super::aligned::Aligned;
use super::lanes::{self, Lanes};

crate::multiversion!(
    /// `out (rows × n) += x (rows × k) · W`, `x` and `out` row-major, `W` (`k × n`) packed;
    /// compiled for the CPU's best instruction set.
    pub fn mat_mat_acc(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) => mat_mat_acc_impl
);

/// One panel at a time, read as one contiguous stream. One row (inference) keeps `C` partial
/// sums over interleaved rows of the panel, enough independent chains to hide the add latency;
/// several rows (training) share each load across `R` rows, as a GEMM micro-kernel does.
/// The panel-row update is written with the instruction set's registers ([`Lanes`]): written
/// as plain loops, the compiler vectorised across rows with gathers, 4–10× slower.
#[inline(always)]
fn mat_mat_acc_impl(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    use super::simd::Isa;
    let n = out.len() / rows;
    let k = x.len() / rows;
    assert!(w.len() == k * n && x.len() == rows * k && out.len() == rows * n);
    let isa = super::simd::isa();
    let mut r = 0;
    if rows > 1 {
        r = match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => many_rows::<lanes::Zmm, 4, 4>(x, w, out, k, n, rows),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => many_rows::<lanes::Ymm, 4, 1>(x, w, out, k, n, rows),
            _ => many_rows::<lanes::Plain, 2, 1>(x, w, out, k, n, rows),
        };
    }
    for r in r..rows {
        let (x, out) = (&x[r * k..(r + 1) * k], &mut out[r * n..(r + 1) * n]);
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => one_row::<lanes::Zmm, 12>(x, w, out),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => one_row::<lanes::Ymm, 4>(x, w, out),
            _ => one_row::<lanes::Plain, 3>(x, w, out),
        }
    }
}

/// One row of `x` times every panel: `Q` panels at a time share each load of `x`, then
/// smaller blocks, then the narrow last panel.
#[inline(always)]
fn one_row<L: Lanes, const Q: usize>(x: &[f32], w: &[f32], out: &mut [f32]) {
    let full = out.len() / WIDTH;
    assert!(full * WIDTH * x.len() <= w.len());
    let mut p = blocks::<L, Q>(x, w, out, 0, full);
    p = blocks::<L, 4>(x, w, out, p, full);
    p = blocks::<L, 2>(x, w, out, p, full);
    blocks::<L, 1>(x, w, out, p, full);
    narrow::<L>(x, w, out);
}

/// `Q` panels at a time from panel `p` while `Q` full panels remain; returns the next panel.
/// The caller has checked `full · WIDTH · k ≤ w.len()`.
#[inline(always)]
fn blocks<L: Lanes, const Q: usize>(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    mut p: usize,
    full: usize,
) -> usize {
    let k = x.len();
    let (oc, _) = out.as_chunks_mut::<WIDTH>();
    while p + Q <= full {
        // One raw pointer and index arithmetic: slices would keep a bounds check per panel
        // and row in the innermost loop.
        let base = w[p * WIDTH * k..].as_ptr();
        let mut acc = [L::zero(); Q];
        for (kk, &xv) in x.iter().enumerate() {
            for (q, a) in acc.iter_mut().enumerate() {
                // SAFETY: row `kk < k` of panel `p + q < full`, within `w` (checked by the
                // caller): offset `(q·k + kk)·WIDTH` from panel `p`, WIDTH values.
                let row = unsafe { &*(base.add((q * k + kk) * WIDTH) as *const [f32; WIDTH]) };
                *a = a.madd(xv, row);
            }
        }
        for (o, a) in oc[p..p + Q].iter_mut().zip(acc) {
            a.add_to(o);
        }
        p += Q;
    }
    p
}

/// `R` rows × `Q` panels of accumulators share each panel-row load and each `x` value; panels
/// past the last full block go `R` rows × 1 panel. Returns the rows done (the rest go one by
/// one). The caller has checked `w.len() = k·n` and `x.len() = rows·k`.
#[inline(always)]
fn many_rows<L: Lanes, const R: usize, const Q: usize>(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    k: usize,
    n: usize,
    rows: usize,
) -> usize {
    let rfull = rows - rows % R;
    let full = n / WIDTH;
    for r0 in (0..rfull).step_by(R) {
        let mut p = rows_block::<L, R, Q>(x, w, out, k, n, r0, 0);
        while p < full {
            p = rows_block::<L, R, 1>(x, w, out, k, n, r0, p);
        }
        for r in r0..r0 + R {
            narrow::<L>(&x[r * k..(r + 1) * k], w, &mut out[r * n..(r + 1) * n]);
        }
    }
    rfull
}

/// Rows `r0 .. r0 + R`, `Q` panels at a time from panel `p` while `Q` full panels remain;
/// returns the next panel.
#[inline(always)]
fn rows_block<L: Lanes, const R: usize, const Q: usize>(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    k: usize,
    n: usize,
    r0: usize,
    mut p: usize,
) -> usize {
    let xs: [&[f32]; R] = std::array::from_fn(|r| &x[(r0 + r) * k..(r0 + r + 1) * k]);
    while p + Q <= n / WIDTH {
        let base = w[p * WIDTH * k..].as_ptr();
        let mut acc = [[L::zero(); Q]; R];
        for kk in 0..k {
            for q in 0..Q {
                // SAFETY: row `kk < k` of panel `p + q`, a full panel within `w` (`w.len() =
                // k·n`, checked by the caller): offset `(q·k + kk)·WIDTH` from panel `p`.
                let row = unsafe { &*(base.add((q * k + kk) * WIDTH) as *const [f32; WIDTH]) };
                for (a, xr) in acc.iter_mut().zip(&xs) {
                    a[q] = a[q].madd(xr[kk], row);
                }
            }
        }
        for (r, a) in acc.iter().enumerate() {
            let o = &mut out[(r0 + r) * n + p * WIDTH..(r0 + r) * n + (p + Q) * WIDTH];
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
