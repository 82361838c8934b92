//! The audio thread's work per 16th, with the best instruction set of this CPU (run-time
//! detection; `ALTUS_ISA=portable cargo bench -p altus-core --bench step` measures the build's
//! baseline, SSE2 on x86-64, instead; the group names say which ran):
//! - `model_step_*`: one model step, LSTM and GRU, hidden 64/128/256, one layer, the one-hot
//!   inputs of a step and the three voices' head, as the engine runs it (from the 16-bit copies of
//!   the streamed weights where the level has a format for them, `nn::half`; compare RTNeural's figures in
//!   ../shared/BENCHMARKS.md, LSTM(100 → H) + Dense(H → 34));
//! - `f32_step_*`: the same from the `f32` weights;
//! - `alto_shape_*`: the same recurrent step with a head of 34 outputs, RTNeural's bench's shape
//!   (the alto-only model's), from the same parts, 16-bit copies as the engine would;
//! - `dense_f32_*`: like for like with RTNeural's bench — LSTM(100 → H) or GRU(100 → H) on a
//!   dense 100-wide input (two ones, every column multiplied, as RTNeural does), then
//!   Dense(H → 34), all from `f32` weights: the kernels' speed, not the product's shortcuts
//!   (one-hot gathers, 16-bit copies);
//! - `dense_f32_*/read`: the floor under that row — only reading the same weights once (a sum
//!   of every weight in the input, recurrent and head matrices, eight independent vector
//!   accumulators): no kernel that reads each weight once per step can beat it;
//! - `voices_step_*`: one whole four-voice step of the engine with the embedded model — model,
//!   decoding under the rules (beam 1 and the default 3) and re-strike choices — as the plugin
//!   runs it with all voices on; `ALTUS_BENCH_MODEL=FILE` runs another weight file's step instead
//!   (to compare a candidate with the shipped model in one session).

use altus_core::harmony::engine::{DecodeOptions, Engine, StepInput};
use altus_core::harmony::features::{MAX_ACTIVE, OUTPUTS, StepFeatures};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig};
use altus_core::nn::half::{self, HalfPanels};
use altus_core::nn::{Cell, PackedDense};
use altus_core::{Key, Mode, Pitch};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// The inputs of one 16th (soprano onset on a beat, the voices' previous classes).
fn features() -> StepFeatures {
    StepFeatures {
        soprano: Some(72),
        soprano_onset: true,
        bar_pos: 4,
        strength: 2,
        minor: false,
        prev_soprano: Some(74),
        held: 0,
        prev: [12, 20, 8],
        prev_onset: [true, false, true],
        ahead: Default::default(),
    }
}

fn model_step(c: &mut Criterion, isa: &str, engine: bool) {
    let group = if engine { "model_step" } else { "f32_step" };
    let mut g = c.benchmark_group(format!("{group}_{isa}"));
    for cell in [CellKind::Lstm, CellKind::Gru] {
        for hidden in [64, 128, 256] {
            let mut m = HarmonyModel::init(ModelConfig::new(cell, hidden, 1), 1);
            if engine {
                m.use_half();
            }
            let mut state = m.new_state();
            let mut out = [0f32; OUTPUTS];
            let f = features();
            let mut act = [0u16; MAX_ACTIVE];
            let n = f.active(m.config.inputs, &mut act);
            let name = format!("{}{hidden}", cell.name());
            g.bench_with_input(BenchmarkId::new("step", &name), &(), |b, _| {
                b.iter(|| m.step(black_box(&act[..n]), &mut state, &mut out))
            });
        }
    }
    g.finish();
}

altus_core::multiversion!(
    /// One layer on one-hot inputs and a dense head, compiled for the CPU's best instruction
    /// set as the model's step is.
    #[allow(clippy::too_many_arguments)]
    fn layer_and_head_step<'a>(cell: &Cell, head: &PackedDense, half: [Option<&'a HalfPanels>; 2], active: &[u16], proj: &mut [f32], h: &mut [f32], c: &mut [f32], scratch: &mut [f32], out: &mut [f32]) => layer_and_head_impl
);

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn layer_and_head_impl(
    cell: &Cell,
    head: &PackedDense,
    half: [Option<&HalfPanels>; 2],
    active: &[u16],
    proj: &mut [f32],
    h: &mut [f32],
    c: &mut [f32],
    scratch: &mut [f32],
    out: &mut [f32],
) {
    cell.project_sparse(active, proj);
    cell.step(half[0], proj, h, c, scratch);
    head.forward(half[1], h, out);
}

