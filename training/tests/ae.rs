//! The melody autoencoder on real data: it learns to reconstruct validation windows, and the CLI
//! trains, reconstructs a chorale, and refuses melodies shorter than a window.

use altus_training::data::dataset::{self, Options};
use altus_training::data::sequences::Sequence;
use altus_training::melody::train as aetrain;
use altus_training::melody::window::WINDOW;
use std::sync::atomic::AtomicBool;
use testkit::chorales_for_test;

mod common;
use common::{altus, altus_line, tmp};

#[test]
fn learns_to_reconstruct_validation_windows() {
    let Some(dir) = chorales_for_test("learns_to_reconstruct_validation_windows") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let split = dataset::split(&ds.chorales, 0);
    let (train, select) = dataset::carve_selection(&ds.chorales, &split.train, 0);
    let seqs = |ix: &[usize]| {
        ix.iter()
            .map(|&i| Sequence::from_chorale(&ds.chorales[i]))
            .collect::<Vec<_>>()
    };
    let (tr, sel, va) = (
        aetrain::windows(&seqs(&train), 16),
        aetrain::windows(&seqs(&select), WINDOW),
        aetrain::windows(&seqs(&split.valid), WINDOW),
    );
    let cfg = aetrain::AeConfig {
        hidden: 128,
        latent: 32,
        epochs: 3,
        seed: 0,
        vae: None,
    };
    let mut accs = Vec::new();
    let stop = AtomicBool::new(false);
    let run = aetrain::train(&tr, &sel, cfg, &stop, |e, _| accs.push(e.select.accuracy));
    // Measured 2026-12-01: 39.1%, 63.8%, 75.8%.
    assert!(
        accs[2] > accs[1] && accs[1] > accs[0] && accs[2] > 0.7,
        "selection reconstruction {accs:?}"
    );
    // The inference path (core's encode and decode, one window at a time) reconstructs the
    // validation windows exactly as the batched training forward scores them.
    let by_inference = va
        .iter()
        .map(|w| {
            let back = run.ae.decode(&run.ae.encode(w));
            w.class
                .iter()
                .zip(&back.class)
                .filter(|(a, b)| a == b)
                .count()
        })
        .sum::<usize>() as f64
        / (va.len() * WINDOW) as f64;
    let by_training = aetrain::evaluate(&run.ae, &va).accuracy;
    assert!(
        (by_inference - by_training).abs() < 1e-9 && by_inference > 0.7,
        "{by_inference} vs {by_training}"
    );
}

#[test]
fn cli_trains_reconstructs_and_refuses_short_melodies() {
    let Some(corpus) = chorales_for_test("cli_trains_reconstructs_and_refuses_short_melodies")
    else {
        return;
    };
    let d = tmp("ae");
    let m = d.join("ae.safetensors");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (ok, out, err) = altus_line(&format!(
        "ae train --data {} --out {} --hidden 32 --latent 8 --epochs 1",
        s(&corpus),
        s(&m)
    ));
    assert!(ok, "{err}");
    assert!(out.contains("validation reconstruction"), "{out}");
    let rec = d.join("rec.mid");
    let (ok, out, err) = altus_line(&format!(
        "ae reconstruct {} {} --model {}",
        s(&corpus.join("000206b_.mid")),
        s(&rec),
        s(&m)
    ));
    assert!(ok, "{err}");
    assert!(out.contains("8 windows"), "{out}");
    let score = altus_core::music::midi::read_file(&rec).unwrap();
    assert_eq!(score.parts[0].name.as_deref(), Some("Soprano"));
    // A melody of one bar is shorter than a 2-bar window.
    let short = d.join("short.mid");
    let mut g = altus_core::Grid::from_score(
        &altus_core::music::midi::read_file(&corpus.join("000206b_.mid")).unwrap(),
    );
    g.voices.truncate(1);
    for v in &mut g.voices {
        v.pitch.truncate(20);
        v.onset.truncate(20);
    }
    g.len = 20;
    g.to_midi().write(&short).unwrap();
    let (ok, _, err) = altus(&["ae", "reconstruct", &s(&short), &s(&rec), "--model", &s(&m)]);
    assert!(
        !ok && err.contains("shorter than one 32-step window") && err.lines().count() == 1,
        "{err}"
    );
    let (ok, _, err) = altus(&[
        "ae",
        "reconstruct",
        &s(&short),
        &s(&rec),
        "--model",
        &s(&short),
    ]);
    assert!(!ok && err.contains("short.mid"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}
