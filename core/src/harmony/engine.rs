//! The step engine: where a soprano note becomes the alto, tenor and bass.
//!
//! One [`Engine`] runs the three generated voices one 16th step at a time, causally: it sees the
//! soprano up to the current step and its own past voices, never the future. `altus harmonize`
//! drives it over a file's grid; the plugin drives it from the audio thread (no allocation in
//! [`Engine::step`]).
//!
//! Each step: the soprano's features and the voices' previous choices go into the model; its
//! logits are decoded under the rules of four-part writing ([`super::decode`]); where a voice
//! keeps the pitch it already sounds, the model's re-strike output decides between holding and
//! striking again.

use super::ahead::Ahead;
use super::decode::{self, Context};
use super::leading::Leading;
use crate::harmony::features::{
    CLASSES, HEAD, MAX_ACTIVE, OUTPUTS, REST, SopranoTrack, StepFeatures, VOICES, class_of,
    class_pitch,
};
use crate::harmony::model::{HarmonyModel, ModelState};
use crate::music::key::{Key, Mode};
use crate::music::types::Pitch;
use crate::nn::math::sigmoid;
use crate::rng::Rng;

pub use super::decode::parallel;

/// Decoding settings (sounding pitches, not key-normalised).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeOptions {
    /// 0 = always the most likely notes; higher values sample more freely.
    pub temperature: f32,
    /// Lowest and highest note of the alto, tenor and bass.
    pub ranges: [(u8, u8); VOICES],
    /// Seed for sampling (temperature > 0).
    pub seed: u64,
    /// Partial choices kept per voice at temperature 0 (1 = one voice after the other).
    pub beam: usize,
    /// Add the model's voice-leading preferences ([`HarmonyModel::leading`]) to its
    /// log-probabilities (off: the model's own choices, for comparison).
    pub leading: bool,
}

/// Default ranges of the alto, tenor and bass (Bach's, a little narrowed at the edges).
pub const RANGES: [(u8, u8); VOICES] = [(53, 77), (48, 72), (36, 67)];

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            temperature: 0.0,
            ranges: RANGES,
            seed: 0,
            beam: 3,
            leading: true,
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
    /// Metrical strength of the step, 0–4 (`music::phase::strength`).
    pub strength: u8,
    /// The soprano's next notes, sounding pitches: known offline only, read by lookahead models
    /// only (the default, nothing ahead, is what the plugin gives).
    pub ahead: Ahead,
}

/// What the generated voices do at a step (sounding pitches): alto, tenor, bass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutput {
    /// Each voice's pitch, if it sounds.
    pub pitch: [Option<Pitch>; VOICES],
    /// Each voice strikes (a new note-on) at this step.
    pub onset: [bool; VOICES],
}

/// Steps of soprano rest, with every voice resting too, after which the engine idles: it
/// answers rests without running the model, and the soprano's return starts afresh (a new
/// piece). 16 bars of 4/4: longer than the rests between a chorale's phrases (3 of the 432
/// corpus files, with long instrumental interludes, rest longer). It bounds the work of long
/// silences.
pub const IDLE_AFTER: u32 = 256;

/// The generated voices' engine: model, state, key, decoding.
#[derive(Clone, Debug)]
pub struct Engine {
    model: Box<HarmonyModel>,
    state: ModelState,
    key: Key,
    opts: DecodeOptions,
    memory: Memory,
    logits: [f32; OUTPUTS],
    /// What [`Engine::restep`] goes back to.
    saved: Memory,
}

/// What decoding remembers from step to step (besides the model's state); key-normalised.
#[derive(Clone, Debug)]
struct Memory {
    rng: Rng,
    prev: [usize; VOICES],
    prev_onset: [bool; VOICES],
    /// The soprano at the previous step.
    prev_soprano: Option<u8>,
    /// The soprano's motion and held time.
    track: SopranoTrack,
    /// Steps in a row with the soprano and every voice resting.
    rests: u32,
    /// Steps in a row with the soprano resting.
    soprano_rest: u32,
}

impl Memory {
    /// The same memory in a frame `delta` semitones away: every voice and the soprano keep
    /// their sounding pitch.
    fn transpose(&mut self, delta: i32) {
        let pitch = |p: u8| u8::try_from(p as i32 + delta).ok().filter(|p| *p < 128);
        for c in &mut self.prev {
            *c = class_of(class_pitch(*c).and_then(pitch));
        }
        self.prev_soprano = self.prev_soprano.and_then(pitch);
        self.track.transpose(delta);
    }

