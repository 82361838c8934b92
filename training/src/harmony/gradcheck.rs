//! Finite-difference checks of every backward pass (LSTM, GRU, RNN; one and two layers; dense
//! head; sparse and dense inputs; class and re-strike losses of the three voices; the
//! within-step conditioning of each voice order; inputs left out, and the lookahead inputs).

use super::bptt::*;
use super::distill::Teach;
use altus_core::harmony::ahead::Ahead;
use altus_core::harmony::features::{CLASSES, Inputs, StepFeatures, VOICES};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig, Order};
use altus_core::rng::Rng;
use std::sync::Arc;

fn random_batch(rows: usize, steps: usize, rng: &mut Rng) -> Batch {
    let n = rows * steps;
    let mut b = Batch {
        rows,
        steps,
        ..Default::default()
    };
    for _ in 0..n {
        b.features.push(StepFeatures {
            soprano: (rng.below(5) > 0).then(|| 55 + rng.below(30) as u8),
            soprano_onset: rng.below(2) == 0,
            bar_pos: rng.below(16) as u16,
            strength: rng.below(5) as u8,
            minor: rng.below(2) == 0,
            prev_soprano: (rng.below(3) > 0).then(|| 55 + rng.below(30) as u8),
            held: rng.below(20) as u8,
            prev: [0; VOICES].map(|_| rng.below(CLASSES)),
            prev_onset: [0; VOICES].map(|_| rng.below(2) == 0),
            ahead: Ahead {
                next: (rng.below(4) > 0).then(|| 55 + rng.below(30) as u8),
                next_in: rng.below(12) as u8,
                after: (rng.below(3) > 0).then(|| 55 + rng.below(30) as u8),
            },
        });
        b.target.push([0; VOICES].map(|_| {
            if rng.below(6) == 0 {
                NO_TARGET
            } else {
                rng.below(CLASSES) as u16
            }
        }));
        b.restrike.push([0; VOICES].map(|_| rng.below(3) as i8 - 1));
        b.own.push(false);
    }
    b
}

fn loss(model: &HarmonyModel, batch: &Batch) -> f64 {
    let mut ws = Workspace::new(model, batch.rows, batch.steps);
    let s = evaluate(model, batch, &mut ws);
    s.loss()
}

fn check(cell: CellKind, layers: usize) {
    check_with(ModelConfig::new(cell, 4, layers));
}

fn check_with(cfg: ModelConfig) {
    let (cell, layers) = (cfg.cell, cfg.layers);
    let mut model = HarmonyModel::init(cfg, 3);
    for p in model.params_mut() {
        p.iter_mut().for_each(|w| *w *= 1.5);
    }
    let batch = random_batch(3, 6, &mut Rng::new(11));
    let (analytic, checked) = against_finite_differences(&mut model, &batch, 0.0, &[], 0.0);
    assert!(checked > 300, "{cell:?}×{layers}: {checked}");
    assert!(
        analytic.iter().all(|g| g.iter().any(|&x| x != 0.0)),
        "every tensor gets a gradient"
    );
}

/// The analytic gradient of the batch's loss, with the head's input dropped at rate `dropout`
/// under one fixed mask (0: none) and the `teachers`' distribution at `weight` in the targets
/// (none: Bach's alone), and how many of its entries matched finite differences of the same loss.
fn against_finite_differences(
    model: &mut HarmonyModel,
    batch: &Batch,
    dropout: f32,
    teachers: &[HarmonyModel],
    weight: f32,
) -> (Vec<Vec<f32>>, usize) {
    let mut teach = (!teachers.is_empty())
        .then(|| Teach::new(Arc::new(teachers.to_vec()), batch.rows, batch.steps, weight));
    let workspace = |model: &HarmonyModel| {
        let mut ws = Workspace::new(model, batch.rows, batch.steps);
        ws.draw_dropout(dropout, &mut Rng::new(9)); // the same mask every time
        ws
    };
    let mut grads = HarmonyModel::zeros(model.config);
    let count = batch
        .target
        .iter()
        .flatten()
        .filter(|&&t| t != NO_TARGET)
        .count() as f32;
    forward_backward(
        model,
        batch,
        &mut workspace(model),
        &mut grads,
        count,
        teach.as_mut(),
    );
    let analytic: Vec<Vec<f32>> = grads.params().iter().map(|p| p.to_vec()).collect();
    let checked = testkit::fd::check(&analytic, 1e-2, 11, |t, i, d| {
        let orig = model.params()[t][i];
        model.params_mut()[t][i] = orig + d;
        let l = masked_loss(model, batch, &mut workspace(model), teach.as_mut());
        model.params_mut()[t][i] = orig;
        l
    });
    (analytic, checked)
}

/// The loss of `batch` under the workspace's dropout mask and the teachers' targets
/// (`evaluate` always runs without either).
fn masked_loss(
    model: &HarmonyModel,
    batch: &Batch,
    ws: &mut Workspace,
    teach: Option<&mut Teach>,
) -> f64 {
    let mut g = HarmonyModel::zeros(model.config);
    forward_backward(model, batch, ws, &mut g, 1.0, teach).loss()
}

