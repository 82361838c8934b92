//! Chord names as a musician writes them, from the pitches sounding at one moment (the lowest is
//! the bass): the symbol (`G7/B`, `F#m`, `B°`, `Dø7`) and the Roman numeral in a key (`V6/5`,
//! `ii°`, `V7/V`, `♭VI`). A complete triad or seventh chord (a seventh may lack its fifth) is named
//! by [`super::tertian`]; two notes a third apart are named as the triad they imply, root below
//! (the fifth is the note four-part writing leaves out first).

use super::spell::{degree_of, spell_degree};
use super::{Quality, pitch_classes, tertian};
use crate::music::key::{Key, Mode};

/// A named chord: root and bass as pitch classes, quality, and whether every note was there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    /// Root, pitch class 0–11.
    pub root: u8,
    /// Quality.
    pub quality: Quality,
    /// Bass, pitch class 0–11 (the lowest note).
    pub bass: u8,
    /// False for a triad named from its root and third only.
    pub complete: bool,
}

/// The chord of `pitches` (MIDI numbers, any order, doublings allowed), or `None` when they do not
/// make one (a single pitch class, an open fifth, a non-chord tone against a triad, a cluster).
pub fn identify(pitches: &[u8]) -> Option<Chord> {
    let bass = pitches.iter().copied().min()? % 12;
    let pcs = pitch_classes(pitches.iter().copied());
    if let Some((root, quality)) = tertian(pcs) {
        return Some(Chord {
            root,
            quality,
            bass,
            complete: true,
        });
    }
    if pcs.count_ones() != 2 {
        return None;
    }
    let low = pcs.trailing_zeros() as u8;
    let high = 15 - pcs.leading_zeros() as u8;
    // The third, whichever note is the root: r–r+3/4, or the inverted r+8/9 above r.
    let (root, third) = match high - low {
        3 | 4 => (low, high - low),
        8 | 9 => (high, 12 - (high - low)),
        _ => return None,
    };
    let quality = if third == 4 {
        Quality::Major
    } else {
        Quality::Minor
    };
    Some(Chord {
        root,
        quality,
        bass,
        complete: false,
    })
}

impl Chord {
    /// 0 root position, 1 first inversion (third in the bass), 2 second, 3 third (seventh).
    pub fn inversion(&self) -> u8 {
        match (self.bass + 12 - self.root) % 12 {
            0 => 0,
            3 | 4 => 1,
            6..=8 => 2,
            _ => 3,
        }
    }

    /// The same chord with its root read in `key`: the diminished seventh and the augmented
    /// triad sound alike from each of their notes, so the root is the one that leads to the
    /// tonic (or else to a consonant degree) or, augmented, the one in the key.
    pub fn in_key(&self, key: Key) -> Chord {
        let (step, n) = match self.quality {
            Quality::Diminished7 => (3, 4),
            Quality::Augmented => (4, 3),
            _ => return *self,
        };
        let roots = (0..n).map(|i| (self.root + step * i) % 12);
        let leads_to = |r: u8, d: Option<u8>| {
            let t = (r + 13 - key.tonic) % 12;
            degree(t, key.mode) == d
                || (d.is_none()
                    && degree(t, key.mode).is_some_and(|d| {
                        matches!(triad_at(d, key.mode), Quality::Major | Quality::Minor)
                    }))
        };
        let root = match self.quality {
            Quality::Diminished7 => roots
                .clone()
                .find(|&r| leads_to(r, Some(0)))
                .or_else(|| roots.clone().find(|&r| leads_to(r, None))),
            _ => roots.clone().find(|&r| {
                key.contains(r) && degree((r + 12 - key.tonic) % 12, key.mode).is_some()
            }),
        };
        Chord {
            root: root.unwrap_or(self.root),
            ..*self
        }
    }

