//! Pairing note-ons with note-offs, by key and channel, tick by tick.
//!
//! Rules, all seen in real files:
//! - a note-on with velocity 0 is a note-off;
//! - at one tick, note-offs of notes started earlier come first: an off and an on of the same
//!   key at one tick re-strike it, whatever their order in the file;
//! - a second note-on of a sounding key at the same tick is ignored; at a later tick it ends the
//!   sounding note and starts a new one;
//! - a note-off that follows its own note-on at the same tick (a zero-length note) keeps the
//!   note, one 16th long (`tpq / 4` ticks, at least 1): the grid gives every note a step;
//! - a note that never ends is closed at the end of its track (at least a 16th long) and
//!   reported;
//! - a note-off for a key that is not sounding is ignored.

use crate::music::score::Note;
use crate::music::types::{Pitch, Tick};
use std::collections::HashMap;

/// One note-on or note-off as read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NoteEvent {
    /// Absolute tick.
    pub tick: u64,
    /// Note-on (with a velocity above 0).
    pub on: bool,
    /// MIDI channel.
    pub channel: u8,
    /// Key.
    pub key: u8,
    /// Velocity.
    pub velocity: u8,
}

/// A sounding note: start tick, velocity, and its note-on's place in the tick's events.
#[derive(Clone, Copy)]
struct Sounding {
    start: u64,
    velocity: u8,
    order: usize,
}

/// Notes (sorted by start, then pitch) and the `(key, start)` of notes that never ended.
pub(crate) fn pair_notes(events: &[NoteEvent], tpq: u16, end: u64) -> (Vec<Note>, Vec<(u8, u64)>) {
    let mut evs = events.to_vec();
    // Stable: file order is kept within a tick.
    evs.sort_by_key(|e| e.tick);
    let mut p = Pairing {
        sixteenth: (tpq as u64 / 4).max(1),
        sounding: HashMap::new(),
        notes: Vec::new(),
    };
    for group in evs.chunk_by(|a, b| a.tick == b.tick) {
        p.tick(group);
    }
    let mut hanging: Vec<_> = std::mem::take(&mut p.sounding).into_iter().collect();
    hanging.sort_by_key(|(k, s)| (*k, s.start));
    let mut never = Vec::new();
    for ((_, key), s) in hanging {
        p.close(s, end.max(s.start + p.sixteenth), key);
        never.push((key, s.start));
    }
    p.notes.sort_by_key(|n| (n.start, n.pitch));
    (p.notes, never)
}

/// Notes being paired: what sounds, and what has ended.
struct Pairing {
    sixteenth: u64,
    sounding: HashMap<(u8, u8), Sounding>,
    notes: Vec<Note>,
}

impl Pairing {
    fn close(&mut self, s: Sounding, stop: u64, key: u8) {
        self.notes.push(Note {
            start: Tick(s.start),
            end: Tick(stop.max(s.start + 1)),
            pitch: Pitch(key),
            velocity: s.velocity.max(1),
        });
    }

    /// The events of one tick, by the rules in the module doc.
    fn tick(&mut self, group: &[NoteEvent]) {
        let tick = group[0].tick;
        // Offs of notes started earlier (each off ends at most one note).
        let mut used = vec![false; group.len()];
        for (order, e) in group.iter().enumerate().filter(|(_, e)| !e.on) {
            let k = (e.channel, e.key);
            if let Some(s) = self.sounding.get(&k).copied().filter(|s| s.start < tick) {
                self.sounding.remove(&k);
                self.close(s, tick, e.key);
                used[order] = true;
            }
        }
        // Ons, in file order.
        for (order, e) in group.iter().enumerate().filter(|(_, e)| e.on) {
            let k = (e.channel, e.key);
            match self.sounding.get(&k).copied() {
                Some(s) if s.start == tick => continue, // repeated note-on
                Some(s) => self.close(s, tick, e.key),
                None => {}
            }
            let new = Sounding {
                start: tick,
                velocity: e.velocity,
                order,
            };
            self.sounding.insert(k, new);
        }
        // Offs after their own note-on at this tick: zero-length notes, kept a 16th long.
        for (order, e) in group.iter().enumerate().filter(|(_, e)| !e.on) {
            let k = (e.channel, e.key);
            if !used[order]
                && let Some(s) = self.sounding.get(&k).copied()
                && s.start == tick
                && s.order < order
            {
                self.sounding.remove(&k);
                self.close(s, tick + self.sixteenth, e.key);
            }
        }
    }
}
