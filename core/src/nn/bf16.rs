//! bfloat16 copies of the weights the step streams, and the AVX-512 BF16 product that reads
//! them.
//!
//! The step is bound by how fast the recurrent matrix and the head come out of L2 (at hidden
//! 256 they are 1 MB of `f32`, read once per 16th, at that cache's ~50 bytes a cycle). As bf16
//! they are half that, and `vdpbf16ps` multiplies 32 pairs and adds them into 16 `f32` sums in
//! one instruction: the state `h` is rounded to bf16 for the product too, the sums and
//! everything element-wise stay `f32`. (`f16` weights widened by `vcvtph2ps` were tried first
//! and were slower: the conversions compete with the multiply-adds for the same ports.)
//!
//! Rounding to bf16 keeps 8 significant bits (relative error ≤ 2⁻⁹); `core/tests/kernels.rs`
//! holds the product to the scalar reference on the rounded values, and `core/tests/half.rs`
//! states what the rounding does to harmonizations of real chorales. Used only where the CPU
//! has AVX-512 BF16 and the AVX-512 level is in use ([`super::half`]).
//!
//! Layout: the packed matrix's panels of [`WIDTH`] columns, each padded to full width with
//! zeros, rows taken in pairs: line `j` of panel `p` holds rows `2j` and `2j + 1`, interleaved
//! column by column (`[w(2j, c), w(2j+1, c)]` for the 16 columns), one 64-byte line, which is
//! the operand `vdpbf16ps` takes. An odd last row is paired with zeros.

use super::layout::WIDTH;
use super::layout::{self, Line};

/// Where `(r mod 2, c mod WIDTH)` sits in a line: the two rows interleaved column by column.
fn slot(r: usize, c: usize) -> usize {
    2 * c + r
}

/// Largest inner dimension of a product (the model's hidden size, [`crate::harmony::format`]
/// accepts up to 512): the rounded `x` lives on the stack.
pub(crate) const MAX_K: usize = 512;

/// A `k × n` matrix in bf16 pairs of panel rows (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct Bf16Panels {
    lines: Vec<Line>,
    k: usize,
    n: usize,
}

impl Bf16Panels {
    /// The packed `k × n` matrix `packed` ([`super::panels`]) rounded to bf16; `None` when `k`
    /// exceeds [`MAX_K`] or a weight is not finite.
    pub fn new(packed: &[f32], k: usize, n: usize) -> Option<Self> {
        if k > MAX_K || packed.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let lines = layout::lines(packed, (k, n), slot, to_bf16)?;
        Some(Bf16Panels { lines, k, n })
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
        from_bf16(layout::bits(&self.lines, self.k, (r, c), slot))
    }
}

/// `v` rounded to the nearest bf16 (ties to even), as its bits; `v` finite.
pub fn to_bf16(v: f32) -> u16 {
    let b = v.to_bits();
    // Adding 0x7fff plus the kept lowest bit rounds to nearest, ties to even; a carry into the
    // exponent is the right result (and overflows to infinity only beyond bf16's range).
    (b.wrapping_add(0x7fff + ((b >> 16) & 1)) >> 16) as u16
}

/// The `f32` value of the bf16 with bits `h`.
pub fn from_bf16(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}

