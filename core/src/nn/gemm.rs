//! The one register-blocked product kernel: `out (rows × n) += X · W`, with `W` read either as
//! column panels ([`super::panels`], the weights the step streams) or row-major (training's
//! batched products), and `X` row-major or transposed. The layouts differ only in strides, so
//! inference and training share the micro-kernel.
//!
//! Register blocking per instruction set: `R` rows × `Q` panels of accumulators share each
//! panel-row load and each `x` value. One row (inference) takes as many panels at a time as hide
//! the add latency; several rows share each panel row across rows, as a GEMM micro-kernel does,
//! and the blocks of panels are the outer loop so that `Q` panels (a chunk of [`KC`] of their
//! rows) stay in L1 while every block of rows passes over them. Blocks measured on one Xeon core
//! (`training/examples/gemm_probe.rs`, training's shapes): AVX-512 8 × 3 panels, 111–171
//! GFLOP/s (4 × 4: 49–130); AVX2 6 × 1, 68–94 (4 × 1: 57–83). One row with AVX-512 takes 6
//! panels at a time: on an AMD EPYC (AVX-512 on 256-bit units) the step's products, L2-bound,
//! ran 1.3–1.7× faster than with 12 (`H × 4H` recurrent product, H = 64/128/256: 1.07 → 0.63,
//! 3.6 → 2.4, 15.3 → 10.6 µs); fewer streams at once prefetch better. The panel-row update is written
//! with the instruction set's registers ([`Lanes`]): as plain loops, the compiler vectorised
//! across rows with gathers, 4–10× slower.

use super::lanes::{self, Lanes};
use super::layout::WIDTH;

/// Where the operands' elements sit.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// `X(r, kk) = x[r·xr + kk·xk]`.
    xr: usize,
    xk: usize,
    /// Full panel `p`: `W(kk, p·WIDTH + j) = w[p·wp + kk·wk + j]`.
    wk: usize,
    wp: usize,
    /// The narrow last panel (`n mod WIDTH` columns from `n − n mod WIDTH`):
    /// `W(kk, from + j) = w[tail + kk·wt + j]`.
    tail: usize,
    wt: usize,
}

impl Layout {
    /// `X (rows × k)` row-major, `W (k × n)` packed in panels.
    pub fn packed(k: usize, n: usize) -> Self {
        let from = n - n % WIDTH;
        Layout {
            xr: k,
            xk: 1,
            wk: WIDTH,
            wp: WIDTH * k,
            tail: from * k,
            wt: n - from,
        }
    }

    /// `W (k × n)` row-major; `X` given as `rows × k` row-major or, `transposed`, as its
    /// transpose (`k × rows`, row-major).
    pub(crate) fn row_major(rows: usize, k: usize, n: usize, transposed: bool) -> Self {
        let (xr, xk) = if transposed { (1, rows) } else { (k, 1) };
        Layout {
            xr,
            xk,
            wk: n,
            wp: WIDTH,
            tail: n - n % WIDTH,
            wt: n,
        }
    }
}

/// One product: operands, sizes and layout, checked once by [`Op::new`]; the kernels sum over
/// `kk` in `k0..k1`, a chunk of `0..k`.
#[derive(Clone, Copy)]
struct Op<'a> {
    x: &'a [f32],
    w: &'a [f32],
    rows: usize,
    k: usize,
    n: usize,
    lay: Layout,
    k0: usize,
    k1: usize,
}

/// With several rows, the inner dimension is cut into chunks of this many rows of `W`, so that
/// the panels of one block (`Q` × 16 columns × `KC` × 4 bytes: 24 KB at `Q` = 3) stay in L1
/// while every block of rows passes over them. It matters most for `Xᵀ · W` over a batch (`k` =
/// 1,024 rows of a batch: training's weight gradients), whose panels otherwise came from L2 on
/// every pass (49 → 123 GFLOP/s on one Xeon core for 128×1024 · 1024×512). One row (the step)
/// reads each weight once anyway and is not cut.
const KC: usize = 128;

