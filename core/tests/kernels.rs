//! The SIMD kernels against a plain scalar reference (f64 accumulation, `std` transcendental
//! functions) at the sizes the models really run — hidden 64, 128 and 256 — on every
//! instruction set this CPU has, each forced in turn.
//!
//! Tolerance: 2e-5 absolute + 2e-5 relative per output, after 20 recurrent steps (f32 sums
//! of 256 products in another order differ by a few ulps; the fast `exp` adds < 3e-7
//! relative error per call). The 16-bit products the step reads where the CPU has them (bf16 at
//! the AVX-512 level with AVX-512 BF16, `f16` at the AVX2 level with F16C) are held to the same
//! tolerance against the reference on the same rounded weights and inputs; what the rounding
//! does to harmonizations is `core/tests/half.rs`'s.

// The reference is written as the equations read, index by index.
#![allow(clippy::needless_range_loop)]

use altus_core::harmony::features::{MAX_ACTIVE, OUTPUTS, StepFeatures};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig};
use altus_core::nn::Cell;
use altus_core::nn::bf16::{self, from_bf16, to_bf16};
use altus_core::nn::f16::{self, from_f16, to_f16};
use altus_core::nn::half;
use altus_core::nn::layout;
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

/// The 16-bit copies the step reads at some level.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Copy16 {
    /// Weights and the product's input rounded to bf16.
    Bf16,
    /// Weights rounded to `f16`; the input stays `f32`.
    F16,
}

impl Copy16 {
    /// The format the step reads at `isa` on this CPU, if any.
    fn at(isa: Isa) -> Option<Self> {
        match isa {
            Isa::Avx512 if bf16::supported() => Some(Copy16::Bf16),
            Isa::Avx2 if f16::supported() => Some(Copy16::F16),
            _ => None,
        }
    }

    /// A weight as the product reads it.
    fn weight(self, v: f32) -> f32 {
        match self {
            Copy16::Bf16 => from_bf16(to_bf16(v)),
            Copy16::F16 => from_f16(to_f16(v)),
        }
    }

    /// An input value as the product reads it.
    fn input(self, v: f64) -> f64 {
        match self {
            Copy16::Bf16 => from_bf16(to_bf16(v as f32)) as f64,
            Copy16::F16 => v,
        }
    }
}

/// `v` as a product with copies `round` reads it.
fn rd(round: Option<Copy16>, v: f64) -> f64 {
    round.map_or(v, |f| f.input(v))
}

