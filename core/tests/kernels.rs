//! The SIMD kernels against a plain scalar reference (f64 accumulation, `std` transcendental
//! functions) at the sizes the models really run — hidden 64, 128 and 256 — on every
//! instruction set this CPU has, each forced in turn.
//!
//! Tolerance: 2e-5 absolute + 2e-5 relative per output, after 20 recurrent steps (f32 sums
//! of 256 products in another order differ by a few ulps; the fast `exp` adds < 3e-7
//! relative error per call). The bf16 product (AVX-512 BF16, where the CPU has it) is held to
//! the same tolerance against the reference on the same rounded weights and inputs; what the
//! rounding does to harmonizations is `core/tests/bf16.rs`'s.

// The reference is written as the equations read, index by index.
#![allow(clippy::needless_range_loop)]

use altus_core::harmony::features::{MAX_ACTIVE, OUTPUTS, StepFeatures};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig};
use altus_core::nn::Cell;
use altus_core::nn::bf16::{self, Bf16Panels, from_bf16, to_bf16};
use altus_core::nn::math::mat_mat_acc;
use altus_core::nn::panels;
use altus_core::nn::simd::{self, Isa};
use altus_core::rng::Rng;

fn close(a: f32, b: f64) -> bool {
    (a as f64 - b).abs() <= 2e-5 + 2e-5 * b.abs()
}

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `v` as the bf16 product reads it.
fn bf(v: f64) -> f64 {
    from_bf16(to_bf16(v as f32)) as f64
}

/// One reference step of a cell from its input `x` (dense) and state; `round`: the recurrent
/// product reads `h` rounded to bf16, as the bf16 kernel does.
fn cell_ref(cell: &Cell, x: &[f64], h: &mut [f64], c: &mut [f64], round: bool) {
    let (w_ih, b_ih) = cell.input_weights();
    let (hd, g) = (cell.hidden(), cell.gates());
    let w_hh = panels::unpack(cell.recurrent_weights(), hd, g);
    let hr: Vec<f64> = h.iter().map(|&v| if round { bf(v) } else { v }).collect();
    let mut gates: Vec<f64> = (0..g).map(|j| b_ih[j] as f64).collect();
    for (i, &xv) in x.iter().enumerate() {
        for j in 0..g {
            gates[j] += xv * w_ih[i * g + j] as f64;
        }
    }
    match cell {
        Cell::Lstm(_) => {
            for k in 0..hd {
                for j in 0..g {
                    gates[j] += hr[k] * w_hh[k * g + j] as f64;
                }
            }
            for k in 0..hd {
                let (i, f) = (sig(gates[k]), sig(gates[hd + k]));
                let (gg, o) = (gates[2 * hd + k].tanh(), sig(gates[3 * hd + k]));
                c[k] = f * c[k] + i * gg;
                h[k] = o * c[k].tanh();
            }
        }
        Cell::Gru(gr) => {
            let mut hp: Vec<f64> = gr.b_hh.iter().map(|&b| b as f64).collect();
            for k in 0..hd {
                for j in 0..g {
                    hp[j] += hr[k] * w_hh[k * g + j] as f64;
                }
            }
            for k in 0..hd {
                let r = sig(gates[k] + hp[k]);
                let z = sig(gates[hd + k] + hp[hd + k]);
                let n = (gates[2 * hd + k] + r * hp[2 * hd + k]).tanh();
                h[k] = (1.0 - z) * n + z * h[k];
            }
        }
        Cell::Rnn(_) => {
            for k in 0..hd {
                for j in 0..g {
                    gates[j] += hr[k] * w_hh[k * g + j] as f64;
                }
            }
            for k in 0..hd {
                h[k] = gates[k].tanh();
            }
        }
    }
}