/// The model's first cell and a 34-output head: RTNeural's shape, from core's own parts.
fn alto_shape(c: &mut Criterion, isa: &str) {
    let mut g = c.benchmark_group(format!("alto_shape_{isa}"));
    for cell in [CellKind::Lstm, CellKind::Gru] {
        for hidden in [64, 128, 256] {
            let m = HarmonyModel::init(ModelConfig::new(cell, hidden, 1), 1);
            let cell0 = &m.cells[0];
            let mut head = PackedDense::zeros(hidden, 34);
            let k = 1.0 / (hidden as f32).sqrt();
            let mut rng = altus_core::rng::Rng::new(2);
            head.w
                .iter_mut()
                .for_each(|w| *w = (rng.next_f32() * 2.0 - 1.0) * k);
            let gates = cell0.gates();
            // The 16-bit copies the engine would read at this level, if any.
            let copies = half::format().map(|make| {
                (
                    make(cell0.recurrent_weights(), hidden, gates).unwrap(),
                    make(&head.w, hidden, 34).unwrap(),
                )
            });
            let bf = copies
                .as_ref()
                .map_or([None, None], |(r, h)| [Some(r), Some(h)]);
            let (mut proj, mut scratch) = (vec![0f32; gates], vec![0f32; gates]);
            let (mut h, mut cs) = (vec![0f32; hidden], vec![0f32; hidden]);
            let mut out = [0f32; 34];
            let mut act = [0u16; MAX_ACTIVE];
            let n = features().active(m.config.inputs, &mut act);
            let name = format!("{}{hidden}", cell.name());
            g.bench_with_input(BenchmarkId::new("step", &name), &(), |b, _| {
                b.iter(|| {
                    layer_and_head_step(
                        cell0,
                        &head,
                        bf,
                        black_box(&act[..n]),
                        &mut proj,
                        &mut h,
                        &mut cs,
                        &mut scratch,
                        &mut out,
                    )
                })
            });
        }
    }
    g.finish();
}

altus_core::multiversion!(
    /// One layer on a dense input and a dense head, from `f32` weights.
    #[allow(clippy::too_many_arguments)]
    fn dense_step(cell: &Cell, head: &PackedDense, x: &[f32], proj: &mut [f32], h: &mut [f32], c: &mut [f32], scratch: &mut [f32], out: &mut [f32]) => dense_step_impl
);

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dense_step_impl(
    cell: &Cell,
    head: &PackedDense,
    x: &[f32],
    proj: &mut [f32],
    h: &mut [f32],
    c: &mut [f32],
    scratch: &mut [f32],
    out: &mut [f32],
) {
    cell.project_dense(x, proj);
    cell.step(None, proj, h, c, scratch);
    head.forward(None, h, out);
}

altus_core::multiversion!(
    /// The sum of every value of `parts`: the time to stream their bytes into registers.
    fn read_all(parts: &[&[f32]]) -> f32 => read_all_impl
);

#[inline(always)]
fn read_all_impl(parts: &[&[f32]]) -> f32 {
    // Eight rows of 16 lanes: eight independent chains of vector adds, so the adds' latency
    // never limits the reads (one chain would read 64 bytes per add latency).
    let mut acc = [[0f32; 16]; 8];
    for part in parts {
        let (blocks, rest) = part.as_chunks::<128>();
        for b in blocks {
            for (a, x) in acc.iter_mut().zip(b.as_chunks::<16>().0) {
                a.iter_mut().zip(x).for_each(|(a, x)| *a += x);
            }
        }
        acc[0][0] += rest.iter().sum::<f32>();
    }
    acc.iter().flatten().sum()
}

