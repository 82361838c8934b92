//! The audio-thread voice driven like a host would: the same notes as `altus harmonize`, alto
//! note-ons at the soprano's sample, fast notes that never move the grid, settings that take
//! effect without a restart, and a property test over random host lifecycles and event streams
//! (balanced output, at most one alto note, nothing sounding after a reset).

mod common;

use altus_core::harmony::engine::DecodeOptions;
use altus_core::music::midi;
use altus_core::{Grid, Key, Mode, Voice as Part};
use altus_plugin::realtime::{KeySetting, Note, Owner, Settings, Transport, Velocity};
use common::{
    HostTime, Out, PerformerRun, SR, check_balanced, default_settings, in_block, playing_at,
    song_events,
};
use proptest::prelude::*;
use testkit::chorales_for_test;

fn fixed(key: Key) -> Settings {
    Settings {
        key: KeySetting::Fixed(key),
        decode: DecodeOptions::default(),
        pass_through: false,
        ..default_settings()
    }
}

/// Plays `events` at `bpm` until `end`, then stops the transport; returns the output.
fn play(run: &mut PerformerRun, events: &[(u64, u8, bool)], bpm: f64, end: u64) -> Vec<Out> {
    while run.now < end {
        let notes = in_block(events, run.now, run.block);
        run.block(&playing_at(run.now, bpm), &notes);
    }
    let stop = HostTime {
        playing: false,
        ..playing_at(run.now, bpm)
    };
    run.block(&stop, &[]);
    run.out.clone()
}

#[test]
fn same_notes_as_harmonize_at_the_soprano_sample() {
    let Some(dir) = chorales_for_test("same_notes_as_harmonize_at_the_soprano_sample") else {
        return;
    };
    for file in [
        "000206b_.mid",
        "003604b2.mid",
        "024864bs.mid",
        "043200b_.mid",
    ] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        let want = common::harmonize::harmonized(&grid);
        for (bpm, block) in [(120.0, 64), (120.0, 512), (97.0, 512)] {
            let per_step = SR * 60.0 / bpm / 4.0;
            let events = song_events(&grid, bpm);
            let mut run = PerformerRun::new(fixed(grid.key()), block);
            let end = (grid.len as f64 * per_step) as u64 + 20_000;
            let out = play(&mut run, &events, bpm, end);
            check_balanced(&out).unwrap_or_else(|e| panic!("{file}: {e}"));
            for (v, want) in want.iter().enumerate() {
                let got: Vec<(usize, u8)> = out
                    .iter()
                    .filter(|o| o.2 && o.3 == 1 + v as u8)
                    .map(|o| ((o.0 as f64 / per_step).round() as usize, o.1))
                    .filter(|(s, _)| *s < grid.len)
                    .collect();
                assert_eq!(
                    &got, want,
                    "{file} voice {v} at {bpm} bpm, {block}-sample blocks"
                );
                // Each soprano note-on gets the voice's note-on at the very same sample
                // (unless the voice holds through it).
                for (a, _, _) in grid.voice(Part::Soprano).unwrap().notes() {
                    let s = (a.0 as f64 * per_step).round() as u64;
                    let struck = want.iter().any(|(w, _)| *w == a.0);
                    let sent = out.iter().any(|o| o.2 && o.3 == 1 + v as u8 && o.0 == s);
                    assert_eq!(sent, struck, "{file} voice {v} step {}", a.0);
                }
            }
        }
    }
}

#[test]
fn fast_notes_never_move_the_grid() {
    // Quarter notes at 100 bpm, each with a grace note a 64th before it (inside the previous
    // 16th), and a trill of 32nds in the last bar: three notes often share a 16th.
    let bpm = 100.0;
    let q = SR * 60.0 / bpm;
    let mut events = Vec::new();
    let tune = [72u8, 74, 76, 77, 79, 77, 76, 74];
    for (i, &p) in tune.iter().enumerate() {
        let t = (i as f64 * q) as u64 + 20_000;
        let grace = t - (q / 16.0) as u64;
        events.extend([
            (grace, p + 2, true),
            (t, p + 2, false),
            (t, p, true),
            (t + q as u64 - 10, p, false),
        ]);
    }
    let trill0 = (tune.len() as f64 * q) as u64 + 20_000;
    for k in 0..16u64 {
        let t = trill0 + k * (q / 8.0) as u64;
        let p = if k % 2 == 0 { 72 } else { 74 };
        events.extend([(t, p, true), (t + (q / 8.0) as u64 - 5, p, false)]);
    }
    events.sort_by_key(|e| (e.0, e.2));
    let release = events.last().unwrap().0;
    let sixteenth = q / 4.0;
    let mut run = PerformerRun::new(fixed(Key::new(0, Mode::Major)), 128);
    while run.now < release + 40_000 {
        let notes = in_block(&events, run.now, run.block);
        run.block(&playing_at(run.now, bpm), &notes);
        // The step run last is the 16th the block ends in (or the next, for a note struck just
        // before it): never ahead of the grid, however many notes came.
        if let Some(step) = run.performer.step_index() {
            let end = run.now - 1;
            let grid = ((end as f64 + 0.5) / sixteenth).floor() as i64;
            assert!(
                (grid..=grid + 1).contains(&step),
                "block ending at {end}: step {step}, grid {grid}"
            );
        }
    }
    let out = run.out.clone();
    check_balanced(&out).unwrap();
    let on_grid = |t: u64| ((t as f64 / sixteenth).round() * sixteenth - t as f64).abs() <= 1.0;
    let onsets: Vec<u64> = events.iter().filter(|e| e.2).map(|e| e.0).collect();
    for &(t, k, _, _) in out.iter().filter(|o| o.2) {
        assert!(
            on_grid(t) || onsets.contains(&t),
            "alto {k} at {t}: neither a 16th nor a soprano onset"
        );
    }
    // Every soprano note-on is answered at its sample, grace notes and trill included.
    assert!(common::unanswered(&onsets, &out).is_empty());
}

