//! IEEE half-precision (`f16`) copies of the weights the step streams, and the AVX2 + F16C
//! product that reads them.
//!
//! On CPUs without AVX-512 the step is bound by how fast the weights reach the core: on an
//! AMD EPYC (Zen 3, 512 KB of L2 per core) the recurrent matrix and head at hidden 256 are 1 MB
//! of `f32` and come from L3, and even at hidden 64 they overflow L1 and the product runs at
//! L2's 32 bytes a cycle. As `f16` they are half the bytes; `vcvtph2ps` widens each panel row
//! to `f32` and the multiply-adds, the state and everything element-wise stay `f32` (only the
//! weights are rounded). On that EPYC the recurrent product took 9.8 µs from `f32` and 5.2 µs
//! from `f16` at 256 × 768, 531 and 298 ns at 64 × 192. (On an Intel Xeon with AVX-512 the
//! widening competed with the multiply-adds for the same ports and was slower; there the step
//! reads bf16 copies, [`super::bf16`].)
//!
//! Rounding to `f16` keeps 11 significant bits (relative error ≤ 2⁻¹¹ for normal values, an
//! absolute error ≤ 2⁻²⁵ below 2⁻¹⁴); `core/tests/kernels.rs` holds the product to the scalar
//! reference on the rounded values, and `core/tests/half.rs` states what the rounding does to
//! harmonizations of real chorales.
//!
//! Layout: the packed matrix's panels of [`WIDTH`] columns, each padded to full width with
//! zeros, rows after one another (panel row `r` is 32 bytes); a panel starts on a cache line,
//! an odd last row padded with zeros.

use super::layout::WIDTH;
use super::layout::{self, Line};

/// Where `(r mod 2, c mod WIDTH)` sits in a line: one row after the other.
fn slot(r: usize, c: usize) -> usize {
    r * WIDTH + c
}

/// Largest finite `f16`; a weight beyond it cannot be copied.
pub const MAX: f32 = 65_504.0;

/// A `k × n` matrix as `f16` panels (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct F16Panels {
    lines: Vec<Line>,
    k: usize,
    n: usize,
}

impl F16Panels {
    /// The packed `k × n` matrix `packed` ([`super::panels`]) rounded to `f16`; `None` when a
    /// weight is not finite or beyond [`MAX`].
    pub fn new(packed: &[f32], k: usize, n: usize) -> Option<Self> {
        if packed.iter().any(|v| !v.is_finite() || v.abs() > MAX) {
            return None;
        }
        let lines = layout::lines(packed, (k, n), slot, to_f16)?;
        Some(F16Panels { lines, k, n })
    }

    /// Rows (the inner dimension).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Element `(r, c)`, as `f32`.
    pub fn get(&self, r: usize, c: usize) -> f32 {
        from_f16(layout::bits(&self.lines, self.k, (r, c), slot))
    }
}

/// `v` rounded to the nearest `f16` (ties to even), as its bits; beyond the largest `f16` it
/// becomes ±∞, NaN a quiet NaN.
pub fn to_f16(v: f32) -> u16 {
    let b = v.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let a = b & 0x7fff_ffff;
    if a > 0x7f80_0000 {
        return sign | 0x7e00;
    }
    if a >= 0x4780_0000 {
        // |v| ≥ 65,536 (or ∞): beyond every value that rounds to a finite f16.
        return sign | 0x7c00;
    }
    if a < 0x3880_0000 {
        // |v| < 2⁻¹⁴: a subnormal f16, multiples of 2⁻²⁴ (the product is exact, below 1,024;
        // 1,024 itself is the smallest normal's bits).
        return sign | (f32::from_bits(a) * 16_777_216.0).round_ties_even() as u16;
    }
    // Normal: the exponent re-biased (127 → 15), 13 mantissa bits rounded off to nearest,
    // ties to even; a carry into the exponent is the right result, up to ∞ beyond 65,519.
    let r = a - (112 << 23);
    sign | ((r + 0xfff + ((r >> 13) & 1)) >> 13) as u16
}

