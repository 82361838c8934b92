//! The piano roll as plain data (tested without a window): its pitch range fitted to the notes
//! shown, each voice's notes as bars with their names spelled in the key, and the chords named
//! where they change.

use crate::monitor::{SHOWN, Snapshot};
use altus_core::Key;
use altus_core::music::chord::name::identify;
use altus_core::music::chord::spell::spell;
use altus_core::music::musicxml::pitch::Written;

/// The fewest semitones the roll shows (rows stay readable, the voices keep their shape).
pub const MIN_SPAN: u8 = 24;

/// One note on the roll: columns `[start, end)`, its pitch, its voice (soprano 0) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// First column.
    pub start: usize,
    /// One past the last column.
    pub end: usize,
    /// MIDI note.
    pub pitch: u8,
    /// Voice, top down.
    pub voice: usize,
    /// Its name in the key ("F#4", "Bb3").
    pub name: String,
}

/// A note's name spelled in `key`, with its octave: F♯ in G major, B♭ in F major.
pub fn spelled(pitch: u8, key: Key) -> String {
    format!(
        "{}{}",
        spell(pitch % 12, key),
        Written::of(pitch, key).octave
    )
}

/// Lowest and highest pitch shown: the notes on the roll and sounding now with a tone to spare,
/// widened evenly to [`MIN_SPAN`]; a choir's middle (C3–C5) when nothing is shown.
pub fn range(s: &Snapshot) -> (u8, u8) {
    let all = s.roll.iter().flatten().chain(s.sounding.iter()).flatten();
    let (lo, hi) = all.fold((u8::MAX, 0), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    if lo > hi {
        return (48, 72);
    }
    let (mut lo, mut hi) = (lo.saturating_sub(2), hi.saturating_add(2).min(127));
    while hi - lo < MIN_SPAN {
        lo = lo.saturating_sub(1);
        if hi - lo < MIN_SPAN && hi < 127 {
            hi += 1;
        }
    }
    (lo, hi)
}

/// Each voice's notes as bars: a run of columns on one pitch is one bar.
pub fn bars(s: &Snapshot) -> Vec<Bar> {
    let mut out = Vec::new();
    for voice in 0..4 {
        let mut col = 0;
        while col < SHOWN {
            let Some(p) = s.roll[col][voice] else {
                col += 1;
                continue;
            };
            let start = col;
            while col < SHOWN && s.roll[col][voice] == Some(p) {
                col += 1;
            }
            out.push(Bar {
                start,
                end: col,
                pitch: p,
                voice,
                name: spelled(p, s.key),
            });
        }
    }
    out
}

/// The chords the four voices make on the roll, named (symbol) at each column where the
/// chord changes; columns with no chord end the one before.
pub fn chords(s: &Snapshot) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut last = None;
    for (col, notes) in s.roll.iter().enumerate() {
        let pitches: Vec<u8> = notes.iter().flatten().copied().collect();
        let chord = identify(&pitches);
        let id = chord.map(|c| (c.root, c.quality, c.bass));
        if id != last {
            last = id;
            if let Some(c) = chord {
                out.push((col, c.symbol(s.key)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use altus_core::Mode;

    fn snapshot(key: Key) -> Snapshot {
        let mut roll = [[None; 4]; SHOWN];
        // Four columns of G major (G5 B4 D4 G2), then D7 over C (D5 F#4 A3 C3) for four.
        for c in 0..4 {
            roll[20 + c] = [Some(79), Some(71), Some(62), Some(43)];
            roll[24 + c] = [Some(74), Some(66), Some(57), Some(48)];
        }
        Snapshot {
            key,
            fixed: false,
            confidence: 0.9,
            sounding: roll[27],
            roll,
        }
    }

    #[test]
    fn the_range_fits_the_voices() {
        let g = Key::new(7, Mode::Major);
        // G2 to G5 with a tone either side.
        assert_eq!(range(&snapshot(g)), (41, 81));
        let mut narrow = snapshot(g);
        narrow.roll = [[Some(60), None, None, None]; SHOWN];
        narrow.sounding = [Some(62), None, None, None];
        let (lo, hi) = range(&narrow);
        assert_eq!(hi - lo, MIN_SPAN);
        assert!(lo <= 58 && hi >= 64);
        let empty = Snapshot {
            roll: [[None; 4]; SHOWN],
            sounding: [None; 4],
            ..snapshot(g)
        };
        assert_eq!(range(&empty), (48, 72));
    }

    #[test]
    fn notes_are_bars_named_in_the_key_and_chords_named_where_they_change() {
        let s = snapshot(Key::new(7, Mode::Major));
        let b = bars(&s);
        assert_eq!(b.len(), 8);
        assert_eq!((b[0].start, b[0].end, b[0].pitch), (20, 24, 79));
        assert_eq!(b[0].name, "G5");
        // The alto's F♯ is spelled as in G major; the bass's C3 stays C.
        assert!(b.iter().any(|x| x.voice == 1 && x.name == "F#4"));
        assert!(b.iter().any(|x| x.voice == 3 && x.name == "C3"));
        assert_eq!(
            chords(&s),
            vec![(20, "G".to_string()), (24, "D7/C".to_string())]
        );
        // In F major, B flat is written so.
        assert_eq!(spelled(70, Key::new(5, Mode::Major)), "Bb4");
    }
}
