//! Writing SMF type 1: a conductor track (tempo, time signature, key signature) and one named
//! track per voice. Files are written atomically.

use crate::fsutil::write_atomic;
use crate::music::key::KeySig;
use crate::music::score::{Meter, Note, Tempo};
use crate::music::types::Tick;
use crate::{Error, Result};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::path::Path;

/// One output track.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackOut {
    /// Track name ("Soprano", "Alto", …).
    pub name: String,
    /// MIDI channel 0–15.
    pub channel: u8,
    /// Notes (any order; may not overlap on the same pitch).
    pub notes: Vec<Note>,
}

/// A whole output file.
#[derive(Clone, Debug, PartialEq)]
pub struct MidiOut {
    /// Ticks per quarter.
    pub tpq: u16,
    /// Tempo map.
    pub tempos: Vec<Tempo>,
    /// Time-signature map.
    pub meters: Vec<Meter>,
    /// Key signature at tick 0.
    pub key_sig: Option<KeySig>,
    /// Note tracks.
    pub tracks: Vec<TrackOut>,
    /// Text marks (the chords' names), written as marker events on a last track "Chords" when
    /// there are any.
    pub marks: Vec<(Tick, String)>,
}

impl MidiOut {
    /// Encodes the file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if self.tpq == 0 || self.tpq > 0x7FFF {
            return Err(Error::Write(format!(
                "invalid ticks per quarter {}",
                self.tpq
            )));
        }
        let mut smf = Smf::new(Header::new(
            Format::Parallel,
            Timing::Metrical(u15::new(self.tpq)),
        ));
        smf.tracks.push(self.conductor()?);
        for t in &self.tracks {
            smf.tracks.push(note_track(t)?);
        }
        if !self.marks.is_empty() {
            smf.tracks.push(marker_track(&self.marks)?);
        }
        let mut out = Vec::new();
        smf.write_std(&mut out)
            .map_err(|e| Error::Write(e.to_string()))?;
        Ok(out)
    }

    /// Encodes and writes the file atomically (temp file + rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_bytes()?)
    }

    fn conductor(&self) -> Result<Vec<TrackEvent<'static>>> {
        let mut ev: Vec<(u64, MetaMessage<'static>)> =
            vec![(0, MetaMessage::TrackName(b"Conductor"))];
        for t in &self.tempos {
            ev.push((
                t.tick.0,
                MetaMessage::Tempo(u24::new(t.us_per_quarter.min(0xFF_FFFF))),
            ));
        }
        for m in &self.meters {
            if !m.den.is_power_of_two() {
                return Err(Error::Write(format!(
                    "time signature {}/{} has no MIDI form",
                    m.num, m.den
                )));
            }
            ev.push((
                m.tick.0,
                MetaMessage::TimeSignature(m.num, m.den.trailing_zeros() as u8, 24, 8),
            ));
        }
        if let Some(k) = self.key_sig {
            ev.push((0, MetaMessage::KeySignature(k.sharps, k.minor)));
        }
        ev.sort_by_key(|e| e.0);
        let kinds = ev.into_iter().map(|(t, m)| (t, TrackEventKind::Meta(m)));
        delta_encode(kinds)
    }
}

fn note_track(t: &TrackOut) -> Result<Vec<TrackEvent<'_>>> {
    let name = t.name.as_bytes();
    let channel = u4::new(t.channel.min(15));
    // (tick, is_on, pitch, velocity): offs sort before ons at the same tick.
    let mut ev: Vec<(u64, bool, u8, u8)> = Vec::with_capacity(t.notes.len() * 2);
    for n in &t.notes {
        if n.end <= n.start || n.pitch.0 > 127 {
            return Err(Error::Write(format!(
                "invalid note {:?} in track {}",
                n, t.name
            )));
        }
        ev.push((n.start.0, true, n.pitch.0, n.velocity.clamp(1, 127)));
        ev.push((n.end.0, false, n.pitch.0, 0));
    }
    ev.sort();
    let kinds = std::iter::once((0, TrackEventKind::Meta(MetaMessage::TrackName(name)))).chain(
        ev.into_iter().map(move |(tick, on, key, vel)| {
            let (key, vel) = (u7::new(key), u7::new(vel));
            let message = if on {
                MidiMessage::NoteOn { key, vel }
            } else {
                MidiMessage::NoteOff {
                    key,
                    vel: u7::new(64),
                }
            };
            (tick, TrackEventKind::Midi { channel, message })
        }),
    );
    delta_encode(kinds)
}

fn marker_track(marks: &[(Tick, String)]) -> Result<Vec<TrackEvent<'_>>> {
    let mut ev: Vec<&(Tick, String)> = marks.iter().collect();
    ev.sort_by_key(|m| m.0);
    let kinds = std::iter::once((0, TrackEventKind::Meta(MetaMessage::TrackName(b"Chords"))))
        .chain(ev.into_iter().map(|(t, text)| {
            (
                t.0,
                TrackEventKind::Meta(MetaMessage::Marker(text.as_bytes())),
            )
        }));
    delta_encode(kinds)
}

/// The largest delta time MIDI can write.
const MAX_DELTA: u64 = 0x0FFF_FFFF;

fn delta_encode<'a>(
    ev: impl Iterator<Item = (u64, TrackEventKind<'a>)>,
) -> Result<Vec<TrackEvent<'a>>> {
    let mut now = 0u64;
    let mut out = Vec::new();
    for (tick, kind) in ev {
        let mut delta = tick - now;
        // A delta time holds 28 bits: longer gaps are bridged with empty text events.
        while delta > MAX_DELTA {
            out.push(TrackEvent {
                delta: u28::new(MAX_DELTA as u32),
                kind: TrackEventKind::Meta(MetaMessage::Text(b"")),
            });
            delta -= MAX_DELTA;
        }
        out.push(TrackEvent {
            delta: u28::new(delta as u32),
            kind,
        });
        now = tick;
    }
    out.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    Ok(out)
}
