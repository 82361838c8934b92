//! What crosses the audio thread's borders: transport, notes, settings.

use altus_core::Key;
use altus_core::harmony::engine::DecodeOptions;
use altus_core::music::key::Mode;

/// What the host says about time for one block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Transport {
    /// The transport plays.
    pub playing: bool,
    /// Tempo in beats per minute, if known.
    pub tempo: Option<f64>,
    /// Position of the block's first sample in quarter notes, if known.
    pub pos_beats: Option<f64>,
    /// Position of the current bar's start in quarter notes, if known.
    pub bar_start_beats: Option<f64>,
    /// Time signature, if known.
    pub time_sig: Option<(u8, u8)>,
}

/// A MIDI note event inside a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// Note-on at a sample offset.
    On {
        /// Sample offset in the block.
        at: u32,
        /// Key.
        key: u8,
        /// Velocity 1–127.
        velocity: u8,
        /// MIDI channel 0–15.
        channel: u8,
    },
    /// Note-off at a sample offset.
    Off {
        /// Sample offset in the block.
        at: u32,
        /// Key.
        key: u8,
        /// MIDI channel 0–15.
        channel: u8,
    },
}

impl Note {
    /// Sample offset.
    pub fn at(&self) -> u32 {
        match *self {
            Note::On { at, .. } | Note::Off { at, .. } => at,
        }
    }
}

/// How the generated voices' velocity is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Velocity {
    /// The current soprano note's velocity.
    Follow,
    /// A fixed velocity.
    Fixed(u8),
    /// The soprano's velocity times a percentage.
    Scale(u8),
}

/// The key: fixed, or estimated from the soprano (optionally in a given mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySetting {
    /// This key.
    Fixed(Key),
    /// Estimated from the soprano heard so far.
    Auto(Option<Mode>),
}

/// Settings the audio thread reads once per block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Key to harmonize in.
    pub key: KeySetting,
    /// Decoding (temperature, ranges, seed, beam).
    pub decode: DecodeOptions,
    /// How many generated voices sound: 1 alto, 2 alto and tenor, 3 alto, tenor and bass.
    pub voices: usize,
    /// Velocity of the generated voices.
    pub velocity: Velocity,
    /// Output channel 0–15 of the alto, tenor and bass.
    pub channels: [u8; 3],
    /// Pass the input notes through.
    pub pass_through: bool,
    /// Tempo when the host gives none, in bpm.
    pub default_tempo: f64,
}
