//! The VST3 bundle loaded like a DAW loads it (the `vst3` bindings + libloading): the debug
//! bundle with `assert_process_allocs`, set up at 48 kHz, fed the soprano of a real chorale.
//! Asserts: the same alto, sample for sample, as the plugin's voice; every host lifecycle
//! (setProcessing off/on, setActive off/on, parameter changes through IParameterChanges every
//! block, pass-through toggles, bursts, loops and jumps, all at once) leaves the output
//! balanced and the alto answering at the soprano's sample.

mod common;

use altus_core::Grid;
use altus_core::music::midi;
use common::scenarios::{self, Song};
use common::vst3::Vst3Host;
use common::{Host, Out, check_balanced, play_song, reference, song_events};
use testkit::chorales_for_test;

#[test]
fn vst3_bundle_plays_the_same_alto() {
    let Some(dir) = chorales_for_test("vst3_bundle_plays_the_same_alto") else {
        return;
    };
    let grid = Grid::from_score(&midi::read_file(&dir.join("000206b_.mid")).unwrap());
    let events = song_events(&grid, 120.0);
    let end = events.last().unwrap().0 + 8_000;
    for block in [64u32, 512] {
        let mut host = Vst3Host::load(block);
        play_song(&mut host, &events, end);
        let out = host.close();
        check_balanced(&out).unwrap_or_else(|e| panic!("{block}: {e}"));
        let alto: Vec<Out> = out.iter().copied().filter(|o| o.3 != 0).collect();
        assert_eq!(
            alto,
            reference(&events, block, end),
            "{block}-sample blocks"
        );
        assert!(alto.len() > 40);
    }
}

#[test]
fn vst3_bundle_in_the_files_key_plays_harmonizes_voices() {
    let name = "vst3_bundle_in_the_files_key_plays_harmonizes_voices";
    let Some(dir) = chorales_for_test(name) else {
        return;
    };
    for file in ["003604b2.mid", "024864bs.mid"] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        common::harmonize::check(Vst3Host::load(512), &grid, file, |h| h.close());
    }
}

#[test]
fn vst3_lifecycles_leave_nothing_stuck_and_the_alto_answering() {
    let Some(dir) = chorales_for_test("vst3_lifecycles_leave_nothing_stuck_and_the_alto_answering")
    else {
        return;
    };
    let song = Song::chorale(&dir, "043200b_.mid");
    for (name, block, scenario) in scenarios::all::<Vst3Host>() {
        let mut host = Vst3Host::load(block);
        let done = scenario(&mut host, &song);
        scenarios::check("VST3", name, host.output(), &done);
        host.close();
    }
}
