//! The harmony model: stacked recurrent cells and one dense head with a block per generated voice
//! (alto, tenor, bass), stepped one 16th at a time; optionally, within a step, the voices are
//! chosen in an [`Order`] and each later voice's logits see the earlier voices' choices through
//! the `cond` table. This is the one forward pass: training checks its batched version against
//! it, and the plugin runs it in the audio thread (no allocation in [`HarmonyModel::step`]).

use crate::harmony::features::{CLASSES, HEAD, INPUTS, Inputs, OUTPUTS, VOICES};
use crate::harmony::leading::Leading;
use crate::nn::half::HalfCopies;
use crate::nn::{Cell, Gru, Lstm, PackedDense, Rnn};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Kind of recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    /// LSTM.
    Lstm,
    /// GRU.
    Gru,
    /// Simple (Elman) RNN.
    Rnn,
}

impl CellKind {
    /// Gate blocks per hidden unit: 4 (i, f, g, o), 3 (r, z, n) or 1.
    pub fn gates(self) -> usize {
        match self {
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
            CellKind::Rnn => 1,
        }
    }

    /// Lower-case name, also the tensor-name prefix.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
            CellKind::Rnn => "rnn",
        }
    }
}

/// How the voices of one step are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// Each voice from the shared state alone; decoding picks the best joint choice.
    Independent,
    /// Bass, then alto, then tenor, each seeing those chosen before it (TonicNet's order).
    BassFirst,
    /// Alto, then tenor, then bass.
    TopDown,
}

impl Order {
    /// The name `altus train --order` takes.
    pub fn name(self) -> &'static str {
        match self {
            Order::Independent => "independent",
            Order::BassFirst => "bass-first",
            Order::TopDown => "top-down",
        }
    }

    /// The voices (0 alto, 1 tenor, 2 bass) in the order they are chosen.
    pub fn voices(self) -> [usize; VOICES] {
        match self {
            Order::BassFirst => [2, 0, 1],
            Order::Independent | Order::TopDown => [0, 1, 2],
        }
    }

    /// Whether voice `v`'s logits see voice `u`'s choice.
    #[inline]
    pub fn sees(self, v: usize, u: usize) -> bool {
        if self == Order::Independent {
            return false;
        }
        let at = |x| self.voices().iter().position(|&y| y == x);
        at(u) < at(v)
    }
}

/// Shape of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Cell kind.
    pub cell: CellKind,
    /// Hidden size of every layer.
    pub hidden: usize,
    /// Number of recurrent layers (1–2).
    pub layers: usize,
    /// Optional inputs used.
    pub inputs: Inputs,
    /// How a step's voices are chosen.
    pub order: Order,
}

impl ModelConfig {
    /// A causal model of this cell, size and layers, with every causal input and the voices
    /// chosen independently.
    pub fn new(cell: CellKind, hidden: usize, layers: usize) -> Self {
        ModelConfig {
            cell,
            hidden,
            layers,
            inputs: Inputs::default(),
            order: Order::Independent,
        }
    }
}

/// The harmony model's weights.
#[derive(Clone, Debug, PartialEq)]
pub struct HarmonyModel {
    /// Its shape.
    pub config: ModelConfig,
    /// Recurrent layers, input first.
    pub cells: Vec<Cell>,
    /// Output layer: hidden → per voice, class logits + re-strike logit.
    pub head: PackedDense,
    /// `(VOICES × CLASSES) × OUTPUTS`: row `u·CLASSES + c` is added to the logits of the voices
    /// that see voice `u` (see [`Order::sees`]) when `u` takes class `c`. Empty for
    /// [`Order::Independent`].
    pub cond: Vec<f32>,
    /// The voice-leading preferences decoding adds to its log-probabilities, chosen for this
    /// model on the selection split (stored in its weight file).
    pub leading: Leading,
    /// Half-size copies of the recurrent matrices (one per cell) and of the head, which the
    /// step reads instead where the CPU can ([`HarmonyModel::use_half`]).
    half: HalfCopies,
}

