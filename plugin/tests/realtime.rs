//! The audio-thread voice driven like a host would: the same notes as `altus harmonize`, alto
//! note-ons at the soprano's sample, no stuck notes, no allocation, random event streams.

use altus_core::corpus::chorales_for_test;
use altus_core::engine::DecodeOptions;
use altus_core::harmonize;
use altus_core::{Grid, Voice as Part, midi};
use altus_plugin::realtime::{KeySetting, Note, Settings, Transport, Velocity, Voice};
use proptest::prelude::*;

const SR: f64 = 48_000.0;

fn settings(key: KeySetting) -> Settings {
    Settings {
        key,
        decode: DecodeOptions::default(),
        velocity: Velocity::Follow,
        channel: 1,
        pass_through: false,
        default_tempo: 120.0,
    }
}

fn voice(key: KeySetting) -> Voice {
    Voice::new(
        Box::new(altus_core::default_model::default_alto().0),
        SR,
        settings(key),
    )
}

/// Plays a grid's soprano at `bpm` in blocks of `block` samples with the transport running from
/// beat 0; returns every output note with its absolute sample.
fn play(v: &mut Voice, grid: &Grid, bpm: f64, block: u32) -> Vec<(u64, Note)> {
    let per_step = SR * 60.0 / bpm / 4.0;
    let sample = |step: usize| (step as f64 * per_step).round() as u64;
    let mut events: Vec<(u64, Note)> = Vec::new();
    for (a, b, p) in grid.voice(Part::Soprano).unwrap().notes() {
        events.push((
            sample(a.0),
            Note::On {
                at: 0,
                key: p.0,
                velocity: 90,
                channel: 0,
            },
        ));
        events.push((
            sample(b.0),
            Note::Off {
                at: 0,
                key: p.0,
                channel: 0,
            },
        ));
    }
    // Offs before ons at the same sample, as a sequencer sends them.
    events.sort_by_key(|(t, n)| (*t, matches!(n, Note::On { .. })));
    let end = sample(grid.len) + 4 * per_step as u64;
    let mut out = Vec::new();
    let mut i = 0;
    let mut t0 = 0u64;
    let mut block_events = Vec::new();
    while t0 < end {
        block_events.clear();
        while i < events.len() && events[i].0 < t0 + block as u64 {
            let at = (events[i].0 - t0) as u32;
            block_events.push(match events[i].1 {
                Note::On {
                    key,
                    velocity,
                    channel,
                    ..
                } => Note::On {
                    at,
                    key,
                    velocity,
                    channel,
                },
                Note::Off { key, channel, .. } => Note::Off { at, key, channel },
            });
            i += 1;
        }
        let transport = Transport {
            playing: true,
            tempo: Some(bpm),
            pos_beats: Some(t0 as f64 / per_step / 4.0),
            bar_start_beats: None,
            time_sig: Some((4, 4)),
        };
        v.process(&transport, &block_events, block, &mut |n| {
            out.push((t0 + n.at() as u64, n))
        });
        t0 += block as u64;
    }
    // Transport stops.
    let stop = Transport {
        playing: false,
        tempo: Some(bpm),
        pos_beats: Some(t0 as f64 / per_step / 4.0),
        bar_start_beats: None,
        time_sig: Some((4, 4)),
    };
    v.process(&stop, &[], block, &mut |n| {
        out.push((t0 + n.at() as u64, n))
    });
    out
}

fn balanced(out: &[(u64, Note)]) -> bool {
    let mut sounding = [0i32; 128];
    for (_, n) in out {
        match *n {
            Note::On { key, .. } => sounding[key as usize] += 1,
            Note::Off { key, .. } => sounding[key as usize] -= 1,
        }
    }
    sounding.iter().all(|&s| s == 0)
}