/// The whole model's reference step: one-hot input, cells, head (`round`: the recurrent
/// products and the head read their input rounded to bf16).
fn model_ref(
    m: &HarmonyModel,
    active: &[u16],
    h: &mut [Vec<f64>],
    c: &mut [Vec<f64>],
    round: bool,
) -> Vec<f64> {
    let mut x = vec![0.0; m.cells[0].input()];
    active.iter().for_each(|&a| x[a as usize] = 1.0);
    for (l, cell) in m.cells.iter().enumerate() {
        cell_ref(cell, &x, &mut h[l], &mut c[l], round);
        x = h[l].clone();
    }
    if round {
        x.iter_mut().for_each(|v| *v = bf(*v));
    }
    head_ref(m, &x)
}

/// The head's reference output for the top layer's `h`.
fn head_ref(m: &HarmonyModel, x: &[f64]) -> Vec<f64> {
    let head = panels::unpack(&m.head.w, m.head.input, OUTPUTS);
    (0..OUTPUTS)
        .map(|o| {
            m.head.b[o] as f64
                + (0..m.head.input)
                    .map(|k| x[k] * head[k * OUTPUTS + o] as f64)
                    .sum::<f64>()
        })
        .collect()
}

fn round_to_bf16(w: &mut [f32]) {
    w.iter_mut().for_each(|v| *v = from_bf16(to_bf16(*v)));
}

/// Whether the step's bf16 path runs here (AVX-512 level in use, CPU with AVX-512 BF16).
fn bf16_runs(isa: Isa) -> bool {
    isa == Isa::Avx512 && bf16::supported()
}

fn check_models(isa: Isa) {
    let shapes = [(64, 1), (100, 1), (128, 1), (192, 1), (256, 1), (128, 2)];
    // Each shape with `f32` weights; where it runs, again with the bf16 copies (the engine's),
    // against the reference on the same rounded weights, from the step's own state each step
    // (a bf16 rounding of a state that differs in its last `f32` bit may go the other way).
    let variants: Vec<bool> = if bf16_runs(isa) {
        vec![false, true]
    } else {
        vec![false]
    };
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for ((hidden, layers), round) in shapes
            .into_iter()
            .flat_map(|s| variants.iter().map(move |&v| (s, v)))
        {
            let cfg = ModelConfig::new(cell, hidden, layers);
            let mut m = HarmonyModel::init(cfg, hidden as u64);
            let mut r = m.clone();
            if round {
                assert!(m.use_bf16());
                for cell in &mut r.cells {
                    round_to_bf16(cell.recurrent_weights_mut());
                }
                round_to_bf16(&mut r.head.w);
            }
            let mut state = m.new_state();
            let (mut h, mut c) = (
                vec![vec![0.0; hidden]; layers],
                vec![vec![0.0; hidden]; layers],
            );
            let mut rng = Rng::new(3);
            let mut out = [0f32; OUTPUTS];
            for t in 0..20 {
                let f = StepFeatures {
                    soprano: Some(55 + rng.below(30) as u8),
                    soprano_onset: t % 2 == 0,
                    bar_pos: (t % 16) as u16,
                    strength: (t % 5) as u8,
                    minor: t % 3 == 0,
                    prev_soprano: Some(55 + rng.below(30) as u8),
                    held: (t % 7) as u8,
                    prev: [0; 3].map(|_| rng.below(altus_core::harmony::features::CLASSES)),
                    prev_onset: [t % 4 == 1, t % 3 == 1, t % 2 == 1],
                };
                let mut act = [0u16; MAX_ACTIVE];
                let n = f.active(cfg.inputs, &mut act);
                if round {
                    for l in 0..layers {
                        h[l] = state.h[l].iter().map(|&v| v as f64).collect();
                        c[l] = state.c[l].iter().map(|&v| v as f64).collect();
                    }
                }
                m.step(&act[..n], &mut state, &mut out);
                let mut want = model_ref(&r, &act[..n], &mut h, &mut c, round);
                if round {
                    // The head from the step's own new state, for the same reason.
                    let top: Vec<f64> = state.h[layers - 1].iter().map(|&v| bf(v as f64)).collect();
                    want = head_ref(&r, &top);
                }
                for (o, (&a, &b)) in out.iter().zip(&want).enumerate() {
                    assert!(
                        close(a, b),
                        "{isa:?} {cell:?}-{hidden}×{layers} bf16 {round} step {t} output {o}: {a} vs {b}"
                    );
                }
                for (l, hl) in h.iter().enumerate() {
                    for (k, (&a, &b)) in state.h[l].iter().zip(hl).enumerate() {
                        assert!(
                            close(a, b),
                            "{isa:?} {cell:?}-{hidden} bf16 {round} h[{l}][{k}]: {a} vs {b}"
                        );
                    }
                }
            }
        }
    }
}

