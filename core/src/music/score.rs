//! What a MIDI file says, in ticks: note parts, tempo, metre and key maps, and problems found.
//!
//! A [`Score`] is the output of [`crate::music::midi::read`] and the input of [`crate::music::voices`] and
//! [`crate::music::grid`]. Notes are kept as read (a part may still be polyphonic); the monophonic cut
//! happens per voice, see [`Part::monophonic`].

use crate::music::key::KeySig;
use crate::music::types::{Pitch, Tick};

/// One sounding note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Note {
    /// Note-on time.
    pub start: Tick,
    /// Note-off time (always after `start`).
    pub end: Tick,
    /// The key.
    pub pitch: Pitch,
    /// Note-on velocity, 1–127.
    pub velocity: u8,
}

/// A tempo change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tempo {
    /// When it takes effect.
    pub tick: Tick,
    /// Microseconds per quarter note (500,000 = 120 bpm).
    pub us_per_quarter: u32,
}

/// A time-signature change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meter {
    /// When it takes effect.
    pub tick: Tick,
    /// Beats per bar (numerator).
    pub num: u8,
    /// Beat unit (denominator: 2, 4, 8, …).
    pub den: u8,
}

impl Meter {
    /// Bar length in 16th steps (at least 1).
    pub fn bar_steps(num: u8, den: u8) -> usize {
        ((num as usize * 16) / den.max(1) as usize).max(1)
    }

    /// Beat length in 16th steps: the dotted quarter in compound metres (6/8, 9/8, 12/8).
    pub fn beat_steps(num: u8, den: u8) -> usize {
        let unit = (16 / den.max(1) as usize).max(1);
        if den >= 8 && num.is_multiple_of(3) && num > 3 {
            unit * 3
        } else {
            unit
        }
    }
}

/// The notes of one track (type-1 files) or one channel (type-0 files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Track name as written, if any.
    pub name: Option<String>,
    /// The track's index in the file.
    pub track: usize,
    /// The MIDI channel of its first note.
    pub channel: u8,
    /// Notes sorted by start, then pitch.
    pub notes: Vec<Note>,
}

impl Part {
    /// Number of notes that start while an earlier note of this part still sounds.
    pub fn overlaps(&self) -> usize {
        let mut end = Tick(0);
        let mut n = 0;
        for note in &self.notes {
            if note.start < end {
                n += 1;
            }
            end = end.max(note.end);
        }
        n
    }

    /// The part cut to one note at a time: a note ends where the next one starts. Of notes that
    /// start together, the highest is kept (`prefer_low`: the lowest, for a bass).
    pub fn monophonic(&self, prefer_low: bool) -> Vec<Note> {
        let mut out: Vec<Note> = Vec::with_capacity(self.notes.len());
        for note in &self.notes {
            if let Some(last) = out.last_mut() {
                if last.start == note.start {
                    let better = if prefer_low {
                        note.pitch < last.pitch
                    } else {
                        note.pitch > last.pitch
                    };
                    if better {
                        *last = *note;
                    }
                    continue;
                }
                if note.start < last.end {
                    last.end = note.start;
                }
            }
            out.push(*note);
        }
        out
    }

    /// Lowest and highest pitch, if the part has notes.
    pub fn range(&self) -> Option<(Pitch, Pitch)> {
        let lo = self.notes.iter().map(|n| n.pitch).min()?;
        let hi = self.notes.iter().map(|n| n.pitch).max()?;
        Some((lo, hi))
    }
}

/// A whole MIDI file in musical terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// SMF format: 0, 1 or 2.
    pub format: u8,
    /// Ticks per quarter note.
    pub tpq: u16,
    /// Note-carrying parts in file order.
    pub parts: Vec<Part>,
    /// Tempo map, sorted; empty means 120 bpm.
    pub tempos: Vec<Tempo>,
    /// Time-signature map, sorted; empty means 4/4.
    pub meters: Vec<Meter>,
    /// Key signatures, sorted.
    pub key_sigs: Vec<(Tick, KeySig)>,
    /// The last event's tick.
    pub end: Tick,
    /// Things a musician would want to know that did not stop reading (one line each).
    pub problems: Vec<String>,
}

impl Score {
    /// The key signature in force at the first note, if the file has one.
    pub fn key_sig(&self) -> Option<KeySig> {
        self.key_sigs.first().map(|&(_, k)| k)
    }

    /// Notes a problem; past [`crate::music::midi::limits::MAX_PROBLEMS`] they are only counted, in a
    /// last line "N more problems not listed".
    pub(crate) fn problem(&mut self, p: String) {
        use crate::music::midi::limits::MAX_PROBLEMS;
        let n = self.problems.len();
        if n < MAX_PROBLEMS {
            self.problems.push(p);
            return;
        }
        let more = if n == MAX_PROBLEMS {
            1
        } else {
            self.problems[n - 1]
                .split(' ')
                .next()
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(0)
                + 1
        };
        let line = format!("{more} more problems not listed");
        if n == MAX_PROBLEMS {
            self.problems.push(line);
        } else {
            self.problems[n - 1] = line;
        }
    }

    /// Seconds from the start to `tick`, through the tempo map (120 bpm before the first tempo).
    pub(crate) fn seconds_at(&self, tick: Tick) -> f64 {
        let tpq = self.tpq.max(1) as f64;
        let (mut t, mut us, mut secs) = (0u64, 500_000f64, 0.0);
        for tempo in self.tempos.iter().take_while(|x| x.tick <= tick) {
            secs += (tempo.tick.0 - t) as f64 / tpq * us / 1e6;
            (t, us) = (tempo.tick.0, tempo.us_per_quarter as f64);
        }
        secs + (tick.0 - t) as f64 / tpq * us / 1e6
    }

    /// Tempo at the start in beats per minute (120 when the file gives none).
    pub fn initial_bpm(&self) -> f64 {
        self.tempos
            .first()
            .map_or(120.0, |t| 60_000_000.0 / t.us_per_quarter as f64)
    }
}
