//! Shared by the host tests: the debug bundles, the reference voice, note bookkeeping.
#![allow(dead_code)]

use altus_core::engine::DecodeOptions;
use altus_core::{Grid, Voice as Part};
use altus_plugin::realtime::{self, KeySetting, Settings, Transport, Velocity};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Sample rate of every host test.
pub const SR: f64 = 48_000.0;

/// Builds the debug bundle with allocation checks, once per test binary, in its own target
/// folder (so it never replaces the release bundles of `cargo xtask bundle altus --release`).
pub fn bundle() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let target = root.join("target/host-tests");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .args([
                "xtask",
                "bundle",
                "altus",
                "--features",
                "assert_process_allocs",
            ])
            .status()
            .expect("run cargo xtask bundle");
        assert!(
            status.success(),
            "cargo xtask bundle altus --features assert_process_allocs failed"
        );
        target.join("bundled")
    })
}

/// One output note: absolute sample, key, on?, channel.
pub type Out = (u64, u8, bool, u8);

/// Alto notes (channel 2 = index 1 by default) balance: every note-on has a note-off.
pub fn balanced(out: &[Out]) -> bool {
    let mut n = [0i32; 128];
    for &(_, k, on, c) in out {
        if c == 1 && k < 128 {
            n[k as usize] += if on { 1 } else { -1 };
        }
    }
    n.iter().all(|&x| x == 0)
}

/// What the plugin's voice plays for the same input with the default parameters (Auto key and
/// mode, alto 53–77, temperature 0, velocity follows, channel 2, soprano through, 120 bpm).
pub fn reference(events: &[(u64, u8, bool)], block: u32, end: u64) -> Vec<Out> {
    let settings = Settings {
        key: KeySetting::Auto(None),
        decode: DecodeOptions {
            temperature: 0.0,
            low: 53,
            high: 77,
            seed: 0,
        },
        velocity: Velocity::Follow,
        channel: 1,
        pass_through: true,
        default_tempo: 120.0,
    };
    let mut v = realtime::Voice::new(
        Box::new(altus_core::default_model::default_alto().0),
        SR,
        settings,
    );
    let mut out = Vec::new();
    let (mut now, mut i) = (0u64, 0);
    let block_at = |now: u64,
                    playing: bool,
                    notes: &[realtime::Note],
                    v: &mut realtime::Voice,
                    out: &mut Vec<Out>| {
        let beats = now as f64 / SR * 2.0;
        let tr = Transport {
            playing,
            tempo: Some(120.0),
            pos_beats: Some(beats),
            bar_start_beats: Some((beats / 4.0).floor() * 4.0),
            time_sig: Some((4, 4)),
        };
        v.process(&tr, notes, block, &mut |n| match n {
            realtime::Note::On {
                at,
                key,
                channel: 1,
                ..
            } => out.push((now + at as u64, key, true, 1)),
            realtime::Note::Off {
                at,
                key,
                channel: 1,
            } => out.push((now + at as u64, key, false, 1)),
            _ => {}
        });
    };
    while now < end {
        let mut notes = Vec::new();
        while i < events.len() && events[i].0 < now + block as u64 {
            let (t, key, on) = events[i];
            let at = (t - now) as u32;
            notes.push(if on {
                realtime::Note::On {
                    at,
                    key,
                    velocity: 89,
                    channel: 0,
                }
            } else {
                realtime::Note::Off {
                    at,
                    key,
                    channel: 0,
                }
            });
            i += 1;
        }
        block_at(now, true, &notes, &mut v, &mut out);
        now += block as u64;
    }
    block_at(now, false, &[], &mut v, &mut out);
    out
}

/// A grid's soprano as (absolute sample, key, on?) at `bpm`, offs before ons at one sample.
pub fn song_events(grid: &Grid, bpm: f64) -> Vec<(u64, u8, bool)> {
    let per_step = SR * 60.0 / bpm / 4.0;
    let mut events = Vec::new();
    for (a, b, p) in grid.voice(Part::Soprano).unwrap().notes() {
        events.push(((a.0 as f64 * per_step).round() as u64, p.0, true));
        events.push(((b.0 as f64 * per_step).round() as u64, p.0, false));
    }
    events.sort_by_key(|e| (e.0, e.2));
    events
}