    /// A note of this chord spelled in `key`: the root on its degree (a lowered degree in
    /// flats), the others a third, fifth or seventh above it (`Ab C Eb`, not `G# C Eb`).
    pub fn tone(&self, pc: u8, key: Key) -> String {
        let s = self.in_key(key);
        let root_degree = s
            .chromatic_flat(key)
            .unwrap_or_else(|| degree_of(s.root, key));
        let letters_up = match (pc % 12 + 12 - s.root) % 12 {
            0 => 0,
            1..=4 => 2,
            5..=8 => 4,
            _ => 6,
        };
        spell_degree(pc, key, root_degree + letters_up)
    }

    fn seventh(&self) -> bool {
        use Quality::*;
        matches!(
            self.quality,
            Dominant7 | Major7 | Minor7 | HalfDiminished7 | Diminished7
        )
    }

    /// The lead-sheet symbol, spelled for `key`: `C`, `Am`, `B°`, `Caug`, `G7`, `Fmaj7`, `Dm7`,
    /// `Bø7`, `C#°7`, with `/bass` for an inversion (`G7/B`).
    pub fn symbol(&self, key: Key) -> String {
        use Quality::*;
        let s = self.in_key(key);
        let suffix = match s.quality {
            Major => "",
            Minor => "m",
            Diminished => "°",
            Augmented => "+",
            Dominant7 => "7",
            Major7 => "maj7",
            Minor7 => "m7",
            HalfDiminished7 => "ø7",
            Diminished7 => "°7",
        };
        let root = s.tone(s.root, key);
        if s.bass == s.root {
            format!("{root}{suffix}")
        } else {
            format!("{root}{suffix}/{}", s.tone(s.bass, key))
        }
    }

    /// The Roman numeral in `key`, with the inversion's figures: diatonic chords by their degree
    /// (`I`, `ii`, `vii°`, `V6/5`, `iiø4/3`, `IV6/4`); a major triad or dominant seventh that
    /// resolves to another degree as its secondary dominant (`V/V`, `V7/ii`), a diminished one
    /// as its leading-tone chord (`vii°7/V`); other chromatic chords with ♭ or ♯ before the
    /// degree (`♭VI`, `♭II6`).
    pub fn numeral(&self, key: Key) -> String {
        let c = self.in_key(key);
        c.numeral_as_read(key)
    }

    fn numeral_as_read(&self, key: Key) -> String {
        let figures = self.figures();
        let diatonic = self.pitch_classes().iter().all(|&pc| key.contains(pc));
        let rel = (self.root + 12 - key.tonic) % 12;
        if diatonic && let Some(degree) = degree(rel, key.mode) {
            return format!("{}{figures}", self.roman(degree));
        }
        if let Some((numeral, to)) = self.applied(key) {
            return format!("{numeral}{figures}/{to}");
        }
        // Chromatic: a lowered degree, else the major scale's degree.
        let (step, accidental) = match self.chromatic_flat(key) {
            Some(d) => (d as u8, "♭"),
            None => (major_degree(rel).unwrap_or(0), ""),
        };
        format!(
            "{accidental}{}{figures}",
            Roman::new(step, self.quality).text()
        )
    }

    /// A chromatic major triad or dominant seventh as the dominant of the degree a fifth below
    /// (`V`, `ii`), a diminished one as its leading-tone chord (`vii°`, `V`): the numeral and the
    /// degree it leads to. Only a consonant degree other than the tonic is tonicised.
    fn applied(&self, key: Key) -> Option<(String, String)> {
        use Quality::*;
        if self.pitch_classes().iter().all(|&pc| key.contains(pc)) {
            return None;
        }
        let to = |target: u8| {
            let t = (target + 12 - key.tonic) % 12;
            let d = degree(t, key.mode).filter(|&d| d != 0)?;
            let q = triad_at(d, key.mode);
            matches!(q, Major | Minor).then(|| Roman::new(d, q).text())
        };
        match self.quality {
            Major | Dominant7 => Some((Roman::new(4, Major).text(), to((self.root + 5) % 12)?)),
            Diminished | Diminished7 | HalfDiminished7 => Some((
                Roman::new(6, self.quality).text(),
                to((self.root + 1) % 12)?,
            )),
            _ => None,
        }
    }

