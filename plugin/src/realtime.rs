//! The audio-thread side of Altus, independent of any plugin API so it can be tested and
//! benchmarked directly: MIDI in, transport in, MIDI out, through core's step [`Engine`].
//!
//! Rules (the README repeats them for musicians):
//! - **Grid.** 16th steps follow the host's beat position while the transport plays; when it is
//!   stopped or gives no position, an internal clock at the host's (or the default) tempo runs on.
//!   The position in the bar comes from the host's bar start and time signature (else 4/4 from
//!   beat 0).
//! - **Soprano.** The highest held input note. A new soprano note runs a model step at once and
//!   the alto's note-on goes out at the same sample offset (no added latency). The step used is the
//!   nearest 16th; if that one has been used already (fast notes), the next one is taken early.
//! - **Steps.** From the first soprano note after a reset, every 16th boundary runs a step with
//!   the soprano then sounding (or none); the alto may move, re-strike or hold.
//! - **Release.** When the soprano is released the alto keeps sounding until the next 16th, where
//!   the model decides (it usually rests).
//! - **Note-offs.** Every alto note-on gets its note-off: when the alto moves or re-strikes, and on
//!   [`Voice::all_off`] (transport stop or jump, reset, deactivation, parameter change, model swap).
//!
//! Nothing here allocates after [`Voice::new`].

use crate::autokey::AutoKey;
use altus_core::engine::{DecodeOptions, Engine, StepInput};
use altus_core::key::Mode;
use altus_core::model::{AltoModel, ModelState};
use altus_core::score::Meter;
use altus_core::{Key, Pitch};

/// What the host says about time for one block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transport {
    /// The transport plays.
    pub playing: bool,
    /// Tempo in beats per minute, if known.
    pub tempo: Option<f64>,
    /// Position of the block's first sample in quarter notes, if known.
    pub pos_beats: Option<f64>,
    /// Position of the current bar's start in quarter notes, if known.
    pub bar_start_beats: Option<f64>,
    /// Time signature, if known.
    pub time_sig: Option<(u8, u8)>,
}

/// A MIDI note event inside a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// Note-on at a sample offset.
    On {
        /// Sample offset in the block.
        at: u32,
        /// Key.
        key: u8,
        /// Velocity 1–127.
        velocity: u8,
        /// MIDI channel 0–15.
        channel: u8,
    },
    /// Note-off at a sample offset.
    Off {
        /// Sample offset in the block.
        at: u32,
        /// Key.
        key: u8,
        /// MIDI channel 0–15.
        channel: u8,
    },
}

impl Note {
    /// Sample offset.
    pub fn at(&self) -> u32 {
        match *self {
            Note::On { at, .. } | Note::Off { at, .. } => at,
        }
    }
}

/// How the alto's velocity is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Velocity {
    /// The current soprano note's velocity.
    Follow,
    /// A fixed velocity.
    Fixed(u8),
    /// The soprano's velocity times a percentage.
    Scale(u8),
}

/// The key: fixed, or estimated from the soprano (optionally in a given mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySetting {
    /// This key.
    Fixed(Key),
    /// Estimated from the soprano heard so far.
    Auto(Option<Mode>),
}

/// Settings the audio thread reads once per block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Key to harmonize in.
    pub key: KeySetting,
    /// Decoding (temperature, range, seed).
    pub decode: DecodeOptions,
    /// Alto velocity.
    pub velocity: Velocity,
    /// Output channel 0–15.
    pub channel: u8,
    /// Pass the input notes through.
    pub pass_through: bool,
    /// Tempo when the host gives none, in bpm.
    pub default_tempo: f64,
}

/// One alto voice on the audio thread.
pub struct Voice {
    engine: Engine,
    auto: AutoKey,
    sample_rate: f64,
    settings: Settings,
    /// Held input notes (key → velocity, 0 = not held).
    held: [u8; 128],
    /// Current soprano (highest held key).
    soprano: Option<u8>,
    soprano_velocity: u8,
    /// Sounding alto note and its channel.
    alto: Option<(u8, u8)>,
    /// Internal grid position (16ths) at the start of the next block.
    free_pos: f64,
    /// Expected host position (16ths) at the next block, to detect jumps.
    expected: Option<f64>,
    /// Highest step index already run, while started.
    last_step: Option<i64>,
    was_playing: bool,
}

