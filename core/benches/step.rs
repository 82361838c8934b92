//! One model step as the audio thread runs it: LSTM and GRU, hidden 64/128/256, one layer,
//! one-hot inputs (7 of 90 active) and the 34-output head, with the best instruction set of
//! this CPU (run-time detection). `ALTUS_ISA=portable cargo bench -p altus-core --bench step`
//! measures the build's baseline (SSE2 on x86-64) instead; the group name says which ran.
//! Compare with RTNeural's figures in ../shared/BENCHMARKS.md (LSTM(100 → H) + Dense(H → 34)).

use altus_core::harmony::features::{MAX_ACTIVE, OUTPUTS, StepFeatures};
use altus_core::harmony::model::{AltoModel, CellKind, ModelConfig};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let isa = format!("{:?}", altus_core::nn::simd::isa()).to_lowercase();
    let mut g = c.benchmark_group(format!("model_step_{isa}"));
    for cell in [CellKind::Lstm, CellKind::Gru] {
        for hidden in [64, 128, 256] {
            let m = AltoModel::init(
                ModelConfig {
                    cell,
                    hidden,
                    layers: 1,
                },
                1,
            );
            let mut state = m.new_state();
            let mut out = [0f32; OUTPUTS];
            let f = StepFeatures {
                soprano: Some(72),
                soprano_onset: true,
                bar_pos: 4,
                minor: false,
                prev_alto: 12,
                prev_onset: true,
            };
            let mut act = [0u16; MAX_ACTIVE];
            let n = f.active(&mut act);
            let name = format!("{}{hidden}", cell.name());
            g.bench_with_input(BenchmarkId::new("step", &name), &(), |b, _| {
                b.iter(|| m.step(black_box(&act[..n]), &mut state, &mut out))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
