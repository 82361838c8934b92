//! The step engine: where a soprano note becomes an alto note.
//!
//! One [`Engine`] runs one alto voice, one 16th step at a time, causally: it sees the soprano up
//! to the current step and its own past alto, never the future. `altus harmonize` drives it over a
//! file's grid; the plugin drives it from the audio thread (no allocation in [`Engine::step`]).
//!
//! Decoding rules on top of the model's distribution (musical constraints, applied in this order,
//! each dropped if it would leave no candidate):
//! 1. the alto stays within its range and never above the soprano (no crossing);
//! 2. while the soprano sounds the alto sounds (no rest);
//! 3. no parallel fifths or octaves with the soprano (similar motion into the same perfect interval).
//!
//! Then the most likely candidate is taken (temperature 0) or one is sampled. If it is the pitch
//! already sounding, the model's re-strike output decides between holding and striking again.

use crate::harmony::features::{self, ALTO_N, CLASSES, MAX_ACTIVE, OUTPUTS, REST, StepFeatures};
use crate::harmony::model::{AltoModel, ModelState};
use crate::music::key::{Key, Mode};
use crate::music::types::Pitch;
use crate::nn::math::sigmoid;
use crate::rng::Rng;

/// Decoding settings (sounding pitches, not key-normalised).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeOptions {
    /// 0 = always the most likely note; higher values sample more freely.
    pub temperature: f32,
    /// Lowest alto note.
    pub low: u8,
    /// Highest alto note.
    pub high: u8,
    /// Seed for sampling (temperature > 0).
    pub seed: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            temperature: 0.0,
            low: 53,
            high: 77,
            seed: 0,
        }
    }
}

/// What the soprano does at a step (sounding pitch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepInput {
    /// Soprano pitch, if it sounds.
    pub soprano: Option<Pitch>,
    /// The soprano strikes at this step.
    pub soprano_onset: bool,
    /// Position in the bar, in 16ths.
    pub bar_pos: u16,
}

/// What the alto does at a step (sounding pitch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutput {
    /// Alto pitch, if it sounds.
    pub alto: Option<Pitch>,
    /// The alto strikes (a new note-on) at this step.
    pub onset: bool,
}

/// Steps of soprano rest, with the alto resting too, after which the engine idles: it answers
/// rests without running the model, and the soprano's return starts afresh (a new piece). 16
/// bars of 4/4: longer than the rests between a chorale's phrases (3 of the 432 corpus files,
/// with long instrumental interludes, rest longer). It bounds the work of long silences.
pub const IDLE_AFTER: u32 = 256;

/// One alto voice's engine: model, state, key, decoding.
#[derive(Clone, Debug)]
pub struct Engine {
    model: Box<AltoModel>,
    state: ModelState,
    key: Key,
    opts: DecodeOptions,
    memory: Memory,
    logits: [f32; OUTPUTS],
    /// What [`Engine::restep`] goes back to.
    saved: Memory,
}

/// What decoding remembers from step to step (besides the model's state).
#[derive(Clone, Debug)]
struct Memory {
    rng: Rng,
    prev_class: usize,
    prev_onset: bool,
    prev_soprano: Option<u8>,
    /// Steps in a row with the soprano and the alto both resting.
    rests: u32,
}

impl Memory {
    fn new(seed: u64) -> Memory {
        Memory {
            rng: Rng::new(seed),
            prev_class: REST,
            prev_onset: false,
            prev_soprano: None,
            rests: 0,
        }
    }
}

impl Engine {
    /// An engine in its initial state.
    pub fn new(model: Box<AltoModel>, key: Key, opts: DecodeOptions) -> Self {
        let state = model.new_state();
        Engine {
            model,
            state,
            key,
            opts,
            memory: Memory::new(opts.seed),
            logits: [0.0; OUTPUTS],
            saved: Memory::new(opts.seed),
        }
    }

    /// Back to the initial state (new piece).
    pub fn reset(&mut self) {
        self.state.reset();
        self.memory = Memory::new(self.opts.seed);
    }

    /// The key the engine harmonizes in.
    pub fn key(&self) -> Key {
        self.key
    }

    /// Changes key (takes effect at the next step).
    pub fn set_key(&mut self, key: Key) {
        self.key = key;
    }

    /// Changes decoding options.
    pub fn set_options(&mut self, opts: DecodeOptions) {
        self.opts = opts;
    }

    /// The last step's logits as decoding saw them (never NaN or ±∞).
    pub fn logits(&self) -> &[f32; OUTPUTS] {
        &self.logits
    }

    /// The model in use.
    pub fn model(&self) -> &AltoModel {
        &self.model
    }

    /// Puts in a new model with its state (both made off the real-time thread) and hands back
    /// the old ones, to be dropped elsewhere. The voice restarts from the initial state.
    pub fn swap_model(
        &mut self,
        model: Box<AltoModel>,
        state: ModelState,
    ) -> (Box<AltoModel>, ModelState) {
        let old_model = std::mem::replace(&mut self.model, model);
        let old_state = std::mem::replace(&mut self.state, state);
        self.reset();
        (old_model, old_state)
    }

    /// One 16th step: the soprano in, the alto out. No allocation.
    pub fn step(&mut self, input: StepInput) -> StepOutput {
        self.state.save();
        self.saved.clone_from(&self.memory);
        self.advance(input)
    }

    /// The last step again with another input (a second soprano note inside one 16th): the
    /// state goes back to before that step first, so the grid never moves. No allocation.
    pub fn restep(&mut self, input: StepInput) -> StepOutput {
        self.state.restore();
        self.memory.clone_from(&self.saved);
        self.advance(input)
    }

