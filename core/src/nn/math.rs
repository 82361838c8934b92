//! The few vector kernels every layer shares, written so the compiler vectorises them.

/// `out = bias + Σ_j w[j, :]` over the active rows `j` of the row-major `w` (`rows × out.len()`).
/// Sixty-four columns at a time stay in registers across the rows (one store per column).
#[inline(always)]
pub fn gather_rows(w: &[f32], bias: &[f32], active: &[u16], out: &mut [f32]) {
    const B: usize = 64;
    let n = out.len();
    let full = n - n % B;
    for c0 in (0..full).step_by(B) {
        let mut acc: [f32; B] = bias[c0..c0 + B].try_into().expect("block");
        for &j in active {
            let row: &[f32; B] = w[j as usize * n + c0..][..B].try_into().expect("block");
            for t in 0..B {
                acc[t] += row[t];
            }
        }
        out[c0..c0 + B].copy_from_slice(&acc);
    }
    out[full..].copy_from_slice(&bias[full..]);
    for &j in active {
        let row = &w[j as usize * n + full..(j as usize + 1) * n];
        for (o, r) in out[full..].iter_mut().zip(row) {
            *o += r;
        }
    }
}

/// `out (cols × rows) = a (rows × cols)ᵀ`, row-major: PyTorch's `out × in` layout ⇄ ours.
pub fn transpose_into(a: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = a[r * cols + c];
        }
    }
}

/// Row-major `rows × cols` → a new `cols × rows` matrix.
pub fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; a.len()];
    transpose_into(a, rows, cols, &mut out);
    out
}

/// `out += x · w` with row-major `w` (`x.len() × out.len()`).
#[inline]
pub(crate) fn vec_mat_acc(x: &[f32], w: &[f32], out: &mut [f32]) {
    mat_mat_acc(x, w, out, 1);
}

/// `out (rows × n) += x (rows × k) · w (k × n)`, all row-major, compiled for the CPU's best
/// instruction set (the kernel is [`super::gemm`]'s).
#[inline]
pub fn mat_mat_acc(x: &[f32], w: &[f32], out: &mut [f32], rows: usize) {
    let k = x.len().checked_div(rows).unwrap_or(0);
    super::gemm::gemm_acc(x, false, w, out, rows, k);
}

/// `v` reduced in 16 interleaved lanes: `step(lane, x)` for each element, the lanes starting at
/// `init` (an identity of `combine`), then `combine`d pairwise. A strict left fold is one chain
/// of dependent operations, which the compiler may not reorder; sixteen independent chains
/// vectorise, and the pairwise tree is 4 dependent steps instead of 16 (the loss folds blocks
/// of 57, where a chain of 16 was a quarter of its time).
#[inline(always)]
pub fn fold_lanes(
    v: &[f32],
    init: f32,
    step: impl Fn(f32, f32) -> f32,
    combine: impl Fn(f32, f32) -> f32,
) -> f32 {
    let mut acc = [init; 16];
    let (chunks, rest) = v.as_chunks::<16>();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = step(*a, x);
        }
    }
    for (a, &x) in acc.iter_mut().zip(rest) {
        *a = step(*a, x);
    }
    for width in [8, 4, 2, 1] {
        for i in 0..width {
            acc[i] = combine(acc[i], acc[i + width]);
        }
    }
    acc[0]
}

