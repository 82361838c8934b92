//! GFLOP/s of each batched product training runs, one thread, at the LSTM-128 model's shapes
//! (`cargo run --release -p altus-training --example gemm_probe`; `ALTUS_ISA=avx2|portable` for
//! the other paths): the figures behind the register blocks in `core/src/nn/gemm.rs`.

use altus_training::gemm::{mm_acc, mm_nt, mm_tn_acc};
use std::time::Instant;

/// Runs `f`, an `m × k · k × n` product, for half a second and prints its rate.
fn time(name: &str, (m, k, n): (usize, usize, usize), mut f: impl FnMut()) {
    let flops = 2.0 * (m * k * n) as f64;
    f();
    let t = Instant::now();
    let mut runs = 0;
    while t.elapsed().as_secs_f64() < 0.5 {
        f();
        runs += 1;
    }
    let s = t.elapsed().as_secs_f64() / runs as f64;
    println!("{name:<40} {:>7.1} GFLOP/s", flops / s / 1e9);
}

fn main() {
    let rows = 1024;
    let h = 128;
    let g = 512;
    let o = 174;
    let v = |n: usize| {
        (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect::<Vec<f32>>()
    };
    let (hs, w_head, dl) = (v(rows * h), v(h * o), v(rows * o));
    let (w_hh, dg) = (v(h * g), v(rows * g));
    let mut c = vec![0f32; rows * g.max(o)];
    time("head fwd mm_acc 1024x128 . 128x174", (rows, h, o), || {
        mm_acc(&hs, &w_head, &mut c, rows, h, o)
    });
    time("gates mm_acc 1024x128 . 128x512", (rows, h, g), || {
        mm_acc(&hs, &w_hh, &mut c, rows, h, g)
    });
    let mut dw = vec![0f32; h * o.max(g)];
    time("dW head mm_tn 128x1024 . 1024x174", (rows, h, o), || {
        mm_tn_acc(&hs, &dl, &mut dw, rows, h, o)
    });
    time("dW_hh mm_tn 128x1024 . 1024x512", (rows, h, g), || {
        mm_tn_acc(&hs, &dg, &mut dw, rows, h, g)
    });
    let mut dh = vec![0f32; rows * h];
    time("dH head mm_nt 1024x174 . (128x174)T", (rows, h, o), || {
        mm_nt(&dl, &w_head, &mut dh, rows, o, h, 1.0)
    });
    time("dh_prev mm_nt 1024x512 . (128x512)T", (rows, h, g), || {
        mm_nt(&dg, &w_hh, &mut dh, rows, g, h, 1.0)
    });
    let dg32 = v(32 * g);
    let h32 = v(32 * h);
    let mut c32 = vec![0f32; 32 * g];
    time("per-step gates 32x128 . 128x512", (32, h, g), || {
        mm_acc(&h32, &w_hh, &mut c32, 32, h, g)
    });
    let mut dh32 = vec![0f32; 32 * h];
    let wt = v(g * h);
    time("per-step dh (cells) 32x512 . 512x128", (32, h, g), || {
        altus_core::nn::math::mat_mat_acc(&dg32, &wt, &mut dh32, 32)
    });
    let wp = altus_core::nn::layout::pack(&w_hh, h, g);
    time("per-step fwd packed 32x128 . 128x512", (32, h, g), || {
        altus_core::nn::panels::mat_mat_acc(&h32, &wp, &mut c32, 32)
    });
    let h16 = v(16 * h);
    let mut c16 = vec![0f32; 16 * g];
    time("per-step fwd packed 16x128 . 128x512", (16, h, g), || {
        altus_core::nn::panels::mat_mat_acc(&h16, &wp, &mut c16, 16)
    });
}
