//! Scoring an alto line against Bach's: agreement, voice-leading faults, note lengths. Used by
//! `altus eval`, by training (free-running agreement picks the checkpoint) and by the baselines.

use crate::data::sequences::Sequence;
use altus_core::harmony::engine::{DecodeOptions, Engine, StepInput, parallel};
use altus_core::harmony::model::AltoModel;
use altus_core::{Key, Pitch};
use std::collections::HashMap;

/// An alto line: pitch and onset per step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AltoLine {
    /// Pitch per step (key-normalised).
    pub pitch: Vec<Option<u8>>,
    /// Onset per step.
    pub onset: Vec<bool>,
}

/// Counts behind the evaluation table; add several files' with [`Metrics::add`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Steps where soprano and Bach's alto both sound.
    pub both: usize,
    /// … of which this alto has Bach's pitch.
    pub agree: usize,
    /// Bach's alto onsets (with the soprano sounding).
    pub onsets: usize,
    /// … where this alto has Bach's pitch.
    pub onset_agree: usize,
    /// Alto moves (a new pitch after a previous note).
    pub moves: usize,
    /// Parallel fifths/octaves with the soprano.
    pub parallels: usize,
    /// Steps where the alto is above the soprano.
    pub crossings: usize,
    /// Steps where both voices sound.
    pub sounding: usize,
    /// Beat steps where both sound.
    pub beats: usize,
    /// … with a dissonant interval (2nds, 7ths, tritone).
    pub dissonant: usize,
    /// Alto notes.
    pub notes: usize,
    /// … outside the key.
    pub out_of_key: usize,
    /// Steps the alto sounds.
    pub alto_steps: usize,
    /// Steps where Bach has an alto.
    pub bach_steps: usize,
    /// … where this alto sounds too.
    pub covered: usize,
}

impl Metrics {
    /// Adds another file's counts.
    pub fn add(&mut self, o: &Metrics) {
        macro_rules! sum {
            ($($f:ident),*) => { $( self.$f += o.$f; )* };
        }
        sum!(
            both,
            agree,
            onsets,
            onset_agree,
            moves,
            parallels,
            crossings,
            sounding,
            beats,
            dissonant,
            notes,
            out_of_key,
            alto_steps,
            bach_steps,
            covered
        );
    }

    /// Exact-pitch agreement per step.
    pub fn agreement(&self) -> f64 {
        ratio(self.agree, self.both)
    }
    /// Agreement at Bach's alto onsets.
    pub fn onset_agreement(&self) -> f64 {
        ratio(self.onset_agree, self.onsets)
    }
    /// Parallel fifths/octaves per 100 alto moves.
    pub fn parallels_per_100(&self) -> f64 {
        100.0 * ratio(self.parallels, self.moves)
    }
    /// Share of sounding steps with the alto above the soprano.
    pub fn crossing_rate(&self) -> f64 {
        ratio(self.crossings, self.sounding)
    }
    /// Share of beat steps that are dissonant.
    pub fn dissonance_rate(&self) -> f64 {
        ratio(self.dissonant, self.beats)
    }
    /// Share of alto notes outside the key.
    pub fn out_of_key_rate(&self) -> f64 {
        ratio(self.out_of_key, self.notes)
    }
    /// Mean alto note length in 16ths.
    pub fn mean_note_length(&self) -> f64 {
        ratio(self.alto_steps, self.notes)
    }
    /// Share of Bach's alto steps where this alto sounds.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered, self.bach_steps)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Scores `alto` against Bach's alto of `seq` (all key-normalised).
pub fn score(seq: &Sequence, alto: &AltoLine) -> Metrics {
    let key = seq.reference_key();
    let mut m = Metrics::default();
    let mut last_note: Option<u8> = None;
    for t in 0..seq.len() {
        let (s, a, b) = (seq.soprano[t], alto.pitch[t], seq.alto[t]);
        if let (Some(_), Some(b)) = (s, b) {
            m.both += 1;
            m.agree += usize::from(a == Some(b));
            if seq.alto_onset[t] {
                m.onsets += 1;
                m.onset_agree += usize::from(a == Some(b));
            }
        }
        if let (Some(s), Some(a)) = (s, a) {
            m.sounding += 1;
            m.crossings += usize::from(a > s);
            if (seq.bar_pos[t] as usize).is_multiple_of(seq.beat) {
                m.beats += 1;
                m.dissonant += usize::from(matches!(
                    (s as i32 - a as i32).rem_euclid(12),
                    1 | 2 | 6 | 10 | 11
                ));
            }
        }
        if b.is_some() {
            m.bach_steps += 1;
            m.covered += usize::from(a.is_some());
        }
        if let Some(a) = a {
            m.alto_steps += 1;
            if alto.onset[t] || t == 0 || alto.pitch[t - 1] != Some(a) {
                m.notes += 1;
                m.out_of_key += usize::from(!key.contains(a % 12));
                if last_note.is_some_and(|l| l != a) {
                    m.moves += 1;
                    let prev = |v: &[Option<u8>]| if t > 0 { v[t - 1] } else { None };
                    m.parallels +=
                        usize::from(parallel(prev(&seq.soprano), prev(&alto.pitch), s, Some(a)));
                }
                last_note = Some(a);
            }
        }
    }
    m
}

/// Decoding for evaluation: greedy, and the alto range of the model's classes (the sequences are
/// key-normalised, so a sounding-range limit would be applied in the wrong key).
pub const EVAL_DECODE: DecodeOptions = DecodeOptions {
    temperature: 0.0,
    low: 48,
    high: 79,
    seed: 0,
};

/// Free-running generation with the step engine (the plugin's), in the sequence's reference key.
pub fn generate(model: &AltoModel, seq: &Sequence, opts: DecodeOptions) -> AltoLine {
    let mut engine = Engine::new(Box::new(model.clone()), seq.reference_key(), opts);
    let mut line = AltoLine::default();
    for t in 0..seq.len() {
        let out = engine.step(StepInput {
            soprano: seq.soprano[t].map(Pitch),
            soprano_onset: seq.soprano_onset[t],
            bar_pos: seq.bar_pos[t],
        });
        line.pitch.push(out.alto.map(|p| p.0));
        line.onset.push(out.onset);
    }
    line
}

/// Bach's own alto.
pub fn bach(seq: &Sequence) -> AltoLine {
    AltoLine {
        pitch: seq.alto.clone(),
        onset: seq.alto_onset.clone(),
    }
}

/// Baseline: the diatonic third below the soprano (white keys of C major / A minor), struck
/// with the soprano.
pub fn third_below(seq: &Sequence) -> AltoLine {
    let white = Key::reference(altus_core::Mode::Major);
    let line = seq.soprano.iter().map(|s| {
        s.map(|s| {
            let mut p = s;
            let mut steps = 0;
            while steps < 2 && p > 0 {
                p -= 1;
                if white.contains(p % 12) {
                    steps += 1;
                }
            }
            p
        })
    });
    follow_soprano(seq, line.collect())
}

/// Baseline: the alto pitch Bach most often writes under each soprano pitch (learnt on `train`).
pub struct CommonAlto(HashMap<u8, u8>);

impl CommonAlto {
    /// Counts soprano → alto pairs over the training sequences.
    pub fn fit(train: &[Sequence]) -> Self {
        let mut counts: HashMap<(u8, u8), usize> = HashMap::new();
        for s in train {
            for (sp, ap) in s.soprano.iter().zip(&s.alto) {
                if let (Some(sp), Some(ap)) = (sp, ap) {
                    *counts.entry((*sp, *ap)).or_default() += 1;
                }
            }
        }
        let mut best: HashMap<u8, (usize, u8)> = HashMap::new();
        for ((sp, ap), n) in counts {
            let e = best.entry(sp).or_insert((0, ap));
            if (n, std::cmp::Reverse(ap)) > (e.0, std::cmp::Reverse(e.1)) {
                *e = (n, ap);
            }
        }
        CommonAlto(best.into_iter().map(|(s, (_, a))| (s, a)).collect())
    }

