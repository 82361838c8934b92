//! Auto key (the plugin's listening rule): the key of the soprano heard so far, named by the key
//! classifier ([`super::classifier`]) from a decaying pitch-class histogram, changed only when another key
//! has won several notes in a row (no flicker).

use super::classifier::KeyClassifier;
use super::{Key, Mode, PitchClassHistogram};

/// Notes a new key must win in a row before it is taken.
const PATIENCE: u8 = 4;
/// Weight kept per note (a memory of roughly the last 30 notes); weights count 16ths sounded.
const DECAY: f32 = 0.97;

/// Rolling key estimate; no allocation.
#[derive(Clone, Debug)]
pub struct AutoKey {
    classifier: KeyClassifier,
    weights: [f32; 12],
    current: Key,
    candidate: Option<(Key, u8)>,
    /// The classifier's probability for the key in force, at its latest estimate.
    confidence: f32,
}

impl AutoKey {
    /// Starts from `initial` (used until the soprano says otherwise), with the embedded
    /// classifier (allocates: call off the audio thread).
    pub fn new(initial: Key) -> Self {
        let classifier = crate::embedded::default_key().0;
        AutoKey {
            classifier,
            weights: [0.0; 12],
            current: initial,
            candidate: None,
            confidence: 0.0,
        }
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        self.weights = [0.0; 12];
        self.candidate = None;
        self.confidence = 0.0;
    }

    /// The key in force.
    pub fn key(&self) -> Key {
        self.current
    }

    /// The classifier's probability (0–1) for the key in force when it last chose it; 0 before
    /// the soprano has said anything.
    pub fn confidence(&self) -> f32 {
        self.confidence
    }

    /// One 16th of soprano `pitch`; at a note's first step (`onset`) the estimate is revisited,
    /// with `mode` restricting the choice.
    pub fn observe(&mut self, pitch: u8, onset: bool, mode: Option<Mode>) {
        self.weights[(pitch % 12) as usize] += 1.0;
        if !onset {
            return;
        }
        self.weights.iter_mut().for_each(|w| *w *= DECAY);
        let total: f32 = self.weights.iter().sum();
        if total <= 0.0 {
            return;
        }
        let h = PitchClassHistogram(self.weights.map(|w| w / total));
        let (best, p) = self.classifier.classify(&h, mode);
        if best == self.current {
            self.candidate = None;
            self.confidence = p;
            return;
        }
        let n = match self.candidate {
            Some((k, n)) if k == best => n + 1,
            _ => 1,
        };
        if n >= PATIENCE {
            self.current = best;
            self.candidate = None;
            self.confidence = p;
        } else {
            self.candidate = Some((best, n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(a: &mut AutoKey, notes: &[(u8, usize)]) -> Vec<Key> {
        let mut keys = Vec::new();
        for &(p, len) in notes {
            for i in 0..len {
                a.observe(p, i == 0, None);
            }
            keys.push(a.key());
        }
        keys
    }

    #[test]
    fn settles_on_the_melodys_key_without_flicker() {
        // A D-major tune (F#, C#), starting from a C-major default.
        let tune = [
            (62, 4),
            (66, 4),
            (69, 4),
            (74, 8),
            (73, 4),
            (71, 4),
            (69, 8),
            (66, 4),
            (64, 4),
            (62, 8),
        ];
        let mut a = AutoKey::new(Key::new(0, Mode::Major));
        let keys = play(&mut a, &[tune, tune].concat());
        assert_eq!(a.key(), Key::new(2, Mode::Major));
        let changes = keys.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(changes <= 1, "{keys:?}");
        // One foreign note does not move it.
        play(&mut a, &[(65, 2)]);
        assert_eq!(a.key(), Key::new(2, Mode::Major));
    }
}
