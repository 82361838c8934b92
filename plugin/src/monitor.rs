//! What the audio thread shows the editor: the key, the notes sounding now and the last bars of
//! every voice. The audio thread publishes once per block with atomic stores (wait-free, no
//! allocation, no lock); the editor reads whenever it paints. Fields may be read from different
//! blocks — harmless for a display.

use crate::realtime::Performer;
use altus_core::Key;
use altus_core::music::key::Mode;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};

/// 16ths kept for the piano roll (a power of two; the editor shows the last [`SHOWN`]).
pub const KEPT: usize = 64;
/// 16ths the piano roll shows: two bars of 4/4.
pub const SHOWN: usize = 32;
/// "No note" in a packed voice byte.
const NONE: u8 = 255;

/// Soprano, alto, tenor and bass: a pitch or none.
pub type Notes = [Option<u8>; 4];

fn pack(n: Notes) -> u32 {
    u32::from_le_bytes(n.map(|p| p.unwrap_or(NONE)))
}

fn unpack(x: u32) -> Notes {
    x.to_le_bytes().map(|b| (b != NONE).then_some(b))
}

/// The shared display state; one per plugin instance.
#[derive(Debug)]
pub struct Monitor {
    /// Tonic (bits 0–3), minor (bit 4), fixed (bit 5), confidence in 1/1000 (bits 8–17).
    key: AtomicU32,
    /// The notes sounding now.
    sounding: AtomicU32,
    /// The last step published; `i64::MIN` before the first.
    step: AtomicI64,
    /// Per step (ring by index): the step's index (high 32 bits) and its notes (low 32).
    roll: [AtomicU64; KEPT],
}

/// One reading of the monitor, for the editor.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The key the voices are written in.
    pub key: Key,
    /// Fixed by the Key parameter (else detected).
    pub fixed: bool,
    /// The detection's confidence, 0–1.
    pub confidence: f32,
    /// Sounding now.
    pub sounding: Notes,
    /// The last [`SHOWN`] steps, oldest first (all empty before the first step).
    pub roll: [Notes; SHOWN],
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor {
            key: AtomicU32::new(0),
            sounding: AtomicU32::new(pack([None; 4])),
            step: AtomicI64::new(i64::MIN),
            roll: std::array::from_fn(|_| AtomicU64::new(u64::MAX)),
        }
    }
}

impl Monitor {
    /// Publishes the performer's state after a block (audio thread: stores only).
    pub fn publish(&self, voice: &Performer) {
        let (key, fixed, confidence) = voice.key_view();
        let conf = (confidence.clamp(0.0, 1.0) * 1000.0) as u32;
        let minor = u32::from(key.mode == Mode::Minor);
        self.key.store(
            key.tonic as u32 & 15 | minor << 4 | u32::from(fixed) << 5 | conf << 8,
            Relaxed,
        );
        let notes = [
            voice.soprano(),
            voice.voice_note(0).map(|n| n.0),
            voice.voice_note(1).map(|n| n.0),
            voice.voice_note(2).map(|n| n.0),
        ];
        let packed = pack(notes);
        self.sounding.store(packed, Relaxed);
        let Some(now) = voice.step_index() else {
            return;
        };
        let last = self.step.load(Relaxed);
        // The steps since the last block hold what sounds now (at most the ring's length).
        let from = if last == i64::MIN || now < last || now - last > KEPT as i64 {
            now
        } else {
            last + 1
        };
        for s in from..=now {
            let entry = (s as u32 as u64) << 32 | packed as u64;
            self.roll[s as usize % KEPT].store(entry, Relaxed);
        }
        self.step.store(now, Relaxed);
    }

    /// Reads the monitor (editor thread).
    pub fn snapshot(&self) -> Snapshot {
        let k = self.key.load(Relaxed);
        let mode = if k >> 4 & 1 == 1 {
            Mode::Minor
        } else {
            Mode::Major
        };
        let mut roll = [[None; 4]; SHOWN];
        let now = self.step.load(Relaxed);
        if now != i64::MIN {
            for (i, slot) in roll.iter_mut().enumerate() {
                let s = now - (SHOWN - 1 - i) as i64;
                let e = self.roll[s.rem_euclid(KEPT as i64) as usize].load(Relaxed);
                if e >> 32 == s as u32 as u64 {
                    *slot = unpack(e as u32);
                }
            }
        }
        Snapshot {
            key: Key::new((k & 15) as u8 % 12, mode),
            fixed: k >> 5 & 1 == 1,
            confidence: ((k >> 8) & 1023) as f32 / 1000.0,
            sounding: unpack(self.sounding.load(Relaxed)),
            roll,
        }
    }
}
