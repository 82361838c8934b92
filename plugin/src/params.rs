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

/// Which generated voices sound.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoicesChoice {
    /// The alto alone.
    Alto,
    /// Alto and tenor.
    #[name = "Alto + Tenor"]
    AltoTenor,
    /// Alto, tenor and bass: four parts with the soprano.
    #[name = "Alto + Tenor + Bass"]
    All,
}

impl VoicesChoice {
    /// How many of alto, tenor, bass sound.
    pub fn count(self) -> usize {
        self as usize + 1
    }
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
    /// Which voices sound under the soprano.
    #[id = "voices"]
    pub voices: EnumParam<VoicesChoice>,
    /// Lowest alto note.
    #[id = "low"]
    pub low: IntParam,
    /// Highest alto note.
    #[id = "high"]
    pub high: IntParam,
    /// Lowest tenor note.
    #[id = "tlow"]
    pub tenor_low: IntParam,
    /// Highest tenor note.
    #[id = "thigh"]
    pub tenor_high: IntParam,
    /// Lowest bass note.
    #[id = "blow"]
    pub bass_low: IntParam,
    /// Highest bass note.
    #[id = "bhigh"]
    pub bass_high: IntParam,
    /// 0 = always the most likely note.
    #[id = "temp"]
    pub temperature: FloatParam,
    /// Velocity mode.
    #[id = "velmode"]
    pub velocity_mode: EnumParam<VelocityChoice>,
    /// Fixed velocity or scale in %.
    #[id = "vel"]
    pub velocity: IntParam,
    /// The alto's output MIDI channel (1–16).
    #[id = "chan"]
    pub channel: IntParam,
    /// The tenor's output MIDI channel (1–16).
    #[id = "tchan"]
    pub tenor_channel: IntParam,
    /// The bass's output MIDI channel (1–16).
    #[id = "bchan"]
    pub bass_channel: IntParam,
    /// Pass the soprano through.
    #[id = "thru"]
    pub pass_through: BoolParam,
    /// Tempo used when the host gives none.
    #[id = "tempo"]
    pub tempo: FloatParam,
    /// The model file chosen in the editor (`None`: the built-in or the user's default model),
    /// saved with the project.
    #[persist = "model-path"]
    pub model_path: std::sync::Mutex<Option<String>>,
}

/// A MIDI note-number parameter range (the alto's, as stored in projects).
fn note_range() -> IntRange {
    IntRange::Linear { min: 36, max: 96 }
}

/// The tenor's and bass's note range.
fn low_range() -> IntRange {
    IntRange::Linear { min: 24, max: 84 }
}

/// An output channel.
fn channel(name: &str, default: i32) -> IntParam {
    IntParam::new(name, default, IntRange::Linear { min: 1, max: 16 })
}

impl Default for AltusParams {
    fn default() -> Self {
        AltusParams {
            key: EnumParam::new("Key", KeyChoice::Auto),
            mode: EnumParam::new("Mode", ModeChoice::Auto),
            voices: EnumParam::new("Voices", VoicesChoice::All),
            low: IntParam::new("Alto low", 53, note_range()),
            high: IntParam::new("Alto high", 77, note_range()),
            tenor_low: IntParam::new("Tenor low", 48, low_range()),
            tenor_high: IntParam::new("Tenor high", 72, low_range()),
            bass_low: IntParam::new("Bass low", 36, low_range()),
            bass_high: IntParam::new("Bass high", 67, low_range()),
            temperature: FloatParam::new(
                "Temperature",
                0.0,
                FloatRange::Linear { min: 0.0, max: 2.0 },
            )
            .with_step_size(0.05),
            velocity_mode: EnumParam::new("Velocity mode", VelocityChoice::Follow),
            velocity: IntParam::new("Velocity", 80, IntRange::Linear { min: 1, max: 127 }),
            channel: channel("Alto channel", 2),
            tenor_channel: channel("Tenor channel", 3),
            bass_channel: channel("Bass channel", 4),
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
            model_path: std::sync::Mutex::new(None),
        }
    }
}
