//! The step engine: a re-run step is the step it replaces, the voices keep the rules of
//! four-part writing, and models with absurd weights never reach decoding with NaN (the engine
//! sanitises; weight files beyond the bound are refused).

use altus_core::harmony::engine::{DecodeOptions, Engine, RANGES, StepInput, parallel};
use altus_core::harmony::features::{FEATURE_VERSION, MAX_ACTIVE, OUTPUTS, StepFeatures};
use altus_core::harmony::format::{self as weights, MAX_WEIGHT, WeightsMeta};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig, Order};
use altus_core::rng::Rng;
use altus_core::{Key, Mode, Pitch};

fn input(t: u16, pitch: u8) -> StepInput {
    StepInput {
        soprano: Some(Pitch(pitch)),
        soprano_onset: t.is_multiple_of(4),
        bar_pos: t % 16,
        strength: altus_core::music::phase::strength((t % 16) as usize, 4, 4) as u8,
        ahead: Default::default(),
    }
}

#[test]
fn restep_equals_stepping_the_second_input_in_the_first_place() {
    let model = Box::new(altus_core::embedded::default_harmony().0);
    for temperature in [0.0, 0.9] {
        let opts = DecodeOptions {
            temperature,
            ..DecodeOptions::default()
        };
        let key = Key::new(2, Mode::Major);
        let (mut a, mut b) = (
            Engine::new(model.clone(), key, opts),
            Engine::new(model.clone(), key, opts),
        );
        let tune = [74u8, 76, 78, 79, 81, 79, 78, 76, 74, 73, 74, 76];
        let mut differed = false;
        for (t, &p) in tune.iter().enumerate() {
            let t = t as u16;
            let first = a.step(input(t, p - 5));
            let redone = a.restep(input(t, p));
            let direct = b.step(input(t, p));
            assert_eq!(redone, direct, "T={temperature} step {t}");
            differed |= first != direct;
        }
        assert!(
            differed,
            "the first inputs changed something, so the rewind was tested"
        );
    }
}

/// A model with every weight set from `w`.
fn filled(cell: CellKind, w: impl Fn(usize) -> f32) -> HarmonyModel {
    let mut m = HarmonyModel::init(ModelConfig::new(cell, 64, 2), 1);
    let mut i = 0;
    for p in m.params_mut() {
        for x in p.iter_mut() {
            *x = w(i);
            i += 1;
        }
    }
    m
}

#[test]
fn absurd_weights_never_reach_decoding_as_nan() {
    let mut rng = Rng::new(4);
    let signs: Vec<f32> = (0..200_000)
        .map(|_| if rng.below(2) == 0 { 1.0 } else { -1.0 })
        .collect();
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for scale in [1e30f32, f32::MAX, MAX_WEIGHT] {
            let m = filled(cell, |i| signs[i % signs.len()] * scale);
            // The raw model may overflow; the engine must still give a note in range or a rest.
            let mut e = Engine::new(
                Box::new(m.clone()),
                Key::new(0, Mode::Major),
                DecodeOptions::default(),
            );
            for t in 0..300u16 {
                let out = e.step(input(t, 60 + (t % 12) as u8));
                assert!(
                    e.logits().iter().all(|x| x.is_finite()),
                    "{cell:?} ×{scale:e} step {t}"
                );
                for (v, p) in out.pitch.iter().enumerate() {
                    if let Some(p) = p {
                        let (lo, hi) = RANGES[v];
                        assert!(
                            (lo..=hi).contains(&p.0),
                            "{cell:?} ×{scale:e} voice {v}: {p:?}"
                        );
                    }
                }
            }
            // At the bound the model itself never overflows: its logits stay finite.
            if scale == MAX_WEIGHT {
                let mut state = m.new_state();
                let mut out = [0f32; OUTPUTS];
                for t in 0..300u16 {
                    let f = StepFeatures {
                        soprano: Some(60 + (t % 20) as u8),
                        soprano_onset: t % 2 == 0,
                        bar_pos: t % 16,
                        strength: (t % 5) as u8,
                        minor: false,
                        prev_soprano: Some(60 + (t % 19) as u8),
                        held: (t % 9) as u8,
                        prev: [(t % 57) as usize, (t % 31) as usize, (t % 13) as usize],
                        prev_onset: [false, t % 2 == 0, true],
                        ahead: Default::default(),
                    };
                    let mut act = [0u16; MAX_ACTIVE];
                    let n = f.active(m.config.inputs, &mut act);
                    m.step(&act[..n], &mut state, &mut out);
                    assert!(
                        out.iter().all(|x| x.is_finite()),
                        "{cell:?} at the bound, step {t}"
                    );
                }
            }
        }
    }
}

