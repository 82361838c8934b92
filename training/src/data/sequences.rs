//! Training sequences: a chorale in C major / A minor, from its first soprano note to its end,
//! as per-step model inputs (with Bach's previous alto fed back) and targets.

use crate::data::dataset::Chorale;
use crate::harmony::bptt::{Batch, NO_TARGET};
use altus_core::Voice;
use altus_core::harmony::features::{REST, StepFeatures, alto_class};
use altus_core::music::grid::VoiceLine;
use altus_core::music::key::{Key, Mode};
use altus_core::rng::Rng;

/// One chorale ready for the model.
#[derive(Clone, Debug)]
pub struct Sequence {
    /// File name.
    pub file: String,
    /// Key as written (the sequence itself is in C major / A minor).
    pub key: Key,
    /// Steps of metre: a beat's length in 16ths.
    pub beat: usize,
    /// Soprano pitch per step.
    pub soprano: Vec<Option<u8>>,
    /// Soprano onsets.
    pub soprano_onset: Vec<bool>,
    /// Bach's alto per step.
    pub alto: Vec<Option<u8>>,
    /// Bach's alto onsets.
    pub alto_onset: Vec<bool>,
    /// Position in the bar per step.
    pub bar_pos: Vec<u16>,
}

impl Sequence {
    /// The chorale, key-normalised and trimmed to start at its first soprano note.
    pub fn from_chorale(c: &Chorale) -> Sequence {
        let g = &c.normalised;
        // `dataset::load_file` only makes chorales with a soprano and an alto.
        let rests = |v| VoiceLine::rests(v, g.len);
        let (s, a) = (
            g.voice(Voice::Soprano)
                .cloned()
                .unwrap_or_else(|| rests(Voice::Soprano)),
            g.voice(Voice::Alto)
                .cloned()
                .unwrap_or_else(|| rests(Voice::Alto)),
        );
        let first = s.onset.iter().position(|&o| o).unwrap_or(0);
        let pos = g.bar_positions();
        let (num, den) = g.meter_at(first);
        Sequence {
            file: c.file.clone(),
            key: c.key,
            beat: altus_core::music::score::Meter::beat_steps(num, den),
            soprano: s.pitch[first..].iter().map(|p| p.map(|p| p.0)).collect(),
            soprano_onset: s.onset[first..].to_vec(),
            alto: a.pitch[first..].iter().map(|p| p.map(|p| p.0)).collect(),
            alto_onset: a.onset[first..].to_vec(),
            bar_pos: pos[first..].to_vec(),
        }
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.soprano.len()
    }

    /// Whether the sequence is empty.
    pub fn is_empty(&self) -> bool {
        self.soprano.is_empty()
    }

    /// The reference key of the sequence's mode (C major or A minor).
    pub fn reference_key(&self) -> Key {
        Key::reference(self.key.mode)
    }

    /// Model input at step `t` with Bach's previous alto fed back.
    pub fn features(&self, t: usize) -> StepFeatures {
        let (prev_alto, prev_onset) = if t == 0 {
            (REST, false)
        } else {
            (alto_class(self.alto[t - 1]), self.alto_onset[t - 1])
        };
        StepFeatures {
            soprano: self.soprano[t],
            soprano_onset: self.soprano_onset[t],
            bar_pos: self.bar_pos[t],
            minor: self.key.mode == Mode::Minor,
            prev_alto,
            prev_onset,
        }
    }

    /// Bach's alto class at `t` and, where his alto repeats its pitch, whether it is struck again.
    pub fn targets(&self, t: usize) -> (u16, i8) {
        let class = alto_class(self.alto[t]) as u16;
        let repeat = t > 0 && self.alto[t].is_some() && self.alto[t] == self.alto[t - 1];
        (
            class,
            if repeat {
                i8::from(self.alto_onset[t])
            } else {
                -1
            },
        )
    }
}

/// A training window: sequence index and first step.
pub type Window = (usize, usize);

/// Windows of `len` steps: one at the start of every sequence, then every `len` steps from a
/// phase `offset` (changed each epoch so the cuts move).
pub fn windows(seqs: &[Sequence], len: usize, offset: usize) -> Vec<Window> {
    let mut out = Vec::new();
    for (i, s) in seqs.iter().enumerate() {
        out.push((i, 0));
        let mut start = offset % len;
        while start + len / 4 < s.len() {
            if start > 0 {
                out.push((i, start));
            }
            start += len;
        }
    }
    out
}

/// Fills `batch` with the given windows (`steps` long, padded), sampling where the model feeds
/// itself with probability `own_prob`.
pub fn fill_batch(
    batch: &mut Batch,
    seqs: &[Sequence],
    wins: &[Window],
    steps: usize,
    own_prob: f32,
    rng: &mut Rng,
) {
    let rows = wins.len();
    batch.rows = rows;
    batch.steps = steps;
    let n = rows * steps;
    batch.features.resize(n, StepFeatures::default());
    batch.target.resize(n, NO_TARGET);
    batch.restrike.resize(n, -1);
    batch.own.resize(n, false);
    for (r, &(si, start)) in wins.iter().enumerate() {
        let s = &seqs[si];
        for t in 0..steps {
            let i = t * rows + r;
            let k = start + t;
            if k < s.len() {
                batch.features[i] = s.features(k);
                (batch.target[i], batch.restrike[i]) = s.targets(k);
                batch.own[i] = t > 0 && own_prob > 0.0 && rng.next_f32() < own_prob;
            } else {
                batch.features[i] = StepFeatures::default();
                batch.target[i] = NO_TARGET;
                batch.restrike[i] = -1;
                batch.own[i] = false;
            }
        }
    }
}
