//! The audio-thread side of Altus, independent of any plugin API so it can be tested and
//! benchmarked directly: MIDI in, transport in, MIDI out, through core's step [`Engine`].
//!
//! Rules (the README repeats them for musicians):
//! - **Grid.** 16th steps follow the host's beat position while the transport plays; when it is
//!   stopped or gives no position, an internal clock at the host's (or the default) tempo runs on,
//!   and the first soprano note (ever, or after a bar of silence) starts a bar: the clock moves
//!   forward to put a downbeat there, so a live player in tempo plays on its beats. The position in the bar comes from the host's bar start and time signature (else 4/4 from
//!   beat 0). Absurd positions, tempos and sample rates are ignored ([`clock`]).
//! - **Soprano.** The highest held input note. A new soprano note runs a model step at once and
//!   the generated voices' note-ons go out at the same sample offset (no added latency). The step is the
//!   nearest 16th. A second soprano note inside a 16th that has already run runs that same step
//!   again from the state before it (at most [`MAX_RESTEPS`] times a block at once, which
//!   bounds a burst's work; past that, the step runs once more for the soprano then sounding
//!   before the next 16th or at the block's end, so a rolled chord of any size is answered for
//!   its top note): fast notes never move the grid. A host whose position stands still while
//!   playing is still answered, by re-runs.
//! - **Steps.** From the first soprano note after a restart, every 16th boundary runs a step with
//!   the soprano then sounding (or none); each voice may move, re-strike or hold.
//! - **Voices.** The model always writes alto, tenor and bass together (each voice's choice
//!   depends on the others); the "Voices" setting chooses which of them sound, each on its own
//!   channel. Turning a voice off ends its note; the harmony runs on unchanged.
//! - **Release.** When the soprano is released the voices keep sounding until the next 16th,
//!   where the model decides (they usually rest).
//! - **Note-offs.** Every note sent goes through a [`Ledger`]: each note-on gets exactly one
//!   note-off and no note-off goes out without its note-on, whatever the host does. A voice's
//!   note ends when it moves or re-strikes; on transport stop or jump, key or mode changes and
//!   model swaps (which also restart the voices); on its channel's change or when the voice is
//!   turned off (the state is kept). Turning
//!   "Soprano through" off ends the passed-through notes. [`Performer::reset`] (the host restarting
//!   processing, deactivating) cannot send events: every sounding note is ended at the start of
//!   the next block. Temperature, ranges and velocity changes take effect at the next step.
//!
//! Nothing here allocates after [`Performer::new`]; every loop is bounded by the block's events and
//! samples.

pub mod clock;
pub mod ledger;
mod play;
mod types;

pub use ledger::{Ledger, Owner};
pub use types::{KeySetting, Note, Settings, Transport, Velocity};

use altus_core::Key;
use altus_core::harmony::engine::Engine;
use altus_core::harmony::model::{HarmonyModel, ModelState};
use altus_core::music::key::Mode;
use altus_core::music::key::auto::AutoKey;
use clock::Clock;

/// Most re-runs of a 16th, per block, for soprano notes struck inside it (bounds a burst's work).
pub const MAX_RESTEPS: u8 = 4;

/// The audio thread's performer: the grid's clock, the ledger of sounding notes, auto key and
/// the engine playing the three generated voices. All fields belong to the audio thread.
pub struct Performer {
    engine: Engine,
    auto: AutoKey,
    /// Hz, sane (see [`clock::sane_rate`]).
    sample_rate: f64,
    settings: Settings,
    /// Held input keys: a bit per MIDI channel holding the key.
    held: [u16; 128],
    /// Current soprano (highest held key).
    soprano: Option<u8>,
    /// Velocity of the latest soprano note-on (kept after its release).
    soprano_velocity: u8,
    /// Each generated voice's sounding note (alto, tenor, bass): key, channel, and the step it
    /// was struck at.
    sounding: [Option<(u8, u8, i64)>; 3],
    /// Every sounding output note.
    ledger: Ledger,
    /// Internal grid position (16ths) at the start of the next block.
    free_pos: f64,
    /// Grid position where the soprano last fell silent; `None` before its first note (since
    /// the start or a reset). Without a transport, a note after a bar of silence starts a bar.
    silent_since: Option<f64>,
    /// Expected host position (16ths) at the next block, to detect jumps.
    expected: Option<f64>,
    /// Highest step index already run, while started.
    last_step: Option<i64>,
    /// Times a step has been run again in this block.
    resteps: u8,
    was_playing: bool,
    /// Set by [`Performer::reset`]: end every sounding note at the start of the next block.
    flush: bool,
    /// This block: its grid, length, host position (16ths) if used.
    clock: Clock,
    len: u32,
    host: Option<f64>,
    /// Next sample at which a 16th boundary is due.
    cursor: u32,
    /// Latest sample reached in this block.
    now: u32,
    /// Sample whose events have been applied and whose step is still to run.
    open: Option<u32>,
    /// A new soprano note was struck at `open`.
    onset_pending: bool,
    /// A soprano note struck after this block's re-runs ran out: the step runs once more, for
    /// the soprano then sounding, before the next 16th or at the block's end.
    owed: bool,
}