#[test]
fn weight_files_beyond_the_bound_are_refused_and_name_the_tensor() {
    let cfg = ModelConfig::new(CellKind::Gru, 8, 1);
    let meta = WeightsMeta {
        leading: Default::default(),
        format: weights::FORMAT_VERSION,
        feature_version: FEATURE_VERSION,
        kind: "harmony".into(),
        config: cfg,
        info: serde_json::Value::Null,
    };
    let mut m = HarmonyModel::init(cfg, 2);
    if let altus_core::nn::Cell::Gru(g) = &mut m.cells[0] {
        g.w_hh[5] = 3e5;
    }
    let e = weights::from_bytes(&weights::to_bytes(&m, &meta).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("gru.weight_hh_l0") && e.contains("3e5"), "{e}");
    if let altus_core::nn::Cell::Gru(g) = &mut m.cells[0] {
        g.w_hh[5] = 0.1;
    }
    m.head.b[3] = f32::INFINITY;
    let e = weights::from_bytes(&weights::to_bytes(&m, &meta).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("head.bias") && e.contains("infinity"), "{e}");
}

#[test]
fn a_long_silence_idles_and_the_soprano_starts_afresh() {
    use altus_core::harmony::engine::IDLE_AFTER;
    let model = Box::new(altus_core::embedded::default_harmony().0);
    let key = Key::new(0, Mode::Major);
    let (mut a, mut fresh) = (
        Engine::new(model.clone(), key, DecodeOptions::default()),
        Engine::new(model, key, DecodeOptions::default()),
    );
    for t in 0..40u16 {
        a.step(input(t, 72 + (t % 5) as u8));
    }
    // A silence long enough for the alto to rest, then the idle stretch.
    let mut rest = 0u32;
    for t in 0..(IDLE_AFTER as u16 + 40) {
        let out = a.step(StepInput {
            soprano: None,
            soprano_onset: false,
            bar_pos: t % 16,
            strength: 0,
            ahead: Default::default(),
        });
        rest = if out.pitch == [None; 3] { rest + 1 } else { 0 };
    }
    assert!(rest > IDLE_AFTER, "the voices rest through the silence");
    let before = *a.logits();
    a.step(StepInput {
        soprano: None,
        soprano_onset: false,
        bar_pos: 0,
        strength: 4,
        ahead: Default::default(),
    });
    assert_eq!(*a.logits(), before, "idle: the model does not run");
    // The soprano's return is answered as by an engine that never heard the first phrase.
    for t in 0..24u16 {
        assert_eq!(
            a.step(input(t, 67 + (t % 7) as u8)),
            fresh.step(input(t, 67 + (t % 7) as u8)),
            "step {t}"
        );
    }
}