#[test]
fn range_and_velocity_changes_keep_the_voices_state() {
    let Some(dir) = chorales_for_test("range_and_velocity_changes_keep_the_voices_state") else {
        return;
    };
    let grid = Grid::from_score(&midi::read_file(&dir.join("003604b2.mid")).unwrap());
    let events = song_events(&grid, 120.0);
    let end = events.last().unwrap().0 + 8_000;
    let plain = play(
        &mut PerformerRun::new(default_settings(), 256),
        &events,
        120.0,
        end,
    );
    // The same song while the host automates the velocity and moves the alto's lower limit
    // below anything the alto sings here: the notes must be the same ones (Auto key included).
    let mut run = PerformerRun::new(default_settings(), 256);
    let mut i = 0;
    while run.now < end {
        let mut s = default_settings();
        s.velocity = if i % 2 == 0 {
            Velocity::Fixed(30 + (i % 90) as u8)
        } else {
            Velocity::Follow
        };
        s.decode.ranges[0].0 = if i % 3 == 0 { 52 } else { 53 };
        let voice = &mut run.performer;
        let mut sink = Vec::new();
        voice.set_settings(s, &mut |n| {
            sink.push(n);
            true
        });
        assert!(sink.is_empty(), "a range or velocity change sends nothing");
        let notes = in_block(&events, run.now, run.block);
        run.block(&playing_at(run.now, 120.0), &notes);
        i += 1;
    }
    run.block(
        &HostTime {
            playing: false,
            ..playing_at(run.now, 120.0)
        },
        &[],
    );
    let keys = |o: &[Out]| o.iter().map(|x| (x.0, x.1, x.2, x.3)).collect::<Vec<_>>();
    assert_eq!(keys(&run.out), keys(&plain));
}

#[test]
fn turning_pass_through_off_ends_the_held_notes() {
    let mut run = PerformerRun::new(default_settings(), 64);
    run.block(&playing_at(0, 120.0), &[(3, 60, true), (5, 67, true)]);
    assert_eq!(run.performer.ledger().count(Owner::Thru), 2);
    let mut s = default_settings();
    s.pass_through = false;
    let out = &mut run.out;
    run.performer.set_settings(s, &mut |n| {
        out.push(common::record(64, n));
        true
    });
    assert_eq!(run.performer.ledger().count(Owner::Thru), 0);
    // The host's later note-offs are not passed on: those notes have ended already.
    run.block(&playing_at(64, 120.0), &[(0, 60, false), (1, 67, false)]);
    run.block(
        &HostTime {
            playing: false,
            ..playing_at(128, 120.0)
        },
        &[],
    );
    check_balanced(&run.out).unwrap();
}

#[derive(Clone, Debug)]
enum Op {
    /// A block: events (offset, key, on, channel), length, playing, tempo, position jump.
    Block(Vec<(u32, u8, bool, u8)>, u32, bool, f64, f64),
    Reset,
    /// Key, mode, temperature, channel, pass-through, channel layout.
    Settings(u8, u8, f32, u8, bool, u8),
    Swap,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (prop::collection::vec((0u32..700, 0u8..128, any::<bool>(), 0u8..3), 0..14), 1u32..700, prop::bool::weighted(0.85), 30.0f64..300.0, prop_oneof![4 => Just(0.0), 1 => -64.0f64..64.0])
            .prop_map(|(e, l, p, b, j)| Op::Block(e, l, p, b, j)),
        1 => Just(Op::Reset),
        1 => (0u8..14, 0u8..3, 0.0f32..1.5, 1u8..16, any::<bool>(), 0u8..4).prop_map(|(k, m, t, c, p, l)| Op::Settings(k, m, t, c, p, l)),
        1 => Just(Op::Swap),
    ]
}

