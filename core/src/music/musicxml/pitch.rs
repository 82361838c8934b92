//! Written pitches: a MIDI note as letter, alteration and octave, spelled for the key
//! ([`crate::music::chord::spell`]), and the accidentals a bar needs under its key signature.

use crate::music::chord::spell::{LETTERS, spell};
use crate::music::key::Key;

/// A pitch as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// Index of the letter in C D E F G A B.
    pub letter: usize,
    /// Sharps (+) or flats (−).
    pub alter: i32,
    /// Octave, C4 = middle C.
    pub octave: i32,
}

impl Written {
    /// MIDI note `pitch` spelled by its degree in `key` (F♯ in G major, B♭ in F major).
    pub fn of(pitch: u8, key: Key) -> Written {
        parse(&spell(pitch % 12, key), pitch)
    }

    /// The letter as MusicXML writes it.
    pub fn step(&self) -> char {
        LETTERS[self.letter].0
    }
}

/// A spelled name (`F#`, `Bb`, `E#`) of MIDI note `pitch`, with the octave the letter puts it in
/// (B♯3 sounds as C4).
pub(super) fn parse(name: &str, pitch: u8) -> Written {
    let mut chars = name.chars();
    let l = chars.next().unwrap_or('C');
    let letter = LETTERS.iter().position(|x| x.0 == l).unwrap_or(0);
    let alter = chars.map(|c| if c == '#' { 1 } else { -1 }).sum::<i32>();
    let octave = (pitch as i32 - alter - LETTERS[letter].1 as i32).div_euclid(12) - 1;
    Written {
        letter,
        alter,
        octave,
    }
}

/// The alteration each letter takes under a key signature of `sharps` (negative: flats).
fn signature(sharps: i8) -> [i32; 7] {
    // Sharps are added F C G D A E B, flats the other way round.
    const ORDER: [usize; 7] = [3, 0, 4, 1, 5, 2, 6];
    let mut alter = [0; 7];
    for i in 0..sharps.unsigned_abs() as usize {
        if sharps > 0 {
            alter[ORDER[i.min(6)]] = 1;
        } else {
            alter[ORDER[6 - i.min(6)]] = -1;
        }
    }
    alter
}

/// The accidentals in force on one staff within a bar: each written letter and octave keeps the
/// last alteration shown on it, else the key signature's.
pub(crate) struct Accidentals {
    key: [i32; 7],
    shown: Vec<(usize, i32, i32)>,
}

impl Accidentals {
    /// A staff under a key signature of `sharps`.
    pub fn new(sharps: i8) -> Self {
        Accidentals {
            key: signature(sharps),
            shown: Vec::new(),
        }
    }

    /// A new bar: only the key signature holds.
    pub(crate) fn bar_line(&mut self) {
        self.shown.clear();
    }

    /// The accidental to print before `w` (MusicXML's name), if any; a tied continuation prints
    /// none but is remembered.
    pub fn before(&mut self, w: Written, tied_in: bool) -> Option<&'static str> {
        let current = self
            .shown
            .iter()
            .rev()
            .find(|s| s.0 == w.letter && s.1 == w.octave)
            .map_or(self.key[w.letter], |s| s.2);
        if current == w.alter {
            return None;
        }
        self.shown.push((w.letter, w.octave, w.alter));
        if tied_in {
            return None;
        }
        Some(match w.alter {
            i32::MIN..=-2 => "flat-flat",
            -1 => "flat",
            0 => "natural",
            1 => "sharp",
            _ => "double-sharp",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::key::Mode;

    #[test]
    fn spelled_for_the_key() {
        let g = Key::new(7, Mode::Major);
        let f = Key::new(5, Mode::Major);
        let w = Written::of(66, g); // F#4
        assert_eq!((w.step(), w.alter, w.octave), ('F', 1, 4));
        let w = Written::of(70, f); // Bb4
        assert_eq!((w.step(), w.alter, w.octave), ('B', -1, 4));
        let w = Written::of(60, Key::new(1, Mode::Minor)); // the leading tone of C# minor: B#3
        assert_eq!((w.step(), w.alter, w.octave), ('B', 1, 3));
        let w = Written::of(71, Key::new(6, Mode::Minor)); // F# minor's fourth degree
        assert_eq!((w.step(), w.alter, w.octave), ('B', 0, 4));
    }

    #[test]
    fn accidentals_follow_the_signature_and_the_bar() {
        let g = Key::new(7, Mode::Major);
        let mut acc = Accidentals::new(1);
        // F#: in the signature, nothing printed; F natural: a natural; again: nothing.
        assert_eq!(acc.before(Written::of(66, g), false), None);
        assert_eq!(acc.before(Written::of(65, g), false), Some("natural"));
        assert_eq!(acc.before(Written::of(65, g), false), None);
        // Back to F#: a sharp; after the bar line, the signature again.
        assert_eq!(acc.before(Written::of(66, g), false), Some("sharp"));
        acc.bar_line();
        assert_eq!(acc.before(Written::of(66, g), false), None);
        // Flats: B and E under two flats.
        assert_eq!(signature(-2), [0, 0, -1, 0, 0, 0, -1]);
        assert_eq!(signature(3), [1, 0, 0, 1, 1, 0, 0]);
    }
}