#[test]
fn same_notes_as_harmonize_at_the_soprano_sample() {
    let Some(dir) = chorales_for_test("same_notes_as_harmonize_at_the_soprano_sample") else {
        return;
    };
    let (model, _) = altus_core::default_model::default_alto();
    for file in [
        "000206b_.mid",
        "003604b2.mid",
        "024864bs.mid",
        "043200b_.mid",
    ] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        let key = grid.key();
        let bar_pos = harmonize::bar_positions(&grid, 0);
        let want = harmonize::alto_line(&grid, &model, key, &bar_pos, DecodeOptions::default());
        let want: Vec<(usize, u8)> = want.notes().iter().map(|(a, _, p)| (a.0, p.0)).collect();
        for (bpm, block) in [(120.0, 64), (120.0, 512), (97.0, 512)] {
            let mut v = voice(KeySetting::Fixed(key));
            let out = play(&mut v, &grid, bpm, block);
            let per_step = SR * 60.0 / bpm / 4.0;
            let got: Vec<(usize, u8)> = out
                .iter()
                .filter_map(|(t, n)| match n {
                    Note::On { key, .. } => Some(((*t as f64 / per_step).round() as usize, *key)),
                    _ => None,
                })
                .filter(|(s, _)| *s < grid.len)
                .collect();
            assert_eq!(got, want, "{file} at {bpm} bpm, {block}-sample blocks");
            assert!(
                balanced(&out),
                "{file}: every alto note-on has its note-off after the stop"
            );
            assert_eq!(v.alto_sounding(), None);
            // Each soprano note-on gets an alto note-on at the very same sample (unless the
            // alto holds through it).
            let sop = grid.voice(Part::Soprano).unwrap();
            let alto_on: Vec<u64> = out
                .iter()
                .filter(|(_, n)| matches!(n, Note::On { .. }))
                .map(|(t, _)| *t)
                .collect();
            for (a, _, _) in sop.notes() {
                let s = (a.0 as f64 * per_step).round() as u64;
                let step_alto = want.iter().any(|(w, _)| *w == a.0);
                assert_eq!(alto_on.contains(&s), step_alto, "{file} step {}", a.0);
            }
        }
    }
}

#[test]
fn bursts_and_stray_note_offs_leave_nothing_stuck() {
    let mut v = voice(KeySetting::Auto(None));
    let mut out = Vec::new();
    let tr = Transport {
        playing: true,
        tempo: Some(120.0),
        pos_beats: Some(0.0),
        bar_start_beats: Some(0.0),
        time_sig: Some((3, 4)),
    };
    let burst: Vec<Note> = (0..128u8)
        .map(|k| Note::On {
            at: (k as u32) % 64,
            key: k,
            velocity: 100,
            channel: 0,
        })
        .collect();
    let mut sorted = burst.clone();
    sorted.sort_by_key(|n| n.at());
    v.process(&tr, &sorted, 64, &mut |n| out.push(n));
    let offs: Vec<Note> = (0..128u8)
        .chain(0..128u8)
        .map(|k| Note::Off {
            at: 3,
            key: k,
            channel: 0,
        })
        .collect();
    let tr2 = Transport {
        pos_beats: Some(64.0 / 24_000.0),
        ..tr
    };
    v.process(&tr2, &offs, 64, &mut |n| out.push(n));
    let stop = Transport {
        playing: false,
        ..tr2
    };
    v.process(&stop, &[], 64, &mut |n| out.push(n));
    let timed: Vec<(u64, Note)> = out.into_iter().map(|n| (0, n)).collect();
    assert!(balanced(&timed));
    assert_eq!(v.alto_sounding(), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]
    #[test]
    fn random_event_streams(
        blocks in prop::collection::vec((prop::collection::vec((0u32..600, 0u8..128, any::<bool>()), 0..12), 1u32..600, any::<bool>(), 20.0f64..300.0), 1..40),
    ) {
        let mut v = voice(KeySetting::Auto(None));
        let mut out: Vec<(u64, Note)> = Vec::new();
        let mut t0 = 0u64;
        let mut beats = 0.0;
        for (events, len, playing, bpm) in blocks {
            let mut notes: Vec<Note> = events
                .into_iter()
                .map(|(at, key, on)| if on { Note::On { at: at % len, key, velocity: 64, channel: 0 } } else { Note::Off { at: at % len, key, channel: 0 } })
                .collect();
            notes.sort_by_key(|n| n.at());
            let tr = Transport { playing, tempo: Some(bpm), pos_beats: Some(beats), bar_start_beats: None, time_sig: None };
            let mut last = 0;
            v.process(&tr, &notes, len, &mut |n| {
                assert!(n.at() >= last && n.at() < len, "output in time order and inside the block");
                last = n.at();
                out.push((t0 + n.at() as u64, n));
            });
            t0 += len as u64;
            beats += len as f64 * bpm / 60.0 / SR;
        }
        // At most one alto note sounds at a time, and an all-off ends it.
        let mut sounding = 0i32;
        for (_, n) in &out {
            sounding += if matches!(n, Note::On { .. }) { 1 } else { -1 };
            prop_assert!((0..=1).contains(&sounding));
        }
        v.all_off(0, &mut |n| out.push((t0, n)));
        prop_assert!(balanced(&out));
    }
}
