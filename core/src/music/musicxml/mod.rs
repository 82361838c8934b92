//! A four-part score as MusicXML 3.1 (partwise), for notation programs to open and print:
//! soprano and alto on a treble staff, tenor and bass on a bass staff (or a staff each), the key
//! and time signatures, the pickup as an incomplete first bar, notes tied over bar lines and
//! beats, pitches spelled for the key, chord symbols above and Roman numerals below.
//!
//! The score is written from the 16th-note grid (what the harmonizer wrote), so its notes are
//! the MIDI file's on the grid; a soprano played off the grid is shown snapped to it.

pub mod bars;
mod harmony;
mod part;
pub mod pitch;
mod xml;

use crate::fsutil::write_atomic;
use crate::music::chord::beats;
use crate::music::grid::Grid;
use crate::music::key::Key;
use crate::music::voices::Voice;
use std::fmt::Write;
use std::path::Path;

/// Whether `path` names a MusicXML file (`.musicxml` or `.xml`): where a score is written rather
/// than MIDI.
pub fn is_musicxml_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("musicxml") || e.eq_ignore_ascii_case("xml"))
}

/// How the voices are laid out on staves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staves {
    /// Two voices to a staff: soprano and alto, tenor and bass (a hymnal's closed score).
    Two,
    /// A staff per voice (open score; the tenor in the octave treble clef).
    Four,
}

/// What to write: the grid's voices (top down), the key to spell in and each step's position in
/// its bar.
pub struct Sheet<'a> {
    /// The voices (soprano first) with the metre and tempo maps.
    pub grid: &'a Grid,
    /// The key: signature, spelling and numerals.
    pub key: Key,
    /// Position in the bar of each step.
    pub bar_pos: &'a [u16],
    /// Staff layout.
    pub staves: Staves,
    /// The title (the input file's name, say).
    pub title: &'a str,
}

impl Sheet<'_> {
    /// The score as MusicXML text.
    pub(crate) fn to_xml(&self) -> String {
        let grid = self.grid;
        let from = grid.first_onset().unwrap_or(0);
        let bars = bars::bars(grid, self.bar_pos, from);
        let marks: Vec<_> = beats::changes(grid, self.bar_pos)
            .into_iter()
            .filter(|b| b.step >= from)
            .filter_map(|b| Some((b.step, b.chord?)))
            .collect();
        let per_staff = match self.staves {
            Staves::Two => 2,
            Staves::Four => 1,
        };
        let groups: Vec<_> = grid.voices.chunks(per_staff).collect();
        let bpm = grid
            .tempos
            .first()
            .filter(|t| t.us_per_quarter > 0)
            .map(|t| 60e6 / t.us_per_quarter as f64);

        let mut out = String::with_capacity(256 * grid.len.max(1));
        out.push_str(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
             <!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 3.1 Partwise//EN\" \
             \"http://www.musicxml.org/dtds/partwise.dtd\">\n<score-partwise version=\"3.1\">",
        );
        let _ = write!(
            out,
            "<work><work-title>{}</work-title></work><identification><encoding><software>Altus {}\
             </software></encoding></identification><part-list>\
             <part-group type=\"start\" number=\"1\"><group-symbol>bracket</group-symbol></part-group>",
            xml::escape(self.title),
            env!("CARGO_PKG_VERSION")
        );
        for (i, g) in groups.iter().enumerate() {
            let names: Vec<String> = g.iter().map(|l| l.voice.name()).collect();
            let _ = write!(
                out,
                "<score-part id=\"P{n}\"><part-name>{}</part-name>\
                 <score-instrument id=\"P{n}-I1\"><instrument-name>Voice</instrument-name></score-instrument>\
                 <midi-instrument id=\"P{n}-I1\"><midi-channel>{}</midi-channel><midi-program>54</midi-program>\
                 </midi-instrument></score-part>",
                xml::escape(&names.join(", ")),
                i + 1,
                n = i + 1
            );
        }
        out.push_str("<part-group type=\"stop\" number=\"1\"/></part-list>");
        // Chords are named only over a bass: two voices rarely spell one.
        let named = grid.voices.iter().any(|l| l.voice == Voice::Bass);
        for (i, g) in groups.iter().enumerate() {
            let _ = write!(out, "<part id=\"P{}\">", i + 1);
            let staff = part::Staff {
                lines: g,
                symbols: named && i == 0,
                numerals: named && i + 1 == groups.len(),
            };
            part::write(&mut out, &staff, &bars, self.key, &marks, bpm);
            out.push_str("</part>");
        }
        out.push_str("</score-partwise>\n");
        out
    }

    /// Writes the score to `path` atomically (temp file + rename).
    pub fn write(&self, path: &Path) -> crate::Result<()> {
        write_atomic(path, self.to_xml().as_bytes())
    }
}
