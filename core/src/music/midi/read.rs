//! Reading Standard MIDI Files (type 0 and 1) into a [`Score`].
//!
//! Lenient where real files are sloppy (running status, missing end-of-track, chunk lengths
//! past the end), strict where it matters: SMPTE time division and type-2 files (independent
//! sequential patterns) are refused, and every limit of [`super::limits`] is checked while
//! reading, with an error that says which. Note pairing rules are in [`super::notes`].
//!
//! The file is parsed lazily (midly's event iterators): only note events and the tempo, metre
//! and key maps are kept, never the whole event list.

use super::limits::*;
use super::notes::{NoteEvent, pair_notes};
use crate::music::key::KeySig;
use crate::music::score::{Meter, Part, Score, Tempo};
use crate::music::types::Tick;
use crate::{Error, Result};
use midly::{Format, MetaMessage, MidiMessage, Timing, TrackEventKind};
use std::path::Path;

/// Reads a MIDI file from disk: a regular file of at most [`MAX_FILE_BYTES`], checked before
/// reading it ([`crate::fsutil::read_capped`]).
pub fn read_file(path: &Path) -> Result<Score> {
    read_bytes(&crate::fsutil::read_capped(
        path,
        MAX_FILE_BYTES,
        "MIDI file",
    )?)
}

/// Reads a MIDI file from memory.
pub fn read_bytes(bytes: &[u8]) -> Result<Score> {
    if bytes.is_empty() {
        return Err(Error::InvalidMidi("the file is empty".into()));
    }
    crate::fsutil::check_size(bytes.len() as u64, MAX_FILE_BYTES, "MIDI file")?;
    let (header, tracks) = midly::parse(bytes).map_err(|e| Error::InvalidMidi(e.to_string()))?;
    let mut score = empty_score(header)?;
    let mut note_events = 0usize;
    let mut n_tracks = 0;
    for (index, track) in tracks.enumerate() {
        n_tracks += 1;
        if index >= MAX_TRACKS {
            return Err(Error::Limit(format!(
                "the file has more than {MAX_TRACKS} tracks"
            )));
        }
        let track = track.map_err(|e| Error::InvalidMidi(e.to_string()))?;
        read_track(&mut score, index, track, &mut note_events)?;
    }
    if n_tracks == 0 {
        return Err(Error::InvalidMidi("the file has no tracks".into()));
    }
    score.tempos.sort_by_key(|t| t.tick);
    score.meters.sort_by_key(|m| m.tick);
    score.key_sigs.sort_by_key(|k| k.0);
    dedup_maps(&mut score);
    if score.parts.is_empty() {
        return Err(Error::NoNotes);
    }
    check_size(score)
}

/// A score with the header's format and resolution, refusing what Altus does not read.
fn empty_score(header: midly::Header) -> Result<Score> {
    let tpq = match header.timing {
        Timing::Metrical(t) if t.as_int() > 0 => t.as_int(),
        Timing::Metrical(_) => return Err(Error::InvalidMidi("zero ticks per quarter".into())),
        Timing::Timecode(..) => return Err(Error::Unsupported("SMPTE time division")),
    };
    let format = match header.format {
        Format::SingleTrack => 0,
        Format::Parallel => 1,
        Format::Sequential => {
            return Err(Error::Unsupported(
                "SMF type 2 (independent sequential patterns)",
            ));
        }
    };
    Ok(Score {
        format,
        tpq,
        parts: Vec::new(),
        tempos: Vec::new(),
        meters: Vec::new(),
        key_sigs: Vec::new(),
        end: Tick(0),
        problems: Vec::new(),
    })
}

/// One track's events: note events into parts, meta events into the maps; `note_events`
/// counts the file's note events against the limit.
fn read_track(
    score: &mut Score,
    index: usize,
    track: midly::EventIter,
    note_events: &mut usize,
) -> Result<()> {
    let tpq = score.tpq;
    // Ticks beyond this fall after step MAX_STEPS.
    let max_tick = MAX_STEPS * tpq as u64 / 4;
    let (mut tick, mut name, mut events) = (0u64, None, Vec::new());
    for ev in track {
        let ev = ev.map_err(|e| Error::InvalidMidi(e.to_string()))?;
        tick += ev.delta.as_int() as u64;
        if tick > max_tick {
            return Err(Error::Limit(format!(
                "track {index} runs past 16th step {MAX_STEPS} (32,768 bars of 4/4): \
                 an event at tick {tick} at {tpq} ticks per quarter"
            )));
        }
        match ev.kind {
            TrackEventKind::Midi { channel, message } => {
                let (on, key, velocity) = match message {
                    MidiMessage::NoteOn { key, vel } => (vel > 0, key.as_int(), vel.as_int()),
                    MidiMessage::NoteOff { key, vel } => (false, key.as_int(), vel.as_int()),
                    _ => continue,
                };
                *note_events += 1;
                if *note_events > MAX_NOTE_EVENTS {
                    return Err(Error::Limit(format!(
                        "the file has more than {MAX_NOTE_EVENTS} note events"
                    )));
                }
                let channel = channel.as_int();
                events.push(NoteEvent {
                    tick,
                    on,
                    channel,
                    key,
                    velocity,
                });
            }
            TrackEventKind::Meta(meta) => read_meta(score, index, tick, meta, &mut name),
            _ => {}
        }
    }
    score.end = score.end.max(Tick(tick));
    add_parts(score, index, name, events, tick)
}