impl Performer {
    /// A voice with its engine (allocates: call from `activate`).
    pub fn new(model: Box<HarmonyModel>, sample_rate: f64, settings: Settings) -> Self {
        // Detect the instruction set here, not on the audio thread (it reads the environment).
        altus_core::nn::simd::isa();
        let initial = Key::new(0, Mode::Major);
        let key = match settings.key {
            KeySetting::Fixed(k) => k,
            KeySetting::Auto(_) => initial,
        };
        let sample_rate = clock::sane_rate(sample_rate);
        let mut engine = Engine::new(model, key, settings.decode);
        // One step here touches the weights and state once, so the first block on the audio
        // thread does not pay for page faults and cold caches.
        engine.step(altus_core::harmony::engine::StepInput {
            soprano: Some(altus_core::Pitch(72)),
            soprano_onset: true,
            ..Default::default()
        });
        engine.reset();
        Performer {
            engine,
            auto: AutoKey::new(initial),
            sample_rate,
            settings,
            held: [0; 128],
            soprano: None,
            soprano_velocity: 64,
            sounding: [None; 3],
            ledger: Ledger::default(),
            free_pos: 0.0,
            silent_since: None,
            expected: None,
            last_step: None,
            resteps: 0,
            was_playing: false,
            flush: false,
            clock: Clock::new(&Transport::default(), sample_rate, 120.0, 0.0).0,
            len: 0,
            host: None,
            cursor: 0,
            now: 0,
            open: None,
            onset_pending: false,
            owed: false,
        }
    }

    /// A new sample rate (the host re-activated the plugin).
    pub fn set_sample_rate(&mut self, sample_rate: f64) {
        self.sample_rate = clock::sane_rate(sample_rate);
    }

    /// New settings: a key or mode change silences the voices and restarts them; a voice's
    /// channel change, or turning it off, ends its note (the state is kept); turning
    /// pass-through off ends the passed-through notes; temperature, ranges and velocity take
    /// effect at the next step.
    pub fn set_settings(&mut self, s: Settings, out: &mut impl FnMut(Note) -> bool) {
        let old = std::mem::replace(&mut self.settings, s);
        if s == old {
            return;
        }
        self.engine.set_options(s.decode);
        if s.key != old.key {
            if let KeySetting::Fixed(k) = s.key {
                self.engine.set_key(k);
            }
            self.all_off(0, out);
        } else {
            for v in 0..3 {
                if s.channels[v] != old.channels[v] || v >= s.voices {
                    self.end_voice(v, 0, out);
                }
            }
        }
        if old.pass_through && !s.pass_through {
            self.ledger.end_all(Some(Owner::Thru), 0, out);
        }
    }

    /// Swaps in a new model and its state (made off the audio thread); hands back the old ones.
    pub fn swap_model(
        &mut self,
        model: Box<HarmonyModel>,
        state: ModelState,
        out: &mut impl FnMut(Note) -> bool,
    ) -> (Box<HarmonyModel>, ModelState) {
        self.all_off(0, out);
        self.engine.swap_model(model, state)
    }

    /// Ends the generated notes at `at` and restarts the voices (the next soprano note starts
    /// anew). The passed-through notes sound on.
    pub fn all_off(&mut self, at: u32, out: &mut impl FnMut(Note) -> bool) {
        for v in 0..3 {
            self.end_voice(v, at, out);
        }
        self.ledger.end_all(Some(Owner::Voice), at, out);
        self.restart();
    }

