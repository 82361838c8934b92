//! One staff of the score: its voices bar by bar, notes split into written values and tied,
//! spelled with the accidentals the bar needs; chord marks on the top and bottom staves.

use super::bars::{Bar, note_type, values};
use super::harmony;
use super::pitch::{Accidentals, Written};
use crate::music::chord::name::Chord;
use crate::music::grid::VoiceLine;
use crate::music::key::{Key, Mode};
use crate::music::score::Meter;
use crate::music::types::Pitch;
use crate::music::voices::Voice;
use std::fmt::Write;

/// What one staff shows.
pub(crate) struct Staff<'a> {
    /// Its voices, top down (one or two).
    pub lines: &'a [VoiceLine],
    /// Chord symbols above it.
    pub symbols: bool,
    /// Roman numerals below it.
    pub numerals: bool,
}

/// A note or rest within one bar: `[start, end)` steps, whether it continues from the bar before
/// and into the next.
struct Piece {
    start: usize,
    end: usize,
    pitch: Option<Pitch>,
    tied_in: bool,
    tied_out: bool,
}

/// The pieces of `notes` (a line's `(start, end, pitch)` spans) within `bar`, rests between.
fn pieces(notes: &[(usize, usize, Pitch)], bar: &Bar) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = bar.start;
    for &(s, e, p) in notes.iter().filter(|n| n.1 > bar.start && n.0 < bar.end) {
        let (s0, e0) = (s.max(bar.start), e.min(bar.end));
        if s0 > at {
            out.push(rest(at, s0));
        }
        out.push(Piece {
            start: s0,
            end: e0,
            pitch: Some(p),
            tied_in: s < bar.start,
            tied_out: e > bar.end,
        });
        at = e0;
    }
    if at < bar.end {
        out.push(rest(at, bar.end));
    }
    out
}

fn rest(start: usize, end: usize) -> Piece {
    Piece {
        start,
        end,
        pitch: None,
        tied_in: false,
        tied_out: false,
    }
}

/// The clef for a staff whose lowest voice is `low`: treble, the tenor's octave treble when it
/// has a staff of its own, bass for a staff with the bass.
fn clef(low: Voice, voices: usize) -> &'static str {
    match (low, voices) {
        (Voice::Bass, _) | (Voice::Tenor, 2) => "<clef><sign>F</sign><line>4</line></clef>",
        (Voice::Tenor, _) => {
            "<clef><sign>G</sign><line>2</line><clef-octave-change>-1</clef-octave-change></clef>"
        }
        _ => "<clef><sign>G</sign><line>2</line></clef>",
    }
}

/// Writes the `<measure>`s of one staff. `marks` are the chord changes `(step, chord)`.
pub fn write(
    out: &mut String,
    staff: &Staff,
    bars: &[Bar],
    key: Key,
    marks: &[(usize, Chord)],
    bpm: Option<f64>,
) {
    let notes: Vec<Vec<(usize, usize, Pitch)>> = staff
        .lines
        .iter()
        .map(|l| {
            l.notes()
                .into_iter()
                .map(|(a, b, p)| (a.0, b.0, p))
                .collect()
        })
        .collect();
    let sharps = key.signature_sharps();
    let mut acc = Accidentals::new(sharps);
    let numbered_from = usize::from(bars.first().is_none_or(|b| b.offset == 0));
    for (i, bar) in bars.iter().enumerate() {
        let implicit = if i == 0 && bar.incomplete() {
            " implicit=\"yes\""
        } else {
            ""
        };
        let _ = write!(out, "<measure number=\"{}\"{implicit}>", i + numbered_from);
        let new_meter = i == 0 || bars[i - 1].meter != bar.meter;
        if i == 0 {
            let mode = if key.mode == Mode::Major {
                "major"
            } else {
                "minor"
            };
            let low = staff.lines.last().map_or(Voice::Soprano, |l| l.voice);
            let _ = write!(
                out,
                "<attributes><divisions>4</divisions><key><fifths>{sharps}</fifths><mode>{mode}</mode></key>\
                 <time><beats>{}</beats><beat-type>{}</beat-type></time>{}</attributes>",
                bar.meter.0,
                bar.meter.1,
                clef(low, staff.lines.len())
            );
            if let Some(bpm) = bpm.filter(|_| staff.symbols) {
                let _ = write!(
                    out,
                    "<direction placement=\"above\"><direction-type><metronome><beat-unit>quarter</beat-unit>\
                     <per-minute>{bpm:.0}</per-minute></metronome></direction-type><sound tempo=\"{bpm:.2}\"/></direction>"
                );
            }
        } else if new_meter {
            let _ = write!(
                out,
                "<attributes><time><beats>{}</beats><beat-type>{}</beat-type></time></attributes>",
                bar.meter.0, bar.meter.1
            );
        }
        write_marks(out, staff, bar, key, marks);
        let len = bar.end - bar.start;
        for (v, line_notes) in notes.iter().enumerate() {
            if v > 0 {
                let _ = write!(out, "<backup><duration>{len}</duration></backup>");
            }
            let stem = match (staff.lines.len(), v) {
                (1, _) => "",
                (_, 0) => "<stem>up</stem>",
                _ => "<stem>down</stem>",
            };
            for piece in pieces(line_notes, bar) {
                write_piece(out, &piece, bar, v + 1, stem, key, &mut acc);
            }
        }
        if i + 1 == bars.len() {
            out.push_str(
                "<barline location=\"right\"><bar-style>light-heavy</bar-style></barline>",
            );
        }
        out.push_str("</measure>");
        acc.bar_line();
    }
}

