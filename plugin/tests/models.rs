//! User models: found through `ALTUS_MODEL`, validated off the audio thread, swapped in mid-song
//! without a stuck note; a bad file is refused with a reason and the embedded model stays.

use altus_core::engine::DecodeOptions;
use altus_plugin::models;
use altus_plugin::realtime::{KeySetting, Note, Settings, Transport, Velocity, Voice};
use std::time::Duration;

#[test]
fn loader_validates_and_hands_over_through_the_rings() {
    let dir = std::env::temp_dir().join(format!("altus-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("alto.safetensors");
    std::fs::write(&good, altus_core::default_model::DEFAULT_ALTO).unwrap();
    let bad = dir.join("bad.safetensors");
    std::fs::write(&bad, b"not a model").unwrap();

    // SAFETY: this test binary sets the variable before any other thread reads it.
    unsafe { std::env::set_var("ALTUS_MODEL", &good) };
    assert_eq!(models::user_model_path(), Some(good.clone()));

    let e = models::load(&bad).err().unwrap();
    assert!(
        e.contains("bad.safetensors") && e.contains("not a safetensors"),
        "{e}"
    );
    let mut side = models::spawn_loader(bad.clone(), |_| {});
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        side.incoming.pop().is_err(),
        "a bad file never reaches the audio thread"
    );

    let mut side = models::spawn_loader(good.clone(), |_| {});
    let loaded = (0..250).find_map(|_| {
        std::thread::sleep(Duration::from_millis(20));
        side.incoming.pop().ok()
    });
    let loaded = loaded.expect("the good model arrives");
    // The audio thread swaps it in mid-note: the sounding alto gets its note-off.
    let settings = Settings {
        key: KeySetting::Fixed(altus_core::Key::new(0, altus_core::Mode::Major)),
        decode: DecodeOptions::default(),
        velocity: Velocity::Follow,
        channel: 0,
        pass_through: false,
        default_tempo: 120.0,
    };
    let mut v = Voice::new(
        Box::new(altus_core::default_model::default_alto().0),
        48_000.0,
        settings,
    );
    let mut out = Vec::new();
    let tr = Transport {
        playing: true,
        tempo: Some(120.0),
        pos_beats: Some(0.0),
        bar_start_beats: None,
        time_sig: None,
    };
    v.process(
        &tr,
        &[Note::On {
            at: 0,
            key: 72,
            velocity: 90,
            channel: 0,
        }],
        64,
        &mut |n| out.push(n),
    );
    assert!(v.alto_sounding().is_some());
    let (model, state) = v.swap_model(loaded.model, loaded.state, &mut |n| out.push(n));
    assert!(matches!(out.last(), Some(Note::Off { .. })) && v.alto_sounding().is_none());
    assert!(
        side.outgoing.push(models::Loaded { model, state }).is_ok(),
        "the old model goes back to be freed"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
