//! Weight files: round trips for every cell, and every kind of bad file gives a clear error.

use altus_core::harmony::features::{FEATURE_VERSION, INPUTS};
use altus_core::harmony::format::{self as weights, FORMAT_VERSION, WeightsMeta};
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig};

fn meta(config: ModelConfig) -> WeightsMeta {
    WeightsMeta {
        leading: Default::default(),
        format: FORMAT_VERSION,
        feature_version: FEATURE_VERSION,
        kind: "harmony".into(),
        config,
        info: serde_json::json!({"note": "test"}),
    }
}

fn err(bytes: &[u8]) -> String {
    weights::from_bytes(bytes)
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn every_cell_round_trips() {
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for layers in [1, 2] {
            let cfg = ModelConfig::new(cell, 6, layers);
            let m = HarmonyModel::init(cfg, 9);
            let bytes = weights::to_bytes(&m, &meta(cfg)).unwrap();
            let (back, md) = weights::from_bytes(&bytes).unwrap();
            // Loading makes the step's half-size copies where the CPU reads them: so must `m`.
            let mut m = m;
            m.use_half();
            assert_eq!(back, m, "{cell:?} × {layers}");
            assert_eq!(md, meta(cfg));
        }
    }
}

#[test]
fn bad_files_name_the_problem() {
    let cfg = ModelConfig::new(CellKind::Lstm, 6, 1);
    let m = HarmonyModel::init(cfg, 1);
    let good = weights::to_bytes(&m, &meta(cfg)).unwrap();
    assert!(err(b"").contains("not a safetensors file"));
    assert!(
        err(&good[..good.len() / 2]).contains("corrupt tensors")
            || err(&good[..good.len() / 2]).contains("not a safetensors")
    );
    assert!(err(&good[..20]).contains("not a safetensors"));
    // Metadata claims another shape than the tensors have.
    let lie = weights::to_bytes(&m, &meta(ModelConfig { hidden: 8, ..cfg })).unwrap();
    let e = err(&lie);
    let (want, have) = (format!("[32, {INPUTS}]"), format!("[24, {INPUTS}]"));
    assert!(
        e.contains("lstm.weight_ih_l0") && e.contains(&want) && e.contains(&have),
        "{e}"
    );
    // Metadata for a 2-layer model, tensors for one.
    let e = err(&weights::to_bytes(&m, &meta(ModelConfig { layers: 2, ..cfg })).unwrap());
    assert!(e.contains("lstm.weight_ih_l1 is missing"), "{e}");
    let e = err(&weights::to_bytes(
        &m,
        &WeightsMeta {
            feature_version: 99,
            ..meta(cfg)
        },
    )
    .unwrap());
    assert!(e.contains("feature spec 99"), "{e}");
    let e = err(&weights::to_bytes(
        &m,
        &WeightsMeta {
            leading: Default::default(),
            format: 7,
            ..meta(cfg)
        },
    )
    .unwrap());
    assert!(e.contains("format 7"), "{e}");
    let mut nan = m.clone();
    nan.head.b[0] = f32::NAN;
    assert!(err(&weights::to_bytes(&nan, &meta(cfg)).unwrap()).contains("NaN"));
    // A safetensors file from somewhere else (no Altus metadata).
    let plain = safetensors::serialize(
        Vec::<(String, safetensors::tensor::TensorView)>::new(),
        None,
    )
    .unwrap();
    assert!(err(&plain).contains("no Altus metadata"));
}

#[test]
fn load_names_the_file() {
    let dir = std::env::temp_dir().join(format!("altus-w-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("broken.safetensors");
    std::fs::write(&p, b"garbage!").unwrap();
    let e = weights::load(&p).unwrap_err().to_string();
    assert!(
        e.contains("broken.safetensors") && e.contains("not a safetensors"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_embedded_default_model_is_valid() {
    let (m, meta) = altus_core::embedded::default_harmony();
    assert_eq!(meta.feature_version, FEATURE_VERSION);
    assert_eq!(meta.kind, "harmony");
    assert!(
        altus_core::embedded::DEFAULT_HARMONY.len() < 4 << 20,
        "under 4 MB"
    );
    // Written back, it is the same file's weights.
    let again = weights::to_bytes(&m, &meta).unwrap();
    assert_eq!(weights::from_bytes(&again).unwrap().0, m);
    // Its card (checked against a fresh evaluation in training/tests/model.rs) has all voices.
    for voice in ["alto", "tenor", "bass"] {
        let v = &meta.info["validation"][voice]["free_running_agreement"];
        assert!(v.as_f64().is_some_and(|a| a > 0.3), "{voice}: {v}");
    }
}
