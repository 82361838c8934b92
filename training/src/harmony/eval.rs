//! Evaluating the harmony model as it is used: free-running, causal generation with the step
//! engine (the plugin's), scored by [`super::metrics`]; teacher-forced loss per voice; and
//! reading another system's voices from its MIDI files. Used by `altus eval`, by training (the
//! selection split's free-running agreement picks the checkpoint) and by the tests.

use super::metrics::{Metrics, score};
use crate::data::sequences::{GENERATED, Line, Sequence};
use altus_core::Pitch;
use altus_core::harmony::engine::{DecodeOptions, Engine, StepInput};
use altus_core::harmony::features::VOICES;
use altus_core::harmony::model::HarmonyModel;

/// Decoding for evaluation: as `altus harmonize` and the plugin decode by default (greedy, beam
/// 3, the default sounding ranges).
pub const EVAL_DECODE: DecodeOptions = DecodeOptions {
    temperature: 0.0,
    ranges: altus_core::harmony::engine::RANGES,
    seed: 0,
    beam: 3,
    leading: true,
};

/// Free-running generation with the step engine, in the sequence's reference key; the sounding
/// ranges of `opts` apply in the file's own key (moved with the sequence).
pub fn generate(model: &HarmonyModel, seq: &Sequence, opts: DecodeOptions) -> [Line; VOICES] {
    let shift = seq.key.shift_to_reference();
    let moved = |p: u8| (p as i32 + shift).clamp(0, 127) as u8;
    let opts = DecodeOptions {
        ranges: opts.ranges.map(|(lo, hi)| (moved(lo), moved(hi))),
        ..opts
    };
    let mut engine = Engine::new(Box::new(model.clone()), seq.reference_key(), opts);
    let mut lines: [Line; VOICES] = Default::default();
    for t in 0..seq.len() {
        let out = engine.step(StepInput {
            soprano: seq.soprano[t].map(Pitch),
            soprano_onset: seq.soprano_onset[t],
            bar_pos: seq.bar_pos[t],
            strength: seq.strength[t],
            ahead: seq.ahead[t],
        });
        for (v, line) in lines.iter_mut().enumerate() {
            line.pitch.push(out.pitch[v].map(|p| p.0));
            line.onset.push(out.onset[v]);
        }
    }
    lines
}

/// Summed metrics of `lines(seq)` over `seqs`.
pub fn total(seqs: &[Sequence], mut lines: impl FnMut(&Sequence) -> [Line; VOICES]) -> Metrics {
    let mut m = Metrics::default();
    for s in seqs {
        m.add(&score(s, &lines(s)));
    }
    m
}

/// Free-running metrics of a model over `seqs`, on `threads` threads.
pub fn free_running(
    model: &HarmonyModel,
    seqs: &[Sequence],
    opts: DecodeOptions,
    threads: usize,
) -> Metrics {
    let per = seqs.len().div_ceil(threads.max(1)).max(1);
    // The engine's half-size copies made once here, not once per sequence by `Engine::new`.
    let mut prepared = model.clone();
    prepared.use_half();
    let model = &prepared;
    std::thread::scope(|sc| {
        let hs: Vec<_> = seqs
            .chunks(per)
            .map(|chunk| sc.spawn(move || total(chunk, |s| generate(model, s, opts))))
            .collect();
        let mut m = Metrics::default();
        for h in hs {
            // A worker's panic is the evaluation's: a score over fewer sequences is no score.
            m.add(&h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        m
    })
}

/// Teacher-forced loss and accuracy over whole sequences (Bach's previous voices fed back).
pub(crate) fn teacher_forced(model: &HarmonyModel, seqs: &[Sequence]) -> super::batch::Stats {
    let mut total = super::batch::Stats::default();
    let mut rng = altus_core::rng::Rng::new(0);
    let mut batch = super::batch::Batch::default();
    for (i, s) in seqs.iter().enumerate() {
        let mut ws = super::bptt::Workspace::new(model, 1, s.len());
        use crate::data::sequences::{TEACHER, fill_batch};
        fill_batch(&mut batch, seqs, &[(i, 0)], s.len(), TEACHER, &mut rng);
        total.add(&super::bptt::evaluate(model, &batch, &mut ws));
    }
    total
}

/// The alto, tenor and bass of a MIDI file (tracks named like the voices, else in order),
/// aligned with `seq` (the same piece and key; `grid_len` is the original's grid length).
pub(crate) fn voices_from_file(
    path: &std::path::Path,
    seq: &Sequence,
    grid_len: usize,
) -> altus_core::Result<[Line; VOICES]> {
    let score = altus_core::music::midi::read_file(path)?;
    let grid = altus_core::Grid::from_score(&score);
    let shift = seq.key.shift_to_reference();
    let first = grid_len.saturating_sub(seq.len());
    Ok(GENERATED.map(|v| match grid.voice(v) {
        Some(line) => Line {
            pitch: (0..seq.len())
                .map(|t| {
                    line.pitch
                        .get(first + t)
                        .copied()
                        .flatten()
                        .and_then(|p| p.transpose(shift))
                        .map(|p| p.0)
                })
                .collect(),
            onset: (0..seq.len())
                .map(|t| line.onset.get(first + t).copied().unwrap_or(false))
                .collect(),
        },
        None => Line::rests(seq.len()),
    }))
}