#[test]
fn the_voices_keep_the_rules_of_four_part_writing() {
    // Untrained models of every order, greedy with beams 1 and 3 and sampled: over a melody in
    // the middle of the soprano's range a candidate that keeps every rule always exists, so
    // every step must keep them all.
    let melody = [
        67u8, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, 64, 62, 64, 66, 67,
    ];
    for order in [Order::Independent, Order::BassFirst, Order::TopDown] {
        let cfg = ModelConfig {
            order,
            ..ModelConfig::new(CellKind::Lstm, 32, 1)
        };
        let model = Box::new(HarmonyModel::init(cfg, 9));
        for (temperature, beam) in [(0.0, 1), (0.0, 3), (1.0, 3)] {
            let opts = DecodeOptions {
                temperature,
                beam,
                ..DecodeOptions::default()
            };
            let mut e = Engine::new(model.clone(), Key::new(7, Mode::Major), opts);
            let mut prev: Option<[u8; 4]> = None;
            for t in 0..160u16 {
                let s = melody[(t / 2) as usize % melody.len()];
                let out = e.step(input(t, s));
                let p = out
                    .pitch
                    .map(|p| p.expect("no rest under a sounding soprano").0);
                let all = [s, p[0], p[1], p[2]];
                let what = format!("{order:?} T={temperature} beam {beam} step {t}: {all:?}");
                for v in 0..3 {
                    assert!((RANGES[v].0..=RANGES[v].1).contains(&p[v]), "range, {what}");
                }
                assert!(all.windows(2).all(|w| w[0] >= w[1]), "crossing, {what}");
                assert!(s - p[0] <= 12 && p[0] - p[1] <= 12, "spacing, {what}");
                if let Some(q) = prev {
                    for a in 0..4 {
                        for b in a + 1..4 {
                            let par = parallel(Some(q[a]), Some(q[b]), Some(all[a]), Some(all[b]));
                            assert!(!par, "parallel {a}-{b}, {what}");
                        }
                    }
                }
                prev = Some(all);
            }
        }
    }
}

/// A key change between two steps (the plugin's auto key) moves the engine's memory into the
/// new key's frame: on a held soprano, a voice that keeps its pitch holds it (no new note-on),
/// and a voice never changes pitch without striking. Before, a voice "holding" its
/// key-normalised note jumped by the change of frame (C → G major: every held voice a fourth
/// down) and the plugin struck the jump.
#[test]
fn a_key_change_keeps_the_voices_where_they_sound() {
    let model = Box::new(altus_core::embedded::default_harmony().0);
    let (mut kept, mut restruck, mut jumped) = (0, 0, 0);
    for (from, to) in [
        ((0, Mode::Major), (7, Mode::Major)),
        ((7, Mode::Major), (4, Mode::Minor)),
        ((2, Mode::Minor), (5, Mode::Major)),
        ((9, Mode::Minor), (0, Mode::Major)),
    ] {
        let mut e = Engine::new(
            model.clone(),
            Key::new(from.0, from.1),
            DecodeOptions::default(),
        );
        let tune = [72u8, 74, 76, 77, 79, 79, 77, 76];
        let mut last = Default::default();
        for (t, &p) in tune.iter().enumerate() {
            last = e.step(input(4 * t as u16, p));
            for u in 1..4 {
                last = e.step(input(4 * t as u16 + u, p));
            }
        }
        e.set_key(Key::new(to.0, to.1));
        // The soprano holds its last note into a weak 8th (not an odd 16th, where the model's
        // preferences push the alto and tenor to move, as Bach's passing 16ths do).
        let held = StepInput {
            soprano_onset: false,
            ..input(34, 76)
        };
        let next = e.step(held);
        for v in 0..3 {
            if next.pitch[v].is_some() && next.pitch[v] == last.pitch[v] {
                kept += 1;
                restruck += next.onset[v] as usize;
            } else if next.pitch[v].is_some() && !next.onset[v] {
                jumped += 1;
            }
        }
    }
    assert_eq!(jumped, 0, "voices that changed pitch without striking");
    assert!(
        kept >= 8,
        "voices that kept their pitch across the change: {kept}"
    );
    assert_eq!(
        restruck, 0,
        "{restruck} of {kept} unchanged voices struck again"
    );
}
