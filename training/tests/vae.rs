//! The melody VAE from the command line on real chorales: training writes the latent chart,
//! morphing reconstructs both ends and stays in key, sampling writes melodies, and a morph
//! feeds `altus harmonize` directly.

use testkit::chorales_for_test;

mod common;
use common::{altus, tmp};

#[test]
fn train_morph_sample_and_harmonize_the_morph() {
    let Some(corpus) = chorales_for_test("train_morph_sample_and_harmonize_the_morph") else {
        return;
    };
    let d = tmp("vae");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let m = d.join("vae.safetensors");
    let (ok, out, err) = altus(&[
        "vae",
        "train",
        "--data",
        &s(&corpus),
        "--out",
        &s(&m),
        "--hidden",
        "128",
        "--latent",
        "16",
        "--epochs",
        "4",
        "--warmup",
        "2",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("KL"), "{out}");
    assert_eq!(
        &std::fs::read(d.join("latent.png")).unwrap()[..4],
        b"\x89PNG"
    );
    let (a, b) = (corpus.join("000206b_.mid"), corpus.join("003604b2.mid"));
    let dir = d.join("morph");
    let (ok, out, err) = altus(&[
        "morph",
        &s(&a),
        &s(&b),
        "--steps",
        "5",
        "--out",
        &s(&dir),
        "--model",
        &s(&m),
    ]);
    assert!(ok, "{err}");
    let pct = |label: &str| -> f64 {
        let line = out
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label} in {out}"));
        line.rsplit(": ")
            .next()
            .unwrap()
            .trim_end_matches("% of steps")
            .parse()
            .unwrap()
    };
    assert!(
        pct("reconstructs A") > 75.0 && pct("reconstructs B") > 75.0,
        "{out}"
    );
    for k in 0..5 {
        assert!(dir.join(format!("morph-{k:02}.mid")).exists());
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("step {k:>2}: out of key")))
            .unwrap();
        let ook: f64 = line
            .split("out of key ")
            .nth(1)
            .unwrap()
            .split('%')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(ook < 15.0, "{line}");
    }
    assert!(dir.join("morph-all.mid").exists());
    // The chain: a morph step harmonized like any melody.
    let alto = d.join("alto.mid");
    let (ok, out, err) = altus(&["harmonize", &s(&dir.join("morph-02.mid")), &s(&alto)]);
    assert!(ok, "{err}");
    assert!(out.contains("alto notes"), "{out}");
    let score = altus_core::midi::read_file(&alto).unwrap();
    assert_eq!(score.parts.len(), 2);
    // Sampling needs a VAE and writes the melodies asked for.
    let (ok, _, err) = altus(&[
        "vae",
        "sample",
        "--n",
        "3",
        "--out",
        &s(&d.join("samples")),
        "--model",
        &s(&m),
    ]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_dir(d.join("samples")).unwrap().count(), 3);
    let (ok, _, err) = altus(&[
        "morph",
        &s(&a),
        &s(&b),
        "--steps",
        "1",
        "--out",
        &s(&dir),
        "--model",
        &s(&m),
    ]);
    assert!(!ok && err.contains("--steps 1"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}
