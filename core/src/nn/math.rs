//! The few vector kernels every layer shares, written so the compiler vectorises them.

/// `out = bias + Σ_j w[j, :]` over the active rows `j` of the row-major `w` (`rows × out.len()`).
#[inline(always)]
pub fn gather_rows(w: &[f32], bias: &[f32], active: &[u16], out: &mut [f32]) {
    let n = out.len();
    out.copy_from_slice(bias);
    for &j in active {
        let row = &w[j as usize * n..(j as usize + 1) * n];
        for (o, r) in out.iter_mut().zip(row) {
            *o += r;
        }
    }
}

/// `out += x · w` with row-major `w` (`x.len() × out.len()`).
#[inline]
pub fn vec_mat_acc(x: &[f32], w: &[f32], out: &mut [f32]) {
    mat_mat_acc(x, w, out, 1);
}

crate::multiversion!(
    /// `out (rows × n) += x (rows × k) · w (k × n)`, all row-major, compiled for the CPU's best
    /// instruction set.
    pub fn mat_mat_acc(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) => mat_mat_acc_impl
);

/// The register blocking suits the instruction set in use. One row (inference): `B` columns ×
/// `C` independent partial sums over `k`, enough chains to hide the add latency. Several rows
/// (training): `R` rows × `B` columns of accumulators share each load of `w`, as a GEMM
/// micro-kernel does. Each variant runs only when its instruction set is the one in use.
#[inline(always)]
fn mat_mat_acc_impl(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    use super::simd::Isa;
    match (super::simd::isa(), rows) {
        (Isa::Avx512, 1) => mm_block::<128, 1, true>(x, w, out, rows),
        (Isa::Avx512, _) => mm_rows::<4, 64, true>(x, w, out, rows),
        (Isa::Avx2, 1) => mm_block::<32, 2, true>(x, w, out, rows),
        (Isa::Avx2, _) => mm_rows::<4, 16, true>(x, w, out, rows),
        (Isa::Portable, _) => mm_block::<16, 2, false>(x, w, out, rows),
    }
}

/// `a · b + c`, fused where the CPU has it (without FMA, `mul_add` would be a library call).
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

#[inline(always)]
fn mm_block<const B: usize, const C: usize, const FMA: bool>(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    rows: usize,
) {
    let n = out.len() / rows;
    let k = x.len() / rows;
    let full = n - n % B;
    let kc = k - k % C;
    for j in (0..full).step_by(B) {
        for r in 0..rows {
            let xr = &x[r * k..(r + 1) * k];
            let mut acc = [[0f32; B]; C];
            // Whole-row chunks and zipped iterators keep bounds checks out of the inner loop.
            for (xc, wc) in xr[..kc].chunks_exact(C).zip(w.chunks_exact(n * C)) {
                for ((a, &xv), wrow) in acc.iter_mut().zip(xc).zip(wc.chunks_exact(n)) {
                    let wr: &[f32; B] = wrow[j..j + B].try_into().expect("block");
                    for t in 0..B {
                        a[t] = madd::<FMA>(xv, wr[t], a[t]);
                    }
                }
            }
            for (&xv, wrow) in xr[kc..].iter().zip(w[kc * n..].chunks_exact(n)) {
                let wr: &[f32; B] = wrow[j..j + B].try_into().expect("block");
                for t in 0..B {
                    acc[0][t] = madd::<FMA>(xv, wr[t], acc[0][t]);
                }
            }
            let o = &mut out[r * n + j..r * n + j + B];
            for t in 0..B {
                o[t] += acc.iter().map(|a| a[t]).sum::<f32>();
            }
        }
    }
    mm_tail::<FMA>(x, w, out, rows, full);
}

