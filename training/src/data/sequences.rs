//! Training sequences: a chorale in C major / A minor, from its first soprano note to its end,
//! as per-step model inputs (with Bach's previous voices fed back) and targets for the alto,
//! tenor and bass.

use crate::data::dataset::Chorale;
use crate::harmony::bptt::{Batch, NO_TARGET, Rejoin};
use altus_core::Voice;
use altus_core::harmony::ahead::Ahead;
use altus_core::harmony::features::{REST, SopranoTrack, StepFeatures, VOICES, class_of};
use altus_core::music::key::{Key, Mode};
use altus_core::rng::Rng;

/// The generated voices, in the model's output order.
pub(crate) const GENERATED: [Voice; VOICES] = [Voice::Alto, Voice::Tenor, Voice::Bass];

/// A voice line, key-normalised: pitch and onset per step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line {
    /// Pitch per step.
    pub pitch: Vec<Option<u8>>,
    /// Onset per step.
    pub onset: Vec<bool>,
}

impl Line {
    /// An all-rest line.
    pub(crate) fn rests(len: usize) -> Line {
        Line {
            pitch: vec![None; len],
            onset: vec![false; len],
        }
    }
}

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
    /// Bach's alto, tenor and bass (all rests for a voice the file lacks).
    pub voices: [Line; VOICES],
    /// Whether the file has each voice.
    pub has: [bool; VOICES],
    /// Position in the bar per step.
    pub bar_pos: Vec<u16>,
    /// Metrical strength per step.
    pub strength: Vec<u8>,
    /// The soprano's previous note and held time per step (`SopranoTrack`).
    pub motion: Vec<(Option<u8>, u8)>,
    /// The soprano's next notes per step (for lookahead models).
    pub ahead: Vec<Ahead>,
}

impl Sequence {
    /// The chorale, key-normalised and trimmed to start at its first soprano note.
    pub fn from_chorale(c: &Chorale) -> Sequence {
        let g = &c.normalised;
        let line = |v: Voice| g.voice(v);
        let s = line(Voice::Soprano);
        let first = s.map_or(0, |s| s.onset.iter().position(|&o| o).unwrap_or(0));
        let cut = |l: Option<&altus_core::music::grid::VoiceLine>| match l {
            Some(l) => Line {
                pitch: l.pitch[first..].iter().map(|p| p.map(|p| p.0)).collect(),
                onset: l.onset[first..].to_vec(),
            },
            None => Line::rests(g.len - first),
        };
        let soprano = cut(s);
        let pos = g.bar_positions();
        let strength = altus_core::harmony::harmonize::strengths(g, &pos);
        let (num, den) = g.meter_at(first);
        let mut track = SopranoTrack::default();
        let motion = (0..soprano.pitch.len())
            .map(|t| {
                track.advance(
                    soprano.pitch[t],
                    soprano.onset[t] && soprano.pitch[t].is_some(),
                )
            })
            .collect();
        let ahead = Ahead::over(&soprano.pitch, &soprano.onset);
        Sequence {
            ahead,
            file: c.file.clone(),
            key: c.key,
            beat: altus_core::music::score::Meter::beat_steps(num, den),
            voices: GENERATED.map(|v| cut(line(v))),
            has: GENERATED.map(|v| line(v).is_some()),
            soprano: soprano.pitch,
            soprano_onset: soprano.onset,
            bar_pos: pos[first..].to_vec(),
            strength: strength[first..].to_vec(),
            motion,
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
    pub(crate) fn reference_key(&self) -> Key {
        Key::reference(self.key.mode)
    }

    /// Model input at step `t` with Bach's previous voices fed back.
    pub fn features(&self, t: usize) -> StepFeatures {
        let prev = |v: usize| {
            if t == 0 {
                (REST, false)
            } else {
                (
                    class_of(self.voices[v].pitch[t - 1]),
                    self.voices[v].onset[t - 1],
                )
            }
        };
        StepFeatures {
            soprano: self.soprano[t],
            soprano_onset: self.soprano_onset[t] && self.soprano[t].is_some(),
            bar_pos: self.bar_pos[t],
            strength: self.strength[t],
            minor: self.key.mode == Mode::Minor,
            prev_soprano: self.motion[t].0,
            held: self.motion[t].1,
            prev: [0, 1, 2].map(|v| prev(v).0),
            prev_onset: [0, 1, 2].map(|v| prev(v).1),
            ahead: self.ahead[t],
        }
    }

    /// Bach's class of voice `v` at `t` and, where it repeats its pitch, whether it is struck
    /// again (1) or held (0); −1 elsewhere. No target for a voice the file lacks.
    pub fn target(&self, v: usize, t: usize) -> (u16, i8) {
        if !self.has[v] {
            return (NO_TARGET, -1);
        }
        let l = &self.voices[v];
        let class = class_of(l.pitch[t]) as u16;
        let repeat = t > 0 && l.pitch[t].is_some() && l.pitch[t] == l.pitch[t - 1];
        (class, if repeat { i8::from(l.onset[t]) } else { -1 })
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

/// How the model's own voices are fed back: with what probability per step, and what it is
/// taught where its line leaves Bach's.
pub(crate) type Feedback = (f32, Rejoin);

/// Teacher forcing: Bach's previous voices at every step.
pub(crate) const TEACHER: Feedback = (0.0, Rejoin::Now);

/// Fills `batch` with the given windows (`steps` long, padded), feeding the model its own
/// voices as `feedback` says.
pub(crate) fn fill_batch(
    batch: &mut Batch,
    seqs: &[Sequence],
    wins: &[Window],
    steps: usize,
    (own_prob, rejoin): Feedback,
    rng: &mut Rng,
) {
    let rows = wins.len();
    batch.rows = rows;
    batch.steps = steps;
    batch.rejoin = rejoin;
    let n = rows * steps;
    batch.features.resize(n, StepFeatures::default());
    batch.target.resize(n, [NO_TARGET; VOICES]);
    batch.restrike.resize(n, [-1; VOICES]);
    batch.own.resize(n, false);
    for (r, &(si, start)) in wins.iter().enumerate() {
        let s = &seqs[si];
        for t in 0..steps {
            let i = t * rows + r;
            let k = start + t;
            if k < s.len() {
                batch.features[i] = s.features(k);
                for v in 0..VOICES {
                    (batch.target[i][v], batch.restrike[i][v]) = s.target(v, k);
                }
                batch.own[i] = t > 0 && own_prob > 0.0 && rng.next_f32() < own_prob;
            } else {
                batch.features[i] = StepFeatures::default();
                batch.target[i] = [NO_TARGET; VOICES];
                batch.restrike[i] = [-1; VOICES];
                batch.own[i] = false;
            }
        }
    }
}
