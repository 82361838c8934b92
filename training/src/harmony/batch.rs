//! What a mini-batch holds and what its loss sums are.

use altus_core::harmony::features::{REST, StepFeatures, VOICES};

/// No target at this step (padding, or a voice the file lacks).
pub const NO_TARGET: u16 = u16::MAX;

/// One thread's share of a mini-batch: `rows` windows of `steps` steps, indexed `[t * rows + r]`.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Windows.
    pub rows: usize,
    /// Steps per window.
    pub steps: usize,
    /// Inputs; `prev`/`prev_onset` hold Bach's previous voices (teacher forcing).
    pub features: Vec<StepFeatures>,
    /// Bach's class per voice (alto, tenor, bass), or [`NO_TARGET`].
    pub target: Vec<[u16; VOICES]>,
    /// Where Bach's voice repeats its pitch: 1 if struck again, 0 if held; −1 elsewhere.
    pub restrike: Vec<[i8; VOICES]>,
    /// Feed the model's own previous choices at this step.
    pub own: Vec<bool>,
    /// What a voice fed its own line is taught where that line has left Bach's.
    pub rejoin: Rejoin,
}

/// Where the model is fed its own previous voices (scheduled sampling) and a voice's own line
/// has left Bach's, what it is taught at the next steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
pub enum Rejoin {
    /// Bach's pitch at every step: back on his line at once, wherever that falls in the bar
    /// (free-running, the voices then move on odd 16ths and leap to get back).
    #[default]
    Now,
    /// Keep its own pitch (held, not struck) while Bach's voice holds, and take Bach's pitch
    /// where he strikes his next note: back on his line in his rhythm.
    AtOnsets,
    /// Keep its own pitch on odd 16ths where Bach's voice holds; elsewhere take Bach's pitch.
    OnEighths,
}

/// One voice at one step where it waits to rejoin Bach's line ([`Rejoin`]): where its own
/// previous class `own` is not Bach's (`bach_prev`, a pitch) and Bach neither changes pitch nor
/// strikes again, the target is to hold `own`.
pub(super) fn wait_to_rejoin(target: &mut u16, restrike: &mut i8, bach_prev: usize, own: u16) {
    let off_line = own as usize != bach_prev && own as usize != REST;
    let bach_holds = *target as usize == bach_prev && bach_prev != REST && *restrike != 1;
    if off_line && bach_holds {
        (*target, *restrike) = (own, 0);
    }
}

/// Loss and accuracy sums over a batch, per voice.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Sum of class cross-entropies.
    pub class_loss: [f64; VOICES],
    /// Sum of re-strike binary cross-entropies.
    pub onset_loss: [f64; VOICES],
    /// Steps with a class target.
    pub count: [usize; VOICES],
    /// Steps whose most likely class was Bach's.
    pub correct: [usize; VOICES],
    /// Steps with a re-strike target.
    pub onset_count: [usize; VOICES],
}

impl Stats {
    /// Adds another batch's sums.
    pub fn add(&mut self, o: &Stats) {
        for v in 0..VOICES {
            self.class_loss[v] += o.class_loss[v];
            self.onset_loss[v] += o.onset_loss[v];
            self.count[v] += o.count[v];
            self.correct[v] += o.correct[v];
            self.onset_count[v] += o.onset_count[v];
        }
    }

    /// Targets in all.
    pub(crate) fn targets(&self) -> usize {
        self.count.iter().sum()
    }

    /// Mean loss per class target (class + re-strike terms), over the voices.
    pub fn loss(&self) -> f64 {
        let total: f64 = (0..VOICES)
            .map(|v| self.class_loss[v] + self.onset_loss[v])
            .sum();
        total / self.targets().max(1) as f64
    }

    /// Mean class negative log-likelihood of voice `v`.
    pub(crate) fn nll(&self, v: usize) -> f64 {
        self.class_loss[v] / self.count[v].max(1) as f64
    }

    /// Teacher-forced accuracy over the voices.
    pub fn accuracy(&self) -> f64 {
        self.correct.iter().sum::<usize>() as f64 / self.targets().max(1) as f64
    }

    /// Teacher-forced accuracy of voice `v`.
    pub(crate) fn accuracy_of(&self, v: usize) -> f64 {
        self.correct[v] as f64 / self.count[v].max(1) as f64
    }
}
