//! Shared by the plugin tests: the debug bundles, hosts that drive them (CLAP and VST3 behind one
//! [`Host`] trait), a driver for the host-independent voice, songs from real chorales, and the
//! checks every test makes of the output (balance, answers at the soprano's sample).
#![allow(dead_code)]

pub mod clap;
pub mod harmonize;
pub mod scenarios;
pub mod vst3;

use altus_core::harmony::engine::DecodeOptions;
use altus_core::{Grid, Voice as Part};
use altus_plugin::realtime::{self, KeySetting, Note, Settings, Transport, Velocity};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Sample rate of every host test.
pub const SR: f64 = 48_000.0;

/// The debug bundles with allocation checks, made once per test binary from the plugin library
/// this very `cargo test` built (the crate's dev-dependency on itself turns on
/// `assert_process_allocs`), so the host tests compile nothing of their own and never touch
/// the release bundles of `cargo xtask bundle altus --release`.
pub fn bundle() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
        let exe = std::env::current_exe().expect("test binary");
        let lib = exe
            .parent()
            .expect("target/<profile>/deps")
            .join(format!("{DLL_PREFIX}altus_plugin{DLL_SUFFIX}"));
        assert!(lib.is_file(), "{} not built", lib.display());
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bundled");
        let vst3 = dir.join("Altus.vst3/Contents/x86_64-linux");
        std::fs::create_dir_all(&vst3).expect("bundle folder");
        for to in [dir.join("Altus.clap"), vst3.join("Altus.so")] {
            // A fresh name then a rename: a host test never sees a half-written library.
            let tmp = to.with_extension(format!("tmp{}", std::process::id()));
            std::fs::copy(&lib, &tmp).expect("copy the plugin library");
            std::fs::rename(&tmp, &to).expect("place the plugin library");
        }
        dir
    })
}

/// One output note: absolute sample, key, on?, channel (0–15).
pub type Out = (u64, u8, bool, u8);

/// Where the host's transport is for one block.
#[derive(Clone, Copy, Debug)]
pub struct HostTime {
    /// The transport plays.
    pub playing: bool,
    /// Tempo.
    pub bpm: f64,
    /// Position of the block's first sample, in quarters.
    pub beats: f64,
}

/// A plugin instance driven the way a DAW drives it.
pub trait Host {
    /// Samples per block.
    fn block_len(&self) -> u32;
    /// Absolute sample of the next block.
    fn now(&self) -> u64;
    /// One block; `notes` are (offset, key, on) on MIDI channel 1 (index 0), sorted.
    fn block(&mut self, t: &HostTime, notes: &[(u32, u8, bool)]);
    /// A parameter change (normalised 0–1, by display name) sent with the next block.
    fn set_param(&mut self, name: &str, normalized: f64);
    /// Stops and restarts processing (CLAP stop/start_processing, VST3 setProcessing).
    fn restart_processing(&mut self);
    /// Deactivates and re-activates, as a host does when its settings change.
    fn reactivate(&mut self);
    /// Every note the plugin sent so far.
    fn output(&self) -> &[Out];
}

/// Checks the output as a synth would receive it: on each channel and key, note-on and
/// note-off alternate starting with a note-on (so every note-on has exactly one later note-off
/// and no note-off comes without its note-on), times never go back, and nothing sounds at the
/// end.
pub fn check_balanced(out: &[Out]) -> Result<(), String> {
    let mut sounding = [[false; 128]; 16];
    let mut last = 0;
    for (i, &(t, k, on, c)) in out.iter().enumerate() {
        if t < last {
            return Err(format!("event {i} at sample {t} comes after sample {last}"));
        }
        last = t;
        let s = &mut sounding[c as usize & 15][k as usize & 127];
        match (on, *s) {
            (true, true) => return Err(format!("note-on {k} ch {c} at {t} while it sounds")),
            (false, false) => return Err(format!("note-off {k} ch {c} at {t} without a note-on")),
            _ => *s = on,
        }
    }
    let stuck: Vec<(usize, usize)> = (0..16)
        .flat_map(|c| (0..128).map(move |k| (c, k)))
        .filter(|&(c, k)| sounding[c][k])
        .collect();
    if stuck.is_empty() {
        Ok(())
    } else {
        Err(format!("stuck at the end (channel, key): {stuck:?}"))
    }
}

/// Checks that each generated voice's channel (2–16) plays one note at a time: a note left
/// sounding past a restart would overlap the next one.
pub fn check_monophonic(out: &[Out]) -> Result<(), String> {
    let mut sounding = [0u32; 16];
    for &(t, k, on, c) in out.iter().filter(|o| o.3 != 0) {
        let n = &mut sounding[c as usize & 15];
        if on {
            *n += 1;
            if *n > 1 {
                return Err(format!(
                    "note-on {k} ch {c} at {t} while another note sounds there"
                ));
            }
        } else {
            *n = n.saturating_sub(1);
        }
    }
    Ok(())
}