/// The duration and grid-size limits, once the tempo map and the parts are known.
fn check_size(score: Score) -> Result<Score> {
    let seconds = score.seconds_at(score.end);
    if seconds > MAX_SECONDS {
        return Err(Error::Limit(format!(
            "the file lasts {:.1} hours at its tempo, more than 24",
            seconds / 3600.0
        )));
    }
    let steps = score
        .parts
        .iter()
        .flat_map(|p| p.notes.iter())
        .map(|n| {
            n.end
                .to_step(score.tpq)
                .0
                .max(n.start.to_step(score.tpq).0 + 1)
        })
        .max()
        .unwrap_or(0) as u64;
    let cells = steps * score.parts.len() as u64;
    if cells > MAX_CELLS {
        return Err(Error::Limit(format!(
            "{} note parts × {steps} 16th steps is more than the {MAX_CELLS} grid cells Altus holds",
            score.parts.len()
        )));
    }
    Ok(score)
}

fn read_meta(
    score: &mut Score,
    track: usize,
    tick: u64,
    meta: MetaMessage,
    name: &mut Option<String>,
) {
    let tick = Tick(tick);
    match meta {
        MetaMessage::TrackName(bytes) if name.is_none() => {
            let s = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
            *name = Some(s.trim().to_string());
        }
        MetaMessage::Tempo(us) => {
            let us = us.as_int();
            // 10–600 bpm; anything else is a corrupt or joke value and would break playback maths.
            if (100_000..=6_000_000).contains(&us) {
                score.tempos.push(Tempo {
                    tick,
                    us_per_quarter: us,
                });
            } else {
                score.problem(format!(
                    "track {track}: absurd tempo ({us} µs per quarter) at tick {} ignored",
                    tick.0
                ));
            }
        }
        MetaMessage::TimeSignature(num, pow, ..) => {
            if num == 0 || pow > 6 {
                score.problem(format!(
                    "track {track}: invalid time signature {num}/2^{pow} at tick {} ignored",
                    tick.0
                ));
            } else {
                score.meters.push(Meter {
                    tick,
                    num,
                    den: 1 << pow,
                });
            }
        }
        MetaMessage::KeySignature(sharps, minor) => match KeySig::new(sharps, minor) {
            Some(k) => score.key_sigs.push((tick, k)),
            None => score.problem(format!(
                "track {track}: invalid key signature ({sharps} sharps) ignored"
            )),
        },
        _ => {}
    }
}

/// Adds the track's parts: one for a type-1 track, one per channel (in order of first
/// appearance) for a type-0 file.
fn add_parts(
    score: &mut Score,
    track: usize,
    name: Option<String>,
    events: Vec<NoteEvent>,
    end: u64,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let groups: Vec<Vec<NoteEvent>> = if score.format == 0 {
        let mut channels: Vec<u8> = Vec::new();
        for e in &events {
            if !channels.contains(&e.channel) {
                channels.push(e.channel);
            }
        }
        channels
            .iter()
            .map(|&ch| events.iter().copied().filter(|e| e.channel == ch).collect())
            .collect()
    } else {
        vec![events]
    };
    for evs in groups {
        let (notes, hanging) = pair_notes(&evs, score.tpq, end);
        for (key, start) in hanging {
            score.problem(format!(
                "track {track}: note {} at tick {start} never ends; closed at the end of the track",
                crate::Pitch(key).name()
            ));
        }
        if notes.is_empty() {
            continue;
        }
        if score.parts.len() >= MAX_PARTS {
            return Err(Error::Limit(format!(
                "the file has more than {MAX_PARTS} note parts"
            )));
        }
        score.parts.push(Part {
            name: name.clone(),
            track,
            channel: evs[0].channel,
            notes,
        });
    }
    Ok(())
}

/// Drops map entries that repeat the value in force (files often restate them per track).
fn dedup_maps(score: &mut Score) {
    score
        .tempos
        .dedup_by(|b, a| a.us_per_quarter == b.us_per_quarter || a.tick == b.tick);
    score
        .meters
        .dedup_by(|b, a| (a.num, a.den) == (b.num, b.den) || a.tick == b.tick);
    score.key_sigs.dedup_by(|b, a| a.1 == b.1 || a.0 == b.0);
}

#[cfg(test)]
mod tests;