fn settings_of(
    k: u8,
    m: u8,
    temperature: f32,
    channel: u8,
    pass_through: bool,
    layout: u8,
) -> Settings {
    let mode = [None, Some(Mode::Major), Some(Mode::Minor)][m as usize % 3];
    Settings {
        key: if k == 0 {
            KeySetting::Auto(mode)
        } else {
            KeySetting::Fixed(Key::new(k - 1, mode.unwrap_or(Mode::Major)))
        },
        decode: DecodeOptions {
            temperature,
            ..DecodeOptions::default()
        },
        voices: 1 + channel as usize % 3,
        velocity: Velocity::Follow,
        // Voices on their own channels, all on one, alto and tenor sharing one, or all on the
        // soprano's channel (0, where the input plays): unisons and the pass-through collide.
        channels: match layout {
            0 => [channel, channel.wrapping_add(1), channel.wrapping_add(2)],
            1 => [channel; 3],
            2 => [channel, channel, channel.wrapping_add(1)],
            _ => [0; 3],
        },
        pass_through,
        default_tempo: 120.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]
    #[test]
    fn random_lifecycles_and_event_streams(ops in prop::collection::vec(op(), 1..45), refuse in 0u32..4) {
        let mut run = PerformerRun::new(default_settings(), 64);
        let model = altus_core::embedded::default_harmony().0;
        let (mut beats, mut n_out) = (0.0, 0u32);
        // A host whose output queue is sometimes full: `refuse` in 4 events is refused.
        let mut accept = |out: &mut Vec<Out>, now: u64, n: Note| {
            n_out += 1;
            let ok = refuse == 0 || n_out % (8 - refuse) != 0;
            if ok { out.push(common::record(now, n)); }
            ok
        };
        for op in ops {
            match op {
                Op::Block(events, len, playing, bpm, jump) => {
                    let mut notes: Vec<Note> = events.iter().map(|&(at, key, on, channel)| {
                        let at = at % len;
                        if on { Note::On { at, key, velocity: 70, channel } } else { Note::Off { at, key, channel } }
                    }).collect();
                    notes.sort_by_key(|n| n.at());
                    beats += jump;
                    let tr = Transport { playing, tempo: Some(bpm), pos_beats: Some(beats), bar_start_beats: None, time_sig: None };
                    let (now, out) = (run.now, &mut run.out);
                    let (mut last, mut ordered) = (0, true);
                    run.performer.process(&tr, &notes, len, &mut |n| {
                        ordered &= n.at() >= last && n.at() < len;
                        last = n.at();
                        accept(out, now, n)
                    });
                    prop_assert!(ordered, "output in time order, inside the block");
                    run.now += len as u64;
                    beats += len as f64 * bpm / 60.0 / SR;
                    prop_assert!(run.performer.ledger().count(Owner::Voice) <= 3, "one note at most per voice");
                }
                Op::Reset => run.performer.reset(),
                Op::Settings(k, m, t, c, p, l) => {
                    let (now, out) = (run.now, &mut run.out);
                    run.performer.set_settings(settings_of(k, m, t, c, p, l), &mut |n| accept(out, now, n));
                }
                Op::Swap => {
                    let (now, out) = (run.now, &mut run.out);
                    let m = Box::new(model.clone());
                    let s = m.new_state();
                    run.performer.swap_model(m, s, &mut |n| accept(out, now, n));
                }
            }
        }
        // Whatever happened, a reset and one block end every note.
        run.performer.reset();
        let (now, out) = (run.now, &mut run.out);
        run.performer.process(&Transport::default(), &[], 64, &mut |n| { out.push(common::record(now, n)); true });
        prop_assert!(run.performer.ledger().is_silent());
        prop_assert!(check_balanced(&run.out).is_ok(), "{:?}", check_balanced(&run.out));
    }
}

#[test]
fn absurd_hosts_never_overflow_or_stick() {
    // Overflow checks are on in test builds: any overflow here panics.
    let weird = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
        -1e300,
        9.3e18,
        -0.0,
        1e-300,
    ];
    for rate in [0.0, -1.0, f64::NAN, 1e-9, 1e12, 48_000.0] {
        let model = Box::new(altus_core::embedded::default_harmony().0);
        let mut v = altus_plugin::realtime::Performer::new(model, rate, default_settings());
        let mut out: Vec<Out> = Vec::new();
        for (i, &w) in weird.iter().cycle().take(40).enumerate() {
            let tr = Transport {
                playing: i % 5 != 0,
                tempo: Some(if i % 3 == 0 { w } else { 120.0 }),
                pos_beats: Some(w * (i as f64 - 20.0)),
                bar_start_beats: Some(-w),
                time_sig: Some(((i % 3) as u8, (i % 4) as u8)),
            };
            let notes = [
                Note::On {
                    at: 0,
                    key: 60 + i as u8 % 20,
                    velocity: 0,
                    channel: 17,
                },
                Note::Off {
                    at: u32::MAX,
                    key: 200,
                    channel: 255,
                },
            ];
            let now = i as u64 * 64;
            v.process(&tr, &notes, if i % 7 == 0 { 0 } else { 64 }, &mut |n| {
                out.push(common::record(now, n));
                true
            });
        }
        // The host stops: every note ends at the next block's start.
        v.reset();
        v.process(&Transport::default(), &[], 64, &mut |n| {
            out.push(common::record(40 * 64, n));
            true
        });
        check_balanced(&out).unwrap_or_else(|e| panic!("sample rate {rate}: {e}"));
    }
}
