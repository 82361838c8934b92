//! Run-time CPU-feature dispatch: a distributed plugin cannot assume `-march=native`, so hot
//! loops are compiled three times (portable, AVX2+FMA, AVX-512) and the best one the CPU
//! supports is picked once. `ALTUS_ISA=portable|avx2|avx512` forces a level (benchmarks).

use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Whatever the build targets (SSE2 on a default x86-64 build).
    Portable,
    /// AVX2 and FMA.
    Avx2,
    /// AVX-512 (F, VL) plus AVX2 and FMA.
    Avx512,
}

static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The level in use (detected on first call; no allocation, no lock).
#[inline]
pub fn isa() -> Isa {
    match LEVEL.load(Ordering::Relaxed) {
        1 => Isa::Portable,
        2 => Isa::Avx2,
        3 => Isa::Avx512,
        _ => {
            let level = detect();
            LEVEL.store(level as u8 + 1, Ordering::Relaxed);
            level
        }
    }
}

/// Forces a level (tests and benchmarks compare the paths); refused when the CPU lacks it.
/// Affects every thread of the process.
pub fn force(level: Isa) -> Result<(), Isa> {
    if !can_run(level) {
        return Err(best_supported());
    }
    LEVEL.store(level as u8 + 1, Ordering::Relaxed);
    Ok(())
}

/// The levels this CPU can run, portable first.
pub fn supported() -> Vec<Isa> {
    [Isa::Portable, Isa::Avx2, Isa::Avx512]
        .into_iter()
        .filter(|&l| can_run(l))
        .collect()
}

fn can_run(level: Isa) -> bool {
    match (level, best_supported()) {
        (Isa::Portable, _) | (Isa::Avx2, Isa::Avx2 | Isa::Avx512) => true,
        (Isa::Avx512, best) => best == Isa::Avx512,
        (Isa::Avx2, Isa::Portable) => false,
    }
}

fn detect() -> Isa {
    let best = best_supported();
    match std::env::var("ALTUS_ISA").as_deref() {
        Ok("portable") => Isa::Portable,
        Ok("avx2") if best != Isa::Portable => Isa::Avx2,
        _ => best,
    }
}

#[cfg(target_arch = "x86_64")]
fn best_supported() -> Isa {
    if is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("fma")
    {
        Isa::Avx512
    } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        Isa::Avx2
    } else {
        Isa::Portable
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn best_supported() -> Isa {
    Isa::Portable
}

/// Defines `fn $name(args)` that calls the `#[inline(always)]` body `$imp` compiled for the best
/// instruction set available (see [`isa`]).
#[macro_export]
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident $(<$lt:lifetime>)? ($($a:ident : $t:ty),* $(,)?) $(-> $ret:ty)? => $imp:path) => {
        $(#[$m])*
        $vis fn $name $(<$lt>)? ($($a: $t),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v512 $(<$lt>)? ($($a: $t),*) $(-> $ret)? { $imp($($a),*) }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v256 $(<$lt>)? ($($a: $t),*) $(-> $ret)? { $imp($($a),*) }
                match $crate::nn::simd::isa() {
                    // SAFETY: the CPU supports these features (checked by `isa`).
                    $crate::nn::simd::Isa::Avx512 => return unsafe { v512($($a),*) },
                    // SAFETY: as above.
                    $crate::nn::simd::Isa::Avx2 => return unsafe { v256($($a),*) },
                    $crate::nn::simd::Isa::Portable => {}
                }
            }
            $imp($($a),*)
        }
    };
}