impl<'a> Op<'a> {
    /// Checks that every element the layout addresses lies inside `x` and `w`: each unchecked
    /// read below relies on it.
    fn new(x: &'a [f32], w: &'a [f32], rows: usize, k: usize, n: usize, lay: Layout) -> Self {
        let np = n / WIDTH;
        if rows > 0 && k > 0 {
            assert!(
                (rows - 1) * lay.xr + (k - 1) * lay.xk < x.len(),
                "x too short"
            );
            if np > 0 {
                assert!(
                    (np - 1) * lay.wp + (k - 1) * lay.wk + WIDTH <= w.len(),
                    "w too short"
                );
            }
            if n > np * WIDTH {
                assert!(
                    lay.tail + (k - 1) * lay.wt + (n - np * WIDTH) <= w.len(),
                    "w tail"
                );
            }
        }
        Op {
            x,
            w,
            rows,
            k,
            n,
            lay,
            k0: 0,
            k1: k,
        }
    }

    #[inline(always)]
    fn x_at(&self, r: usize, kk: usize) -> f32 {
        // SAFETY: `r < rows`, `kk < k`: inside `x` (checked by `new`).
        unsafe { *self.x.as_ptr().add(r * self.lay.xr + kk * self.lay.xk) }
    }
}

/// `out (rows × n, row-major) += X · W` for the instruction set `L`: `R × Q` blocks, then
/// smaller blocks of panels, then the narrow last panel.
#[inline(always)]
fn run<L: Lanes, const R: usize, const Q: usize>(op: &Op, out: &mut [f32]) {
    assert_eq!(out.len(), op.rows * op.n, "out");
    let kc = if op.rows > 1 { KC } else { op.k.max(1) };
    for k0 in (0..op.k).step_by(kc) {
        let op = &Op {
            k0,
            k1: (k0 + kc).min(op.k),
            ..*op
        };
        let np = op.n / WIDTH;
        let mut p = 0;
        while p < np {
            // Smaller blocks for the last panels; never more accumulators than `R × Q`.
            p += match np - p {
                left if left >= Q => over_rows::<L, R, Q>(op, out, p),
                left if left >= 4 && Q >= 4 => over_rows::<L, R, 4>(op, out, p),
                left if left >= 2 => over_rows::<L, R, 2>(op, out, p),
                _ => over_rows::<L, R, 1>(op, out, p),
            };
        }
        if op.n > np * WIDTH {
            let rfull = op.rows - op.rows % R;
            for r0 in (0..rfull).step_by(R) {
                narrow::<L, R>(op, out, r0);
            }
            for r in rfull..op.rows {
                narrow::<L, 1>(op, out, r);
            }
        }
    }
}

/// Panels `p..p + Q` for every row, `R` rows at a time; returns `Q`.
#[inline(always)]
fn over_rows<L: Lanes, const R: usize, const Q: usize>(
    op: &Op,
    out: &mut [f32],
    p: usize,
) -> usize {
    let rfull = op.rows - op.rows % R;
    for r0 in (0..rfull).step_by(R) {
        block::<L, R, Q>(op, out, r0, p);
    }
    for r in rfull..op.rows {
        block::<L, 1, Q>(op, out, r, p);
    }
    Q
}

/// Rows `r0..r0 + R` × panels `p..p + Q`, `kk` in `k0..k1`.
#[inline(always)]
fn block<L: Lanes, const R: usize, const Q: usize>(op: &Op, out: &mut [f32], r0: usize, p: usize) {
    let (lay, n) = (op.lay, op.n);
    let base = op.w.as_ptr();
    let mut acc = [[L::zero(); Q]; R];
    for kk in op.k0..op.k1 {
        // SAFETY: row `kk < k` of full panel `p + q < n / WIDTH`: inside `w` (`Op::new`).
        let row = |q: usize| unsafe {
            &*(base.add((p + q) * lay.wp + kk * lay.wk) as *const [f32; WIDTH])
        };
        if L::PRELOAD {
            // The `Q` panel rows in registers first, then row by row one `x` value for `Q`
            // multiply-adds: `R × Q + Q + 1` registers. Panel by panel, the compiler kept all
            // `R` broadcasts live across the panels, one register more than AVX-512 has at
            // 8 × 3, and spilled an accumulator to the stack inside the loop.
            let rows: [L; Q] = std::array::from_fn(|q| L::load(row(q)));
            for (r, a) in acc.iter_mut().enumerate() {
                let x = op.x_at(r0 + r, kk);
                for (a, &w) in a.iter_mut().zip(&rows) {
                    *a = a.madd_lanes(x, w);
                }
            }
        } else {
            for q in 0..Q {
                let row = row(q);
                for (r, a) in acc.iter_mut().enumerate() {
                    a[q] = a[q].madd(op.x_at(r0 + r, kk), row);
                }
            }
        }
    }
    for (r, a) in acc.iter().enumerate() {
        let o = &mut out[(r0 + r) * n + p * WIDTH..(r0 + r) * n + (p + Q) * WIDTH];
        for (o, a) in o.as_chunks_mut::<WIDTH>().0.iter_mut().zip(a) {
            a.add_to(o);
        }
    }
}

