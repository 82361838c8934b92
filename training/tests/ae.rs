//! The melody autoencoder on real data: it learns to reconstruct validation windows, and the CLI
//! trains, reconstructs a chorale, and refuses melodies shorter than a window.

use altus_core::melody::WINDOW;
use altus_training::aetrain;
use altus_training::dataset::{self, Options};
use altus_training::sequences::Sequence;
use testkit::chorales_for_test;

mod common;
use common::{altus, tmp};

#[test]
fn learns_to_reconstruct_validation_windows() {
    let Some(dir) = chorales_for_test("learns_to_reconstruct_validation_windows") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let split = dataset::split(&ds.chorales, 0);
    let seqs = |ix: &[usize]| {
        ix.iter()
            .map(|&i| Sequence::from_chorale(&ds.chorales[i]))
            .collect::<Vec<_>>()
    };
    let (tr, va) = (
        aetrain::windows(&seqs(&split.train), 16),
        aetrain::windows(&seqs(&split.valid), WINDOW),
    );
    let mut accs = Vec::new();
    let cfg = aetrain::AeConfig {
        hidden: 128,
        latent: 32,
        epochs: 3,
        seed: 0,
        vae: None,
    };
    let ae = aetrain::train(&tr, &va, cfg, |_, _, acc| accs.push(acc));
    assert!(
        accs[2] > accs[0] && accs[2] > 0.8,
        "validation reconstruction {accs:?}"
    );
    assert_eq!(aetrain::accuracy(&ae, &va), accs[2]);
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
    let (ok, out, err) = altus(&[
        "ae",
        "train",
        "--data",
        &s(&corpus),
        "--out",
        &s(&m),
        "--hidden",
        "32",
        "--latent",
        "8",
        "--epochs",
        "1",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("validation reconstruction"), "{out}");
    let rec = d.join("rec.mid");
    let (ok, out, err) = altus(&[
        "ae",
        "reconstruct",
        &s(&corpus.join("000206b_.mid")),
        &s(&rec),
        "--model",
        &s(&m),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("8 windows"), "{out}");
    let score = altus_core::midi::read_file(&rec).unwrap();
    assert_eq!(score.parts[0].name.as_deref(), Some("Soprano"));
    // A melody of one bar is shorter than a 2-bar window.
    let short = d.join("short.mid");
    let mut g = altus_core::Grid::from_score(
        &altus_core::midi::read_file(&corpus.join("000206b_.mid")).unwrap(),
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
