//! Keys, in one place: signatures, major/minor inference, transposition to C major / A minor
//! and back, and the duration-weighted pitch-class histogram (here); the key classifier, a small
//! MLP on that histogram ([`classifier`]); auto key's rule for naming the key of a melody as it
//! is heard ([`auto`]). Training the classifier is the `altus` tool's (`training/src/key`).
//!
//! In the chorale files only a signature's number of sharps/flats is reliable: its minor flag is
//! often wrong and about 30 minor pieces are written one flat short ("Dorian" notation). So the
//! key is inferred from the music: the final bass note against the signature, with the
//! pitch-class profile deciding the ambiguous endings (see [`infer_key`]).

pub mod auto;
pub mod classifier;

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

const NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// Major or minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mode {
    /// Major (Ionian).
    Major,
    /// Minor (Aeolian, with its raised sixth and seventh).
    Minor,
}

/// A key signature as written: -7 (7 flats) … +7 (7 sharps), and the (unreliable) minor flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeySig {
    /// Number of sharps (negative: flats).
    pub sharps: i8,
    /// The signature's minor flag as written.
    pub minor: bool,
}

impl KeySig {
    /// A signature, or `None` if `sharps` is outside −7..=7.
    pub fn new(sharps: i8, minor: bool) -> Option<Self> {
        (-7..=7)
            .contains(&sharps)
            .then_some(KeySig { sharps, minor })
    }

    /// Pitch class of the major key with this signature (C = 0, G = 7, F = 5…).
    pub fn major_tonic(self) -> u8 {
        (7 * self.sharps as i32).rem_euclid(12) as u8
    }

    /// The key the signature claims, trusting its minor flag.
    pub fn declared_key(self) -> Key {
        let tonic = self.major_tonic();
        if self.minor {
            Key::new((tonic + 9) % 12, Mode::Minor)
        } else {
            Key::new(tonic, Mode::Major)
        }
    }
}

/// A key: tonic pitch class and mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    /// Tonic pitch class, 0–11 (C = 0).
    pub tonic: u8,
    /// Major or minor.
    pub mode: Mode,
}

impl Key {
    /// A key (tonic taken mod 12).
    pub fn new(tonic: u8, mode: Mode) -> Self {
        Key {
            tonic: tonic % 12,
            mode,
        }
    }

    /// The reference key of its mode: C major or A minor.
    pub fn reference(mode: Mode) -> Self {
        match mode {
            Mode::Major => Key::new(0, Mode::Major),
            Mode::Minor => Key::new(9, Mode::Minor),
        }
    }

    /// Semitones (−6..=+5) that move this key to C major / A minor.
    pub fn shift_to_reference(self) -> i32 {
        let target = Key::reference(self.mode).tonic as i32;
        let s = (target - self.tonic as i32).rem_euclid(12);
        if s > 5 { s - 12 } else { s }
    }

    /// The signature this key is normally written with (sharps −6..=+5 … as in a circle of fifths).
    pub fn signature_sharps(self) -> i8 {
        let major = match self.mode {
            Mode::Major => self.tonic,
            Mode::Minor => (self.tonic + 3) % 12,
        } as i32;
        // 7 * sharps ≡ major (mod 12)  ⇒  sharps ≡ 7 * major (mod 12); prefer −6..=+5.
        let s = (7 * major).rem_euclid(12);
        (if s > 5 { s - 12 } else { s }) as i8
    }

    /// Pitch classes of the scale (natural minor plus raised 7th for minor keys).
    pub fn scale(self) -> Vec<u8> {
        let steps: &[u8] = match self.mode {
            Mode::Major => &[0, 2, 4, 5, 7, 9, 11],
            Mode::Minor => &[0, 2, 3, 5, 7, 8, 10, 11],
        };
        steps.iter().map(|s| (self.tonic + s) % 12).collect()
    }

    /// Whether a pitch class belongs to the key (see [`Key::scale`]; minor also allows the raised 6th).
    pub fn contains(self, pc: u8) -> bool {
        let rel = (pc + 12 - self.tonic) % 12;
        match self.mode {
            Mode::Major => matches!(rel, 0 | 2 | 4 | 5 | 7 | 9 | 11),
            Mode::Minor => matches!(rel, 0 | 2 | 3 | 5 | 7 | 8 | 9 | 10 | 11),
        }
    }

