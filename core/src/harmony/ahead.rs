//! What the soprano does next, for the offline lookahead model (`altus harmonize --lookahead`):
//! only a tool that holds the whole melody knows it, so the plugin's causal model never reads it.

use crate::music::types::Pitch;

/// The soprano's next notes after the one sounding (or the rest) at a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ahead {
    /// The next note's pitch.
    pub next: Option<u8>,
    /// 16ths from this step to the next note's onset (saturating at 255).
    pub next_in: u8,
    /// The note after it.
    pub after: Option<u8>,
}

impl Ahead {
    /// Moved by `shift` semitones (notes that would leave MIDI's range are dropped).
    pub fn transpose(self, shift: i32) -> Ahead {
        let t = |p: Option<u8>| p.and_then(|p| Pitch(p).transpose(shift)).map(|p| p.0);
        Ahead {
            next: t(self.next),
            after: t(self.after),
            ..self
        }
    }

    /// Each step's view ahead over a soprano line: the next two onsets after the step.
    pub fn over(pitch: &[Option<u8>], onset: &[bool]) -> Vec<Ahead> {
        let n = pitch.len();
        let mut out = vec![Ahead::default(); n];
        // Scanning back: the next onset strictly after t, and the one after that.
        let mut next: Option<(usize, u8)> = None;
        let mut after: Option<u8> = None;
        for t in (0..n).rev() {
            out[t] = Ahead {
                next: next.map(|x| x.1),
                next_in: next.map_or(0, |x| (x.0 - t).min(255) as u8),
                after,
            };
            if onset[t]
                && let Some(p) = pitch[t]
            {
                after = next.map(|x| x.1);
                next = Some((t, p));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_two_onsets_from_every_step() {
        // C (2 steps), rest, E (1), G (2, then held without onset for one more step).
        let pitch = [
            Some(60),
            Some(60),
            None,
            Some(64),
            Some(67),
            Some(67),
            Some(67),
        ];
        let onset = [true, false, false, true, true, false, false];
        let a = Ahead::over(&pitch, &onset);
        let want = |next, next_in, after| Ahead {
            next,
            next_in,
            after,
        };
        assert_eq!(a[0], want(Some(64), 3, Some(67)));
        assert_eq!(a[2], want(Some(64), 1, Some(67)));
        assert_eq!(a[3], want(Some(67), 1, None));
        assert_eq!(a[4], want(None, 0, None));
        assert_eq!(a[6], want(None, 0, None));
        assert_eq!(a[0].transpose(-60), want(Some(4), 3, Some(7)));
        assert_eq!(a[0].transpose(100).next, None);
    }
}
