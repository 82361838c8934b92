//! Finite-difference checks of every backward pass (LSTM, GRU, RNN; one and two layers; dense
//! head; sparse and dense inputs; class and re-strike losses).

use super::bptt::*;
use altus_core::harmony::features::{CLASSES, StepFeatures};
use altus_core::harmony::model::{AltoModel, CellKind, ModelConfig};
use altus_core::rng::Rng;

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
            minor: rng.below(2) == 0,
            prev_alto: rng.below(CLASSES),
            prev_onset: rng.below(2) == 0,
        });
        b.target.push(if rng.below(6) == 0 {
            NO_TARGET
        } else {
            rng.below(CLASSES) as u16
        });
        b.restrike.push(rng.below(3) as i8 - 1);
        b.own.push(false);
    }
    b
}

fn loss(model: &AltoModel, batch: &Batch) -> f64 {
    let mut ws = Workspace::new(model, batch.rows, batch.steps);
    let s = evaluate(model, batch, &mut ws);
    (s.class_loss + s.onset_loss) / s.count as f64
}

fn check(cell: CellKind, layers: usize) {
    let cfg = ModelConfig {
        cell,
        hidden: 4,
        layers,
    };
    let mut model = AltoModel::init(cfg, 3);
    for p in model.params_mut() {
        p.iter_mut().for_each(|w| *w *= 1.5);
    }
    let mut rng = Rng::new(11);
    let batch = random_batch(3, 6, &mut rng);
    let mut ws = Workspace::new(&model, 3, 6);
    let mut grads = AltoModel::zeros(cfg);
    let count = batch.target.iter().filter(|&&t| t != NO_TARGET).count() as f32;
    forward_backward(&model, &batch, &mut ws, &mut grads, count);
    let analytic: Vec<Vec<f32>> = grads.params().iter().map(|p| p.to_vec()).collect();
    let checked = testkit::fd::check(&analytic, 1e-2, 11, |t, i, d| {
        let orig = model.params()[t][i];
        model.params_mut()[t][i] = orig + d;
        let l = loss(&model, &batch);
        model.params_mut()[t][i] = orig;
        l
    });
    assert!(checked > 300, "{cell:?}×{layers}: {checked}");
    assert!(
        analytic.iter().all(|g| g.iter().any(|&x| x != 0.0)),
        "every tensor gets a gradient"
    );
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
fn batched_forward_matches_the_core_step() {
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        let cfg = ModelConfig {
            cell,
            hidden: 8,
            layers: 2,
        };
        let model = AltoModel::init(cfg, 5);
        let mut rng = Rng::new(2);
        let batch = random_batch(2, 7, &mut rng);
        let mut ws = Workspace::new(&model, 2, 7);
        forward(&model, &batch, &mut ws);
        for r in 0..2 {
            let mut state = model.new_state();
            let mut out = [0f32; altus_core::harmony::features::OUTPUTS];
            for t in 0..7 {
                let mut act = [0u16; altus_core::harmony::features::MAX_ACTIVE];
                let n = batch.features[t * 2 + r].active(&mut act);
                model.step(&act[..n], &mut state, &mut out);
                for (a, b) in out.iter().zip(ws.logits(t, r)) {
                    assert!((a - b).abs() < 1e-4, "{cell:?} t{t} r{r}: {a} vs {b}");
                }
            }
        }
    }
}