    /// The host restarts processing or deactivates: no events can be sent now, so every
    /// sounding note is ended at the start of the next block, and the performer starts afresh.
    pub fn reset(&mut self) {
        self.flush = true;
        self.sounding = [None; 3];
        self.held = [0; 128];
        self.soprano = None;
        self.silent_since = None;
        self.expected = None;
        self.was_playing = false;
        self.restart();
    }

    fn restart(&mut self) {
        self.engine.reset();
        self.auto.reset();
        self.last_step = None;
    }

    fn end_voice(&mut self, v: usize, at: u32, out: &mut impl FnMut(Note) -> bool) {
        if let Some((key, ch, _)) = self.sounding[v].take() {
            self.ledger.off(Owner::Voice, at, ch, key, out);
        }
    }

    /// Voice `v`'s (0 alto, 1 tenor, 2 bass) sounding note and its channel, if any.
    pub fn voice_note(&self, v: usize) -> Option<(u8, u8)> {
        self.sounding.get(v).copied().flatten().map(|a| (a.0, a.1))
    }

    /// The soprano now (the highest held input key).
    pub fn soprano(&self) -> Option<u8> {
        self.soprano
    }

    /// The key the voices are written in, whether the settings fix it, and (auto) the key
    /// estimate's confidence, 0–1.
    pub fn key_view(&self) -> (Key, bool, f32) {
        match self.settings.key {
            KeySetting::Fixed(k) => (k, true, 1.0),
            KeySetting::Auto(_) => (self.engine.key(), false, self.auto.confidence()),
        }
    }

    /// The last 16th step run (its index on the grid), while started.
    pub fn step_index(&self) -> Option<i64> {
        self.last_step
    }

    /// The output's bookkeeping (what sounds now).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Processes one block of `len` samples: `input` sorted by sample offset; output notes go
    /// to `out` in time order (`out` returns whether the host took the note).
    pub fn process(
        &mut self,
        transport: &Transport,
        input: &[Note],
        len: u32,
        out: &mut impl FnMut(Note) -> bool,
    ) {
        self.begin(transport, len, out);
        for &n in input {
            self.note(n, out);
        }
        self.end(out);
    }

    /// Starts a block of `len` samples (then [`Performer::note`] for each input event in time
    /// order, then [`Performer::end`]).
    pub fn begin(&mut self, transport: &Transport, len: u32, out: &mut impl FnMut(Note) -> bool) {
        if std::mem::take(&mut self.flush) {
            self.ledger.end_all(None, 0, out);
        }
        self.ledger.retry(0, out);
        let (clock, host) = Clock::new(
            transport,
            self.sample_rate,
            self.settings.default_tempo,
            self.free_pos,
        );
        let jumped = matches!((host, self.expected), (Some(h), Some(e)) if (h - e).abs() > 0.5);
        if self.was_playing != transport.playing || jumped {
            self.all_off(0, out);
        }
        self.was_playing = transport.playing;
        (self.clock, self.host, self.len) = (clock, host, len);
        (self.cursor, self.now, self.open, self.onset_pending) = (0, 0, None, false);
        (self.resteps, self.owed) = (0, false);
    }

    /// One input event of the block (offsets past the block's end count at its last sample;
    /// events out of order count at the latest sample already reached).
    pub fn note(&mut self, n: Note, out: &mut impl FnMut(Note) -> bool) {
        let last = self.len.saturating_sub(1);
        let at = n.at().min(last).max(self.now);
        self.run_until(at, out);
        (self.open, self.now) = (Some(at), at);
        let was_silent = self.soprano.is_none();
        self.onset_pending |= self.apply(n, at, out);
        if was_silent && self.soprano.is_some() {
            self.anchor_free_grid(at);
        }
    }

    /// Ends the block: the steps due before its end run.
    pub fn end(&mut self, out: &mut impl FnMut(Note) -> bool) {
        self.run_until(self.len.max(1), out);
        self.pay(out);
        self.free_pos = self.clock.pos(self.len);
        self.expected = self.host.map(|_| self.free_pos);
    }
}
