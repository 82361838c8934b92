//! The output's bookkeeping: every note Altus has sent and not yet ended, by channel and key,
//! and who owns it (the passed-through soprano or a generated voice). All output goes through
//! it, so the output is balanced by construction:
//! - a note-on for a note already sounding ends it first (the key is re-struck, never doubled),
//!   except a voice joining another voice's note on the same channel: a unison sounds as one
//!   note, counted, and ends when the last voice singing it leaves;
//! - a note-off for a note its owner does not hold is dropped (no note-off without a note-on);
//! - a note-off the host's full queue refused is kept and sent again at the start of the next
//!   block, before anything else; a refused note-on is forgotten.
//!
//! Fixed size (3 × 16 × 128 bits and a 16 × 128 count), no allocation.

use super::Note;

/// Who sent a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A note of the input, passed through.
    Thru,
    /// A note of a generated voice.
    Voice,
}

/// Sounding output notes; audio thread only.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// Bit `key` of `[channel]`: sounding and owned by the pass-through.
    thru: [u128; 16],
    /// Bit `key` of `[channel]`: sounding and owned by a generated voice.
    voice: [u128; 16],
    /// Notes whose note-off the host's queue refused: still sounding, to end first thing.
    refused: [u128; 16],
    /// `[channel][key]`: how many voices sing the note (a unison on a shared channel is 2 or 3);
    /// at least 1 wherever `voice` has the bit.
    singers: [[u8; 128]; 16],
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            thru: [0; 16],
            voice: [0; 16],
            refused: [0; 16],
            singers: [[0; 128]; 16],
        }
    }
}

fn bit(key: u8) -> u128 {
    1u128 << (key & 127)
}

impl Ledger {
    fn set(&mut self, owner: Owner) -> &mut [u128; 16] {
        match owner {
            Owner::Thru => &mut self.thru,
            Owner::Voice => &mut self.voice,
        }
    }

    fn sounding(&self, ch: usize, key: u8) -> bool {
        (self.thru[ch] | self.voice[ch]) & bit(key) != 0
    }

    /// Sends a note-off and forgets the note, or marks it refused.
    fn end(&mut self, ch: usize, key: u8, at: u32, out: &mut impl FnMut(Note) -> bool) -> bool {
        let b = bit(key);
        let sent = out(Note::Off {
            at,
            key,
            channel: ch as u8,
        });
        if sent {
            self.thru[ch] &= !b;
            self.voice[ch] &= !b;
            self.refused[ch] &= !b;
            self.singers[ch][key as usize] = 0;
        } else {
            self.refused[ch] |= b;
        }
        sent
    }

    /// Sends a note-on for `owner`; returns whether the note now sounds.
    pub fn on(&mut self, owner: Owner, n: Note, out: &mut impl FnMut(Note) -> bool) -> bool {
        let Note::On {
            at, key, channel, ..
        } = n
        else {
            return false;
        };
        let (ch, key) = ((channel & 15) as usize, key & 127);
        let singers = &mut self.singers[ch][key as usize];
        if owner == Owner::Voice && self.voice[ch] & !self.refused[ch] & bit(key) != 0 {
            // Another voice sings this note on this channel: it keeps sounding, for both.
            *singers = singers.saturating_add(1);
            return true;
        }
        if self.sounding(ch, key) && !self.end(ch, key, at, out) {
            return false;
        }
        if !out(n) {
            return false;
        }
        self.set(owner)[ch] |= bit(key);
        if owner == Owner::Voice {
            self.singers[ch][key as usize] = 1;
        }
        true
    }

    /// Ends `owner`'s note, if it holds it (a voice's unison note only when no other voice
    /// sings it any more).
    pub fn off(
        &mut self,
        owner: Owner,
        at: u32,
        channel: u8,
        key: u8,
        out: &mut impl FnMut(Note) -> bool,
    ) {
        let (ch, key) = ((channel & 15) as usize, key & 127);
        if self.set(owner)[ch] & bit(key) == 0 {
            return;
        }
        let singers = &mut self.singers[ch][key as usize];
        if owner == Owner::Voice && *singers > 1 {
            *singers -= 1;
            return;
        }
        self.end(ch, key, at, out);
    }

    /// Ends every note of `owner` (`None`: every note).
    pub fn end_all(&mut self, owner: Option<Owner>, at: u32, out: &mut impl FnMut(Note) -> bool) {
        for ch in 0..16 {
            let mut bits = match owner {
                Some(Owner::Thru) => self.thru[ch],
                Some(Owner::Voice) => self.voice[ch],
                None => self.thru[ch] | self.voice[ch],
            };
            while bits != 0 {
                let key = bits.trailing_zeros() as u8;
                bits &= bits - 1;
                self.end(ch, key, at, out);
            }
        }
    }

