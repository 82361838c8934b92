//! The engine's step (what the plugin runs in the audio callback) never allocates.

use altus_core::harmony::engine::{DecodeOptions, Engine, StepInput};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig, Order};
use altus_core::{Key, Mode, Pitch};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts allocations made by this thread's test while `COUNTING` is on.
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local!(static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

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
                let before = ALLOCS.load(Ordering::Relaxed);
                COUNTING.with(|c| c.set(true));
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
                COUNTING.with(|c| c.set(false));
                assert_eq!(
                    ALLOCS.load(Ordering::Relaxed),
                    before,
                    "{cell:?} {hidden}×{layers} {order:?} T={temperature} beam {beam}"
                );
            }
        }
    }
}