#[inline(always)]
fn mm_rows<const R: usize, const B: usize, const FMA: bool>(
    x: &[f32],
    w: &[f32],
    out: &mut [f32],
    rows: usize,
) {
    let n = out.len() / rows;
    let k = x.len() / rows;
    let full = n - n % B;
    let rfull = rows - rows % R;
    for j in (0..full).step_by(B) {
        for r0 in (0..rfull).step_by(R) {
            let mut acc = [[0f32; B]; R];
            let xs: [&[f32]; R] = std::array::from_fn(|r| &x[(r0 + r) * k..(r0 + r + 1) * k]);
            for (kk, wrow) in w.chunks_exact(n).take(k).enumerate() {
                let wr: &[f32; B] = wrow[j..j + B].try_into().expect("block");
                for (a, xr) in acc.iter_mut().zip(&xs) {
                    let xv = xr[kk];
                    for t in 0..B {
                        a[t] = madd::<FMA>(xv, wr[t], a[t]);
                    }
                }
            }
            for (r, a) in acc.iter().enumerate() {
                let o = &mut out[(r0 + r) * n + j..(r0 + r) * n + j + B];
                o.iter_mut().zip(a).for_each(|(o, a)| *o += a);
            }
        }
    }
    if rfull < rows {
        let (xs, os) = (&x[rfull * k..], &mut out[rfull * n..]);
        mm_block::<B, 1, FMA>(xs, w, os, rows - rfull);
    } else {
        mm_tail::<FMA>(x, w, out, rows, full);
    }
}

/// Columns past the last full block.
#[inline(always)]
fn mm_tail<const FMA: bool>(x: &[f32], w: &[f32], out: &mut [f32], rows: usize, from: usize) {
    let n = out.len() / rows;
    let k = x.len() / rows;
    if from == n {
        return;
    }
    for r in 0..rows {
        let o = &mut out[r * n + from..(r + 1) * n];
        for (kk, &xv) in x[r * k..(r + 1) * k].iter().enumerate() {
            for (ov, wv) in o.iter_mut().zip(&w[kk * n + from..(kk + 1) * n]) {
                *ov = madd::<FMA>(xv, *wv, *ov);
            }
        }
    }
}

/// `e^x` without a libm call, so loops around it vectorise (Cephes' polynomial, relative error
/// below 3e-7; inputs clamped to ±87, where `f32` over- or underflows anyway).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 · 2^23: adding and subtracting it rounds to the nearest integer without a call.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 87.0);
    let n = (x * LOG2E + ROUND) - ROUND;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e = p * r * r + r + 1.0;
    // SAFETY: |n| ≤ 126 after the clamp, so the conversion is exact and in range; a plain
    // saturating `as` cast would keep the loop from vectorising.
    let n = unsafe { n.to_int_unchecked::<i32>() };
    e * f32::from_bits(((n + 127) as u32) << 23)
}

/// The logistic function.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// Hyperbolic tangent through [`exp`] (absolute error below 1e-6).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// Numerically stable log-softmax in place; returns nothing, `v` holds log-probabilities.
pub fn log_softmax(v: &mut [f32]) {
    let m = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let s: f32 = v.iter().map(|x| (x - m).exp()).sum();
    let l = m + s.ln();
    v.iter_mut().for_each(|x| *x -= l);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_functions_match_libm() {
        let mut worst = (0f32, 0f32, 0f32);
        for i in -200_000..=200_000 {
            let x = i as f32 * 4e-4;
            let e = ((exp(x) - x.exp()) / x.exp()).abs();
            let t = (tanh(x) - x.tanh()).abs();
            let s = (sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs();
            worst = (worst.0.max(e), worst.1.max(t), worst.2.max(s));
        }
        assert!(
            worst.0 < 3e-7 && worst.1 < 1e-6 && worst.2 < 1e-6,
            "{worst:?}"
        );
        assert_eq!(exp(-200.0), (-87f32).exp().max(exp(-87.0)));
        assert!(tanh(50.0) == 1.0 && tanh(-50.0) == -1.0 && sigmoid(-100.0) >= 0.0);
    }
}