    /// The baseline's alto for a sequence.
    pub fn line(&self, seq: &Sequence) -> AltoLine {
        let pitches = seq
            .soprano
            .iter()
            .map(|s| s.and_then(|s| self.0.get(&s).copied().or(Some(s.saturating_sub(4)))))
            .collect();
        follow_soprano(seq, pitches)
    }
}

/// An alto that strikes whenever the soprano strikes or its own pitch changes.
fn follow_soprano(seq: &Sequence, pitch: Vec<Option<u8>>) -> AltoLine {
    let onset = (0..pitch.len())
        .map(|t| pitch[t].is_some() && (seq.soprano_onset[t] || t == 0 || pitch[t - 1] != pitch[t]))
        .collect();
    AltoLine { pitch, onset }
}

/// Teacher-forced loss and accuracy over whole sequences (Bach's previous alto fed back).
pub fn teacher_forced(model: &AltoModel, seqs: &[Sequence]) -> crate::harmony::bptt::Stats {
    let mut total = crate::harmony::bptt::Stats::default();
    let mut rng = altus_core::rng::Rng::new(0);
    let mut batch = crate::harmony::bptt::Batch::default();
    for (i, s) in seqs.iter().enumerate() {
        let mut ws = crate::harmony::bptt::Workspace::new(model, 1, s.len());
        crate::data::sequences::fill_batch(&mut batch, seqs, &[(i, 0)], s.len(), 0.0, &mut rng);
        total.add(&crate::harmony::bptt::evaluate(model, &batch, &mut ws));
    }
    total
}

/// An alto line read from a MIDI file's "Alto" track, aligned with `seq` (same file, same key).
pub fn alto_from_file(
    path: &std::path::Path,
    seq: &Sequence,
    grid_len: usize,
) -> altus_core::Result<AltoLine> {
    let score = altus_core::music::midi::read_file(path)?;
    let grid = altus_core::Grid::from_score(&score);
    let line = grid
        .voice(altus_core::Voice::Alto)
        .ok_or(altus_core::Error::MissingVoice("alto"))?;
    let shift = seq.key.shift_to_reference();
    let first = grid_len - seq.len();
    let at = |t: usize| {
        line.pitch
            .get(first + t)
            .copied()
            .flatten()
            .and_then(|p| p.transpose(shift))
            .map(|p| p.0)
    };
    Ok(AltoLine {
        pitch: (0..seq.len()).map(at).collect(),
        onset: (0..seq.len())
            .map(|t| line.onset.get(first + t).copied().unwrap_or(false))
            .collect(),
    })
}
