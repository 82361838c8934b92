//! User models: found through `ALTUS_MODEL` (or the user's config folder), read and validated
//! on the background thread; a bad file, or the offline lookahead model, keeps the embedded
//! model and says why; a model swapped in mid-song ends the sounding voices.

mod common;

use altus_plugin::models;
use altus_plugin::realtime::Owner;
use common::{PerformerRun, default_settings, playing_at};
use std::ffi::OsString;

#[test]
fn user_models_are_found_validated_and_bad_ones_refused_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("altus-models-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("altus")).unwrap();
    let good = dir.join("harmony.safetensors");
    std::fs::write(&good, altus_core::embedded::DEFAULT_HARMONY).unwrap();
    let bad = dir.join("bad.safetensors");
    std::fs::write(&bad, b"not a model").unwrap();

    // `ALTUS_MODEL` first, named even if missing (loading it then says why); else the config
    // folder's file, only if it exists.
    let env = |vars: Vec<(&'static str, OsString)>| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    };
    let with_var = env(vec![
        ("ALTUS_MODEL", good.clone().into()),
        ("XDG_CONFIG_HOME", dir.clone().into()),
    ]);
    assert_eq!(models::user_model_path_in(&with_var), Some(good.clone()));
    let config = env(vec![("XDG_CONFIG_HOME", dir.clone().into())]);
    assert_eq!(
        models::user_model_path_in(&config),
        None,
        "no file there yet"
    );
    let mine = dir.join("altus/harmony.safetensors");
    std::fs::copy(&good, &mine).unwrap();
    assert_eq!(models::user_model_path_in(&config), Some(mine));
    assert_eq!(models::user_model_path_in(&env(vec![])), None);

    let (l, info) = models::load(&good).expect("a good file plays");
    assert_eq!(*l.model, altus_core::embedded::default_harmony().0);
    assert_eq!(info.path.as_ref(), Some(&good));
    let err = models::load(&bad).err().expect("a bad file is refused");
    assert!(
        err.contains("bad.safetensors") && err.contains("not a safetensors"),
        "{err}"
    );

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
    let mut run = PerformerRun::new(default_settings(), 64);
    run.block(&playing_at(0, 120.0), &[(0, 72, true)]);
    assert!((0..3).all(|v| run.performer.voice_note(v).is_some()));
    let loaded = models::embedded().0;
    let out = &mut run.out;
    let _old = run
        .performer
        .swap_model(loaded.model, loaded.state, &mut |n| {
            out.push(common::record(64, n));
            true
        });
    assert!((0..3).all(|v| run.performer.voice_note(v).is_none()));
    assert_eq!(run.performer.ledger().count(Owner::Voice), 0);
    // Three note-offs at the swap, one per voice's channel.
    let offs: Vec<u8> = run
        .out
        .iter()
        .filter(|o| o.0 == 64 && !o.2)
        .map(|o| o.3)
        .collect();
    assert_eq!(offs, [1, 2, 3], "{:?}", run.out);
}
