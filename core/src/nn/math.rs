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
#[inline(always)]
pub fn vec_mat_acc(x: &[f32], w: &[f32], out: &mut [f32]) {
    mat_mat_acc(x, w, out, 1);
}

/// `out (rows × n) += x (rows × k) · w (k × n)`, all row-major. The register blocking suits
/// the instruction set in use: `B` columns × `C` independent partial sums over `k`, enough
/// chains to hide the add latency without running out of registers.
#[inline(always)]
pub fn mat_mat_acc(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    match super::simd::isa() {
        super::simd::Isa::Avx512 => mm_block::<128, 1>(x, w, out, rows),
        super::simd::Isa::Avx2 => mm_block::<32, 2>(x, w, out, rows),
        super::simd::Isa::Portable => mm_block::<16, 2>(x, w, out, rows),
    }
}

#[inline(always)]
fn mm_block<const B: usize, const C: usize>(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    let n = out.len() / rows;
    let k = x.len() / rows;
    let full = n - n % B;
    let kc = k - k % C;
    for j in (0..full).step_by(B) {
        for r in 0..rows {
            let xr = &x[r * k..(r + 1) * k];
            let mut acc = [[0f32; B]; C];
            for kk in (0..kc).step_by(C) {
                for (c, a) in acc.iter_mut().enumerate() {
                    let xv = xr[kk + c];
                    let wr = &w[(kk + c) * n + j..(kk + c) * n + j + B];
                    for t in 0..B {
                        a[t] += xv * wr[t];
                    }
                }
            }
            for (kk, &xv) in xr.iter().enumerate().skip(kc) {
                let wr = &w[kk * n + j..kk * n + j + B];
                for t in 0..B {
                    acc[0][t] += xv * wr[t];
                }
            }
            let o = &mut out[r * n + j..r * n + j + B];
            for t in 0..B {
                o[t] += acc.iter().map(|a| a[t]).sum::<f32>();
            }
        }
    }
    if full < n {
        for r in 0..rows {
            let o = &mut out[r * n + full..(r + 1) * n];
            for (kk, &xv) in x[r * k..(r + 1) * k].iter().enumerate() {
                for (ov, wv) in o.iter_mut().zip(&w[kk * n + full..(kk + 1) * n]) {
                    *ov += xv * wv;
                }
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
        + 5.000_000_1e-1;
    let e = p * r * r + r + 1.0;
    e * f32::from_bits(((n as i32 + 127) as u32) << 23)
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