/// The narrow last panel (`wp < WIDTH` columns) of rows `r0..r0 + R`: each panel row is read as
/// [`WIDTH`] values, the spare lanes (whatever follows in `w`) summed and dropped; the last
/// rows, where that read would leave `w`, scalar.
#[inline(always)]
fn narrow<L: Lanes, const R: usize>(op: &Op, out: &mut [f32], r0: usize) {
    let (lay, n, k0, k1) = (op.lay, op.n, op.k0, op.k1);
    let from = n - n % WIDTH;
    let wp = n - from;
    // Rows `kk` with `tail + kk·wt + WIDTH ≤ w.len()` are read whole.
    let wide = match op.w.len().checked_sub(lay.tail + WIDTH) {
        Some(spare) => (spare / lay.wt + 1).clamp(k0, k1),
        None => k0,
    };
    let mut acc = [L::zero(); R];
    for kk in k0..wide {
        let at = lay.tail + kk * lay.wt;
        let row: &[f32; WIDTH] = op.w[at..at + WIDTH].try_into().expect("row");
        for (r, a) in acc.iter_mut().enumerate() {
            *a = a.madd(op.x_at(r0 + r, kk), row);
        }
    }
    for (r, a) in acc.iter().enumerate() {
        let mut sum = [0f32; WIDTH];
        a.add_to(&mut sum);
        for kk in wide..k1 {
            let at = lay.tail + kk * lay.wt;
            let xv = op.x_at(r0 + r, kk);
            for (s, wv) in sum.iter_mut().zip(&op.w[at..at + wp]) {
                *s = L::madd1(xv, *wv, *s);
            }
        }
        for (o, s) in out[(r0 + r) * n + from..(r0 + r + 1) * n]
            .iter_mut()
            .zip(sum)
        {
            *o += s;
        }
    }
}

/// `out (rows × n) += X · W` (`k` inner) in `layout`, for the instruction set in use; the body
/// of the multiversioned entry points.
#[inline(always)]
pub(crate) fn product(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    (rows, k): (usize, usize),
    layout: Layout,
) {
    use super::simd::Isa;
    let n = out.len().checked_div(rows).unwrap_or(0);
    let op = Op::new(x, w, rows, k, n, layout);
    match (super::simd::isa(), rows) {
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx512, 1) => run::<lanes::Zmm, 1, 6>(&op, out),
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx512, _) => run::<lanes::Zmm, 8, 3>(&op, out),
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx2, 1) => run::<lanes::Ymm, 1, 4>(&op, out),
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx2, _) => run::<lanes::Ymm, 6, 1>(&op, out),
        (_, 1) => run::<lanes::Plain, 1, 3>(&op, out),
        _ => run::<lanes::Plain, 2, 1>(&op, out),
    }
}

crate::multiversion!(
    /// `out (rows × n) += X · W` with `W (k × n)` row-major and `X` row-major (`rows × k`) or,
    /// `transposed`, stored as `Xᵀ` (`k × rows`); compiled for the CPU's best instruction set.
    pub fn gemm_acc(x: &[f32], transposed: bool, w: &[f32], out: &mut [f32], rows: usize, k: usize) => gemm_acc_impl
);

#[inline(always)]
fn gemm_acc_impl(x: &[f32], transposed: bool, w: &[f32], out: &mut [f32], rows: usize, k: usize) {
    let n = out.len().checked_div(rows).unwrap_or(0);
    assert_eq!(w.len(), k * n, "w is k × n");
    let layout = Layout::row_major(rows, k, n, transposed);
    product(x, w, out, (rows, k), layout);
}