    /// For a chromatic chord named as a lowered degree (`♭VI`), that degree (0–6).
    fn chromatic_flat(&self, key: Key) -> Option<usize> {
        let diatonic = self.pitch_classes().iter().all(|&pc| key.contains(pc));
        let rel = (self.root + 12 - key.tonic) % 12;
        if (diatonic && degree(rel, key.mode).is_some()) || self.applied(key).is_some() {
            return None;
        }
        match rel {
            1 => Some(1),
            3 => Some(2),
            6 => Some(4),
            8 => Some(5),
            10 => Some(6),
            _ => None,
        }
    }

    fn roman(&self, degree: u8) -> String {
        Roman::new(degree, self.quality).text()
    }

    fn figures(&self) -> &'static str {
        match (self.seventh(), self.inversion()) {
            (false, 0) => "",
            (false, 1) => "6",
            (false, _) => "6/4",
            (true, 0) => "7",
            (true, 1) => "6/5",
            (true, 2) => "4/3",
            (true, _) => "4/2",
        }
    }

    fn pitch_classes(&self) -> Vec<u8> {
        let iv = super::intervals(self.quality);
        let keep = if self.complete { iv.len() } else { 2 };
        iv[..keep].iter().map(|i| (self.root + i) % 12).collect()
    }
}

/// A degree (0 = I … 6 = VII) written in the case and with the marks its quality takes.
struct Roman {
    degree: u8,
    quality: Quality,
}

impl Roman {
    fn new(degree: u8, quality: Quality) -> Roman {
        Roman { degree, quality }
    }

    fn text(&self) -> String {
        use Quality::*;
        const UPPER: [&str; 7] = ["I", "II", "III", "IV", "V", "VI", "VII"];
        let upper = UPPER[self.degree as usize % 7];
        let (lower, mark) = match self.quality {
            Major => (false, ""),
            Minor => (true, ""),
            Diminished => (true, "°"),
            Augmented => (false, "+"),
            // A seventh chord's 7 is its figure (root position), replaced by an inversion's.
            Dominant7 => (false, ""),
            Major7 => (false, "maj"),
            Minor7 => (true, ""),
            HalfDiminished7 => (true, "ø"),
            Diminished7 => (true, "°"),
        };
        let numeral = if lower {
            upper.to_lowercase()
        } else {
            upper.to_string()
        };
        format!("{numeral}{mark}")
    }
}

/// The scale degree (0–6) of a root `rel` semitones above the tonic, if it is one; minor keys
/// count both the subtonic and the leading tone as the seventh degree.
fn degree(rel: u8, mode: Mode) -> Option<u8> {
    match mode {
        Mode::Major => major_degree(rel),
        Mode::Minor => match rel {
            0 => Some(0),
            2 => Some(1),
            3 => Some(2),
            5 => Some(3),
            7 => Some(4),
            8 | 9 => Some(5),
            10 | 11 => Some(6),
            _ => None,
        },
    }
}

fn major_degree(rel: u8) -> Option<u8> {
    [0, 2, 4, 5, 7, 9, 11]
        .iter()
        .position(|&r| r == rel)
        .map(|d| d as u8)
}

/// The triad a degree carries (major keys; minor keys with the harmonic minor's V and vii°).
fn triad_at(degree: u8, mode: Mode) -> Quality {
    use Quality::*;
    match mode {
        Mode::Major => [Major, Minor, Minor, Major, Major, Minor, Diminished][degree as usize],
        Mode::Minor => [Minor, Diminished, Major, Minor, Major, Major, Diminished][degree as usize],
    }
}