impl Voice {
    /// A voice with its engine (allocates: call from `activate`).
    pub fn new(model: Box<AltoModel>, sample_rate: f64, settings: Settings) -> Self {
        // Detect the instruction set here, not on the audio thread (it reads the environment).
        altus_core::nn::simd::isa();
        let initial = Key::new(0, Mode::Major);
        let key = match settings.key {
            KeySetting::Fixed(k) => k,
            KeySetting::Auto(_) => initial,
        };
        Voice {
            engine: Engine::new(model, key, settings.decode),
            auto: AutoKey::new(initial),
            sample_rate,
            settings,
            held: [0; 128],
            soprano: None,
            soprano_velocity: 0,
            alto: None,
            free_pos: 0.0,
            expected: None,
            last_step: None,
            was_playing: false,
        }
    }

    /// New settings; a change that alters the harmony silences the alto and restarts the voice.
    pub fn set_settings(&mut self, s: Settings, out: &mut impl FnMut(Note)) {
        if s == self.settings {
            return;
        }
        let musical = s.key != self.settings.key
            || s.decode != self.settings.decode
            || s.channel != self.settings.channel;
        self.settings = s;
        if let KeySetting::Fixed(k) = s.key {
            self.engine.set_key(k);
        }
        self.engine.set_options(s.decode);
        if musical {
            self.all_off(0, out);
        }
    }

    /// Swaps in a new model and its state (made off the audio thread); hands back the old ones.
    pub fn swap_model(
        &mut self,
        model: Box<AltoModel>,
        state: ModelState,
        out: &mut impl FnMut(Note),
    ) -> (Box<AltoModel>, ModelState) {
        self.all_off(0, out);
        self.engine.swap_model(model, state)
    }

    /// Ends the sounding alto note at `at` and restarts the voice (next soprano note starts anew).
    pub fn all_off(&mut self, at: u32, out: &mut impl FnMut(Note)) {
        if let Some((key, channel)) = self.alto.take() {
            out(Note::Off { at, key, channel });
        }
        self.engine.reset();
        self.auto.reset();
        self.last_step = None;
    }

    /// The sounding alto note, if any.
    pub fn alto_sounding(&self) -> Option<u8> {
        self.alto.map(|a| a.0)
    }

    /// The sounding alto note and its channel, if any.
    pub fn alto_note(&self) -> Option<(u8, u8)> {
        self.alto
    }

    /// Processes one block of `len` samples: `input` sorted by sample offset; output notes go
    /// to `out` in time order.
    pub fn process(
        &mut self,
        transport: &Transport,
        input: &[Note],
        len: u32,
        out: &mut impl FnMut(Note),
    ) {
        let tempo = transport
            .tempo
            .filter(|t| t.is_finite() && *t > 1.0 && *t < 1000.0)
            .unwrap_or(self.settings.default_tempo);
        let per_sample = tempo / 60.0 * 4.0 / self.sample_rate; // 16ths per sample
        let host = transport
            .pos_beats
            .filter(|_| transport.playing)
            .map(|b| b * 4.0);
        // Transport stop or jump: silence and restart.
        let jumped = matches!((host, self.expected), (Some(h), Some(e)) if (h - e).abs() > 0.5);
        if self.was_playing != transport.playing || jumped {
            self.all_off(0, out);
        }
        self.was_playing = transport.playing;
        let start = host.unwrap_or(self.free_pos);
        let (num, den) = transport.time_sig.unwrap_or((4, 4));
        let bar_start = transport
            .bar_start_beats
            .filter(|_| host.is_some())
            .map_or(0.0, |b| b * 4.0);
        let bar = Meter::bar_steps(num, den) as i64;
        let ctx = Clock {
            start,
            per_sample,
            bar_start,
            bar,
        };
        let mut events = input.iter().peekable();
        let mut t = 0u32;
        while t < len {
            // Events at this sample first, then a boundary falling here.
            let mut onset = false;
            while let Some(e) = events.next_if(|e| e.at() <= t) {
                onset |= self.apply(e, out);
            }
            if onset {
                self.onset_step(&ctx, t, out);
            }
            self.boundary(&ctx, t, out);
            // Jump to the next sample where something can happen.
            let next_event = events.peek().map_or(len, |e| e.at().max(t + 1));
            let next_boundary = ctx.next_boundary_sample(t);
            t = next_event.min(next_boundary).min(len).max(t + 1);
        }
        // Events dated past the block's end still count (hosts should not send them).
        for e in events {
            if self.apply(e, out) {
                self.onset_step(&ctx, len.saturating_sub(1), out);
            }
        }
        self.free_pos = start + per_sample * len as f64;
        self.expected = host.map(|_| self.free_pos);
    }