    /// A step, or none while idle (see [`IDLE_AFTER`]).
    fn advance(&mut self, input: StepInput) -> StepOutput {
        let idle = self.memory.rests >= IDLE_AFTER;
        if input.soprano.is_none() && self.memory.prev_class == REST {
            if idle {
                return StepOutput::default();
            }
            self.memory.rests += 1;
        } else if idle {
            self.reset();
        } else {
            self.memory.rests = 0;
        }
        self.run(input)
    }

    fn run(&mut self, input: StepInput) -> StepOutput {
        let shift = self.key.shift_to_reference();
        let soprano = input.soprano.and_then(|p| p.transpose(shift)).map(|p| p.0);
        let f = StepFeatures {
            soprano,
            soprano_onset: input.soprano_onset && soprano.is_some(),
            bar_pos: input.bar_pos,
            minor: self.key.mode == Mode::Minor,
            prev_alto: self.memory.prev_class,
            prev_onset: self.memory.prev_onset,
        };
        let mut active = [0u16; MAX_ACTIVE];
        let n = f.active(&mut active);
        self.model
            .step(&active[..n], &mut self.state, &mut self.logits);
        // A model built with absurd weights could overflow: decoding never sees NaN or ±∞.
        for l in &mut self.logits {
            if !l.is_finite() {
                *l = if *l == f32::INFINITY {
                    f32::MAX
                } else {
                    f32::MIN
                };
            }
        }
        let class = self.choose(soprano, shift);
        let onset = if class == REST {
            false
        } else if class == self.memory.prev_class {
            let p = sigmoid(self.logits[CLASSES]);
            if self.opts.temperature > 0.0 {
                self.memory.rng.next_f32() < p
            } else {
                p > 0.5
            }
        } else {
            true
        };
        self.memory.prev_class = class;
        self.memory.prev_onset = onset;
        self.memory.prev_soprano = soprano;
        let alto = features::class_pitch(class).and_then(|p| Pitch(p).transpose(-shift));
        StepOutput { alto, onset }
    }

    /// Picks the alto class under the decoding rules (module doc).
    fn choose(&mut self, soprano: Option<u8>, shift: i32) -> usize {
        let (low, high) = (self.opts.low as i32 + shift, self.opts.high as i32 + shift);
        let prev_alto = features::class_pitch(self.memory.prev_class);
        let mut allowed = [true; CLASSES];
        let rules: [&dyn Fn(usize) -> bool; 3] = [
            &|c| match features::class_pitch(c) {
                Some(p) => (low..=high).contains(&(p as i32)) && soprano.is_none_or(|s| p <= s),
                None => true,
            },
            &|c| c != REST || soprano.is_none(),
            &|c| {
                !parallel(
                    self.memory.prev_soprano,
                    prev_alto,
                    soprano,
                    features::class_pitch(c),
                )
            },
        ];
        for rule in rules {
            let mut next = allowed;
            for (c, a) in next.iter_mut().enumerate() {
                *a = *a && rule(c);
            }
            if next.iter().any(|&a| a) {
                allowed = next;
            }
        }
        let logits = &self.logits[..CLASSES];
        if self.opts.temperature <= 0.0 {
            return (0..CLASSES)
                .filter(|&c| allowed[c])
                .max_by(|&a, &b| logits[a].total_cmp(&logits[b]))
                .unwrap_or(REST);
        }
        let t = self.opts.temperature;
        let m = (0..CLASSES)
            .filter(|&c| allowed[c])
            .map(|c| logits[c])
            .fold(f32::NEG_INFINITY, f32::max);
        let mut w = [0f32; CLASSES];
        let mut total = 0.0;
        for c in 0..CLASSES {
            if allowed[c] {
                w[c] = ((logits[c] - m) / t).exp();
                total += w[c];
            }
        }
        let mut r = self.memory.rng.next_f32() * total;
        for (c, &wc) in w.iter().enumerate() {
            if allowed[c] && r < wc {
                return c;
            }
            r -= wc;
        }
        (0..ALTO_N).rev().find(|&c| allowed[c]).unwrap_or(REST)
    }
}

/// Whether moving soprano `s0 → s1` and alto `a0 → a1` makes parallel fifths or octaves
/// (both voices move in the same direction into the same perfect interval they left).
pub fn parallel(s0: Option<u8>, a0: Option<u8>, s1: Option<u8>, a1: Option<u8>) -> bool {
    let (Some(s0), Some(a0), Some(s1), Some(a1)) = (s0, a0, s1, a1) else {
        return false;
    };
    if s0 == s1 || a0 == a1 {
        return false;
    }
    let (i0, i1) = (
        (s0 as i32 - a0 as i32).rem_euclid(12),
        (s1 as i32 - a1 as i32).rem_euclid(12),
    );
    let similar = (s1 > s0) == (a1 > a0);
    similar && i0 == i1 && (i0 == 0 || i0 == 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallels() {
        // C5/F4 → D5/G4: fifths in similar motion.
        assert!(parallel(Some(72), Some(65), Some(74), Some(67)));
        // Contrary motion into a fifth is fine; so is a held voice.
        assert!(!parallel(Some(72), Some(65), Some(74), Some(62)));
        assert!(!parallel(Some(72), Some(65), Some(72), Some(65)));
        // Octaves.
        assert!(parallel(Some(72), Some(60), Some(71), Some(59)));
        assert!(!parallel(None, Some(60), Some(71), Some(59)));
    }
}
