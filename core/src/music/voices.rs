//! Which part is the soprano, alto, tenor, bass.
//!
//! Rules, in order: a file with a single note part is a soprano-only melody; parts whose track
//! name says the voice (soprano/alto/tenor/bass, S/A/T/B, Sopran/Alt/Tenor/Bass, any case, with an
//! optional number) take that voice; the remaining parts fill the remaining voices in file order
//! (type-0 files have one part per channel). Parts beyond four become `Extra` voices.

use crate::music::score::Score;
use serde::{Deserialize, Serialize};

/// A voice of the texture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Voice {
    /// The melody: what a user plays.
    Soprano,
    /// The voice Altus writes.
    Alto,
    /// Tenor.
    Tenor,
    /// Bass.
    Bass,
    /// Any further part (instruments), numbered from 0.
    Extra(u8),
}

impl Voice {
    /// The four chorale voices, top down.
    pub const SATB: [Voice; 4] = [Voice::Soprano, Voice::Alto, Voice::Tenor, Voice::Bass];

    /// Track name used when writing: "Soprano", "Alto", …, "Part 5".
    pub fn name(self) -> String {
        match self {
            Voice::Soprano => "Soprano".into(),
            Voice::Alto => "Alto".into(),
            Voice::Tenor => "Tenor".into(),
            Voice::Bass => "Bass".into(),
            Voice::Extra(i) => format!("Part {}", i as usize + 5),
        }
    }

    /// The voice a track name announces, if any.
    pub(crate) fn from_track_name(name: &str) -> Option<Voice> {
        let word = name
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace() || c == '.')
            .to_ascii_lowercase();
        match word.as_str() {
            "soprano" | "sopran" | "s" | "sop" | "cantus" => Some(Voice::Soprano),
            "alto" | "alt" | "a" => Some(Voice::Alto),
            "tenor" | "t" | "ten" => Some(Voice::Tenor),
            "bass" | "b" | "basso" | "bassus" => Some(Voice::Bass),
            _ => None,
        }
    }

    /// Whether this voice is best cut to its lowest note when chords occur.
    pub(crate) fn prefers_low(self) -> bool {
        self == Voice::Bass
    }
}

/// `(voice, part index)` pairs for every note part of the score, sorted by voice.
pub fn assign(score: &Score) -> Vec<(Voice, usize)> {
    let n = score.parts.len();
    if n == 1 {
        return vec![(Voice::Soprano, 0)];
    }
    let mut out: Vec<(Voice, usize)> = Vec::with_capacity(n);
    let mut unnamed = Vec::new();
    for (i, part) in score.parts.iter().enumerate() {
        match part.name.as_deref().and_then(Voice::from_track_name) {
            Some(v) if !out.iter().any(|&(w, _)| w == v) => out.push((v, i)),
            _ => unnamed.push(i),
        }
    }
    let taken: Vec<Voice> = out.iter().map(|&(v, _)| v).collect();
    let free = Voice::SATB
        .into_iter()
        .filter(|v| !taken.contains(v))
        .chain((0..=u8::MAX).map(Voice::Extra));
    // The reader allows at most 64 parts, far fewer than the 260 voices; any beyond are left out.
    for (i, v) in unnamed.into_iter().zip(free) {
        out.push((v, i));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (n, v) in [
            ("Soprano", Voice::Soprano),
            ("SOPRAN", Voice::Soprano),
            ("S", Voice::Soprano),
            ("alt", Voice::Alto),
            ("Alto 1", Voice::Alto),
            ("t.", Voice::Tenor),
            ("Bass", Voice::Bass),
        ] {
            assert_eq!(Voice::from_track_name(n), Some(v), "{n}");
        }
        assert_eq!(Voice::from_track_name("Instrument 1"), None);
        assert_eq!(Voice::from_track_name("Piano"), None);
    }
}
