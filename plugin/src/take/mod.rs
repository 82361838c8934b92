//! The take: what was played — every note the plugin receives (the melody) and every note it
//! sends (the alto, tenor and bass it writes, and the soprano passed through), each with its
//! time in samples — kept so the last performance can be saved as a MIDI file or a score
//! ([`file`]). The audio thread writes a fixed ring of
//! [`CAPACITY`] events with atomic stores (no allocation, no lock, the oldest overwritten); the
//! editor reads it when the user saves.

pub mod file;

use crate::realtime::Note;
use std::sync::atomic::{AtomicU64, Ordering};

/// Events kept: about 2,000 notes of four voices (minutes of a chorale).
pub const CAPACITY: usize = 16_384;
/// Silence that ends a performance: the last take starts after the last gap this long.
pub const GAP_SECONDS: f64 = 3.0;

/// One recorded note event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Samples since the plugin first processed.
    pub sample: u64,
    /// MIDI channel 0–15.
    pub channel: u8,
    /// Key.
    pub key: u8,
    /// Velocity of a note-on, `None` for a note-off.
    pub velocity: Option<u8>,
    /// Received from the host (the melody as played), else sent by the plugin.
    pub played: bool,
}

impl Event {
    fn pack(&self) -> u64 {
        let on = self.velocity.map_or(0, |v| 0x80 | v.min(127) as u64);
        (self.sample & ((1 << 40) - 1))
            | (self.key as u64 & 0x7F) << 40
            | (self.channel as u64 & 0xF) << 47
            | on << 51
            | u64::from(self.played) << 59
    }

    fn unpack(x: u64) -> Event {
        let on = x >> 51 & 0xFF;
        Event {
            sample: x & ((1 << 40) - 1),
            key: (x >> 40 & 0x7F) as u8,
            channel: (x >> 47 & 0xF) as u8,
            velocity: (on & 0x80 != 0).then_some((on & 0x7F) as u8),
            played: x >> 59 & 1 == 1,
        }
    }
}

/// The shared ring; one per plugin instance, made with the instance (never on the audio thread).
#[derive(Debug)]
pub struct Take {
    events: Box<[AtomicU64]>,
    /// Events written so far (the next goes at `written % CAPACITY`).
    written: AtomicU64,
    /// Samples processed so far (the clock events are stamped with).
    clock: AtomicU64,
    /// Sample rate and tempo in force (f64 bits), for turning samples into beats.
    rate: AtomicU64,
    tempo: AtomicU64,
}

impl Default for Take {
    fn default() -> Self {
        Take {
            events: (0..CAPACITY).map(|_| AtomicU64::new(0)).collect(),
            written: AtomicU64::new(0),
            clock: AtomicU64::new(0),
            rate: AtomicU64::new(48_000f64.to_bits()),
            tempo: AtomicU64::new(120f64.to_bits()),
        }
    }
}

impl Take {
    /// Records a note received (`played`) or sent at offset `n.at()` of the current block
    /// (audio thread: stores only).
    pub fn record(&self, n: Note, played: bool) {
        let (channel, key, velocity) = match n {
            Note::On {
                key,
                velocity,
                channel,
                ..
            } => (channel, key, Some(velocity)),
            Note::Off { key, channel, .. } => (channel, key, None),
        };
        let e = Event {
            sample: self.clock.load(Ordering::Relaxed) + n.at() as u64,
            channel,
            key,
            velocity,
            played,
        };
        let i = self.written.load(Ordering::Relaxed);
        self.events[i as usize % CAPACITY].store(e.pack(), Ordering::Relaxed);
        self.written.store(i + 1, Ordering::Release);
    }

    /// Ends a block of `len` samples at `rate` Hz and `tempo` bpm (audio thread: stores only).
    pub fn end_block(&self, len: u32, rate: f64, tempo: f64) {
        self.clock.fetch_add(len as u64, Ordering::Relaxed);
        self.rate.store(rate.to_bits(), Ordering::Relaxed);
        self.tempo.store(tempo.to_bits(), Ordering::Relaxed);
    }