    fn new(seed: u64) -> Memory {
        Memory {
            rng: Rng::new(seed),
            prev: [REST; VOICES],
            prev_onset: [false; VOICES],
            prev_soprano: None,
            track: SopranoTrack::default(),
            rests: 0,
            soprano_rest: 0,
        }
    }
}

impl Engine {
    /// An engine in its initial state.
    /// The step reads half-size copies of the streamed weights where the CPU can
    /// ([`HarmonyModel::use_half`]).
    pub fn new(mut model: Box<HarmonyModel>, key: Key, opts: DecodeOptions) -> Self {
        if !model.uses_half() {
            model.use_half();
        }
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
        // The memory is key-normalised: move it into the new key's frame, so the next step sees
        // the voices where they sound (a voice that keeps its pitch holds, not re-strikes). The
        // model's state keeps what it heard in the old frame.
        let delta = key.shift_to_reference() - self.key.shift_to_reference();
        if delta != 0 {
            self.memory.transpose(delta);
            self.saved.transpose(delta);
        }
        self.key = key;
    }

    /// Changes decoding options.
    pub fn set_options(&mut self, opts: DecodeOptions) {
        self.opts = opts;
    }

    /// The last step's logits as decoding saw them (never NaN or ±∞), before conditioning.
    pub fn logits(&self) -> &[f32; OUTPUTS] {
        &self.logits
    }

    /// The model in use.
    pub fn model(&self) -> &HarmonyModel {
        &self.model
    }

    /// Puts in a new model with its state (both made off the real-time thread) and hands back
    /// the old ones, to be dropped elsewhere. The voices restart from the initial state.
    pub fn swap_model(
        &mut self,
        model: Box<HarmonyModel>,
        state: ModelState,
    ) -> (Box<HarmonyModel>, ModelState) {
        let old_model = std::mem::replace(&mut self.model, model);
        let old_state = std::mem::replace(&mut self.state, state);
        self.reset();
        (old_model, old_state)
    }

    /// One 16th step: the soprano in, the voices out. No allocation.
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
        if input.soprano.is_none() && self.memory.prev == [REST; VOICES] {
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
        let onset = input.soprano_onset && soprano.is_some();
        let (prev_note, held) = self.memory.track.advance(soprano, onset);
        let m = &self.memory;
        let f = StepFeatures {
            soprano,
            soprano_onset: onset,
            bar_pos: input.bar_pos,
            strength: input.strength,
            minor: self.key.mode == Mode::Minor,
            prev_soprano: prev_note,
            held,
            prev: m.prev,
            prev_onset: m.prev_onset,
            ahead: input.ahead.transpose(shift),
        };
        let mut active = [0u16; MAX_ACTIVE];
        let n = f.active(self.model.config.inputs, &mut active);
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
        let (classes, logits) = self.decode(soprano, onset, input.strength, shift);
        let mut out = StepOutput::default();
        for v in 0..VOICES {
            let c = classes[v];
            // Through the soprano's rests a voice only holds (the rules), never strikes again.
            out.onset[v] = c != REST
                && (c != self.memory.prev[v] || (soprano.is_some() && self.restrike(&logits[v])));
            out.pitch[v] = class_pitch(c).and_then(|p| Pitch(p).transpose(-shift));
        }
        self.memory.prev = classes;
        self.memory.prev_onset = out.onset;
        self.memory.prev_soprano = soprano;
        self.memory.soprano_rest = if soprano.is_some() {
            0
        } else {
            self.memory.soprano_rest.saturating_add(1)
        };
        out
    }

    fn decode(
        &mut self,
        soprano: Option<u8>,
        soprano_onset: bool,
        strength: u8,
        shift: i32,
    ) -> ([usize; VOICES], [[f32; HEAD]; VOICES]) {
        let ctx = Context {
            soprano,
            prev_soprano: self.memory.prev_soprano,
            soprano_onset,
            strength,
            soprano_rest: self.memory.soprano_rest,
            prev: self.memory.prev,
            ranges: self
                .opts
                .ranges
                .map(|(lo, hi)| (lo as i32 + shift, hi as i32 + shift)),
        };
        let (model, logits) = (&self.model, &self.logits);
        let leading = if self.opts.leading {
            &model.leading
        } else {
            &Leading::NONE
        };
        if self.opts.temperature > 0.0 {
            let t = self.opts.temperature;
            decode::sample(model, logits, &ctx, leading, t, &mut self.memory.rng)
        } else {
            decode::beam(model, logits, &ctx, leading, self.opts.beam)
        }
    }

    fn restrike(&mut self, logits: &[f32; HEAD]) -> bool {
        let p = sigmoid(logits[CLASSES]);
        if self.opts.temperature > 0.0 {
            self.memory.rng.next_f32() < p
        } else {
            p > 0.5
        }
    }
}
