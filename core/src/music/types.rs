//! Newtypes for the domain's integers, so a tick is never passed where a step is expected.

use serde::{Deserialize, Serialize};

/// A MIDI note number, 0–127 (60 = middle C).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pitch(pub u8);

impl Pitch {
    /// Pitch class 0–11 (C = 0).
    pub fn class(self) -> u8 {
        self.0 % 12
    }

    /// Transposes by `semitones`, or `None` when the result leaves 0–127.
    pub fn transpose(self, semitones: i32) -> Option<Pitch> {
        let p = self.0 as i32 + semitones;
        (0..=127).contains(&p).then_some(Pitch(p as u8))
    }

    /// Scientific pitch name, e.g. `C4` for 60, `F#5` for 78.
    pub fn name(self) -> String {
        const NAMES: [&str; 12] = [
            "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
        ];
        format!("{}{}", NAMES[self.class() as usize], self.0 as i32 / 12 - 1)
    }
}

/// A time in MIDI ticks from the start of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tick(pub u64);

/// A time in 16th-note grid steps from the start of the file (musical time, tempo-independent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Step(pub usize);

impl Tick {
    /// The nearest 16th step at `tpq` ticks per quarter (halves round up).
    pub(crate) fn to_step(self, tpq: u16) -> Step {
        let tpq = tpq as u64;
        Step(((self.0 * 4 + tpq / 2) / tpq) as usize)
    }

    /// Whether this tick lies exactly on a 16th step.
    pub fn on_grid(self, tpq: u16) -> bool {
        (self.0 * 4).is_multiple_of(tpq as u64)
    }
}

impl Step {
    /// The tick of this step at `tpq` ticks per quarter (exact when `tpq` is a multiple of 4).
    pub fn to_tick(self, tpq: u16) -> Tick {
        Tick(self.0 as u64 * tpq as u64 / 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_to_nearest_step() {
        // 1024 tpq: a 16th is 256 ticks; 127 ticks rounds down, 128 rounds up.
        assert_eq!(Tick(127).to_step(1024), Step(0));
        assert_eq!(Tick(128).to_step(1024), Step(1));
        assert_eq!(Tick(1024).to_step(1024), Step(4));
        assert_eq!(Step(4).to_tick(96), Tick(96));
        assert!(Tick(256).on_grid(1024) && !Tick(255).on_grid(1024));
    }

    #[test]
    fn pitch_names() {
        assert_eq!(Pitch(60).name(), "C4");
        assert_eq!(Pitch(78).name(), "F#5");
        assert_eq!(Pitch(60).transpose(-61), None);
    }
}
