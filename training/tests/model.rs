//! The alto model end to end: training is deterministic, the embedded model meets its quality
//! goals on the validation split, and harmonize writes what a musician expects.

use altus_core::harmony::engine::DecodeOptions;
use altus_core::harmony::model::{AltoModel, CellKind, ModelConfig};
use altus_training::data::dataset::{self, Options};
use altus_training::data::sequences::Sequence;
use altus_training::harmony::eval::{self, Metrics};
use altus_training::harmony::train::{self, TrainConfig};
use std::sync::atomic::AtomicBool;
use testkit::chorales_for_test;

fn data(dir: &std::path::Path) -> (Vec<Sequence>, Vec<Sequence>) {
    let ds = dataset::load_dir(dir, &Options::default()).unwrap();
    let split = dataset::split(&ds.chorales, 0);
    let seqs = |ix: &[usize]| {
        ix.iter()
            .map(|&i| Sequence::from_chorale(&ds.chorales[i]))
            .collect()
    };
    (seqs(&split.train), seqs(&split.valid))
}

#[test]
fn same_seed_same_model_and_training_learns() {
    let Some(dir) = chorales_for_test("same_seed_same_model_and_training_learns") else {
        return;
    };
    let (tr, va) = data(&dir);
    let tr = &tr[..120];
    let cfg = TrainConfig {
        model: ModelConfig {
            cell: CellKind::Gru,
            hidden: 24,
            layers: 1,
        },
        epochs: 3,
        batch: 16,
        lr: 3e-3,
        seed: 5,
        window: 32,
        clip: 1.0,
        sampling: 0.2,
        patience: 10,
        threads: 2,
        shift_windows: true,
    };
    let stop = AtomicBool::new(false);
    let run = || train::train(&cfg, tr, &va, &stop, |_, _, _| {}, |_, _| {});
    let (a, b) = (run(), run());
    assert_eq!(
        a.model, b.model,
        "--seed makes training deterministic, threads included"
    );
    let r = &a.reports;
    assert!(
        r[2].train_loss < r[0].train_loss * 0.8,
        "{} → {}",
        r[0].train_loss,
        r[2].train_loss
    );
    assert!(
        r[2].valid_acc > 0.5,
        "teacher-forced validation accuracy {}",
        r[2].valid_acc
    );
    let other = train::train(
        &TrainConfig {
            seed: 6,
            ..cfg.clone()
        },
        tr,
        &va,
        &stop,
        |_, _, _| {},
        |_, _| {},
    );
    assert_ne!(other.model, a.model);
}

#[test]
fn embedded_model_meets_the_quality_goals_on_validation() {
    let Some(dir) = chorales_for_test("embedded_model_meets_the_quality_goals_on_validation")
    else {
        return;
    };
    let (_, va) = data(&dir);
    let (model, _) = altus_core::embedded::default_alto();
    let mut m = Metrics::default();
    let mut bach = Metrics::default();
    for s in &va {
        m.add(&eval::score(
            s,
            &eval::generate(&model, s, eval::EVAL_DECODE),
        ));
        bach.add(&eval::score(s, &eval::bach(s)));
    }
    // The goals of the model issue, free-running and causal.
    assert!(m.agreement() >= 0.35, "agreement {}", m.agreement());
    assert!(
        m.parallels_per_100() <= 0.3,
        "parallels {}",
        m.parallels_per_100()
    );
    assert!(
        m.crossing_rate() <= 0.002,
        "crossings {}",
        m.crossing_rate()
    );
    let ratio = m.mean_note_length() / bach.mean_note_length();
    assert!(
        (0.75..=1.25).contains(&ratio),
        "note length {} vs Bach {}",
        m.mean_note_length(),
        bach.mean_note_length()
    );
    assert!(m.coverage() >= 0.99, "coverage {}", m.coverage());
}

#[test]
fn the_embedded_models_card_is_what_eval_measures_now() {
    let Some(dir) = chorales_for_test("the_embedded_models_card_is_what_eval_measures_now") else {
        return;
    };
    let (_, va) = data(&dir);
    let (model, meta) = altus_core::embedded::default_alto();
    let recorded = &meta.info["validation"];
    let mut m = Metrics::default();
    for s in &va {
        m.add(&eval::score(
            s,
            &eval::generate(&model, s, eval::EVAL_DECODE),
        ));
    }
    // The figures `altus train` wrote into the file when the model was made, on the same split.
    let agreement = recorded["free_running_agreement"].as_f64().unwrap();
    let parallels = recorded["parallels_per_100_moves"].as_f64().unwrap();
    assert_eq!(meta.info["data"]["valid_files"], va.len());
    assert!(
        (m.agreement() - agreement).abs() < 0.005,
        "card {agreement}, now {}",
        m.agreement()
    );
    assert!(
        (m.parallels_per_100() - parallels).abs() < 0.05,
        "card {parallels}, now {}",
        m.parallels_per_100()
    );
}

#[test]
fn metrics_catch_parallels_and_crossings() {
    // A hand-made two-voice line: soprano C5 D5 E5 F5 against F4 G4 (parallel fifths),
    // then G5 (above the soprano: a crossing), then F4.
    let seq = Sequence {
        file: "x".into(),
        key: altus_core::Key::new(0, altus_core::Mode::Major),
        beat: 4,
        soprano: vec![Some(72), Some(74), Some(76), Some(77)],
        soprano_onset: vec![true; 4],
        alto: vec![Some(65), Some(67), Some(67), Some(65)],
        alto_onset: vec![true, true, false, true],
        bar_pos: vec![0, 4, 8, 12],
    };
    let line = eval::AltoLine {
        pitch: vec![Some(65), Some(67), Some(79), Some(65)],
        onset: vec![true; 4],
    };
    let m = eval::score(&seq, &line);
    assert_eq!((m.moves, m.parallels, m.crossings, m.notes), (3, 1, 1, 4));
    assert_eq!((m.both, m.agree), (4, 3));
    // Bach's own line here: one move into G4 (parallel), a hold, and a move back.
    let b = eval::score(&seq, &eval::bach(&seq));
    assert_eq!((b.agree, b.notes, b.alto_steps), (4, 3, 4));
}

#[test]
fn generation_is_causal() {
    // Changing the future soprano never changes the alto already written.
    let Some(dir) = chorales_for_test("generation_is_causal") else {
        return;
    };
    let (_, va) = data(&dir);
    let model = AltoModel::init(
        ModelConfig {
            cell: CellKind::Lstm,
            hidden: 32,
            layers: 2,
        },
        3,
    );
    let s = &va[0];
    let full = eval::generate(&model, s, DecodeOptions::default());
    let mut cut = s.clone();
    let half = s.len() / 2;
    for p in &mut cut.soprano[half..] {
        *p = p.map(|p| p + 2);
    }
    let changed = eval::generate(&model, &cut, DecodeOptions::default());
    assert_eq!(full.pitch[..half], changed.pitch[..half]);
    assert_ne!(full.pitch[half..], changed.pitch[half..]);
}
