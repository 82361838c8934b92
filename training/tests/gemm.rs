//! The training products (`altus_training::gemm`) against an f64 reference on every instruction
//! set this CPU has, each forced (its own test binary: forcing affects the whole process).

use altus_training::gemm::{mm_acc, mm_nt, mm_tn_acc};

/// `a (m×k) · b (k×n)` in f64, row-major.
fn reference(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut c = vec![0f64; m * n];
    for i in 0..m {
        for kk in 0..k {
            for j in 0..n {
                c[i * n + j] += a[i * k + kk] as f64 * b[kk * n + j] as f64;
            }
        }
    }
    c
}

fn values(len: usize, seed: u32) -> Vec<f32> {
    (0..len)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32)
        .map(|v| v / (1 << 24) as f32 - 0.5)
        .collect()
}

fn close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() <= 1e-4 + 1e-4 * w.abs(),
            "element {i}: {g} against {w}"
        );
    }
}

fn transposed(a: &[f32], r: usize, c: usize) -> Vec<f32> {
    altus_core::nn::math::transpose(a, r, c)
}

#[test]
fn products_match_an_f64_reference_on_every_instruction_set() {
    // The training shapes (head 174 wide, gates 512, a batch of 1024 steps) and small odd ones.
    let shapes = [
        (1024, 128, 174),
        (130, 128, 512),
        (7, 5, 3),
        (33, 17, 16),
        (1, 64, 40),
    ];
    for isa in altus_core::nn::simd::supported() {
        altus_core::nn::simd::force(isa).expect("supported");
        for &(m, k, n) in &shapes {
            let (a, b, c0) = (values(m * k, 1), values(k * n, 2), values(m * n, 3));
            let ab = reference(&a, &b, m, k, n);
            let mut c = c0.clone();
            mm_acc(&a, &b, &mut c, m, k, n);
            let want: Vec<f64> = ab.iter().zip(&c0).map(|(x, &y)| x + y as f64).collect();
            close(&c, &want);
            // aᵀ stored as (k×m): c (m×n) += (aᵀ)ᵀ · b.
            let mut c = c0.clone();
            mm_tn_acc(&transposed(&a, m, k), &b, &mut c, k, m, n);
            close(&c, &want);
            // bᵀ stored as (n×k): c (m×n) = a · (bᵀ)ᵀ.
            let mut c = c0.clone();
            mm_nt(&a, &transposed(&b, k, n), &mut c, m, k, n, 0.0);
            close(&c, &ab);
        }
    }
}
