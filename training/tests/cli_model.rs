//! `altus train`, `eval` and `harmonize` as a user runs them.

use altus_core::music::midi;
use altus_core::{Grid, Voice};
use std::path::Path;
use testkit::chorales_for_test;
use testkit::fuzz::{smf, vlq};
mod common;
use common::{altus, altus_line, melody, tmp};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn harmonize_a_melody_from_another_tool() {
    let d = tmp("melody");
    let (inp, out) = (d.join("tune.mid"), d.join("tune-alto.mid"));
    melody(&inp);
    let (ok, stdout, err) = altus(&["harmonize", s(&inp), s(&out)]);
    assert!(ok, "{err}");
    assert!(stdout.contains("key G (auto)"), "{stdout}");
    assert!(
        stdout.contains("4/4 with a 4-step pickup (estimated)"),
        "{stdout}"
    );
    let score = midi::read_file(&out).unwrap();
    assert_eq!(score.tpq, 96);
    let names: Vec<_> = score
        .parts
        .iter()
        .map(|p| p.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["Soprano", "Alto"]);
    let input = midi::read_file(&inp).unwrap();
    assert_eq!(
        score.parts[0].notes, input.parts[0].notes,
        "the soprano keeps its timing"
    );
    check_alto_under_soprano(&score);
    assert!(
        Grid::from_score(&score).key_sig.is_some(),
        "the estimated key is written"
    );
    // Deterministic at temperature 0; reproducible with a seed when sampling.
    let again = d.join("again.mid");
    altus(&["harmonize", s(&inp), s(&again)]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    let (t1, t2) = (d.join("t1.mid"), d.join("t2.mid"));
    for t in [&t1, &t2] {
        altus(&[
            "harmonize",
            s(&inp),
            s(t),
            "--temperature",
            "1",
            "--seed",
            "4",
        ]);
    }
    assert_eq!(std::fs::read(&t1).unwrap(), std::fs::read(&t2).unwrap());
    // The whole melody known: the lookahead model writes other voices in the same form.
    let ahead = d.join("ahead.mid");
    let (ok, stdout, err) = altus(&[
        "harmonize",
        s(&inp),
        s(&ahead),
        "--voices",
        "satb",
        "--lookahead",
    ]);
    assert!(ok && stdout.contains("key G (auto)"), "{err}");
    let satb = d.join("satb.mid");
    assert!(altus(&["harmonize", s(&inp), s(&satb), "--voices", "satb"]).0);
    let (a, c) = (
        midi::read_file(&ahead).unwrap(),
        midi::read_file(&satb).unwrap(),
    );
    assert_eq!(a.parts.len(), 4);
    assert_eq!(a.parts[0].notes, c.parts[0].notes, "the same soprano");
    assert_ne!(
        a.parts[1..].iter().map(|p| &p.notes).collect::<Vec<_>>(),
        c.parts[1..].iter().map(|p| &p.notes).collect::<Vec<_>>(),
        "the lookahead model hears where the melody goes"
    );
    // The pickup can be given; the key too.
    let (ok, stdout, _) = altus(&["harmonize", s(&inp), s(&t2), "--pickup", "0", "--key", "Em"]);
    assert!(
        ok && stdout.contains("0-step pickup (given)") && stdout.contains("key Em"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// An alto under every soprano step, never above it; every alto note-on on a soprano note-on
/// or on the 16th grid (96 tpq: 24 ticks).
fn check_alto_under_soprano(score: &altus_core::Score) {
    let g = Grid::from_score(score);
    let (sop, alto) = (
        g.voice(Voice::Soprano).unwrap(),
        g.voice(Voice::Alto).unwrap(),
    );
    for t in 0..g.len {
        if let Some(p) = sop.pitch[t] {
            let a =
                alto.pitch[t].unwrap_or_else(|| panic!("an alto under every soprano step ({t})"));
            assert!(a <= p, "no crossing at {t}");
        }
    }
    // Every soprano note-on has an alto sounding at that tick, and alto note-ons fall on
    // soprano note-ons or on the 16th grid.
    let on_ticks: Vec<u64> = score.parts[0].notes.iter().map(|n| n.start.0).collect();
    for n in &score.parts[1].notes {
        assert!(
            on_ticks.contains(&n.start.0) || n.start.0 % 24 == 0,
            "{n:?}"
        );
    }
}

#[test]
fn harmonize_refuses_bad_input_with_one_line() {
    let d = tmp("bad");
    let (inp, out) = (d.join("tune.mid"), d.join("o.mid"));
    melody(&inp);
    std::fs::write(d.join("empty.mid"), b"").unwrap();
    std::fs::write(d.join("bad.safetensors"), b"nonsense").unwrap();
    // A folder cannot be made under a file: the output path is unwritable.
    let (empty, bad, nodir) = (
        d.join("empty.mid"),
        d.join("bad.safetensors"),
        d.join("tune.mid/sub/o.mid"),
    );
    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["harmonize", s(&empty), s(&out)], "empty.mid"),
        (
            vec!["harmonize", s(&inp), s(&out), "--key", "H"],
            "unknown key",
        ),
        (
            vec!["harmonize", s(&inp), s(&out), "--model", s(&bad)],
            "bad.safetensors",
        ),
        (
            vec!["harmonize", s(&inp), s(&out), "--temperature=-1"],
            "--temperature",
        ),
        (vec!["harmonize", s(&inp), s(&nodir)], "o.mid"),
    ];
    for (args, want) in cases {
        let (ok, _, err) = altus(&args);
        assert!(!ok, "{args:?}");
        assert!(
            err.contains(want) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    assert!(!out.exists(), "nothing half-written");
    std::fs::remove_dir_all(&d).unwrap();
}

/// The card of a refit: the four-part files (313), split 90/10 by melody, every training file
/// trained on at the end (the selection split too); validation figures per voice.
fn check_card(info: &serde_json::Value) {
    let data = &info["data"];
    assert_eq!(
        (&data["valid_files"], &data["selection_files"]),
        (&31.into(), &0.into())
    );
    assert_eq!(data["train_files"], 313 - 31);
    assert_eq!(info["training"]["refit_on_all_training_files"], true);
    assert!(info["selection"]["leading_goals_missed"].is_array());
    for voice in ["alto", "tenor", "bass"] {
        assert!(info["validation"][voice]["free_running_agreement"].is_number());
    }
}

/// `altus eval`: a table per voice, a motion table per voice and the voice-leading table, the
/// model (with its voice-leading preferences and without) beside Bach and the baselines; the
/// figures the card recorded at training are what eval of the saved file prints.
fn check_eval(model: &Path, corpus: &Path, card: &serde_json::Value) {
    let (ok, stdout, err) = altus(&["eval", "--model", s(model), "--data", s(corpus)]);
    assert!(ok, "{err}");
    for row in [
        "alto (free-running)",
        "tenor (free-running)",
        "bass (free-running)",
        "alto motion",
        "bass motion",
        "voice leading (all six pairs)",
        "\ntiny ",
        "\ntiny, no leading ",
        "\nBach ",
        "lookup (mode, soprano)",
        "lookup + previous soprano",
        "diatonic third below (alto)",
    ] {
        assert!(stdout.contains(row), "{row}: {stdout}");
    }
    for voice in ["alto", "tenor", "bass"] {
        // The "tiny" row of the voice's agreement table: its first figure.
        let table = stdout
            .split(&format!("{voice} (free-running)"))
            .nth(1)
            .unwrap();
        let row = table.lines().find(|l| l.starts_with("tiny ")).unwrap();
        let printed: f64 = row
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_end_matches('%')
            .parse()
            .unwrap();
        let recorded = 100.0 * card[voice]["free_running_agreement"].as_f64().unwrap();
        assert!(
            (printed - recorded).abs() <= 0.051,
            "{voice}: the card says {recorded:.2}%, eval of the saved file {printed}%"
        );
    }
}

/// `altus harmonize --voices alto|satb`: Soprano and Alto tracks, or all four.
fn check_harmonize(model: &Path, corpus: &Path, out: &Path) {
    for (voices, tracks) in [("alto", 2), ("satb", 4)] {
        let input = corpus.join("000206b_.mid");
        let args = [
            "harmonize",
            s(&input),
            s(out),
            "--model",
            s(model),
            "--voices",
            voices,
        ];
        let (ok, stdout, err) = altus(&args);
        assert!(ok, "{err}");
        assert_eq!(stdout.matches(" notes").count(), tracks, "{stdout}");
        let score = altus_core::music::midi::read_file(out).unwrap();
        let names: Vec<String> = score
            .parts
            .iter()
            .map(|p| p.name.clone().unwrap_or_default())
            .collect();
        let want = ["Soprano", "Alto", "Tenor", "Bass"].map(String::from);
        assert_eq!(names, want[..tracks], "{voices}");
    }
    // A causal model is no lookahead model: one clear line, nothing written.
    let _ = std::fs::remove_file(out);
    let input = corpus.join("000206b_.mid");
    let (ok, _, err) = altus(&[
        "harmonize",
        s(&input),
        s(out),
        "--model",
        s(model),
        "--lookahead",
    ]);
    assert!(!ok && err.lines().count() == 1, "{err}");
    assert!(
        err.contains("a causal model, but a lookahead one was asked for"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn train_then_eval_then_harmonize() {
    let Some(corpus) = chorales_for_test("train_then_eval_then_harmonize") else {
        return;
    };
    let d = tmp("train");
    let model = d.join("tiny.safetensors");
    // Bass first: the within-step conditioning table must reach the file too. Preferences
    // chosen on two folds (a second model is trained on the other files for the second fold),
    // then the saved model trained again on every training file (the default after folds).
    let (ok, stdout, err) = altus_line(&format!(
        "train --data {} --out {} --cell gru --hidden 16 --epochs 2 --seed 1 --order bass-first --tune-folds 2",
        s(&corpus),
        s(&model)
    ));
    assert!(ok, "{err}");
    assert!(stdout.contains("epoch   2"), "{stdout}");
    assert!(
        stdout.contains("fold 2    trained on 254 files"),
        "{stdout}"
    );
    assert!(
        stdout.contains("on 2 fold(s) of the training files (56 files)"),
        "{stdout}"
    );
    // The log is the saved model's: the refit's epochs (at most the 2 asked for).
    let log = std::fs::read_to_string(d.join("tiny.train-log.csv")).unwrap();
    assert!((2..=3).contains(&log.lines().count()), "{log}");
    assert!(log.starts_with("epoch,train_loss"));
    assert_eq!(
        &std::fs::read(d.join("tiny.loss.png")).unwrap()[..4],
        b"\x89PNG"
    );
    let (m, meta) = altus_core::harmony::format::load(&model).unwrap();
    assert_eq!(m.config.hidden, 16);
    check_card(&meta.info);
    assert_eq!(meta.info["selection"]["leading_folds"], 2);
    assert!(!m.cond.is_empty() && m.cond.iter().any(|&w| w != 0.0));
    check_eval(&model, &corpus, &meta.info["validation"]);
    check_harmonize(&model, &corpus, &d.join("h.mid"));
    let (ok, _, err) = altus(&[
        "train",
        "--data",
        s(&corpus),
        "--out",
        s(&model),
        "--hidden",
        "0",
    ]);
    assert!(
        !ok && err.contains("--hidden 0") && err.lines().count() == 1,
        "{err}"
    );
    let (ok, _, err) = altus_line(&format!(
        "train --data {} --out {} --tune-folds 11",
        s(&corpus),
        s(&model)
    ));
    assert!(
        !ok && err.contains("--tune-folds 11: expected 1 to 10") && err.lines().count() == 1,
        "{err}"
    );
    // A teacher must give the trained model's inputs and independent voices, and say so first.
    let lookahead =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/models/harmony-lookahead.safetensors");
    for (teacher, why) in [
        (model.as_path(), "independently"),
        (lookahead.as_path(), "other inputs"),
    ] {
        let out = d.join("distilled.safetensors");
        let (ok, stdout, err) = altus(&[
            "train",
            "--data",
            s(&corpus),
            "--out",
            s(&out),
            "--teacher",
            s(teacher),
        ]);
        assert!(
            !ok && err.contains(why) && err.contains(s(teacher)),
            "{err}"
        );
        assert!(
            err.lines().count() == 1 && stdout.is_empty() && !out.exists(),
            "{err}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn harmonize_a_melody_that_starts_after_a_metre_change() {
    // Found by the fuzz tests: 4/4, then 12/8 from step 4, the melody starting on the 20th 16th
    // of a 12/8 bar (a position past the end of a 4/4 bar) made the summary underflow.
    let d = tmp("metre");
    let (inp, out) = (d.join("m.mid"), d.join("o.mid"));
    // 4/4, then after one quarter 12/8; the notes from 20 8ths later, a quarter each.
    let mut track = vec![0x00, 0xFF, 0x58, 0x04, 4, 2, 24, 8];
    track.extend(vlq(96));
    track.extend([0xFF, 0x58, 0x04, 12, 3, 24, 8]);
    let mut delta = 20 * 24;
    for k in [67u8, 69, 71, 72, 74, 72, 71, 69, 67] {
        track.extend(vlq(delta));
        track.extend([0x90, k, 90]);
        track.extend(vlq(96));
        track.extend([0x80, k, 0]);
        delta = 0;
    }
    track.extend([0x00, 0xFF, 0x2F, 0x00]);
    std::fs::write(&inp, smf(0, 96, &[track])).unwrap();
    let (ok, stdout, err) = altus(&["harmonize", s(&inp), s(&out)]);
    assert!(ok, "{err}");
    assert!(
        stdout.contains("12/8 with a 4-step pickup (from the file)"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}
