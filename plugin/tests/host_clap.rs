//! The CLAP bundle loaded like a DAW loads it (clack-host): the debug bundle built with
//! nice-plug's `assert_process_allocs` (an allocation in `process` aborts this test), driven at
//! 48 kHz with a playing transport at 120 bpm, fed the soprano of real chorales. Asserts: the
//! bundle's alto is, sample for sample, what the plugin's voice plays (checked against
//! `altus harmonize` in tests/realtime.rs); the first soprano note is answered at its sample;
//! every host lifecycle (processing restarts, re-activations, automation, pass-through toggles,
//! bursts, loops and jumps, all at once) leaves the output balanced and the alto answering;
//! parameters survive a state save and restore.

mod common;

use altus_core::Grid;
use altus_core::music::midi;
use common::clap::{ClapHost, entry};
use common::scenarios::{self, Song};
use common::{Host, Out, check_balanced, play_song, reference, song_events};
use testkit::chorales_for_test;

#[test]
fn clap_lifecycles_leave_nothing_stuck_and_the_alto_answering() {
    let Some(dir) = chorales_for_test("clap_lifecycles_leave_nothing_stuck_and_the_alto_answering")
    else {
        return;
    };
    let e = entry();
    let song = Song::chorale(&dir, "000206b_.mid");
    for (name, block, scenario) in scenarios::all::<ClapHost>() {
        let mut host = ClapHost::start(&e, block);
        let done = scenario(&mut host, &song);
        scenarios::check("CLAP", name, host.output(), &done);
        host.stop();
    }
}

#[test]
fn clap_bundle_plays_the_voices_alto() {
    let Some(dir) = chorales_for_test("clap_bundle_plays_the_voices_alto") else {
        return;
    };
    let e = entry();
    for file in ["000206b_.mid", "043200b_.mid"] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        let events = song_events(&grid, 120.0);
        let end = events.last().unwrap().0 + 8_000;
        for block in [64u32, 512] {
            let mut host = ClapHost::start(&e, block);
            play_song(&mut host, &events, end);
            let out = host.stop();
            let alto: Vec<Out> = out.iter().copied().filter(|o| o.3 != 0).collect();
            assert_eq!(
                alto,
                reference(&events, block, end),
                "{file}, {block}-sample blocks"
            );
            check_balanced(&out).unwrap_or_else(|e| panic!("{file}, {block}: {e}"));
            let first_on = alto.iter().find(|o| o.2).unwrap().0;
            assert_eq!(
                first_on, events[0].0,
                "{file}: the first note answered at its sample"
            );
        }
    }
}

#[test]
fn parameters_survive_a_state_save_and_restore() {
    use clack_extensions::state::PluginState;
    let e = entry();
    let mut a = ClapHost::start(&e, 64);
    let params = a.param_list();
    // Change seven parameters the way a host automates them: events in a block.
    let changes = [
        ("Key", 3.0),
        ("Voices", 1.0),
        ("Bass channel", 9.0),
        ("Alto channel", 5.0),
        ("Temperature", 0.5),
        ("Soprano through", 0.0),
        ("Alto low", 50.0),
    ];
    for (name, v) in changes {
        a.set_plain(name, v);
    }
    a.params_block();
    let values = |h: &mut ClapHost| -> Vec<(String, f64)> {
        params
            .iter()
            .map(|p| (p.name.clone(), h.value(p.id)))
            .collect()
    };
    let before = values(&mut a);
    for (name, v) in changes {
        // Values travel as f32 inside the plugin.
        let got = before.iter().find(|(n, _)| n == name).unwrap().1;
        assert!((got - v).abs() < 1e-5, "{name} was set: {got} vs {v}");
    }
    let mut state = Vec::new();
    {
        let handle = a.instance.plugin_handle();
        let ext: PluginState = handle.get_extension().expect("state extension");
        ext.save(&handle, &mut state).expect("save");
    }
    a.stop();
    let mut b = ClapHost::start(&e, 64);
    assert_ne!(
        values(&mut b),
        before,
        "a fresh instance starts from the defaults"
    );
    {
        let handle = b.instance.plugin_handle();
        let ext: PluginState = handle.get_extension().unwrap();
        ext.load(&handle, &mut state.as_slice()).expect("load");
    }
    assert_eq!(values(&mut b), before);
    b.stop();
}

#[test]
fn clap_bundle_in_the_files_key_plays_harmonizes_voices() {
    let name = "clap_bundle_in_the_files_key_plays_harmonizes_voices";
    let Some(dir) = chorales_for_test(name) else {
        return;
    };
    let e = entry();
    for file in ["003604b2.mid", "024864bs.mid"] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        common::harmonize::check(ClapHost::start(&e, 512), &grid, file, |h| h.stop());
    }
}

/// A rolled chord of eleven notes inside one block and one 16th, through the bundle: the voices
/// answer its top note, as for that note alone (the block's re-runs run out after four).
#[test]
fn clap_answers_a_rolled_chord_for_its_top_note() {
    let e = entry();
    let t = common::playing_at(0, 120.0);
    let chord = [48u8, 52, 55, 60, 64, 67, 72, 76, 79, 84, 88];
    let roll: Vec<(u32, u8, bool)> = (0..chord.len())
        .map(|i| (20 * i as u32, chord[i], true))
        .collect();
    let voices = |notes: &[(u32, u8, bool)]| {
        let mut h = ClapHost::start(&e, 512);
        h.block(&t, notes);
        let mut on: Vec<(u8, u8)> = Vec::new();
        for &(_, k, is_on, c) in h.output().iter().filter(|o| o.3 != 0) {
            on.retain(|&(ck, cc)| (ck, cc) != (k, c));
            if is_on {
                on.push((k, c));
            }
        }
        h.stop();
        on.sort_by_key(|n| n.1);
        on
    };
    let rolled = voices(&roll);
    assert_eq!(rolled.len(), 3, "{rolled:?}");
    assert_eq!(rolled, voices(&[(0, 88, true)]));
}
