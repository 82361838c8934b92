//! How a block's events and 16th boundaries become steps and the voices' notes (the rules are
//! in the module doc of [`super`]).

use super::{KeySetting, MAX_RESTEPS, Note, Owner, Performer, Velocity};
use altus_core::Pitch;
use altus_core::harmony::engine::{StepInput, StepOutput};

impl Performer {
    /// Runs what is due before sample `to`: the step of the sample whose events were applied,
    /// then every 16th boundary.
    pub(super) fn run_until(&mut self, to: u32, out: &mut impl FnMut(Note) -> bool) {
        if let Some(t) = self.open {
            if t >= to {
                return;
            }
            self.open = None;
            if std::mem::take(&mut self.onset_pending) {
                self.onset_step(t, out);
            }
            self.boundary(t, out);
            self.cursor = self.clock.next_boundary_sample(t);
        }
        while self.cursor < to {
            let t = self.cursor;
            self.boundary(t, out);
            self.cursor = self.clock.next_boundary_sample(t);
        }
    }

    /// Updates the held notes and passes the event through; returns whether a new soprano
    /// note started.
    pub(super) fn apply(&mut self, n: Note, at: u32, out: &mut impl FnMut(Note) -> bool) -> bool {
        match n {
            Note::On {
                key,
                velocity,
                channel,
                ..
            } => {
                let (key, channel, velocity) = (key & 127, channel & 15, velocity.clamp(1, 127));
                if self.settings.pass_through {
                    let thru = Note::On {
                        at,
                        key,
                        velocity,
                        channel,
                    };
                    self.ledger.on(Owner::Thru, thru, out);
                }
                self.held[key as usize] |= 1 << channel;
                let new = self.soprano.is_none_or(|s| key >= s);
                if new {
                    self.soprano = Some(key);
                    self.soprano_velocity = velocity;
                }
                new
            }
            Note::Off { key, channel, .. } => {
                let (key, channel) = (key & 127, channel & 15);
                self.ledger.off(Owner::Thru, at, channel, key, out);
                self.held[key as usize] &= !(1 << channel);
                if self.held[key as usize] == 0 && self.soprano == Some(key) {
                    self.soprano = (0..key).rev().find(|&k| self.held[k as usize] != 0);
                    if self.soprano.is_none() {
                        self.silent_since = Some(self.clock.pos(at));
                    }
                }
                false
            }
        }
    }

    /// Without a transport (a standalone app, a stopped host) the grid runs free at the Tempo
    /// parameter; the first soprano note ever, or after a bar of silence, starts a bar: the grid
    /// moves forward (never back, so no step runs twice) to put a downbeat at sample `at`, and a
    /// player in tempo plays on its beats. A host's transport is never moved.
    pub(super) fn anchor_free_grid(&mut self, at: u32) {
        if self.host.is_some() {
            return;
        }
        let pos = self.clock.pos(at);
        let bar = self.clock.bar.max(1) as f64;
        if self.silent_since.is_some_and(|s| pos - s < bar) {
            return;
        }
        let after_last = self.last_step.map_or(f64::MIN, |l| (l + 1) as f64);
        let downbeat = (pos.max(after_last) / bar).ceil() * bar;
        if downbeat.is_finite() {
            self.clock.start += downbeat - pos;
        }
    }

    /// A soprano note started at sample `t`: run its 16th now (again, if it already ran).
    fn onset_step(&mut self, t: u32, out: &mut impl FnMut(Note) -> bool) {
        let nearest = self.clock.nearest(t);
        match self.last_step {
            Some(last) if nearest <= last => {
                if self.resteps < MAX_RESTEPS {
                    self.resteps += 1;
                    self.run(last, true, true, t, out);
                } else {
                    self.owed = true;
                }
            }
            _ => self.run(nearest, true, false, t, out),
        }
    }

    /// Runs the step whose boundary falls at sample `t`, if any and not yet run (after the
    /// re-run owed to the step before, if any).
    fn boundary(&mut self, t: u32, out: &mut impl FnMut(Note) -> bool) {
        let Some(last) = self.last_step else { return };
        let index = self.clock.step_at(t);
        if index > last {
            self.pay(out);
            self.run(index, false, false, t, out);
        }
    }

    /// Runs the owed re-run of the last step, for the soprano sounding now, at the latest
    /// sample reached (nothing later has been sent).
    pub(super) fn pay(&mut self, out: &mut impl FnMut(Note) -> bool) {
        if std::mem::take(&mut self.owed)
            && let Some(last) = self.last_step
        {
            self.run(last, true, true, self.now, out);
        }
    }

    /// Runs step `index` at sample `t` (`again`: the same step once more, from before it).
    fn run(
        &mut self,
        index: i64,
        onset: bool,
        again: bool,
        t: u32,
        out: &mut impl FnMut(Note) -> bool,
    ) {
        self.last_step = Some(index);
        // Auto key hears every soprano onset, also one that re-runs a 16th already started (a
        // note played after the grid's boundary, as most are live): re-runs are onsets.
        if let (KeySetting::Auto(mode), Some(s)) = (self.settings.key, self.soprano) {
            self.auto.observe(s, onset, mode);
            self.engine.set_key(self.auto.key());
        }
        let input = StepInput {
            soprano: self.soprano.map(Pitch),
            soprano_onset: onset && self.soprano.is_some(),
            bar_pos: self.clock.bar_pos(index),
            strength: self.clock.strength(index),
            // Live, nothing is known ahead.
            ahead: Default::default(),
        };
        let step = if again {
            self.engine.restep(input)
        } else {
            self.engine.step(input)
        };
        self.sound(step, index, again, t, out);
    }

    /// Plays a step's sounding voices: a new pitch or a re-strike ends the voice's note first.
    fn sound(
        &mut self,
        step: StepOutput,
        index: i64,
        again: bool,
        t: u32,
        out: &mut impl FnMut(Note) -> bool,
    ) {
        for v in 0..self.settings.voices.min(3) {
            let next = step.pitch[v].map(|p| p.0);
            let sounding = self.sounding[v].map(|a| a.0);
            // Run again, the step re-strikes only if its first run did not already strike here.
            let struck_here = self.sounding[v].is_some_and(|a| a.2 == index);
            let strike = next != sounding || (step.onset[v] && !(again && struck_here));
            if !strike {
                continue;
            }
            self.end_voice(v, t, out);
            if let Some(key) = next {
                let channel = self.settings.channels[v] & 15;
                let on = Note::On {
                    at: t,
                    key,
                    velocity: self.velocity(),
                    channel,
                };
                if self.ledger.on(Owner::Voice, on, out) {
                    self.sounding[v] = Some((key, channel, index));
                }
            }
        }
    }

    fn velocity(&self) -> u8 {
        let soprano = self.soprano_velocity as u32;
        let v = match self.settings.velocity {
            Velocity::Follow => soprano,
            Velocity::Fixed(v) => v as u32,
            Velocity::Scale(pct) => soprano * pct as u32 / 100,
        };
        v.clamp(1, 127) as u8
    }
}
