//! What the editor reads: the monitor follows the voice block by block (the notes sounding, the
//! key, a roll of the last two bars in step order) and publishing never allocates.

mod common;

use altus_plugin::monitor::{Monitor, Notes, SHOWN};
use common::{PerformerRun, default_settings, in_block, playing_at};

// nice-plug's allocator is global in the tests' build (`assert_process_allocs`):
// `assert_no_alloc` aborts on any allocation (see `no_alloc.rs`).
use nice_assert_no_alloc::assert_no_alloc;

fn notes_of(run: &PerformerRun) -> Notes {
    let v = &run.performer;
    [
        v.soprano(),
        v.voice_note(0).map(|n| n.0),
        v.voice_note(1).map(|n| n.0),
        v.voice_note(2).map(|n| n.0),
    ]
}

#[test]
fn the_monitor_shows_what_sounds_and_the_last_two_bars_in_order() {
    let monitor = Monitor::default();
    let empty = monitor.snapshot();
    assert_eq!(
        (empty.sounding, empty.fixed, empty.confidence),
        ([None; 4], false, 0.0)
    );
    assert!(empty.roll.iter().all(|n| *n == [None; 4]));

    // Three bars of quarter notes up a C major scale at 120 bpm (a quarter is 24,000 samples).
    const SCALE: [u8; 8] = [72, 74, 76, 77, 79, 81, 83, 84];
    let events: Vec<(u64, u8, bool)> = (0..12u64)
        .flat_map(|i| {
            let k = SCALE[i as usize % 8];
            [(i * 24_000, k, true), ((i + 1) * 24_000 - 1, k, false)]
        })
        .collect();
    let mut run = PerformerRun::new(default_settings(), 64);
    // What sounded at the first block of each 16th step: what the roll keeps for that step.
    let mut steps: Vec<(i64, Notes)> = Vec::new();
    while run.now < 12 * 24_000 {
        let notes = in_block(&events, run.now, run.block);
        run.block(&playing_at(run.now, 120.0), &notes);
        assert_no_alloc(|| monitor.publish(&run.performer));
        let step = run.performer.step_index().expect("the grid runs");
        if steps.last().is_none_or(|s| s.0 != step) {
            steps.push((step, notes_of(&run)));
        }
        let s = monitor.snapshot();
        assert_eq!(s.sounding, notes_of(&run), "sounding at sample {}", run.now);
        assert!(!s.fixed && s.confidence > 0.0 && s.confidence <= 1.0);
    }
    let s = monitor.snapshot();
    assert_eq!(s.key.name(), "C", "a C major scale");
    let last: Vec<Notes> = steps[steps.len() - SHOWN..].iter().map(|s| s.1).collect();
    assert_eq!(
        s.roll.to_vec(),
        last,
        "the roll is the last {SHOWN} steps, oldest first"
    );
    assert!(
        s.roll.iter().all(|n| n.iter().all(Option::is_some)),
        "all four voices sound"
    );
}