/// Recurrent state and scratch for one stream, sized once for a model.
#[derive(Clone, Debug)]
pub struct ModelState {
    /// Hidden state per layer.
    pub h: Vec<Vec<f32>>,
    /// Cell state per layer (LSTM; unused otherwise).
    pub c: Vec<Vec<f32>>,
    proj: Vec<f32>,
    scratch: Vec<f32>,
    /// A copy of `h` and `c` from [`ModelState::save`].
    saved: Vec<Vec<f32>>,
}

impl ModelState {
    /// Back to the initial (zero) state.
    pub fn reset(&mut self) {
        self.h
            .iter_mut()
            .chain(self.c.iter_mut())
            .for_each(|v| v.fill(0.0));
    }

    /// Remembers the state (no allocation), for [`ModelState::restore`].
    pub fn save(&mut self) {
        for (s, v) in self.saved.iter_mut().zip(self.h.iter().chain(&self.c)) {
            s.copy_from_slice(v);
        }
    }

    /// Back to the state at the last [`ModelState::save`].
    pub fn restore(&mut self) {
        for (v, s) in self.h.iter_mut().chain(self.c.iter_mut()).zip(&self.saved) {
            v.copy_from_slice(s);
        }
    }
}

impl HarmonyModel {
    /// A model with all-zero weights.
    pub fn zeros(config: ModelConfig) -> Self {
        let cells = (0..config.layers)
            .map(|l| {
                let input = if l == 0 { INPUTS } else { config.hidden };
                match config.cell {
                    CellKind::Lstm => Cell::Lstm(Lstm::zeros(input, config.hidden)),
                    CellKind::Gru => Cell::Gru(Gru::zeros(input, config.hidden)),
                    CellKind::Rnn => Cell::Rnn(Rnn::zeros(input, config.hidden)),
                }
            })
            .collect();
        let cond = if config.order == Order::Independent {
            Vec::new()
        } else {
            vec![0.0; VOICES * CLASSES * OUTPUTS]
        };
        HarmonyModel {
            config,
            cells,
            head: PackedDense::zeros(config.hidden, OUTPUTS),
            cond,
            leading: Leading::NONE,
            half: HalfCopies::default(),
        }
    }

    /// Has the step read 16-bit copies of the recurrent matrices and the head, where the level
    /// in use has a format for them (half the bytes per 16th: [`crate::nn::half`]); false, and the `f32`
    /// weights kept, on other CPUs or when a copy cannot be made. Changing the weights
    /// ([`HarmonyModel::params_mut`]) drops the copies.
    pub fn use_half(&mut self) -> bool {
        let h = self.config.hidden;
        let mut mats: Vec<(&[f32], usize, usize)> = self
            .cells
            .iter()
            .map(|c| (c.recurrent_weights(), h, c.gates()))
            .collect();
        mats.push((&self.head.w, h, OUTPUTS));
        self.half = HalfCopies::new(&mats);
        self.half.is_some()
    }

    /// Whether the step reads half-size copies ([`HarmonyModel::use_half`]).
    pub(crate) fn uses_half(&self) -> bool {
        self.half.is_some()
    }

    /// Random initial weights: uniform ±1/√H (PyTorch's default), LSTM forget bias 1.
    pub fn init(config: ModelConfig, seed: u64) -> Self {
        let mut m = Self::zeros(config);
        let mut rng = Rng::new(seed);
        let k = 1.0 / (config.hidden as f32).sqrt();
        for p in m.params_mut() {
            p.iter_mut()
                .for_each(|w| *w = (rng.next_f32() * 2.0 - 1.0) * k);
        }
        let h = config.hidden;
        for cell in &mut m.cells {
            // The draws fill each matrix row by row; packing keeps a seed's model what it was
            // before the recurrent weights were stored in panels.
            let g = cell.gates();
            let w_hh = cell.recurrent_weights_mut();
            *w_hh = crate::nn::layout::pack(w_hh, h, g);
            if let Cell::Lstm(l) = cell {
                l.b_ih[h..2 * h].fill(1.0);
            }
        }
        m.head.w = crate::nn::layout::pack(&m.head.w, h, OUTPUTS);
        // The voices start independent; training learns what an earlier choice says.
        m.cond.fill(0.0);
        m
    }