/// The chord marks of `bar` at their steps: a `<forward>` to each, then `<backup>` to the start.
fn write_marks(out: &mut String, staff: &Staff, bar: &Bar, key: Key, marks: &[(usize, Chord)]) {
    if !staff.symbols && !staff.numerals {
        return;
    }
    let mut at = bar.start;
    for (step, chord) in marks.iter().filter(|m| (bar.start..bar.end).contains(&m.0)) {
        if *step > at {
            let _ = write!(out, "<forward><duration>{}</duration></forward>", step - at);
            at = *step;
        }
        if staff.symbols {
            out.push_str(&harmony::symbol(chord, key));
        }
        if staff.numerals {
            out.push_str(&harmony::numeral(chord, key));
        }
    }
    if at > bar.start {
        let _ = write!(
            out,
            "<backup><duration>{}</duration></backup>",
            at - bar.start
        );
    }
}

/// One piece as tied written notes (or rests).
fn write_piece(
    out: &mut String,
    piece: &Piece,
    bar: &Bar,
    voice: usize,
    stem: &str,
    key: Key,
    acc: &mut Accidentals,
) {
    let len = piece.end - piece.start;
    if piece.pitch.is_none() && len == bar.end - bar.start && !bar.incomplete() {
        let _ = write!(
            out,
            "<note><rest measure=\"yes\"/><duration>{len}</duration><voice>{voice}</voice></note>"
        );
        return;
    }
    let pos = bar.offset + piece.start - bar.start;
    let beat = Meter::beat_steps(bar.meter.0, bar.meter.1);
    let parts = values(pos, len, beat, bar.full());
    let written = piece.pitch.map(|p| Written::of(p.0, key));
    for (k, &value) in parts.iter().enumerate() {
        let (tie_stop, tie_start) = match written {
            Some(_) => (
                k > 0 || piece.tied_in,
                k + 1 < parts.len() || piece.tied_out,
            ),
            None => (false, false),
        };
        out.push_str("<note>");
        match written {
            Some(w) => {
                let alter = if w.alter != 0 {
                    format!("<alter>{}</alter>", w.alter)
                } else {
                    String::new()
                };
                let _ = write!(
                    out,
                    "<pitch><step>{}</step>{alter}<octave>{}</octave></pitch>",
                    w.step(),
                    w.octave
                );
            }
            None => out.push_str("<rest/>"),
        }
        let _ = write!(out, "<duration>{value}</duration>");
        if tie_stop {
            out.push_str("<tie type=\"stop\"/>");
        }
        if tie_start {
            out.push_str("<tie type=\"start\"/>");
        }
        let (kind, dot) = note_type(value);
        let _ = write!(out, "<voice>{voice}</voice><type>{kind}</type>");
        if dot {
            out.push_str("<dot/>");
        }
        if let Some(w) = written
            && let Some(name) = acc.before(w, tie_stop)
        {
            let _ = write!(out, "<accidental>{name}</accidental>");
        }
        if written.is_some() {
            out.push_str(stem);
        }
        if tie_stop || tie_start {
            out.push_str("<notations>");
            if tie_stop {
                out.push_str("<tied type=\"stop\"/>");
            }
            if tie_start {
                out.push_str("<tied type=\"start\"/>");
            }
            out.push_str("</notations>");
        }
        out.push_str("</note>");
    }
}