    /// Name such as `F#`, `Bb`, `C#m`.
    pub fn name(self) -> String {
        let m = if self.mode == Mode::Minor { "m" } else { "" };
        format!("{}{}", NAMES[self.tonic as usize], m)
    }

    /// Parses `C`, `F#`, `Bb`, `Am`, `C#m`, `Ebmin`, `D major`, `g minor`.
    pub fn parse(s: &str) -> Result<Key> {
        let err = || Error::UnknownKey(s.to_string());
        let t = s.trim();
        let mut chars = t.chars();
        let letter = chars.next().ok_or_else(err)?.to_ascii_uppercase();
        let base: i32 = match letter {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return Err(err()),
        };
        let rest = chars.as_str();
        let (acc, rest) = match rest.chars().next() {
            Some('#') => (1, &rest[1..]),
            Some('b') => (-1, &rest[1..]),
            _ => (0, rest),
        };
        let mode = match rest.trim().to_ascii_lowercase().as_str() {
            "" | "maj" | "major" => Mode::Major,
            "m" | "min" | "minor" => Mode::Minor,
            _ => return Err(err()),
        };
        Ok(Key::new((base + acc).rem_euclid(12) as u8, mode))
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// A 12-bin pitch-class histogram, weighted by duration and normalised to sum 1 (all zero if empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PitchClassHistogram(pub [f32; 12]);

impl PitchClassHistogram {
    /// From `(pitch, duration)` pairs in any time unit.
    pub fn from_durations(notes: impl IntoIterator<Item = (u8, f32)>) -> Self {
        let mut h = [0f32; 12];
        for (p, d) in notes {
            h[(p % 12) as usize] += d.max(0.0);
        }
        let total: f32 = h.iter().sum();
        if total > 0.0 {
            h.iter_mut().for_each(|x| *x /= total);
        }
        PitchClassHistogram(h)
    }

    /// The histogram transposed by `semitones` (bin `p` moves to `p + semitones`).
    pub fn transposed(&self, semitones: i32) -> Self {
        let mut h = [0f32; 12];
        for (p, &w) in self.0.iter().enumerate() {
            h[(p as i32 + semitones).rem_euclid(12) as usize] = w;
        }
        PitchClassHistogram(h)
    }

    /// Pearson correlation with a key's profile (Krumhansl–Kessler), the classic key-finding score.
    pub(crate) fn correlation(&self, key: Key) -> f32 {
        let profile = match key.mode {
            Mode::Major => &KK_MAJOR,
            Mode::Minor => &KK_MINOR,
        };
        // An array, not a Vec: the plugin's Auto key calls this on the audio thread.
        let rotated: [f32; 12] =
            std::array::from_fn(|pc| profile[(pc + 12 - key.tonic as usize) % 12]);
        pearson(&self.0, &rotated)
    }

    /// The Krumhansl–Schmuckler estimate: the key whose profile correlates best.
    pub fn krumhansl_schmuckler(&self) -> Key {
        all_keys()
            .max_by(|a, b| self.correlation(*a).total_cmp(&self.correlation(*b)))
            .expect("24 keys")
    }
}

/// The 24 keys: 12 major then 12 minor.
pub(crate) fn all_keys() -> impl Iterator<Item = Key> {
    [Mode::Major, Mode::Minor]
        .into_iter()
        .flat_map(|m| (0..12).map(move |t| Key::new(t, m)))
}

/// Krumhansl–Kessler probe-tone profiles (1982), tonic first.
const KK_MAJOR: [f32; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
const KK_MINOR: [f32; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];

fn pearson(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len() as f32;
    let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        num += (x - ma) * (y - mb);
        da += (x - ma) * (x - ma);
        db += (y - mb) * (y - mb);
    }
    if da == 0.0 || db == 0.0 {
        0.0
    } else {
        num / (da * db).sqrt()
    }
}

/// Infers the key of a piece.
///
/// - With a signature and a final bass note: the final bass against the signature's major tonic
///   M decides: M → M major; M+9 → its relative minor; M+2 → minor on M+2 (written one flat
///   short, "Dorian"); M+4 → the relative minor ending on its dominant (Phrygian cadence). Other
///   endings (M+7, M+5, …) are settled by the pitch-class profile among the keys within one
///   accidental of the signature.
/// - With a signature only (a melody): the best profile among the signature's major and minor,
///   with the melody's final note as a tie-breaker towards its tonic.
/// - Without a signature: the best profile of all 24 keys, again nudged by the final note.
pub(crate) fn infer_key(
    hist: &PitchClassHistogram,
    sig: Option<KeySig>,
    final_bass: Option<u8>,
    final_note: Option<u8>,
) -> Key {
    let Some(sig) = sig else {
        return best_by_profile(hist, all_keys(), final_note);
    };
    let m = sig.major_tonic();
    if let Some(fb) = final_bass {
        match (fb % 12 + 12 - m) % 12 {
            0 => return Key::new(m, Mode::Major),
            9 | 4 => return Key::new(m + 9, Mode::Minor),
            2 => return Key::new(m + 2, Mode::Minor),
            _ => {}
        }
        let near = [
            Key::new(m, Mode::Major),
            Key::new(m + 9, Mode::Minor),
            Key::new(m + 7, Mode::Major), // written one sharp short
            Key::new(m + 5, Mode::Major), // written one flat too many
            Key::new(m + 2, Mode::Minor),
        ];
        return best_by_profile(hist, near.into_iter(), final_bass);
    }
    let pair = [Key::new(m, Mode::Major), Key::new(m + 9, Mode::Minor)];
    best_by_profile(hist, pair.into_iter(), final_note)
}

/// Best correlation, with a small bonus when the final note is the key's tonic.
fn best_by_profile(
    hist: &PitchClassHistogram,
    keys: impl Iterator<Item = Key>,
    final_note: Option<u8>,
) -> Key {
    let score = |k: Key| {
        let bonus = match final_note {
            Some(f) if f % 12 == k.tonic => 0.15,
            _ => 0.0,
        };
        hist.correlation(k) + bonus
    };
    keys.max_by(|a, b| score(*a).total_cmp(&score(*b)))
        .expect("at least one key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_to_reference() {
        assert_eq!(Key::parse("F").unwrap().shift_to_reference(), -5);
        assert_eq!(Key::parse("A").unwrap().shift_to_reference(), 3);
        assert_eq!(Key::parse("Dm").unwrap().shift_to_reference(), -5);
        assert_eq!(Key::parse("Gm").unwrap().shift_to_reference(), 2);
        assert_eq!(Key::parse("F#").unwrap().shift_to_reference(), -6);
        assert_eq!(Key::parse("Am").unwrap().shift_to_reference(), 0);
    }

    #[test]
    fn parses_and_names_keys() {
        for name in ["C", "C#", "Eb", "F#m", "Bbm", "Am", "B", "Bb"] {
            let k = Key::parse(name).unwrap();
            assert_eq!(Key::parse(&k.name()).unwrap(), k, "{name}");
        }
        assert_eq!(Key::parse("g minor").unwrap(), Key::new(7, Mode::Minor));
        assert_eq!(Key::parse("Bb").unwrap(), Key::new(10, Mode::Major));
        assert_eq!(Key::parse("B").unwrap(), Key::new(11, Mode::Major));
        assert!(Key::parse("H").is_err() && Key::parse("").is_err() && Key::parse("Cx").is_err());
    }

    #[test]
    fn signatures_round_trip() {
        for k in all_keys() {
            let sig = KeySig::new(k.signature_sharps(), k.mode == Mode::Minor).unwrap();
            assert_eq!(sig.declared_key(), k, "{k}");
        }
    }

    #[test]
    fn final_bass_decides_mode_against_the_signature() {
        let flat = KeySig::new(-1, false).unwrap(); // F major / D minor
        let h = PitchClassHistogram::default();
        assert_eq!(
            infer_key(&h, Some(flat), Some(5), None),
            Key::new(5, Mode::Major)
        );
        assert_eq!(
            infer_key(&h, Some(flat), Some(2 + 24), None),
            Key::new(2, Mode::Minor)
        );
        // G minor written with one flat (Dorian notation).
        assert_eq!(
            infer_key(&h, Some(flat), Some(7), None),
            Key::new(7, Mode::Minor)
        );
    }

    #[test]
    fn krumhansl_finds_a_scale() {
        // Duration-weighted G major scale with a long tonic.
        let notes = [
            (67, 4.0),
            (69, 1.0),
            (71, 2.0),
            (72, 1.0),
            (74, 3.0),
            (76, 1.0),
            (78, 1.0),
        ];
        let h = PitchClassHistogram::from_durations(notes);
        assert_eq!(h.krumhansl_schmuckler(), Key::new(7, Mode::Major));
        assert!((h.0.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