    /// Sample rate and tempo last in force.
    pub fn rate_and_tempo(&self) -> (f64, f64) {
        (
            f64::from_bits(self.rate.load(Ordering::Relaxed)),
            f64::from_bits(self.tempo.load(Ordering::Relaxed)),
        )
    }

    /// The events still in the ring, oldest first (editor thread). Events the audio thread may
    /// have overwritten while they were read are left out.
    pub fn events(&self) -> Vec<Event> {
        let end = self.written.load(Ordering::Acquire);
        let start = end.saturating_sub(CAPACITY as u64);
        let read: Vec<u64> = (start..end)
            .map(|i| self.events[i as usize % CAPACITY].load(Ordering::Relaxed))
            .collect();
        let now = self.written.load(Ordering::Acquire);
        let safe = now.saturating_sub(CAPACITY as u64).max(start);
        read.into_iter()
            .skip((safe - start) as usize)
            .map(Event::unpack)
            .collect()
    }

    /// The last performance: the events after the last stretch of [`GAP_SECONDS`] in which
    /// nothing sounded.
    pub fn last_performance(&self) -> Vec<Event> {
        let events = self.events();
        let (rate, _) = self.rate_and_tempo();
        let gap = (GAP_SECONDS * rate) as u64;
        let mut sounding = 0i64;
        let mut start = 0;
        let mut silent_since: Option<u64> = None;
        for (i, e) in events.iter().enumerate() {
            if e.velocity.is_some() {
                if sounding == 0 && silent_since.is_some_and(|s| e.sample - s >= gap) {
                    start = i;
                }
                sounding += 1;
            } else {
                sounding = (sounding - 1).max(0);
                if sounding == 0 {
                    silent_since = Some(e.sample);
                }
            }
        }
        events[start..].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(at: u32, key: u8, channel: u8) -> Note {
        Note::On {
            at,
            key,
            velocity: 90,
            channel,
        }
    }

    fn off(at: u32, key: u8, channel: u8) -> Note {
        Note::Off { at, key, channel }
    }

    #[test]
    fn events_keep_their_sample_and_the_last_performance_starts_after_a_gap() {
        let t = Take::default();
        // A first phrase, then 4 s of silence (blocks of 48,000 at 48 kHz), then a second.
        t.record(on(10, 60, 0), true);
        t.end_block(48_000, 48_000.0, 100.0);
        t.record(off(5, 60, 0), true);
        for _ in 0..4 {
            t.end_block(48_000, 48_000.0, 100.0);
        }
        t.record(on(7, 67, 0), false);
        t.record(on(7, 64, 1), false);
        t.end_block(48_000, 48_000.0, 100.0);
        t.record(off(0, 67, 0), false);
        t.record(off(0, 64, 1), false);
        let all = t.events();
        assert_eq!(all.len(), 6);
        assert_eq!((all[0].sample, all[0].played), (10, true));
        assert_eq!((all[1].sample, all[1].played), (48_005, true));
        assert_eq!(all[2].sample, 5 * 48_000 + 7);
        assert_eq!(
            (all[3].channel, all[3].key, all[3].velocity),
            (1, 64, Some(90))
        );
        let last = t.last_performance();
        assert_eq!(last.len(), 4);
        assert_eq!(last[0].key, 67);
        assert_eq!(t.rate_and_tempo(), (48_000.0, 100.0));
    }

    #[test]
    fn the_ring_keeps_the_newest_events() {
        let t = Take::default();
        for i in 0..CAPACITY + 10 {
            t.record(on(0, (i % 100) as u8, 0), false);
            t.end_block(1, 48_000.0, 120.0);
        }
        let all = t.events();
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].sample, 10);
        assert_eq!(all.last().unwrap().sample, (CAPACITY + 9) as u64);
    }
}