/// RTNeural's bench exactly: a dense 100-wide input, `f32` weights throughout.
fn dense_f32(c: &mut Criterion, isa: &str) {
    let mut g = c.benchmark_group(format!("dense_f32_{isa}"));
    let mut rng = altus_core::rng::Rng::new(3);
    let mut fill = |w: &mut [f32]| {
        w.iter_mut()
            .for_each(|v| *v = (rng.next_f32() * 2.0 - 1.0) * 0.1)
    };
    for kind in [CellKind::Lstm, CellKind::Gru] {
        for hidden in [64, 128, 256] {
            let mut cell = match kind {
                CellKind::Gru => Cell::Gru(altus_core::nn::Gru::zeros(100, hidden)),
                _ => Cell::Lstm(altus_core::nn::Lstm::zeros(100, hidden)),
            };
            match &mut cell {
                Cell::Lstm(l) => (fill(&mut l.w_ih), fill(&mut l.w_hh), fill(&mut l.b_ih)),
                Cell::Gru(g) => (fill(&mut g.w_ih), fill(&mut g.w_hh), fill(&mut g.b_ih)),
                Cell::Rnn(_) => unreachable!(),
            };
            let mut head = PackedDense::zeros(hidden, 34);
            fill(&mut head.w);
            let gates = cell.gates();
            let (mut proj, mut scratch) = (vec![0f32; gates], vec![0f32; gates]);
            let (mut h, mut cs) = (vec![0f32; hidden], vec![0f32; hidden]);
            let mut out = [0f32; 34];
            let mut x = [0f32; 100];
            let mut i = 0usize;
            let name = format!("{}{hidden}", kind.name());
            g.bench_with_input(BenchmarkId::new("step", &name), &(), |b, _| {
                b.iter(|| {
                    // Two ones that move, as RTNeural's bench sets them.
                    x[i % 100] = 1.0;
                    x[(i + 37) % 100] = 1.0;
                    dense_step(
                        &cell,
                        &head,
                        black_box(&x),
                        &mut proj,
                        &mut h,
                        &mut cs,
                        &mut scratch,
                        &mut out,
                    );
                    x[i % 100] = 0.0;
                    x[(i + 37) % 100] = 0.0;
                    i += 1;
                })
            });
            let parts = [
                cell.input_weights().0,
                cell.recurrent_weights(),
                &head.w[..],
            ];
            g.bench_with_input(BenchmarkId::new("read", &name), &(), |b, _| {
                b.iter(|| read_all(black_box(&parts)))
            });
        }
    }
    g.finish();
}

fn voices_step(c: &mut Criterion, isa: &str) {
    let mut g = c.benchmark_group(format!("voices_step_{isa}"));
    let model = Box::new(match std::env::var_os("ALTUS_BENCH_MODEL") {
        Some(path) => {
            altus_core::harmony::format::load(std::path::Path::new(&path))
                .expect("ALTUS_BENCH_MODEL: a weight file")
                .0
        }
        None => altus_core::embedded::default_harmony().0,
    });
    let melody = [
        67u8, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, 64, 62, 64, 66, 67,
    ];
    for beam in [1, 3] {
        let opts = DecodeOptions {
            beam,
            ..DecodeOptions::default()
        };
        let mut e = Engine::new(model.clone(), Key::new(7, Mode::Major), opts);
        let mut t = 0usize;
        g.bench_with_input(
            BenchmarkId::new("embedded", format!("beam{beam}")),
            &(),
            |b, _| {
                b.iter(|| {
                    t += 1;
                    e.step(black_box(StepInput {
                        soprano: Some(Pitch(melody[(t / 2) % melody.len()])),
                        soprano_onset: t.is_multiple_of(2),
                        bar_pos: (t % 16) as u16,
                        strength: altus_core::music::phase::strength(t % 16, 4, 4) as u8,
                        ahead: Default::default(),
                    }))
                })
            },
        );
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    let isa = format!("{:?}", altus_core::nn::simd::isa()).to_lowercase();
    model_step(c, &isa, true);
    model_step(c, &isa, false);
    alto_shape(c, &isa);
    dense_f32(c, &isa);
    voices_step(c, &isa);
}

criterion_group!(benches, bench);
criterion_main!(benches);