    /// Updates the held notes; returns whether a new soprano note started.
    fn apply(&mut self, e: &Note, out: &mut impl FnMut(Note)) -> bool {
        if self.settings.pass_through {
            out(*e);
        }
        match *e {
            Note::On { key, velocity, .. } if key < 128 => {
                self.held[key as usize] = velocity.max(1);
                let top = self.highest();
                let new = top == Some(key);
                if new {
                    self.soprano = top;
                    self.soprano_velocity = velocity.max(1);
                }
                new
            }
            Note::Off { key, .. } if key < 128 => {
                self.held[key as usize] = 0;
                self.soprano = self.highest();
                false
            }
            _ => false,
        }
    }

    fn highest(&self) -> Option<u8> {
        (0..128u8).rev().find(|&k| self.held[k as usize] > 0)
    }

    /// A soprano note started at sample `t`: run a step now.
    fn onset_step(&mut self, ctx: &Clock, t: u32, out: &mut impl FnMut(Note)) {
        let nearest = ctx.pos(t).round() as i64;
        let index = match self.last_step {
            Some(last) if nearest <= last => last + 1,
            _ => nearest,
        };
        self.run(ctx, index, true, t, out);
    }

    /// Runs the step whose boundary falls at sample `t`, if any and not yet run.
    fn boundary(&mut self, ctx: &Clock, t: u32, out: &mut impl FnMut(Note)) {
        let Some(last) = self.last_step else { return };
        let index = (ctx.pos(t) + ctx.eps()).floor() as i64;
        if index > last {
            self.run(ctx, index, false, t, out);
        }
    }

    fn run(&mut self, ctx: &Clock, index: i64, onset: bool, t: u32, out: &mut impl FnMut(Note)) {
        self.last_step = Some(index);
        let bar_pos =
            (index - (ctx.bar_start + ctx.eps()).floor() as i64).rem_euclid(ctx.bar.max(1)) as u16;
        if let (KeySetting::Auto(mode), Some(s)) = (self.settings.key, self.soprano) {
            self.auto.observe(s, onset, mode);
            self.engine.set_key(self.auto.key());
        }
        let step = self.engine.step(StepInput {
            soprano: self.soprano.map(Pitch),
            soprano_onset: onset && self.soprano.is_some(),
            bar_pos,
        });
        let channel = self.settings.channel;
        let next = step.alto.map(|p| p.0);
        let sounding = self.alto.map(|a| a.0);
        if step.onset || next != sounding {
            if let Some((key, ch)) = self.alto.take() {
                out(Note::Off {
                    at: t,
                    key,
                    channel: ch,
                });
            }
            if let Some(key) = next {
                out(Note::On {
                    at: t,
                    key,
                    velocity: self.velocity(),
                    channel,
                });
                self.alto = Some((key, channel));
            }
        }
    }

    fn velocity(&self) -> u8 {
        let v = match self.settings.velocity {
            Velocity::Follow => self.soprano_velocity as u32,
            Velocity::Fixed(v) => v as u32,
            Velocity::Scale(pct) => self.soprano_velocity as u32 * pct as u32 / 100,
        };
        v.clamp(1, 127) as u8
    }
}

/// The block's grid geometry.
struct Clock {
    /// Grid position (16ths) at sample 0.
    start: f64,
    /// 16ths per sample.
    per_sample: f64,
    /// Bar start (16ths).
    bar_start: f64,
    /// Bar length (16ths).
    bar: i64,
}

impl Clock {
    fn pos(&self, t: u32) -> f64 {
        self.start + self.per_sample * t as f64
    }

    /// Half a sample in 16ths: a boundary belongs to the sample nearest to it, the same sample a
    /// sequencer puts a note starting there on.
    fn eps(&self) -> f64 {
        0.5 * self.per_sample
    }

    /// The first sample after `t` at which a new 16th begins.
    fn next_boundary_sample(&self, t: u32) -> u32 {
        let next = (self.pos(t) + self.eps()).floor() + 1.0;
        let samples = ((next - self.eps() - self.start) / self.per_sample).ceil();
        if samples.is_finite() && samples > t as f64 {
            samples.min(u32::MAX as f64) as u32
        } else {
            t + 1
        }
    }
}
