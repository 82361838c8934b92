//! Sixteen `f32` lanes (one panel row, [`super::layout::WIDTH`]) in the registers of each
//! instruction set: the panel kernels' accumulators.
//!
//! Plain loops over `[f32; 16]` let the compiler vectorise the panel kernel across rows, with
//! gathers; these types pin the one layout that streams. Only `Plain` is safe everywhere: the
//! x86 types may run only when [`super::simd::isa`] says their instruction set is in use.

/// One panel row of accumulators.
pub(crate) trait Lanes: Copy {
    /// Whether a block's panel rows fit in registers beside its accumulators (32 AVX-512
    /// registers do at 8 × 3 and 1 × 12; 16 SSE or AVX2 registers do not, and spill).
    const PRELOAD: bool;
    /// All zero.
    fn zero() -> Self;
    /// `self + x · w`.
    fn madd(self, x: f32, w: &[f32; 16]) -> Self;
    /// The lanes of `w`.
    fn load(w: &[f32; 16]) -> Self;
    /// `self + x · w`, `w` already loaded.
    fn madd_lanes(self, x: f32, w: Self) -> Self;
    /// `out += self`.
    fn add_to(self, out: &mut [f32; 16]);
    /// `a · b + c` for one lane, fused where the instruction set has it.
    fn madd1(a: f32, b: f32, c: f32) -> f32;
}

/// Whatever the build targets (SSE2 on x86-64): four adds of four lanes, no FMA.
#[derive(Clone, Copy)]
pub struct Plain([f32; 16]);

impl Lanes for Plain {
    const PRELOAD: bool = false;
    #[inline(always)]
    fn zero() -> Self {
        Plain([0.0; 16])
    }
    #[inline(always)]
    fn madd(mut self, x: f32, w: &[f32; 16]) -> Self {
        for (a, w) in self.0.iter_mut().zip(w) {
            *a += x * w;
        }
        self
    }
    #[inline(always)]
    fn load(w: &[f32; 16]) -> Self {
        Plain(*w)
    }
    #[inline(always)]
    fn madd_lanes(self, x: f32, w: Self) -> Self {
        self.madd(x, &w.0)
    }
    #[inline(always)]
    fn add_to(self, out: &mut [f32; 16]) {
        for (o, a) in out.iter_mut().zip(self.0) {
            *o += a;
        }
    }
    #[inline(always)]
    fn madd1(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Ymm, Zmm};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Lanes;
    use std::arch::x86_64::*;

    /// One AVX-512 register.
    #[derive(Clone, Copy)]
    pub(crate) struct Zmm(__m512);

    // The module is private to the crate: its one user, `gemm::product`, picks `Zmm` only when
    // `simd::isa()` is AVX-512 and `Ymm` only when it is AVX2, so the instructions exist there.
    impl Lanes for Zmm {
        const PRELOAD: bool = true;
        #[inline(always)]
        fn zero() -> Self {
            // SAFETY: AVX-512 is in use (see above); register operations only.
            Zmm(unsafe { _mm512_setzero_ps() })
        }
        #[inline(always)]
        fn madd(self, x: f32, w: &[f32; 16]) -> Self {
            // SAFETY: AVX-512 is in use (see above); unaligned access to a `[f32; 16]`'s lanes.
            Zmm(unsafe { _mm512_fmadd_ps(_mm512_set1_ps(x), _mm512_loadu_ps(w.as_ptr()), self.0) })
        }
        #[inline(always)]
        fn load(w: &[f32; 16]) -> Self {
            // SAFETY: AVX-512 is in use (see above); unaligned access to a `[f32; 16]`'s lanes.
            Zmm(unsafe { _mm512_loadu_ps(w.as_ptr()) })
        }
        #[inline(always)]
        fn madd_lanes(self, x: f32, w: Self) -> Self {
            // SAFETY: AVX-512 is in use (see above); register operations only.
            Zmm(unsafe { _mm512_fmadd_ps(_mm512_set1_ps(x), w.0, self.0) })
        }
        #[inline(always)]
        fn add_to(self, out: &mut [f32; 16]) {
            // SAFETY: AVX-512 is in use (see above); unaligned access to a `[f32; 16]`'s lanes.
            unsafe {
                let o = _mm512_loadu_ps(out.as_ptr());
                _mm512_storeu_ps(out.as_mut_ptr(), _mm512_add_ps(o, self.0));
            }
        }
        #[inline(always)]
        fn madd1(a: f32, b: f32, c: f32) -> f32 {
            a.mul_add(b, c)
        }
    }

    /// Two AVX2 registers.
    #[derive(Clone, Copy)]
    pub(crate) struct Ymm(__m256, __m256);

    impl Lanes for Ymm {
        const PRELOAD: bool = false;
        #[inline(always)]
        fn zero() -> Self {
            // SAFETY: AVX2 with FMA is in use (see above); register operations only.
            unsafe { Ymm(_mm256_setzero_ps(), _mm256_setzero_ps()) }
        }
        #[inline(always)]
        fn madd(self, x: f32, w: &[f32; 16]) -> Self {
            // SAFETY: AVX2 with FMA is in use (see above); unaligned access to a `[f32; 16]`'s lanes.
            unsafe {
                let x = _mm256_set1_ps(x);
                let (lo, hi) = (
                    _mm256_loadu_ps(w.as_ptr()),
                    _mm256_loadu_ps(w.as_ptr().add(8)),
                );
                Ymm(
                    _mm256_fmadd_ps(x, lo, self.0),
                    _mm256_fmadd_ps(x, hi, self.1),
                )
            }
        }
        #[inline(always)]
        fn load(w: &[f32; 16]) -> Self {
            // SAFETY: AVX2 with FMA is in use (see above); unaligned access to a `[f32; 16]`'s lanes.
            unsafe {
                Ymm(
                    _mm256_loadu_ps(w.as_ptr()),
                    _mm256_loadu_ps(w.as_ptr().add(8)),
                )
            }
        }
        #[inline(always)]
        fn madd_lanes(self, x: f32, w: Self) -> Self {
            // SAFETY: AVX2 with FMA is in use (see above); register operations only.
            unsafe {
                let x = _mm256_set1_ps(x);
                Ymm(
                    _mm256_fmadd_ps(x, w.0, self.0),
                    _mm256_fmadd_ps(x, w.1, self.1),
                )
            }
        }
        #[inline(always)]
        fn add_to(self, out: &mut [f32; 16]) {
            // SAFETY: AVX2 with FMA is in use (see above); unaligned access to a `[f32; 16]`'s lanes.
            unsafe {
                let p = out.as_mut_ptr();
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), self.0));
                _mm256_storeu_ps(p.add(8), _mm256_add_ps(_mm256_loadu_ps(p.add(8)), self.1));
            }
        }
        #[inline(always)]
        fn madd1(a: f32, b: f32, c: f32) -> f32 {
            a.mul_add(b, c)
        }
    }
}