#[test]
fn lstm_gradients() {
    check(CellKind::Lstm, 1);
    check(CellKind::Lstm, 2);
}

#[test]
fn gru_gradients() {
    check(CellKind::Gru, 1);
    check(CellKind::Gru, 2);
}

#[test]
fn rnn_gradients() {
    check(CellKind::Rnn, 1);
    check(CellKind::Rnn, 2);
}

#[test]
fn every_voice_order_and_input_set() {
    for order in [Order::Independent, Order::BassFirst, Order::TopDown] {
        check_with(ModelConfig {
            order,
            ..ModelConfig::new(CellKind::Lstm, 4, 1)
        });
    }
    let sets = [
        (false, true, true, false),
        (true, false, true, false),
        (true, true, false, false),
        (false, false, false, false),
        (true, true, true, true),
    ];
    for (soprano_context, previous_voices, intervals, lookahead) in sets {
        let inputs = Inputs {
            soprano_context,
            previous_voices,
            intervals,
            lookahead,
        };
        check_with(ModelConfig {
            inputs,
            ..ModelConfig::new(CellKind::Gru, 4, 1)
        });
    }
}

#[test]
fn batched_forward_matches_the_core_step() {
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        let cfg = ModelConfig::new(cell, 8, 2);
        let model = HarmonyModel::init(cfg, 5);
        let mut rng = Rng::new(2);
        let batch = random_batch(2, 7, &mut rng);
        let mut ws = Workspace::new(&model, 2, 7);
        forward(&model, &batch, &mut ws);
        for r in 0..2 {
            let mut state = model.new_state();
            let mut out = [0f32; altus_core::harmony::features::OUTPUTS];
            for t in 0..7 {
                let mut act = [0u16; altus_core::harmony::features::MAX_ACTIVE];
                let n = batch.features[t * 2 + r].active(cfg.inputs, &mut act);
                model.step(&act[..n], &mut state, &mut out);
                for (a, b) in out.iter().zip(ws.logits(t, r)) {
                    assert!((a - b).abs() < 1e-4, "{cell:?} t{t} r{r}: {a} vs {b}");
                }
            }
        }
    }
}

#[test]
fn dropout_gradients_match_the_masked_loss() {
    // With a fixed mask the loss is a smooth function of the weights: the analytic gradient
    // under the mask must match finite differences of the same masked forward.
    let cfg = ModelConfig::new(CellKind::Lstm, 6, 1);
    let mut model = HarmonyModel::init(cfg, 3);
    let batch = random_batch(3, 5, &mut Rng::new(4));
    let (_, checked) = against_finite_differences(&mut model, &batch, 0.5, &[], 0.0);
    assert!(checked > 100, "{checked}");
    // Half the head's inputs dropped: the loss differs from the loss without dropout.
    let mut ws = Workspace::new(&model, 3, 5);
    ws.draw_dropout(0.5, &mut Rng::new(9));
    assert!((masked_loss(&model, &batch, &mut ws, None) - loss(&model, &batch)).abs() > 1e-4);
}

#[test]
fn distillation_gradients_match_the_mixed_target_loss() {
    // The class target mixes Bach's class with two teachers' mean distribution: the gradient
    // must match finite differences of that cross-entropy. (Rows fed their own choices are
    // left out: a greedy choice flips under a small change of near-tied random logits.)
    let cfg = ModelConfig::new(CellKind::Lstm, 6, 1);
    let mut model = HarmonyModel::init(cfg, 3);
    let teachers = vec![HarmonyModel::init(cfg, 7), HarmonyModel::init(cfg, 8)];
    let batch = random_batch(3, 5, &mut Rng::new(4));
    let (_, checked) = against_finite_differences(&mut model, &batch, 0.0, &teachers, 0.6);
    assert!(checked > 100, "{checked}");
    // The teachers' logits are the mean of their own forwards on the student's inputs.
    let mut teach = Teach::new(Arc::new(teachers.clone()), 3, 5, 0.6);
    let mut ws = Workspace::new(&model, 3, 5);
    let mixed = masked_loss(&model, &batch, &mut ws, Some(&mut teach));
    let (mean, weight) = teach.logits_on(&ws);
    assert_eq!(weight, 0.6);
    let mut each = Vec::new();
    for t in &teachers {
        let mut tw = Workspace::new(t, 3, 5);
        forward(t, &batch, &mut tw);
        each.push(tw);
    }
    for step in 0..5 {
        for r in 0..3 {
            let i = (step * 3 + r) * altus_core::harmony::features::OUTPUTS;
            let (a, b) = (each[0].logits(step, r), each[1].logits(step, r));
            for (k, m) in mean[i..i + a.len()].iter().enumerate() {
                assert!((m - (a[k] + b[k]) / 2.0).abs() < 1e-5, "t{step} r{r} k{k}");
            }
        }
    }
    // And they change the loss: it is not Bach's cross-entropy.
    assert!((mixed - masked_loss(&model, &batch, &mut ws, None)).abs() > 1e-3);
}
