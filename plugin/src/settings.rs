//! The parameters as the audio thread's [`Settings`].

use crate::params::{AltusParams, ModeChoice, VelocityChoice};
use crate::realtime::{KeySetting, Settings, Velocity};
use altus_core::harmony::engine::DecodeOptions;
use altus_core::music::key::{Key as MusicKey, Mode};
use nice_plug::prelude::*;

/// The settings the parameters describe (read once per block).
pub fn settings(p: &AltusParams) -> Settings {
    let mode = match p.mode.value() {
        ModeChoice::Auto => None,
        ModeChoice::Major => Some(Mode::Major),
        ModeChoice::Minor => Some(Mode::Minor),
    };
    let key = match p.key.value().tonic() {
        Some(t) => KeySetting::Fixed(MusicKey::new(t, mode.unwrap_or(Mode::Major))),
        None => KeySetting::Auto(mode),
    };
    let range = |lo: &IntParam, hi: &IntParam| {
        let (lo, hi) = (
            lo.value().clamp(0, 127) as u8,
            hi.value().clamp(0, 127) as u8,
        );
        (lo.min(hi), hi.max(lo))
    };
    let chan = |c: &IntParam| (c.value().clamp(1, 16) - 1) as u8;
    let v = p.velocity.value().clamp(1, 127) as u8;
    Settings {
        key,
        decode: DecodeOptions {
            temperature: p.temperature.value(),
            ranges: [
                range(&p.low, &p.high),
                range(&p.tenor_low, &p.tenor_high),
                range(&p.bass_low, &p.bass_high),
            ],
            seed: 0,
            beam: DecodeOptions::default().beam,
            leading: true,
        },
        voices: p.voices.value().count(),
        velocity: match p.velocity_mode.value() {
            VelocityChoice::Follow => Velocity::Follow,
            VelocityChoice::Fixed => Velocity::Fixed(v),
            VelocityChoice::Scale => Velocity::Scale(v),
        },
        channels: [
            chan(&p.channel),
            chan(&p.tenor_channel),
            chan(&p.bass_channel),
        ],
        pass_through: p.pass_through.value(),
        default_tempo: p.tempo.value() as f64,
    }
}