    /// Sends again the note-offs the host refused.
    pub fn retry(&mut self, at: u32, out: &mut impl FnMut(Note) -> bool) {
        for ch in 0..16 {
            let mut bits = self.refused[ch];
            while bits != 0 {
                let key = bits.trailing_zeros() as u8;
                bits &= bits - 1;
                self.end(ch, key, at, out);
            }
        }
    }

    /// Whether nothing sounds.
    pub fn is_silent(&self) -> bool {
        self.thru.iter().chain(&self.voice).all(|&b| b == 0)
    }

    /// Number of notes `owner` holds (a unison counted once per voice singing it), not counting
    /// those whose refused note-off is pending.
    pub fn count(&self, owner: Owner) -> u32 {
        let mut n = 0;
        for ch in 0..16 {
            let mut bits = match owner {
                Owner::Thru => self.thru[ch],
                Owner::Voice => self.voice[ch],
            } & !self.refused[ch];
            while bits != 0 {
                let key = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                n += match owner {
                    Owner::Thru => 1,
                    Owner::Voice => self.singers[ch][key].max(1) as u32,
                };
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(key: u8, channel: u8) -> Note {
        Note::On {
            at: 0,
            key,
            velocity: 90,
            channel,
        }
    }

    #[test]
    fn re_strikes_drops_strays_and_retries_refused_offs() {
        let mut l = Ledger::default();
        let mut sent = Vec::new();
        assert!(l.on(Owner::Thru, on(60, 0), &mut |n| {
            sent.push(n);
            true
        }));
        // The voice strikes the same key and channel: the sounding note ends first.
        assert!(l.on(Owner::Voice, on(60, 0), &mut |n| {
            sent.push(n);
            true
        }));
        // The pass-through's own note-off is dropped: the voice owns the note now.
        l.off(Owner::Thru, 5, 0, 60, &mut |n| {
            sent.push(n);
            true
        });
        assert_eq!(sent.len(), 3);
        assert!(matches!(sent[1], Note::Off { key: 60, .. }));
        // A full queue refuses the voice's note-off: it is sent again later.
        l.off(Owner::Voice, 7, 0, 60, &mut |_| false);
        assert!(!l.is_silent());
        l.retry(0, &mut |n| {
            sent.push(n);
            true
        });
        assert!(l.is_silent());
        assert_eq!(sent.len(), 4);
        // A refused note-on is forgotten.
        assert!(!l.on(Owner::Voice, on(62, 1), &mut |_| false));
        assert!(l.is_silent());
    }

    #[test]
    fn a_unison_on_one_channel_sounds_once_and_ends_with_its_last_voice() {
        let mut l = Ledger::default();
        let mut sent = Vec::new();
        let mut out = |n| {
            sent.push(n);
            true
        };
        // Alto, then tenor, on channel 1, both on middle C: one note-on.
        assert!(l.on(Owner::Voice, on(60, 1), &mut out));
        assert!(l.on(Owner::Voice, on(60, 1), &mut out));
        assert_eq!(l.count(Owner::Voice), 2);
        // The tenor moves away: the alto's C keeps sounding.
        l.off(Owner::Voice, 3, 1, 60, &mut out);
        assert!(l.on(Owner::Voice, on(57, 1), &mut out));
        assert_eq!(l.count(Owner::Voice), 2);
        // The alto leaves too: now the C ends.
        l.off(Owner::Voice, 5, 1, 60, &mut out);
        l.off(Owner::Voice, 6, 1, 57, &mut out);
        assert!(l.is_silent());
        let kinds: Vec<(bool, u8)> = sent
            .iter()
            .map(|n| match *n {
                Note::On { key, .. } => (true, key),
                Note::Off { key, .. } => (false, key),
            })
            .collect();
        assert_eq!(
            kinds,
            [(true, 60), (true, 57), (false, 60), (false, 57)],
            "{sent:?}"
        );
        // The soprano passed through on that channel takes the note over (re-struck), and the
        // voices' later note-offs for it are dropped.
        let mut sent = Vec::new();
        let mut out = |n| {
            sent.push(n);
            true
        };
        l.on(Owner::Voice, on(64, 1), &mut out);
        l.on(Owner::Voice, on(64, 1), &mut out);
        l.on(Owner::Thru, on(64, 1), &mut out);
        l.off(Owner::Voice, 1, 1, 64, &mut out);
        l.off(Owner::Voice, 2, 1, 64, &mut out);
        assert_eq!(l.count(Owner::Voice), 0);
        l.off(Owner::Thru, 3, 1, 64, &mut out);
        assert!(l.is_silent());
        assert_eq!(sent.len(), 4, "on, off + on (re-strike), off: {sent:?}");
    }
}