/// `e^x` without a libm call, so loops around it vectorise (Cephes' polynomial).
///
/// Stated error, checked by the tests against `std`: relative error below 3e-7 for
/// −87.3 ≤ x ≤ 88.7 (normal results); below that, an absolute error under 1.2e-38 (the
/// result is subnormal or 0); above 88.72 the result overflows to +∞ as `std`'s does;
/// `exp(NaN)` is NaN, `exp(+∞)` = +∞, `exp(−∞)` = 0.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 · 2^23: adding and subtracting it rounds to the nearest integer without a call.
    const ROUND: f32 = 12_582_912.0;
    // `max`/`min` (unlike `clamp`) never return NaN: a NaN input becomes −104 here and is put
    // back at the end, so everything in between works on a finite number.
    #[allow(clippy::manual_clamp)]
    let xc = x.max(-104.0).min(89.0);
    let n = (xc * LOG2E + ROUND) - ROUND;
    let r = xc - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e = p * r * r + r + 1.0;
    // SAFETY: `xc` is finite and within [−104, 89], so `n` is an integer in [−151, 129]: the
    // conversion is exact and in range. (A saturating `as` cast would keep loops from
    // vectorising.)
    let n = unsafe { n.to_int_unchecked::<i32>() };
    // 2^n as two normal powers of two (each exponent in [−76, 65]), so results down to the
    // subnormals and up to the overflow come out right.
    let n1 = n >> 1;
    let n2 = n - n1;
    let scale1 = f32::from_bits(((n1 + 127) as u32) << 23);
    let scale2 = f32::from_bits(((n2 + 127) as u32) << 23);
    let y = e * scale1 * scale2;
    if x.is_nan() { x } else { y }
}

/// The logistic function (absolute error below 1e-6; σ(±∞) = 1 or 0, σ(NaN) = NaN).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// Hyperbolic tangent through [`exp`] (absolute error below 1e-6; tanh(±∞) = ±1, NaN stays NaN).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// `exp` within its stated error of `std`'s at `x`.
    fn exp_ok(x: f32) -> bool {
        let (got, want) = (exp(x), x.exp());
        if want.is_nan() {
            return got.is_nan();
        }
        if want.is_infinite() || want == 0.0 {
            return got == want || (want == 0.0 && got.abs() < 1.2e-38);
        }
        if want < f32::MIN_POSITIVE {
            return (got - want).abs() < 1.2e-38;
        }
        ((got - want) / want).abs() < 3e-7
    }

    fn others_ok(x: f32) -> bool {
        let (t, s) = (tanh(x), sigmoid(x));
        let (tw, sw) = (x.tanh(), 1.0 / (1.0 + (-x).exp()));
        if x.is_nan() {
            return t.is_nan() && s.is_nan();
        }
        (t - tw).abs() < 1e-6 && (s - sw).abs() < 1e-6 && (-1.0..=1.0).contains(&t)
    }

    #[test]
    fn fast_functions_match_std_on_a_dense_sweep() {
        for i in -300_000..=300_000 {
            let x = i as f32 * 4e-4;
            assert!(exp_ok(x), "exp({x}) = {} vs {}", exp(x), x.exp());
            assert!(others_ok(x), "tanh/sigmoid at {x}");
        }
    }

    #[test]
    fn fast_functions_match_std_on_special_and_random_values() {
        let special = [
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            88.72,
            88.73,
            -87.33,
            -103.9,
            -104.5,
            -200.0,
            1e30,
            -1e30,
        ];
        for x in special {
            assert!(exp_ok(x), "exp({x}) = {} vs {}", exp(x), x.exp());
            assert!(
                others_ok(x),
                "tanh/sigmoid at {x}: {} {}",
                tanh(x),
                sigmoid(x)
            );
        }
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!((tanh(f32::INFINITY), tanh(f32::NEG_INFINITY)), (1.0, -1.0));
        assert_eq!(
            (sigmoid(f32::INFINITY), sigmoid(f32::NEG_INFINITY)),
            (1.0, 0.0)
        );
        // Random bit patterns: every float, NaNs and infinities included.
        let mut rng = Rng::new(9);
        for _ in 0..1_000_000 {
            let x = f32::from_bits(rng.next_u64() as u32);
            assert!(exp_ok(x), "exp({x:e}) = {:e} vs {:e}", exp(x), x.exp());
            assert!(others_ok(x), "tanh/sigmoid at {x:e}");
        }
    }
}