/// Whether this CPU runs the bf16 product (AVX-512 BF16), detected once.
pub fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *HAS.get_or_init(|| {
            is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bf16")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `out (n) += x (k) · W` with `W` and `x` rounded to bf16, sums in `f32`. Only when
/// [`supported`]; `x.len() == w.k()`, `out.len() == w.n()`.
pub fn vec_acc(x: &[f32], w: &Bf16Panels, out: &mut [f32]) {
    assert!(x.len() == w.k && out.len() == w.n, "shapes");
    assert!(supported(), "no AVX-512 BF16 on this CPU");
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has the instructions (checked above); the shapes are checked.
    unsafe {
        x86::vec_acc(x, w, out)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Bf16Panels, MAX_K, WIDTH};
    use std::arch::x86_64::*;

    /// Panels per block: enough independent sums to hide the latency of `vdpbf16ps`, few enough
    /// streams for the prefetcher (on an AMD EPYC, 6 made the model's step 22–24% faster than 12
    /// at hidden 128 and 256, results unchanged: each sum runs in the same order).
    const Q: usize = 6;

    /// `x` in bf16 pairs (row `2j` low, `2j + 1` high), on a cache line.
    #[repr(C, align(64))]
    struct Pairs([i32; MAX_K / 2 + 16]);

    /// The body of [`super::vec_acc`].
    ///
    /// SAFETY: the CPU has AVX-512 F and BF16; `x.len() == w.k`, `out.len() == w.n`.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(super) unsafe fn vec_acc(x: &[f32], w: &Bf16Panels, out: &mut [f32]) {
        // SAFETY: every pointer below stays inside `x`, `xb`, `w.lines` or `out` (the shapes
        // are the caller's contract); the instructions exist (the caller's contract).
        unsafe {
            let (k, n) = (w.k, w.n);
            let pairs = k.div_ceil(2);
            // `x` rounded to bf16, as pairs: lane `j` of the broadcast is rows `2j` and `2j + 1`.
            let mut xb = Pairs([0; MAX_K / 2 + 16]);
            let mut j = 0;
            while j + 32 <= k {
                let lo = _mm512_loadu_ps(x.as_ptr().add(j));
                let hi = _mm512_loadu_ps(x.as_ptr().add(j + 16));
                let b: __m512i = std::mem::transmute(_mm512_cvtne2ps_pbh(hi, lo));
                _mm512_store_si512(xb.0.as_mut_ptr().add(j / 2).cast(), b);
                j += 32;
            }
            while j < k {
                let hi = x.get(j + 1).map_or(0, |&v| super::to_bf16(v));
                xb.0[j / 2] = (hi as i32) << 16 | super::to_bf16(x[j]) as i32;
                j += 2;
            }
            let xp = xb.0.as_ptr();
            let np = n.div_ceil(WIDTH);
            let lines = w.lines.as_ptr().cast::<__m512i>();
            let mut p = 0;
            while p < np {
                // The last panels in one block of their own size: one pass over `x` each.
                let a = (lines, xp, pairs, p);
                p += match np - p {
                    1 => block::<1>(a, out),
                    2 => block::<2>(a, out),
                    3 => block::<3>(a, out),
                    4 => block::<4>(a, out),
                    5 => block::<5>(a, out),
                    6 => block::<6>(a, out),
                    7 => block::<7>(a, out),
                    8 => block::<8>(a, out),
                    9 => block::<9>(a, out),
                    10 => block::<10>(a, out),
                    11 => block::<11>(a, out),
                    _ => block::<Q>(a, out),
                };
            }
        }
    }

    /// Panels `p..p + B` over every pair of rows, added into `out`; returns `B`.
    ///
    /// SAFETY: as [`vec_acc`]; panels `p..p + B` exist; `xp` holds `pairs` pairs.
    #[target_feature(enable = "avx512f,avx512bf16")]
    #[inline]
    unsafe fn block<const B: usize>(
        (lines, xp, pairs, p): (*const __m512i, *const i32, usize, usize),
        out: &mut [f32],
    ) -> usize {
        let n = out.len();
        // SAFETY: the caller's contract.
        unsafe {
            let mut acc = [_mm512_setzero_ps(); B];
            for j in 0..pairs {
                let xv: __m512bh = std::mem::transmute(_mm512_set1_epi32(*xp.add(j)));
                for (q, a) in acc.iter_mut().enumerate() {
                    let wv: __m512bh =
                        std::mem::transmute(_mm512_load_si512(lines.add((p + q) * pairs + j)));
                    *a = _mm512_dpbf16_ps(*a, xv, wv);
                }
            }
            for (q, a) in acc.iter().enumerate() {
                // The last panel may be narrower than the padded one: masked.
                let c0 = (p + q) * WIDTH;
                let cols = WIDTH.min(n - c0);
                let mask: __mmask16 = if cols == WIDTH { !0 } else { (1 << cols) - 1 };
                let o = out.as_mut_ptr().add(c0);
                let cur = _mm512_maskz_loadu_ps(mask, o);
                _mm512_mask_storeu_ps(o, mask, _mm512_add_ps(cur, *a));
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
        for v in [1.0f32, -2.5, 3.0e-3, 1.0e30, -7.0e-30, 0.0] {
            let r = from_bf16(to_bf16(v));
            assert!((v - r).abs() <= v.abs() / 256.0, "{v} → {r}");
            assert_eq!(to_bf16(r), to_bf16(v));
        }
        // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: to the even one, 1.
        assert_eq!(from_bf16(to_bf16(1.0 + 1.0 / 256.0)), 1.0);
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: to the even one, 1 + 2⁻⁶.
        assert_eq!(from_bf16(to_bf16(1.0 + 3.0 / 256.0)), 1.0 + 1.0 / 64.0);
        assert_eq!(
            from_bf16(to_bf16(1.0 + 1.0 / 256.0 + 1e-6)),
            1.0 + 1.0 / 128.0
        );
    }

    #[test]
    fn copies_hold_every_element_rounded() {
        for (k, n) in [(3, 40), (4, 16), (7, 5), (64, 174)] {
            let w: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b = Bf16Panels::new(&super::super::layout::pack(&w, k, n), k, n).unwrap();
            assert_eq!(b.lines.as_ptr() as usize % 64, 0);
            for r in 0..k {
                for c in 0..n {
                    assert_eq!(b.get(r, c), from_bf16(to_bf16(w[r * n + c])), "({r},{c})");
                }
            }
        }
        assert!(Bf16Panels::new(&[f32::NAN], 1, 1).is_none());
        assert!(Bf16Panels::new(&vec![0.0; 513], 513, 1).is_none());
    }
}