/// Checks that every note sounding when processing resumed (after a restart or a
/// re-activation, at the samples in `resumed`) ended right there, at that first sample.
pub fn check_ended_at(out: &[Out], resumed: &[u64]) -> Result<(), String> {
    for &r in resumed {
        let mut open = std::collections::BTreeSet::new();
        for &(_, k, on, c) in out.iter().filter(|o| o.0 < r) {
            if on {
                open.insert((c, k));
            } else {
                open.remove(&(c, k));
            }
        }
        for (c, k) in open {
            let next = out.iter().find(|o| o.0 >= r && (o.3, o.1) == (c, k));
            if !matches!(next, Some(&(t, _, false, _)) if t == r) {
                return Err(format!(
                    "note {k} ch {c} sounding when processing resumed at {r} was not ended there: {next:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Soprano note-ons (absolute samples) at which no generated voice (channels 2–16) sounds: a
/// generated note must start at that very sample or sound through it.
pub fn unanswered(onsets: &[u64], out: &[Out]) -> Vec<u64> {
    let mut notes: Vec<(u64, u64)> = Vec::new();
    let mut open: [[Option<u64>; 128]; 16] = [[None; 128]; 16];
    for &(t, k, on, c) in out.iter().filter(|o| o.3 != 0) {
        let slot = &mut open[c as usize & 15][k as usize & 127];
        if on {
            *slot = Some(t);
        } else if let Some(s) = slot.take() {
            notes.push((s, t));
        }
    }
    for (s, _) in open.iter().flatten().flatten().map(|&s| (s, u64::MAX)) {
        notes.push((s, u64::MAX));
    }
    onsets
        .iter()
        .copied()
        .filter(|&t| !notes.iter().any(|&(a, b)| a <= t && t < b))
        .collect()
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

/// The events of `events` that fall in the block starting at `now`, as offsets.
pub fn in_block(events: &[(u64, u8, bool)], now: u64, len: u32) -> Vec<(u32, u8, bool)> {
    events
        .iter()
        .filter(|e| e.0 >= now && e.0 < now + len as u64)
        .map(|e| ((e.0 - now) as u32, e.1, e.2))
        .collect()
}

/// The default parameters' settings (Auto key and mode, all three voices in their default
/// ranges, temperature 0, beam 3, velocity follows, channels 2, 3 and 4, soprano through,
/// 120 bpm).
pub fn default_settings() -> Settings {
    Settings {
        key: KeySetting::Auto(None),
        decode: DecodeOptions {
            temperature: 0.0,
            ranges: [(53, 77), (48, 72), (36, 67)],
            seed: 0,
            beam: 3,
            leading: true,
        },
        voices: 3,
        velocity: Velocity::Follow,
        channels: [1, 2, 3],
        pass_through: true,
        default_tempo: 120.0,
    }
}

/// The host-independent voice driven in blocks, recording its output with absolute samples.
pub struct PerformerRun {
    /// The voice.
    pub performer: realtime::Performer,
    /// Samples per block.
    pub block: u32,
    /// Absolute sample of the next block.
    pub now: u64,
    /// Every note sent.
    pub out: Vec<Out>,
}

impl PerformerRun {
    /// The embedded model with `settings`.
    pub fn new(settings: Settings, block: u32) -> PerformerRun {
        let model = Box::new(altus_core::embedded::default_harmony().0);
        PerformerRun {
            performer: realtime::Performer::new(model, SR, settings),
            block,
            now: 0,
            out: Vec::new(),
        }
    }

    /// One block at `t` (bar start from the position in 4/4).
    pub fn block(&mut self, t: &HostTime, notes: &[(u32, u8, bool)]) {
        let tr = Transport {
            playing: t.playing,
            tempo: Some(t.bpm),
            pos_beats: Some(t.beats),
            bar_start_beats: Some((t.beats / 4.0).floor() * 4.0),
            time_sig: Some((4, 4)),
        };
        let input: Vec<Note> = notes
            .iter()
            .map(|&(at, key, on)| note(at, key, on))
            .collect();
        let (now, out) = (self.now, &mut self.out);
        self.performer.process(&tr, &input, self.block, &mut |n| {
            out.push(record(now, n));
            true
        });
        self.now += self.block as u64;
    }
}

/// An input note on channel 0 (velocity 89, as a host's 0.7 arrives).
pub fn note(at: u32, key: u8, on: bool) -> Note {
    if on {
        Note::On {
            at,
            key,
            velocity: 89,
            channel: 0,
        }
    } else {
        Note::Off {
            at,
            key,
            channel: 0,
        }
    }
}

/// A sent note as an [`Out`].
pub fn record(now: u64, n: Note) -> Out {
    match n {
        Note::On {
            at, key, channel, ..
        } => (now + at as u64, key, true, channel),
        Note::Off { at, key, channel } => (now + at as u64, key, false, channel),
    }
}

/// The transport of a song played from beat 0 at `bpm`, at sample `now`.
pub fn playing_at(now: u64, bpm: f64) -> HostTime {
    HostTime {
        playing: true,
        bpm,
        beats: now as f64 / SR * bpm / 60.0,
    }
}

/// What the plugin's voice plays for `events` with the default parameters, in `block`-sample
/// blocks at 120 bpm, until `end`, then one block with the transport stopped: the generated
/// notes only.
pub fn reference(events: &[(u64, u8, bool)], block: u32, end: u64) -> Vec<Out> {
    let mut run = PerformerRun::new(default_settings(), block);
    while run.now < end {
        let notes = in_block(events, run.now, block);
        run.block(&playing_at(run.now, 120.0), &notes);
    }
    let stop = HostTime {
        playing: false,
        ..playing_at(run.now, 120.0)
    };
    run.block(&stop, &[]);
    run.out.into_iter().filter(|o| o.3 != 0).collect()
}

/// Plays `events` on `host` with the transport running at 120 bpm until `end`, then stops the
/// transport for one block.
pub fn play_song(host: &mut impl Host, events: &[(u64, u8, bool)], end: u64) {
    while host.now() < end {
        let notes = in_block(events, host.now(), host.block_len());
        host.block(&playing_at(host.now(), 120.0), &notes);
    }
    let stop = HostTime {
        playing: false,
        ..playing_at(host.now(), 120.0)
    };
    host.block(&stop, &[]);
}
