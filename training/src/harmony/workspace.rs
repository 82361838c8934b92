//! One thread's buffers for the batched forward and backward ([`super::bptt`]): sized once for
//! a model and a batch shape, reused across batches; the dropout mask on the heads' input.

use altus_core::harmony::features::{MAX_ACTIVE, OUTPUTS, VOICES};
use altus_core::harmony::model::{CellKind, HarmonyModel};

use super::batch::NO_TARGET;

/// Buffers for one thread, sized for a model and a batch shape; reused across batches.
pub struct Workspace {
    pub(super) rows: usize,
    pub(super) steps: usize,
    pub(super) active: Vec<[u16; MAX_ACTIVE]>,
    pub(super) nact: Vec<u8>,
    /// The model's own greedy choice per voice (class, onset), where rows sample.
    pub(super) pred: Vec<[(u16, bool); VOICES]>,
    /// The loss's targets: the batch's, with its [`Rejoin`] applied where rows sample.
    pub(super) target: Vec<[u16; VOICES]>,
    pub(super) restrike: Vec<[i8; VOICES]>,
    pub(super) h: Vec<Vec<f32>>,
    pub(super) c: Vec<Vec<f32>>,
    pub(super) acts: Vec<Vec<f32>>,
    pub(super) hproj: Vec<Vec<f32>>,
    pub(super) logits: Vec<f32>,
    pub(super) dh_top: Vec<f32>,
    pub(super) dh_next: Vec<f32>,
    pub(super) dc: Vec<f32>,
    pub(super) dh: Vec<f32>,
    pub(super) dp_all: Vec<f32>,
    pub(super) dhp_all: Vec<f32>,
    pub(super) dx_all: Vec<f32>,
    pub(super) w_hh_t: Vec<f32>,
    /// One layer's ∂L/∂W_hh, row-major, before it joins the packed gradient.
    pub(super) dw_hh: Vec<f32>,
    /// The head's weights row-major (the batched products' layout), and their gradient.
    pub(super) head_w: Vec<f32>,
    pub(super) dhead_w: Vec<f32>,
    /// Dropout on the head's input: per step and unit 0 or 1 / (1 − p); empty when off.
    pub(super) keep: Vec<f32>,
    /// While dropping, what the head reads: the top layer's output times `keep`.
    pub(super) h_head: Vec<f32>,
}

impl Workspace {
    /// Buffers for `model` and batches of `rows × steps`.
    pub fn new(model: &HarmonyModel, rows: usize, steps: usize) -> Self {
        let (h, l) = (model.config.hidden, model.cells.len());
        let g = model.cells[0].gates();
        let gru = model.config.cell == CellKind::Gru;
        let n = rows * steps;
        Workspace {
            rows,
            steps,
            active: vec![[0; MAX_ACTIVE]; n],
            nact: vec![0; n],
            pred: vec![[(0, false); VOICES]; n],
            target: vec![[NO_TARGET; VOICES]; n],
            restrike: vec![[-1; VOICES]; n],
            h: vec![vec![0.0; (steps + 1) * rows * h]; l],
            c: vec![vec![0.0; (steps + 1) * rows * h]; l],
            acts: vec![vec![0.0; n * g]; l],
            hproj: vec![vec![0.0; if gru { n * g } else { 0 }]; l],
            logits: vec![0.0; n * OUTPUTS],
            dh_top: vec![0.0; n * h],
            dh_next: vec![0.0; rows * h],
            dc: vec![0.0; rows * h],
            dh: vec![0.0; rows * h],
            dp_all: vec![0.0; n * g],
            dhp_all: vec![0.0; n * g],
            dx_all: vec![0.0; n * h],
            w_hh_t: vec![0.0; g * h],
            dw_hh: vec![0.0; g * h],
            head_w: vec![0.0; h * OUTPUTS],
            dhead_w: vec![0.0; h * OUTPUTS],
            keep: Vec::new(),
            h_head: Vec::new(),
        }
    }

    /// Draws a new dropout mask for the head's input (rate `p`; 0 turns it off): the next
    /// [`super::bptt::forward_backward`] trains with it. Only the head's input drops; the recurrence keeps
    /// every unit, so a step's memory is never cut.
    pub fn draw_dropout(&mut self, p: f32, rng: &mut altus_core::rng::Rng) {
        if p <= 0.0 {
            self.keep.clear();
            return;
        }
        let scale = 1.0 / (1.0 - p);
        // One value per step, row and unit, as ∂L/∂h of the top layer.
        self.keep.resize(self.dh_top.len(), 0.0);
        self.h_head.resize(self.dh_top.len(), 0.0);
        for k in &mut self.keep {
            *k = if rng.next_f32() < p { 0.0 } else { scale };
        }
    }

    /// Rows (windows) per batch.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Logits of step `t`, row `r` (after a forward).
    pub fn logits(&self, t: usize, r: usize) -> &[f32] {
        let i = (t * self.rows + r) * OUTPUTS;
        &self.logits[i..i + OUTPUTS]
    }
}
