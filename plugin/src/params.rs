//! Host-visible parameters. The `#[id]` strings are stored in projects: never change them.

use nice_plug::prelude::*;

/// Key choice: automatic or a tonic.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// Estimated from the soprano heard so far.
    Auto,
    /// C.
    C,
    /// C♯/D♭.
    #[name = "C#/Db"]
    Cs,
    /// D.
    D,
    /// E♭/D♯.
    #[name = "Eb/D#"]
    Eb,
    /// E.
    E,
    /// F.
    F,
    /// F♯/G♭.
    #[name = "F#/Gb"]
    Fs,
    /// G.
    G,
    /// A♭/G♯.
    #[name = "Ab/G#"]
    Ab,
    /// A.
    A,
    /// B♭/A♯.
    #[name = "Bb/A#"]
    Bb,
    /// B.
    B,
}

impl KeyChoice {
    /// Tonic pitch class, `None` for Auto.
    pub fn tonic(self) -> Option<u8> {
        (self != KeyChoice::Auto).then(|| self as u8 - 1)
    }
}

/// Mode choice.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeChoice {
    /// From the key estimate.
    Auto,
    /// Major.
    Major,
    /// Minor.
    Minor,
}

/// How the alto's velocity is set.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VelocityChoice {
    /// The soprano's velocity.
    Follow,
    /// The velocity parameter.
    Fixed,
    /// The soprano's velocity × the velocity parameter (in %).
    Scale,
}

/// All parameters.
#[derive(Params)]
pub struct AltusParams {
    /// Key of the harmony.
    #[id = "key"]
    pub key: EnumParam<KeyChoice>,
    /// Mode of the harmony.
    #[id = "mode"]
    pub mode: EnumParam<ModeChoice>,
    /// Lowest alto note.
    #[id = "low"]
    pub low: IntParam,
    /// Highest alto note.
    #[id = "high"]
    pub high: IntParam,
    /// 0 = always the most likely note.
    #[id = "temp"]
    pub temperature: FloatParam,
    /// Velocity mode.
    #[id = "velmode"]
    pub velocity_mode: EnumParam<VelocityChoice>,
    /// Fixed velocity or scale in %.
    #[id = "vel"]
    pub velocity: IntParam,
    /// Output MIDI channel (1–16).
    #[id = "chan"]
    pub channel: IntParam,
    /// Pass the soprano through.
    #[id = "thru"]
    pub pass_through: BoolParam,
    /// Tempo used when the host gives none.
    #[id = "tempo"]
    pub tempo: FloatParam,
}

/// A MIDI note-number parameter range.
fn note_range() -> IntRange {
    IntRange::Linear { min: 36, max: 96 }
}

impl Default for AltusParams {
    fn default() -> Self {
        AltusParams {
            key: EnumParam::new("Key", KeyChoice::Auto),
            mode: EnumParam::new("Mode", ModeChoice::Auto),
            low: IntParam::new("Alto low", 53, note_range()),
            high: IntParam::new("Alto high", 77, note_range()),
            temperature: FloatParam::new(
                "Temperature",
                0.0,
                FloatRange::Linear { min: 0.0, max: 2.0 },
            )
            .with_step_size(0.05),
            velocity_mode: EnumParam::new("Velocity mode", VelocityChoice::Follow),
            velocity: IntParam::new("Velocity", 80, IntRange::Linear { min: 1, max: 127 }),
            channel: IntParam::new("Alto channel", 2, IntRange::Linear { min: 1, max: 16 }),
            pass_through: BoolParam::new("Soprano through", true),
            tempo: FloatParam::new(
                "Tempo (no host tempo)",
                120.0,
                FloatRange::Linear {
                    min: 30.0,
                    max: 300.0,
                },
            )
            .with_unit(" bpm"),
        }
    }
}
