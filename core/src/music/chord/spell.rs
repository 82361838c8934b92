//! Note names for a key: each pitch class written on the scale degree it plays (F♯ in G major,
//! B♭ in F major, E♯ in C♯ minor, the raised sixth and seventh of minor with sharps).

use crate::music::key::{Key, Mode};

/// A pitch class's name in `key`, spelled by scale degree: the key's own notes by its letters
/// (F♯ in G major, B♭ in F major, E♯ in C♯ minor), chromatic notes as the raised or lowered
/// degree Bach's harmony uses them for — in major ♯1, ♯2, ♯4, ♯5 (leading tones of ii, iii, V,
/// vi) and ♭7; in minor ♭2 (Neapolitan) and ♯3, ♯4, ♯6, ♯7 (the Picardy third, V/V, the melodic
/// minor's raised sixth and seventh). Accidentals are written `#` and `b`.
pub fn spell(pc: u8, key: Key) -> String {
    spell_degree(pc, key, degree_of(pc, key))
}

/// The degree (0–6 above the tonic's letter) [`spell`] writes `pc` as.
pub(super) fn degree_of(pc: u8, key: Key) -> usize {
    let rel = (pc % 12 + 12 - key.tonic) % 12;
    let steps: [u8; 7] = match key.mode {
        Mode::Major => [0, 2, 4, 5, 7, 9, 11],
        Mode::Minor => [0, 2, 3, 5, 7, 8, 10],
    };
    if let Some(d) = steps.iter().position(|&s| s == rel) {
        return d;
    }
    let chromatic: &[(u8, usize)] = match key.mode {
        Mode::Major => &[(1, 0), (3, 1), (6, 3), (8, 4), (10, 6)],
        Mode::Minor => &[(1, 1), (4, 2), (6, 3), (9, 5), (11, 6)],
    };
    chromatic.iter().find(|r| r.0 == rel).map_or(0, |r| r.1)
}

/// The seven letters from C, with the pitch class each names without an accidental.
pub(crate) const LETTERS: [(char, u8); 7] = [
    ('C', 0),
    ('D', 2),
    ('E', 4),
    ('F', 5),
    ('G', 7),
    ('A', 9),
    ('B', 11),
];

/// `pc` written on the letter `degree` steps above the tonic's, with the accidentals it takes.
pub(super) fn spell_degree(pc: u8, key: Key, degree: usize) -> String {
    let name = key.name();
    let tonic = LETTERS
        .iter()
        .position(|l| name.starts_with(l.0))
        .expect("a key name starts with its letter");
    let (letter, natural) = LETTERS[(tonic + degree) % 7];
    let diff = ((pc % 12) as i32 - natural as i32 + 18).rem_euclid(12) - 6;
    let accidental = if diff > 0 {
        "#".repeat(diff as usize)
    } else {
        "b".repeat((-diff) as usize)
    };
    format!("{letter}{accidental}")
}
