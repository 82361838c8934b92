//! Chord names on hand-made chords: every quality in every inversion, incomplete triads, sevenths,
//! chromatic chords and spelling in sharp and flat keys.

use altus_core::music::chord::Quality;
use altus_core::music::chord::name::identify;
use altus_core::music::chord::spell::spell;
use altus_core::music::key::{Key, Mode};

fn c() -> Key {
    Key::new(0, Mode::Major)
}

/// Symbol and numeral of `pitches` in `key`.
fn name(pitches: &[u8], key: Key) -> (String, String) {
    let ch = identify(pitches).unwrap_or_else(|| panic!("{pitches:?} names no chord"));
    (ch.symbol(key), ch.numeral(key))
}

fn is(pitches: &[u8], key: Key, symbol: &str, numeral: &str) {
    assert_eq!(
        name(pitches, key),
        (symbol.into(), numeral.into()),
        "{pitches:?}"
    );
}

#[test]
fn every_quality_in_every_inversion() {
    // C major triad: root position, first and second inversion, any doubling.
    is(&[48, 64, 67, 72], c(), "C", "I");
    is(&[52, 60, 67, 72], c(), "C/E", "I6");
    is(&[55, 60, 64, 72], c(), "C/G", "I6/4");
    // Diatonic triads of C major.
    is(&[50, 65, 69, 74], c(), "Dm", "ii");
    is(&[52, 67, 71, 76], c(), "Em", "iii");
    is(&[53, 60, 69, 72], c(), "F", "IV");
    is(&[43, 62, 67, 71], c(), "G", "V");
    is(&[45, 64, 69, 72], c(), "Am", "vi");
    is(&[50, 65, 71, 74], c(), "B°/D", "vii°6");
    // Sevenths in every inversion.
    is(&[43, 59, 65, 67], c(), "G7", "V7");
    is(&[47, 62, 65, 67], c(), "G7/B", "V6/5");
    is(&[50, 59, 65, 67], c(), "G7/D", "V4/3");
    is(&[53, 59, 62, 67], c(), "G7/F", "V4/2");
    is(&[50, 60, 65, 69], c(), "Dm7", "ii7");
    is(&[53, 60, 65, 74], c(), "Dm7/F", "ii6/5");
    is(&[47, 62, 65, 69], c(), "Bø7", "viiø7");
    is(&[41, 60, 64, 69], c(), "Fmaj7", "IVmaj7");
    // Augmented and diminished seventh (harmonic minor).
    let a = Key::new(9, Mode::Minor);
    is(&[48, 64, 68, 72], a, "C+", "III+");
    is(&[56, 59, 62, 65], a, "G#°7", "vii°7");
    // Spelled by degree: E# in C# minor, F# in G major, Bb in F major.
    let cs = Key::new(1, Mode::Minor);
    assert_eq!(spell(5, cs), "E#");
    assert_eq!(spell(6, Key::new(7, Mode::Major)), "F#");
    assert_eq!(spell(10, Key::new(5, Mode::Major)), "Bb");
    // C# major in C# minor, its third in the bass: read as the dominant of iv (at a final
    // cadence a musician would call it the Picardy third).
    is(&[53, 56, 61, 68], cs, "C#/E#", "V6/iv");
    is(&[52, 56, 59, 64], a, "E", "V");
    is(&[45, 60, 64, 69], a, "Am", "i");
    is(&[50, 65, 69, 74], a, "Dm", "iv");
}

#[test]
fn incomplete_triads_are_named_from_root_and_third() {
    // C and E only (the fifth left out): C major; E in the bass: first inversion.
    let ch = identify(&[48, 60, 64, 72]).unwrap();
    assert_eq!(
        (ch.root, ch.quality, ch.complete),
        (0, Quality::Major, false)
    );
    is(&[52, 60, 64, 72], c(), "C/E", "I6");
    // A and C: A minor, even with C below (the inverted third).
    is(&[48, 57, 60, 69], c(), "Am/C", "vi6");
    // Not chords: one pitch class, an open fifth, a second, a triad with a passing tone.
    assert_eq!(identify(&[48, 60, 72]), None);
    assert_eq!(identify(&[48, 55, 60, 67]), None);
    assert_eq!(identify(&[60, 62]), None);
    assert_eq!(identify(&[48, 62, 64, 67]), None);
    assert_eq!(identify(&[]), None);
}

#[test]
fn chromatic_chords_name_what_they_lead_to() {
    // D F# A (C): the dominant of the dominant.
    is(&[50, 66, 69, 74], c(), "D", "V/V");
    is(&[54, 60, 62, 69], c(), "D7/F#", "V6/5/V");
    // E G# B D in C: V7 of vi; C E G Bb: V7 of IV; C# E G Bb: vii°7 of ii.
    is(&[40, 62, 68, 71], c(), "E7", "V7/vi");
    is(&[48, 64, 67, 70], c(), "C7", "V7/IV");
    is(&[49, 64, 67, 70], c(), "C#°7", "vii°7/ii");
    // Ab major in C: the flat sixth; Db major over F: the Neapolitan sixth.
    is(&[44, 60, 63, 68], c(), "Ab", "♭VI");
    is(&[53, 61, 65, 68], c(), "Db/F", "♭II6");
}

#[test]
fn spelling_follows_the_key() {
    let f = Key::new(5, Mode::Major);
    is(&[46, 62, 65, 70], f, "Bb", "IV");
    is(&[48, 64, 67, 70], f, "C7", "V7");
    let e = Key::new(4, Mode::Major);
    is(&[49, 64, 68, 73], e, "C#m", "vi");
    is(&[51, 66, 69, 71], e, "B7/D#", "V6/5");
}
