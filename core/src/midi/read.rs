//! Reading Standard MIDI Files (type 0 and 1) into a [`Score`].
//!
//! Rules for notes, all seen in the chorale files:
//! - at the same tick, note-offs are handled before note-ons (a repeated pitch is re-struck);
//! - a note-on with velocity 0 is a note-off;
//! - a second note-on of a sounding key at the same tick is ignored; at a later tick it ends the
//!   sounding note and starts a new one;
//! - a note that never ends is closed at the end of its track (at least a 16th long), and reported.
//!
//! Lenient where real files are sloppy (running status, missing end-of-track), strict where it
//! matters (SMPTE time division is refused).

use crate::key::KeySig;
use crate::score::{Meter, Note, Part, Score, Tempo};
use crate::types::{Pitch, Tick};
use crate::{Error, Result};
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use std::collections::HashMap;
use std::path::Path;

/// Reads a MIDI file from disk.
pub fn read_file(path: &Path) -> Result<Score> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_bytes(&bytes)
}

/// One note-on or note-off, with its place in the file for stable ordering.
#[derive(Clone, Copy)]
struct NoteEvent {
    tick: u64,
    on: bool,
    channel: u8,
    key: u8,
    velocity: u8,
}

/// Reads a MIDI file from memory.
pub fn read_bytes(bytes: &[u8]) -> Result<Score> {
    if bytes.is_empty() {
        return Err(Error::InvalidMidi("the file is empty".into()));
    }
    let smf = Smf::parse(bytes).map_err(|e| Error::InvalidMidi(e.to_string()))?;
    let tpq = match smf.header.timing {
        Timing::Metrical(t) if t.as_int() > 0 => t.as_int(),
        Timing::Metrical(_) => return Err(Error::InvalidMidi("zero ticks per quarter".into())),
        Timing::Timecode(..) => return Err(Error::Unsupported("SMPTE time division")),
    };
    let format = match smf.header.format {
        midly::Format::SingleTrack => 0,
        midly::Format::Parallel => 1,
        midly::Format::Sequential => 2,
    };
    if smf.tracks.is_empty() {
        return Err(Error::InvalidMidi("the file has no tracks".into()));
    }
    let mut score = Score {
        format,
        tpq,
        parts: Vec::new(),
        tempos: Vec::new(),
        meters: Vec::new(),
        key_sigs: Vec::new(),
        end: Tick(0),
        problems: Vec::new(),
    };
    for (index, track) in smf.tracks.iter().enumerate() {
        let mut tick = 0u64;
        let mut name = None;
        let mut events = Vec::new();
        for ev in track {
            tick += ev.delta.as_int() as u64;
            match ev.kind {
                TrackEventKind::Midi { channel, message } => {
                    let channel = channel.as_int();
                    let (on, key, velocity) = match message {
                        MidiMessage::NoteOn { key, vel } => (vel > 0, key.as_int(), vel.as_int()),
                        MidiMessage::NoteOff { key, vel } => (false, key.as_int(), vel.as_int()),
                        _ => continue,
                    };
                    events.push(NoteEvent {
                        tick,
                        on,
                        channel,
                        key,
                        velocity,
                    });
                }
                TrackEventKind::Meta(meta) => read_meta(&mut score, index, tick, meta, &mut name),
                _ => {}
            }
        }
        score.end = score.end.max(Tick(tick));
        if events.is_empty() {
            continue;
        }
        if format == 0 {
            // Type 0: one part per channel, in order of first appearance.
            let mut channels: Vec<u8> = Vec::new();
            for e in &events {
                if !channels.contains(&e.channel) {
                    channels.push(e.channel);
                }
            }
            for ch in channels {
                let evs: Vec<_> = events.iter().copied().filter(|e| e.channel == ch).collect();
                push_part(&mut score, index, name.clone(), &evs, tick);
            }
        } else {
            push_part(&mut score, index, name, &events, tick);
        }
    }
    score.tempos.sort_by_key(|t| t.tick);
    score.meters.sort_by_key(|m| m.tick);
    score.key_sigs.sort_by_key(|k| k.0);
    dedup_maps(&mut score);
    if score.parts.is_empty() {
        return Err(Error::NoNotes);
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
            *name = Some(String::from_utf8_lossy(bytes).trim().to_string());
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
                score.problems.push(format!(
                    "track {track}: absurd tempo ({us} µs per quarter) at tick {} ignored",
                    tick.0
                ));
            }
        }
        MetaMessage::TimeSignature(num, pow, ..) => {
            if num == 0 || pow > 6 {
                score.problems.push(format!(
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
            None => score.problems.push(format!(
                "track {track}: invalid key signature ({sharps} sharps) ignored"
            )),
        },
        _ => {}
    }
}

/// Pairs note-ons with note-offs (rules in the module doc) and adds the part.
fn push_part(
    score: &mut Score,
    track: usize,
    name: Option<String>,
    events: &[NoteEvent],
    end: u64,
) {
    let mut evs = events.to_vec();
    // Stable: within a tick, offs first, otherwise file order.
    evs.sort_by_key(|e| (e.tick, e.on));
    let mut sounding: HashMap<(u8, u8), (u64, u8)> = HashMap::new();
    let mut notes = Vec::new();
    let mut close = |start: u64, stop: u64, key: u8, velocity: u8| {
        if stop > start {
            notes.push(Note {
                start: Tick(start),
                end: Tick(stop),
                pitch: Pitch(key),
                velocity,
            });
        }
    };
    for e in &evs {
        let k = (e.channel, e.key);
        if e.on {
            match sounding.get(&k) {
                Some(&(start, _)) if start == e.tick => continue, // repeated note-on
                Some(&(start, vel)) => close(start, e.tick, e.key, vel),
                None => {}
            }
            sounding.insert(k, (e.tick, e.velocity));
        } else if let Some((start, vel)) = sounding.remove(&k) {
            close(start, e.tick, e.key, vel);
        }
    }
    let min_len = (score.tpq as u64 / 4).max(1);
    let mut hanging: Vec<_> = sounding.into_iter().collect();
    hanging.sort();
    for ((_, key), (start, vel)) in hanging {
        close(start, end.max(start + min_len), key, vel);
        score.problems.push(format!(
            "track {track}: note {} at tick {start} never ends; closed at the end of the track",
            Pitch(key).name()
        ));
    }
    if notes.is_empty() {
        return;
    }
    notes.sort_by_key(|n| (n.start, n.pitch));
    let channel = events[0].channel;
    score.parts.push(Part {
        name,
        track,
        channel,
        notes,
    });
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
mod tests {
    use super::*;

    /// A type-1 file built by hand: conductor track plus one note track, 96 tpq.
    fn file(track: Vec<u8>) -> Vec<u8> {
        let mut b = b"MThd\0\0\0\x06\0\x01\0\x01\0\x60".to_vec();
        b.extend_from_slice(b"MTrk");
        b.extend_from_slice(&(track.len() as u32).to_be_bytes());
        b.extend(track);
        b
    }

    #[test]
    fn running_status_velocity_zero_and_repeated_note_on() {
        // on C4; (running status) on C4 again at the same tick; C4 vel 0 after a quarter;
        // then E4 on and a note-off E4.
        let s = read_bytes(&file(vec![
            0x00, 0x90, 60, 80, 0x00, 60, 80, 0x60, 60, 0, 0x00, 64, 90, 0x30, 0x80, 64, 0, 0x00,
            0xFF, 0x2F, 0x00,
        ]))
        .unwrap();
        let n = &s.parts[0].notes;
        assert_eq!(n.len(), 2);
        assert_eq!(
            (n[0].start, n[0].end, n[0].pitch),
            (Tick(0), Tick(96), Pitch(60))
        );
        assert_eq!(
            (n[1].start, n[1].end, n[1].pitch),
            (Tick(96), Tick(144), Pitch(64))
        );
    }

    #[test]
    fn note_off_before_note_on_at_the_same_tick() {
        // C4 on at 0; at tick 96 the file says "on C4" before "off C4": a re-strike, not a
        // zero-length note.
        let s = read_bytes(&file(vec![
            0x00, 0x90, 60, 80, 0x60, 0x90, 60, 80, 0x00, 0x80, 60, 0, 0x60, 0x80, 60, 0, 0x00,
            0xFF, 0x2F, 0x00,
        ]))
        .unwrap();
        let n = &s.parts[0].notes;
        assert_eq!(n.len(), 2, "{n:?}");
        assert_eq!((n[0].start, n[0].end), (Tick(0), Tick(96)));
        assert_eq!((n[1].start, n[1].end), (Tick(96), Tick(192)));
    }

    #[test]
    fn note_that_never_ends_is_closed_and_reported() {
        let s = read_bytes(&file(vec![
            0x00, 0x90, 60, 80, 0x83, 0x00, 0xFF, 0x2F, 0x00,
        ]))
        .unwrap();
        assert_eq!(s.parts[0].notes[0].end, Tick(384));
        assert!(s.problems[0].contains("never ends"), "{:?}", s.problems);
    }

    #[test]
    fn smpte_and_garbage_are_clear_errors() {
        let mut smpte = file(vec![0x00, 0xFF, 0x2F, 0x00]);
        smpte[12] = 0xE7; // -25 fps
        smpte[13] = 40;
        assert!(matches!(read_bytes(&smpte), Err(Error::Unsupported(_))));
        assert!(matches!(read_bytes(b""), Err(Error::InvalidMidi(_))));
        assert!(matches!(
            read_bytes(b"RIFF1234"),
            Err(Error::InvalidMidi(_))
        ));
        let no_notes = file(vec![0x00, 0xFF, 0x2F, 0x00]);
        assert!(matches!(read_bytes(&no_notes), Err(Error::NoNotes)));
    }
}
