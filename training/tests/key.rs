//! The key classifier on real data: it beats Krumhansl–Schmuckler on the validation split, on
//! full scores and on sopranos alone; training is deterministic; the CLI names a file's key.

use altus_core::music::key::classifier::KeyClassifier;
use altus_training::data::dataset::{self, Options};
use altus_training::key::{eval as key_eval, train as keytrain};
use testkit::chorales_for_test;

mod common;
use common::{altus, tmp};

#[test]
fn embedded_classifier_beats_krumhansl_schmuckler() {
    let Some(dir) = chorales_for_test("embedded_classifier_beats_krumhansl_schmuckler") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let split = dataset::split(&ds.chorales, 0);
    let valid: Vec<_> = split.valid.iter().map(|&i| &ds.chorales[i]).collect();
    let (k, meta) = altus_core::embedded::default_key();
    assert_eq!(meta.kind, "key");
    for soprano in [false, true] {
        let ex = keytrain::examples(&valid, soprano, true);
        let (mlp_key, mlp_mode) = key_eval::accuracy(&ex, |h| k.classify(h, None).0);
        let (ks_key, ks_mode) = key_eval::accuracy(&ex, |h| h.krumhansl_schmuckler());
        assert!(
            mlp_key > ks_key && mlp_mode >= ks_mode,
            "soprano={soprano}: MLP {mlp_key}/{mlp_mode} vs KS {ks_key}/{ks_mode}"
        );
        if !soprano {
            assert!(mlp_mode >= 0.95, "mode accuracy on full scores {mlp_mode}");
        }
    }
}

#[test]
fn training_is_deterministic_and_files_round_trip() {
    let Some(dir) = chorales_for_test("training_is_deterministic_and_files_round_trip") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let some: Vec<_> = ds.chorales.iter().take(60).collect();
    let ex = keytrain::examples(&some, false, true);
    let a = keytrain::train(&ex, 8, 3, 1);
    assert_eq!(a, keytrain::train(&ex, 8, 3, 1));
    let meta = altus_core::music::key::classifier::KeyMeta {
        format: 1,
        kind: "key".into(),
        hidden: 8,
        info: serde_json::Value::Null,
    };
    let bytes = a.to_bytes(&meta).unwrap();
    assert_eq!(KeyClassifier::from_bytes(&bytes).unwrap().0, a);
    // An alto model is not a key classifier.
    let e = KeyClassifier::from_bytes(altus_core::embedded::DEFAULT_HARMONY)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not a key classifier") || e.contains("unreadable"),
        "{e}"
    );
}

#[test]
fn cli_names_the_key_of_a_file() {
    let Some(dir) = chorales_for_test("cli_names_the_key_of_a_file") else {
        return;
    };
    let f = dir.join("003604b2.mid");
    let (ok, out, err) = altus(&["key", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains(": D ("), "{out}");
    let d = tmp("key");
    let bad = d.join("bad.mid");
    std::fs::write(&bad, b"nope").unwrap();
    let (ok, _, err) = altus(&["key", bad.to_str().unwrap()]);
    assert!(
        !ok && err.contains("bad.mid") && err.lines().count() == 1,
        "{err}"
    );
    let (ok, _, err) = altus(&[
        "key",
        "train",
        "--out",
        d.join("k.safetensors").to_str().unwrap(),
        "--hidden",
        "0",
    ]);
    assert!(!ok && err.contains("--hidden 0"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}
