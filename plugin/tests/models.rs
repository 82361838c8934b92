//! User models: found through `ALTUS_MODEL`, read and validated once (at the first activation,
//! so they play from the first block); a bad file, or the offline lookahead model, keeps the
//! embedded model and says why; a model swapped in mid-song ends the sounding alto.

mod common;

use altus_plugin::models;
use altus_plugin::realtime::Owner;
use common::{VoiceRun, default_settings, playing_at};

#[test]
fn user_models_are_validated_and_bad_ones_keep_the_embedded_model() {
    let dir = std::env::temp_dir().join(format!("altus-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("harmony.safetensors");
    std::fs::write(&good, altus_core::embedded::DEFAULT_HARMONY).unwrap();
    let bad = dir.join("bad.safetensors");
    std::fs::write(&bad, b"not a model").unwrap();

    // SAFETY: the only test in this binary that touches the environment, before any thread reads it.
    unsafe { std::env::set_var("ALTUS_MODEL", &good) };
    assert_eq!(models::user_model_path(), Some(good.clone()));
    let (m, note) = models::initial_model();
    assert!(
        note.contains("using the model") && note.contains("harmony.safetensors"),
        "{note}"
    );
    assert_eq!(*m, altus_core::embedded::default_harmony().0);

    unsafe { std::env::set_var("ALTUS_MODEL", &bad) };
    let (m, note) = models::initial_model();
    assert!(
        note.contains("the embedded model plays")
            && note.contains("bad.safetensors")
            && note.contains("not a safetensors"),
        "{note}"
    );
    assert_eq!(*m, altus_core::embedded::default_harmony().0);

    // The offline lookahead model needs the melody's future: refused, with the reason.
    let ahead = dir.join("lookahead.safetensors");
    std::fs::write(&ahead, altus_core::embedded::DEFAULT_LOOKAHEAD).unwrap();
    let err = models::load(&ahead)
        .err()
        .expect("a lookahead model is refused");
    assert!(
        err.contains("lookahead.safetensors") && err.contains("plays causal models only"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_model_swapped_in_mid_note_ends_the_sounding_voices() {
    let mut run = VoiceRun::new(default_settings(), 64);
    run.block(&playing_at(0, 120.0), &[(0, 72, true)]);
    assert!((0..3).all(|v| run.voice.voice_note(v).is_some()));
    let loaded = models::embedded().0;
    let out = &mut run.out;
    let _old = run.voice.swap_model(loaded.model, loaded.state, &mut |n| {
        out.push(common::record(64, n));
        true
    });
    assert!((0..3).all(|v| run.voice.voice_note(v).is_none()));
    assert_eq!(run.voice.ledger().count(Owner::Voice), 0);
    // Three note-offs at the swap, one per voice's channel.
    let offs: Vec<u8> = run
        .out
        .iter()
        .filter(|o| o.0 == 64 && !o.2)
        .map(|o| o.3)
        .collect();
    assert_eq!(offs, [1, 2, 3], "{:?}", run.out);
}
