//! Half-size copies of the weights the step streams: whichever 16-bit format this CPU's
//! instruction-set level reads fastest. bf16 at the AVX-512 level where the CPU has AVX-512
//! BF16 ([`super::bf16`]); `f16` at the AVX2 level where it has F16C ([`super::f16`]); none
//! elsewhere (the portable level, or AVX-512 without BF16), and the step reads the `f32`
//! weights.

use super::bf16::{self, Bf16Panels};
use super::f16::{self, F16Panels};
use super::simd::{self, Isa};

/// A packed matrix rounded to one 16-bit format.
#[derive(Clone, Debug, PartialEq)]
pub enum HalfPanels {
    /// bfloat16, read by `vdpbf16ps`.
    Bf16(Bf16Panels),
    /// IEEE half precision, widened by `vcvtph2ps`.
    F16(F16Panels),
}

/// Makes the copy of a packed `k × n` matrix (`None` when a weight does not fit the format).
pub(crate) type MakeCopy = fn(&[f32], usize, usize) -> Option<HalfPanels>;

/// The 16-bit format the level in use reads, as the function that makes its copies, if any.
pub fn format() -> Option<MakeCopy> {
    match simd::isa() {
        Isa::Avx512 if bf16::supported() => {
            Some(|w, k, n| Bf16Panels::new(w, k, n).map(HalfPanels::Bf16))
        }
        Isa::Avx2 if f16::supported() => {
            Some(|w, k, n| F16Panels::new(w, k, n).map(HalfPanels::F16))
        }
        _ => None,
    }
}

impl HalfPanels {
    /// Whether the level in use reads this copy (a level forced after the copy was made may
    /// not: the step then reads the `f32` weights).
    #[inline(always)]
    pub fn usable(&self) -> bool {
        match self {
            HalfPanels::Bf16(_) => bf16::supported() && simd::isa() == Isa::Avx512,
            HalfPanels::F16(_) => f16::supported() && simd::isa() == Isa::Avx2,
        }
    }

    /// `out (n) += x (k) · W` from this copy; only when [`HalfPanels::usable`].
    #[inline(always)]
    pub fn vec_acc(&self, x: &[f32], out: &mut [f32]) {
        match self {
            HalfPanels::Bf16(b) => bf16::vec_acc(x, b, out),
            HalfPanels::F16(f) => f16::vec_acc(x, f, out),
        }
    }

    /// Element `(r, c)` as the product reads it, as `f32`.
    pub fn get(&self, r: usize, c: usize) -> f32 {
        match self {
            HalfPanels::Bf16(b) => b.get(r, c),
            HalfPanels::F16(f) => f.get(r, c),
        }
    }
}

/// The half-size copies of a model's streamed matrices, or none. Two models are equal only with
/// the same copies (or none on both sides), so compare models made the same way.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct HalfCopies(Option<Vec<HalfPanels>>);

impl HalfCopies {
    /// Copies of the packed matrices `(w, k, n)` in the format the level in use reads ([`format`]);
    /// none at all when there is no such format or one copy cannot be made.
    pub fn new(mats: &[(&[f32], usize, usize)]) -> Self {
        HalfCopies(format().and_then(|make| mats.iter().map(|&(w, k, n)| make(w, k, n)).collect()))
    }

    /// The copy of matrix `i`, if there are copies.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&HalfPanels> {
        self.0.as_ref().and_then(|c| c.get(i))
    }

    /// Whether there are copies.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }
}
