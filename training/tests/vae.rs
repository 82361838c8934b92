//! The melody VAE from the command line on real chorales: training writes the latent chart,
//! morphing reconstructs both ends and stays in key, sampling writes melodies, and a morph
//! feeds `altus harmonize` directly.

use testkit::chorales_for_test;

mod common;
use common::{altus, altus_line, tmp};

#[test]
fn train_morph_sample_and_harmonize_the_morph() {
    let Some(corpus) = chorales_for_test("train_morph_sample_and_harmonize_the_morph") else {
        return;
    };
    let d = tmp("vae");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let m = d.join("vae.safetensors");
    let (ok, out, err) = altus_line(&format!(
        "vae train --data {} --out {} --hidden 128 --latent 16 --epochs 4 --warmup 2",
        s(&corpus),
        s(&m)
    ));
    assert!(ok, "{err}");
    assert!(out.contains("KL"), "{out}");
    assert_eq!(
        &std::fs::read(d.join("latent.png")).unwrap()[..4],
        b"\x89PNG"
    );
    let (a, b) = (corpus.join("000206b_.mid"), corpus.join("003604b2.mid"));
    let dir = d.join("morph");
    let (ok, out, err) = altus_line(&format!(
        "morph {} {} --steps 5 --out {} --model {}",
        s(&a),
        s(&b),
        s(&dir),
        s(&m)
    ));
    assert!(ok, "{err}");
    check_morph(&out, &dir, 5);
    assert!(dir.join("morph-all.mid").exists());
    // The chain: a morph step harmonized like any melody.
    let alto = d.join("alto.mid");
    let (ok, out, err) = altus(&["harmonize", &s(&dir.join("morph-02.mid")), &s(&alto)]);
    assert!(ok, "{err}");
    assert!(out.contains("alto notes"), "{out}");
    let score = altus_core::music::midi::read_file(&alto).unwrap();
    assert_eq!(score.parts.len(), 2);
    // Sampling needs a VAE and writes the melodies asked for.
    let (ok, _, err) = altus_line(&format!(
        "vae sample --n 3 --out {} --model {}",
        s(&d.join("samples")),
        s(&m)
    ));
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_dir(d.join("samples")).unwrap().count(), 3);
    let (ok, _, err) = altus_line(&format!(
        "morph {} {} --steps 1 --out {} --model {}",
        s(&a),
        s(&b),
        s(&dir),
        s(&m)
    ));
    assert!(!ok && err.contains("--steps 1"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// What `altus morph --steps N` printed and wrote: both ends reconstructed on 75% of steps or
/// more, every step's file, under 15% of notes out of key at each step.
fn check_morph(out: &str, dir: &std::path::Path, steps: usize) {
    let number_after = |line: &str, label: &str| -> f64 {
        let rest = line
            .split(label)
            .nth(1)
            .unwrap_or_else(|| panic!("{label} in {line}"));
        rest.trim().split('%').next().unwrap().parse().unwrap()
    };
    let line = |start: &str| {
        out.lines()
            .find(|l| l.contains(start))
            .unwrap_or_else(|| panic!("{start} in {out}"))
            .to_string()
    };
    for end in ["reconstructs A:", "reconstructs B:"] {
        assert!(number_after(&line(end), end) > 75.0, "{out}");
    }
    for k in 0..steps {
        assert!(dir.join(format!("morph-{k:02}.mid")).exists());
        let l = line(&format!("step {k:>2}: out of key"));
        assert!(number_after(&l, "out of key") < 15.0, "{l}");
    }
}

#[test]
fn the_embedded_vae_morphs_and_samples_without_a_model_flag() {
    let Some(corpus) =
        chorales_for_test("the_embedded_vae_morphs_and_samples_without_a_model_flag")
    else {
        return;
    };
    let d = tmp("vae-default");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (a, b) = (corpus.join("001606b_.mid"), corpus.join("003109b_.mid"));
    let dir = d.join("morph");
    let (ok, out, err) = altus(&["morph", &s(&a), &s(&b), "--steps", "8", "--out", &s(&dir)]);
    assert!(ok, "{err}");
    assert!(
        out.contains("reconstructs A") && dir.join("morph-07.mid").exists(),
        "{out}"
    );
    let (ok, _, err) = altus(&["vae", "sample", "--n", "2", "--out", &s(&d.join("s"))]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_dir(d.join("s")).unwrap().count(), 2);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn training_checks_its_output_before_the_work() {
    let d = tmp("vae-out");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let file = d.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    // Under a file no folder can be made: refused at once, before any data is read.
    for cmd in [
        ["vae", "train"],
        ["ae", "train"],
        ["key", "train"],
        ["train", "--hidden"],
    ] {
        let mut args: Vec<String> = cmd.iter().map(|c| c.to_string()).collect();
        if args[0] == "train" {
            args.push("8".into());
        }
        args.extend([
            "--out".into(),
            s(&file.join("sub/m.safetensors")),
            "--data".into(),
            s(&d.join("no-corpus-here")),
        ]);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, _, err) = altus(&argv);
        assert!(
            !ok && err.lines().count() == 1
                && err.contains("a-file/sub")
                && !err.contains("no-corpus-here"),
            "{cmd:?}: {err}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn ctrl_c_keeps_the_best_epoch_of_ae_and_vae_training() {
    let Some(corpus) = chorales_for_test("ctrl_c_keeps_the_best_epoch_of_ae_and_vae_training")
    else {
        return;
    };
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let d = tmp("ctrl-c");
    for kind in ["ae", "vae"] {
        let out = d.join(format!("{kind}.safetensors"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_altus"))
            .args([
                kind,
                "train",
                "--data",
                corpus.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .args(["--hidden", "64", "--epochs", "1000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // After the second epoch, the user presses Ctrl-C.
        let mut seen = Vec::new();
        while let Some(Ok(l)) = lines.next() {
            let epoch = l.starts_with("epoch   2");
            seen.push(l);
            if epoch {
                let pid = child.id().to_string();
                assert!(
                    Command::new("kill")
                        .args(["-INT", &pid])
                        .status()
                        .unwrap()
                        .success()
                );
                break;
            }
        }
        seen.extend(lines.map_while(Result::ok));
        assert!(child.wait().unwrap().success(), "{kind}: {seen:?}");
        let saved = seen
            .iter()
            .find(|l| l.starts_with("saved"))
            .unwrap_or_else(|| panic!("{seen:?}"));
        assert!(
            saved.contains("interrupted") && out.exists(),
            "{kind}: {saved}"
        );
        let (_, meta) = altus_training::melody::autoencoder::Autoencoder::load(&out).unwrap();
        assert!(meta.info["training"]["interrupted"].as_bool().unwrap());
        assert!(meta.info["training"]["best_epoch"].as_u64().unwrap() >= 1);
    }
    std::fs::remove_dir_all(&d).unwrap();
}