/// One reference step of a cell from its input `x` (dense) and state; `round`: the recurrent
/// product reads `h` as that 16-bit kernel does.
fn cell_ref(cell: &Cell, x: &[f64], h: &mut [f64], c: &mut [f64], round: Option<Copy16>) {
    let (w_ih, b_ih) = cell.input_weights();
    let (hd, g) = (cell.hidden(), cell.gates());
    let w_hh = layout::unpack(cell.recurrent_weights(), hd, g);
    let hr: Vec<f64> = h.iter().map(|&v| rd(round, v)).collect();
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
/// products and the head read their input as that 16-bit kernel does).
fn model_ref(
    m: &HarmonyModel,
    active: &[u16],
    h: &mut [Vec<f64>],
    c: &mut [Vec<f64>],
    round: Option<Copy16>,
) -> Vec<f64> {
    let mut x = vec![0.0; m.cells[0].input()];
    active.iter().for_each(|&a| x[a as usize] = 1.0);
    for (l, cell) in m.cells.iter().enumerate() {
        cell_ref(cell, &x, &mut h[l], &mut c[l], round);
        x = h[l].clone();
    }
    x.iter_mut().for_each(|v| *v = rd(round, *v));
    head_ref(m, &x)
}

/// The head's reference output for the top layer's `h`.
fn head_ref(m: &HarmonyModel, x: &[f64]) -> Vec<f64> {
    let head = layout::unpack(&m.head.w, m.head.input, OUTPUTS);
    (0..OUTPUTS)
        .map(|o| {
            m.head.b[o] as f64
                + (0..m.head.input)
                    .map(|k| x[k] * head[k * OUTPUTS + o] as f64)
                    .sum::<f64>()
        })
        .collect()
}

fn round_to(f: Copy16, w: &mut [f32]) {
    w.iter_mut().for_each(|v| *v = f.weight(*v));
}

fn check_models(isa: Isa) {
    let shapes = [(64, 1), (100, 1), (128, 1), (192, 1), (256, 1), (128, 2)];
    // Each shape with `f32` weights; where they run, again with the 16-bit copies (the
    // engine's), against the reference on the same rounded weights, from the step's own state
    // each step (a bf16 rounding of a state that differs in its last `f32` bit may go the
    // other way).
    let variants: Vec<Option<Copy16>> = std::iter::once(None)
        .chain(Copy16::at(isa).map(Some))
        .collect();
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for ((hidden, layers), round) in shapes
            .into_iter()
            .flat_map(|s| variants.iter().map(move |&v| (s, v)))
        {
            let cfg = ModelConfig::new(cell, hidden, layers);
            let mut m = HarmonyModel::init(cfg, hidden as u64);
            let mut r = m.clone();
            if let Some(f) = round {
                assert!(m.use_half());
                for cell in &mut r.cells {
                    round_to(f, cell.recurrent_weights_mut());
                }
                round_to(f, &mut r.head.w);
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
                    ahead: Default::default(),
                };
                let mut act = [0u16; MAX_ACTIVE];
                let n = f.active(cfg.inputs, &mut act);
                if round.is_some() {
                    for l in 0..layers {
                        h[l] = state.h[l].iter().map(|&v| v as f64).collect();
                        c[l] = state.c[l].iter().map(|&v| v as f64).collect();
                    }
                }
                m.step(&act[..n], &mut state, &mut out);
                let mut want = model_ref(&r, &act[..n], &mut h, &mut c, round);
                if round.is_some() {
                    // The head from the step's own new state, for the same reason.
                    let top: Vec<f64> = state.h[layers - 1]
                        .iter()
                        .map(|&v| rd(round, v as f64))
                        .collect();
                    want = head_ref(&r, &top);
                }
                for (o, (&a, &b)) in out.iter().zip(&want).enumerate() {
                    assert!(
                        close(a, b),
                        "{isa:?} {cell:?}-{hidden}×{layers} {round:?} step {t} output {o}: {a} vs {b}"
                    );
                }
                for (l, hl) in h.iter().enumerate() {
                    for (k, (&a, &b)) in state.h[l].iter().zip(hl).enumerate() {
                        assert!(
                            close(a, b),
                            "{isa:?} {cell:?}-{hidden} {round:?} h[{l}][{k}]: {a} vs {b}"
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
            panels::mat_mat_acc(&x, &layout::pack(&w, k, n), &mut packed, rows);
            if let (1, Some(f)) = (rows, Copy16::at(isa)) {
                let p = layout::pack(&w, k, n);
                let copy = half::format().expect("a 16-bit format")(&p, k, n).unwrap();
                assert!(copy.usable());
                let mut got = init.clone();
                let half = Some(&copy);
                panels::vec_acc(&x, panels::Panels { w: &p, half }, &mut got);
                for j in 0..n {
                    let want = init[j] as f64
                        + (0..k)
                            .map(|i| f.input(x[i] as f64) * copy.get(i, j) as f64)
                            .sum::<f64>();
                    assert!(
                        close(got[j], want),
                        "{f:?} 1×{k}·{k}×{n} at {j}: {} vs {want}",
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
    let has = |yes: bool| if yes { "tested" } else { "not on this CPU" };
    eprintln!(
        "instruction sets tested: {levels:?}; AVX-512 BF16 product: {}; F16C product: {}",
        has(bf16::supported()),
        has(f16::supported())
    );
    for isa in levels {
        simd::force(isa).unwrap();
        assert_eq!(simd::isa(), isa);
        check_matmul(isa);
        check_models(isa);
    }
}