    /// A fresh state for this model.
    pub fn new_state(&self) -> ModelState {
        let h = self.config.hidden;
        let n = self.cells.len();
        let gates = self.cells.first().map_or(0, Cell::gates);
        ModelState {
            h: vec![vec![0.0; h]; n],
            c: vec![vec![0.0; h]; n],
            proj: vec![0.0; gates],
            scratch: vec![0.0; gates],
            saved: vec![vec![0.0; h]; 2 * n],
        }
    }

    /// One step: the active one-hot inputs in, `out` = [`OUTPUTS`] logits. No allocation.
    /// Runs the fastest instruction set the CPU has ([`crate::nn::simd`]).
    pub fn step(&self, active: &[u16], state: &mut ModelState, out: &mut [f32]) {
        step_dispatch(self, active, state, out)
    }

    /// Every weight tensor, in a fixed order (the optimiser's view).
    pub fn params(&self) -> Vec<&[f32]> {
        let mut v: Vec<&[f32]> = Vec::new();
        for cell in &self.cells {
            match cell {
                Cell::Lstm(l) => v.extend([&l.w_ih[..], &l.w_hh, &l.b_ih]),
                Cell::Gru(g) => v.extend([&g.w_ih[..], &g.w_hh, &g.b_ih, &g.b_hh]),
                Cell::Rnn(r) => v.extend([&r.w_ih[..], &r.w_hh, &r.b_ih]),
            }
        }
        v.extend([&self.head.w[..], &self.head.b]);
        if !self.cond.is_empty() {
            v.push(&self.cond);
        }
        v
    }

    /// Adds voice `u`'s choice of class `c` to the logits of the voices that see it.
    #[inline]
    pub fn condition(&self, u: usize, c: usize, logits: &mut [f32]) {
        if self.cond.is_empty() {
            return;
        }
        let row = &self.cond[(u * CLASSES + c) * OUTPUTS..(u * CLASSES + c + 1) * OUTPUTS];
        for v in 0..VOICES {
            if self.config.order.sees(v, u) {
                let block = v * HEAD..(v + 1) * HEAD;
                for (l, r) in logits[block.clone()].iter_mut().zip(&row[block]) {
                    *l += r;
                }
            }
        }
    }

    /// Every weight tensor, mutable, in the order of [`HarmonyModel::params`]; drops the half-size
    /// copies, which would go stale.
    pub fn params_mut(&mut self) -> Vec<&mut [f32]> {
        self.half = HalfCopies::default();
        let mut v: Vec<&mut [f32]> = Vec::new();
        for cell in &mut self.cells {
            match cell {
                Cell::Lstm(l) => v.extend([&mut l.w_ih[..], &mut l.w_hh, &mut l.b_ih]),
                Cell::Gru(g) => v.extend([&mut g.w_ih[..], &mut g.w_hh, &mut g.b_ih, &mut g.b_hh]),
                Cell::Rnn(r) => v.extend([&mut r.w_ih[..], &mut r.w_hh, &mut r.b_ih]),
            }
        }
        v.extend([&mut self.head.w[..], &mut self.head.b]);
        if !self.cond.is_empty() {
            v.push(&mut self.cond);
        }
        v
    }

    /// Number of weights.
    pub fn num_params(&self) -> usize {
        self.params().iter().map(|p| p.len()).sum()
    }
}

crate::multiversion!(fn step_dispatch(m: &HarmonyModel, active: &[u16], state: &mut ModelState, out: &mut [f32]) => step_impl);

/// The model step: input projection, recurrent cells, head.
#[inline(always)]
fn step_impl(m: &HarmonyModel, active: &[u16], state: &mut ModelState, out: &mut [f32]) {
    let ModelState {
        h,
        c,
        proj,
        scratch,
        ..
    } = state;
    for (l, cell) in m.cells.iter().enumerate() {
        if l == 0 {
            cell.project_sparse(active, proj);
        } else {
            cell.project_dense(&h[l - 1], proj);
        }
        cell.step(m.half.get(l), proj, &mut h[l], &mut c[l], scratch);
    }
    m.head
        .forward(m.half.get(m.cells.len()), &h[m.cells.len() - 1], out);
}