/// The `f32` value of the `f16` with bits `h` (exact).
pub fn from_f16(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let (e, m) = (((h >> 10) & 0x1f) as u32, (h & 0x3ff) as u32);
    let mag = match e {
        0 => m as f32 / 16_777_216.0,
        31 if m == 0 => f32::INFINITY,
        31 => f32::NAN,
        _ => f32::from_bits(((e + 112) << 23) | (m << 13)),
    };
    f32::from_bits(mag.to_bits() | sign)
}

/// Whether this CPU runs the `f16` product (AVX2, FMA and F16C), detected once.
pub fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *HAS.get_or_init(|| {
            is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("f16c")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `out (n) += x (k) · W` with `W` rounded to `f16`, `x` and the sums `f32`. Only when
/// [`supported`]; `x.len() == w.k()`, `out.len() == w.n()`.
pub fn vec_acc(x: &[f32], w: &F16Panels, out: &mut [f32]) {
    assert!(x.len() == w.k && out.len() == w.n, "shapes");
    assert!(supported(), "no F16C on this CPU");
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has the instructions (checked above); the shapes are checked.
    unsafe {
        x86::vec_acc(x, w, out)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{F16Panels, WIDTH};
    use std::arch::x86_64::*;

    /// Panels per block: 8 accumulators, as many as hide the multiply-add latency with two
    /// FMA units, and few enough for AVX2's 16 registers.
    const Q: usize = 4;

    /// The body of [`super::vec_acc`].
    ///
    /// SAFETY: the CPU has AVX2, FMA and F16C; `x.len() == w.k`, `out.len() == w.n`.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn vec_acc(x: &[f32], w: &F16Panels, out: &mut [f32]) {
        let np = w.n.div_ceil(WIDTH);
        let mut p = 0;
        while p < np {
            // SAFETY: panels `p..p + B` exist (`B ≤ np − p`); the caller's contract.
            p += unsafe {
                match np - p {
                    1 => block::<1>(x, w, p, out),
                    2 => block::<2>(x, w, p, out),
                    3 => block::<3>(x, w, p, out),
                    _ => block::<Q>(x, w, p, out),
                }
            };
        }
    }

    /// Panels `p..p + B` over every row, added into `out`; returns `B`.
    ///
    /// SAFETY: as [`vec_acc`]; panels `p..p + B` exist.
    #[target_feature(enable = "avx2,fma,f16c")]
    #[inline]
    unsafe fn block<const B: usize>(x: &[f32], w: &F16Panels, p: usize, out: &mut [f32]) -> usize {
        let (k, n) = (w.k, w.n);
        let pairs = k.div_ceil(2);
        // SAFETY: panel `p + q` holds `pairs` lines of two 16-value rows, so row `kk < k`'s
        // two halves lie inside `w.lines`; `kk < k = x.len()`; the instructions exist.
        unsafe {
            let base = w.lines.as_ptr().cast::<u16>();
            let mut lo = [_mm256_setzero_ps(); B];
            let mut hi = [_mm256_setzero_ps(); B];
            for kk in 0..k {
                let xv = _mm256_set1_ps(*x.get_unchecked(kk));
                for q in 0..B {
                    let row = base.add((p + q) * pairs * 2 * WIDTH + kk * WIDTH);
                    let a = _mm256_cvtph_ps(_mm_load_si128(row.cast()));
                    let b = _mm256_cvtph_ps(_mm_load_si128(row.add(8).cast()));
                    lo[q] = _mm256_fmadd_ps(xv, a, lo[q]);
                    hi[q] = _mm256_fmadd_ps(xv, b, hi[q]);
                }
            }
            for q in 0..B {
                let c0 = (p + q) * WIDTH;
                let mut sum = [0f32; WIDTH];
                _mm256_storeu_ps(sum.as_mut_ptr(), lo[q]);
                _mm256_storeu_ps(sum.as_mut_ptr().add(8), hi[q]);
                // The last panel may be narrower than its padded copy.
                let cols = WIDTH.min(n - c0);
                for (o, s) in out[c0..c0 + cols].iter_mut().zip(sum) {
                    *o += s;
                }
            }
        }
        B
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_to_the_nearest_and_ties_go_to_even() {
        for v in [1.0f32, -2.5, 3.0e-3, 6.0e4, -7.0e-6, 0.0, 1.0e-8] {
            let r = from_f16(to_f16(v));
            assert!(
                (v - r).abs() <= v.abs() / 2048.0 + 2.0f32.powi(-25),
                "{v} → {r}"
            );
            assert_eq!(to_f16(r), to_f16(v));
        }
        // 1 + 2⁻¹¹ lies halfway between 1 and 1 + 2⁻¹⁰: to the even one, 1.
        assert_eq!(from_f16(to_f16(1.0 + 1.0 / 2048.0)), 1.0);
        assert_eq!(from_f16(to_f16(1.0 + 3.0 / 2048.0)), 1.0 + 1.0 / 512.0);
        // Subnormals: 2⁻²⁴ is the smallest; half of it ties to 0, a little more to 2⁻²⁴.
        assert_eq!(to_f16(2.0f32.powi(-24)), 1);
        assert_eq!(to_f16(2.0f32.powi(-25)), 0);
        assert_eq!(to_f16(2.0f32.powi(-25) * 1.01), 1);
        assert_eq!(from_f16(0x3ff), 1023.0 / 16_777_216.0);
        assert_eq!(to_f16(MAX), 0x7bff);
        assert_eq!(to_f16(65_520.0), 0x7c00);
        assert_eq!(to_f16(-1.0e6), 0xfc00);
        assert!(from_f16(to_f16(f32::NAN)).is_nan());
    }

    /// The software rounding agrees with the CPU's own conversion, bit for bit, across the
    /// whole range a weight can have.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn rounding_matches_the_cpu() {
        if !is_x86_feature_detected!("f16c") {
            eprintln!("SKIP: no F16C on this CPU");
            return;
        }
        #[target_feature(enable = "f16c")]
        unsafe fn cpu(v: f32) -> (u16, f32) {
            use std::arch::x86_64::*;
            let h = _mm_extract_epi16(_mm_cvtps_ph(_mm_set1_ps(v), 0), 0) as u16;
            (h, _mm_cvtss_f32(_mm_cvtph_ps(_mm_set1_epi16(h as i16))))
        }
        let mut bits = 0x3000_0000u32; // 2⁻³¹ upwards, past f16's largest value
        while bits < 0x4790_0000 {
            for v in [f32::from_bits(bits), -f32::from_bits(bits)] {
                // SAFETY: the CPU has F16C (checked above).
                let (h, back) = unsafe { cpu(v) };
                assert_eq!(to_f16(v), h, "{v:e}");
                assert_eq!(from_f16(h).to_bits(), back.to_bits(), "{h:#x}");
            }
            bits += 997;
        }
    }

    #[test]
    fn copies_hold_every_element_rounded() {
        for (k, n) in [(3, 40), (4, 16), (7, 5), (64, 174)] {
            let w: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.37).sin()).collect();
            let f = F16Panels::new(&super::super::layout::pack(&w, k, n), k, n).unwrap();
            assert_eq!(f.lines.as_ptr() as usize % 64, 0);
            for r in 0..k {
                for c in 0..n {
                    assert_eq!(f.get(r, c), from_f16(to_f16(w[r * n + c])), "({r},{c})");
                }
            }
        }
        assert!(F16Panels::new(&[f32::NAN], 1, 1).is_none());
        assert!(F16Panels::new(&[7.0e4], 1, 1).is_none());
    }
}
