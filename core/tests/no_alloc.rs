//! The engine's step (what the plugin runs in the audio callback) never allocates.

use altus_core::harmony::engine::{DecodeOptions, Engine, StepInput};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig, Order};
use altus_core::{Key, Mode, Pitch};

#[global_allocator]
static A: testkit::alloc::Counting = testkit::alloc::Counting;

#[test]
fn engine_steps_do_not_allocate() {
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for (hidden, layers, order) in [
            (64, 1, Order::Independent),
            (128, 2, Order::BassFirst),
            (64, 1, Order::TopDown),
        ] {
            let cfg = ModelConfig {
                order,
                ..ModelConfig::new(cell, hidden, layers)
            };
            let model = HarmonyModel::init(cfg, 1);
            for (temperature, beam) in [(0.0, 1), (0.0, 4), (0.8, 3)] {
                let opts = DecodeOptions {
                    temperature,
                    beam,
                    ..DecodeOptions::default()
                };
                let mut e = Engine::new(Box::new(model.clone()), Key::new(7, Mode::Major), opts);
                let ((), allocs) = testkit::alloc::count(|| {
                    for t in 0..500u16 {
                        let soprano = (t % 7 != 6).then(|| Pitch(67 + (t % 5) as u8));
                        e.step(StepInput {
                            soprano,
                            soprano_onset: t % 3 == 0,
                            bar_pos: t % 16,
                            strength: (t % 5) as u8,
                            ahead: Default::default(),
                        });
                        if t == 250 {
                            e.reset();
                            e.set_key(Key::new(2, Mode::Minor));
                        }
                    }
                });
                assert_eq!(
                    allocs, 0,
                    "{cell:?} {hidden}×{layers} {order:?} T={temperature} beam {beam}"
                );
            }
        }
    }
}