/// `out += x · w` for 1 row (inference) and several rows (training's batches), with `w`
/// row-major and packed in panels (narrow last panels included).
fn check_matmul(isa: Isa) {
    let mut rng = Rng::new(5);
    for (k, n) in [
        (64, 256),
        (128, 512),
        (256, 1024),
        (256, 768),
        (128, 34),
        (90, 512),
        (256, 174),
        (100, 400),
        (7, 40),
        (1, 20),
        (2, 3),
    ] {
        for rows in [1, 3, 4, 11, 16] {
            let x: Vec<f32> = (0..rows * k).map(|_| rng.normal()).collect();
            let w: Vec<f32> = (0..k * n).map(|_| rng.normal() * 0.1).collect();
            let init: Vec<f32> = (0..rows * n).map(|_| rng.normal()).collect();
            let mut out = init.clone();
            mat_mat_acc(&x, &w, &mut out, rows);
            let mut packed = init.clone();
            panels::mat_mat_acc(&x, &panels::pack(&w, k, n), &mut packed, rows);
            if rows == 1 && bf16_runs(isa) && k <= bf16::MAX_K {
                let b = Bf16Panels::new(&panels::pack(&w, k, n), k, n).unwrap();
                let mut got = init.clone();
                let p = panels::pack(&w, k, n);
                panels::vec_acc(
                    &x,
                    panels::Panels {
                        w: &p,
                        bf16: Some(&b),
                    },
                    &mut got,
                );
                for j in 0..n {
                    let want = init[j] as f64
                        + (0..k)
                            .map(|i| bf(x[i] as f64) * b.get(i, j) as f64)
                            .sum::<f64>();
                    assert!(
                        close(got[j], want),
                        "bf16 1×{k}·{k}×{n} at {j}: {} vs {want}",
                        got[j]
                    );
                }
            }
            for r in 0..rows {
                for j in 0..n {
                    let want = init[r * n + j] as f64
                        + (0..k)
                            .map(|i| x[r * k + i] as f64 * w[i * n + j] as f64)
                            .sum::<f64>();
                    assert!(
                        close(out[r * n + j], want),
                        "{isa:?} {rows}×{k}·{k}×{n} at ({r},{j}): {} vs {want}",
                        out[r * n + j]
                    );
                    assert!(
                        close(packed[r * n + j], want),
                        "{isa:?} packed {rows}×{k}·{k}×{n} at ({r},{j}): {} vs {want}",
                        packed[r * n + j]
                    );
                }
            }
        }
    }
}

#[test]
fn kernels_match_the_scalar_reference_on_every_instruction_set() {
    // One test in this binary: forcing the level affects the whole process.
    let levels = simd::supported();
    eprintln!(
        "instruction sets tested: {levels:?}; AVX-512 BF16 product: {}",
        if bf16::supported() {
            "tested"
        } else {
            "not on this CPU"
        }
    );
    for isa in levels {
        simd::force(isa).unwrap();
        assert_eq!(simd::isa(), isa);
        check_matmul(isa);
        check_models(isa);
    }
}
