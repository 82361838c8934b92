//! What a mini-batch holds and what its loss sums are.

use altus_core::harmony::features::StepFeatures;

/// No target at this step (padding).
pub const NO_TARGET: u16 = u16::MAX;

/// One thread's share of a mini-batch: `rows` windows of `steps` steps, indexed `[t * rows + r]`.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Windows.
    pub rows: usize,
    /// Steps per window.
    pub steps: usize,
    /// Inputs; `prev_alto`/`prev_onset` hold Bach's previous alto (teacher forcing).
    pub features: Vec<StepFeatures>,
    /// Bach's alto class, or [`NO_TARGET`].
    pub target: Vec<u16>,
    /// Where Bach's alto repeats its pitch: 1 if struck again, 0 if held; −1 elsewhere.
    pub restrike: Vec<i8>,
    /// Feed the model's own previous choice at this step.
    pub own: Vec<bool>,
}

/// Loss and accuracy sums over a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Sum of class cross-entropies.
    pub class_loss: f64,
    /// Sum of re-strike binary cross-entropies.
    pub onset_loss: f64,
    /// Steps with a class target.
    pub count: usize,
    /// Steps whose most likely class was Bach's.
    pub correct: usize,
    /// Steps with a re-strike target.
    pub onset_count: usize,
}

impl Stats {
    /// Adds another batch's sums.
    pub fn add(&mut self, o: &Stats) {
        self.class_loss += o.class_loss;
        self.onset_loss += o.onset_loss;
        self.count += o.count;
        self.correct += o.correct;
        self.onset_count += o.onset_count;
    }

    /// Mean loss per class target (class + re-strike terms).
    pub fn loss(&self) -> f64 {
        (self.class_loss + self.onset_loss) / self.count.max(1) as f64
    }

    /// Mean class negative log-likelihood.
    pub fn nll(&self) -> f64 {
        self.class_loss / self.count.max(1) as f64
    }

    /// Teacher-forced accuracy.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.count.max(1) as f64
    }
}
