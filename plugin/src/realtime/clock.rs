//! The 16th grid of one block, from the host's transport (or the internal clock), and the
//! sanity rules for what a host says: positions that are not finite or beyond ±10⁹ quarters
//! count as absent, tempos outside 1–1000 bpm as absent, sample rates are held to 1 Hz–10 MHz,
//! so no arithmetic below can overflow or divide by zero.

use super::Transport;
use altus_core::music::score::Meter;

/// Furthest position (in quarters) taken from a host.
const MAX_BEATS: f64 = 1e9;

/// A sample rate a voice can work with.
pub fn sane_rate(sample_rate: f64) -> f64 {
    if sample_rate.is_finite() {
        sample_rate.clamp(1.0, 1e7)
    } else {
        48_000.0
    }
}

fn sane_beats(b: Option<f64>) -> Option<f64> {
    b.filter(|b| b.is_finite() && b.abs() < MAX_BEATS)
}

/// The block's grid geometry.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Grid position (16ths) at sample 0.
    pub start: f64,
    /// 16ths per sample.
    pub per_sample: f64,
    /// Bar start (16ths).
    pub bar_start: f64,
    /// Bar length (16ths).
    pub bar: i64,
    /// Time signature (sane).
    pub meter: (u8, u8),
}

impl Clock {
    /// The grid for a block: from the host's position while it plays, else from `free_pos`
    /// (the internal clock). Returns the clock and the host's position in 16ths, if used.
    pub fn new(
        t: &Transport,
        sample_rate: f64,
        default_tempo: f64,
        free_pos: f64,
    ) -> (Clock, Option<f64>) {
        let tempo = t
            .tempo
            .filter(|t| t.is_finite() && *t > 1.0 && *t < 1000.0)
            .unwrap_or(default_tempo.clamp(1.0, 1000.0));
        let per_sample = tempo / 60.0 * 4.0 / sane_rate(sample_rate);
        let host = sane_beats(t.pos_beats)
            .filter(|_| t.playing)
            .map(|b| b * 4.0);
        let (num, den) = t.time_sig.unwrap_or((4, 4));
        let (num, den) = (num.max(1), den.max(1));
        let bar_start = sane_beats(t.bar_start_beats)
            .filter(|_| host.is_some())
            .map_or(0.0, |b| b * 4.0);
        let clock = Clock {
            start: host.unwrap_or(free_pos),
            per_sample,
            bar_start,
            bar: Meter::bar_steps(num, den) as i64,
            meter: (num, den),
        };
        (clock, host)
    }

    /// Grid position (16ths) at sample `t`.
    pub fn pos(&self, t: u32) -> f64 {
        self.start + self.per_sample * t as f64
    }

    /// Half a sample in 16ths: a boundary belongs to the sample nearest to it, the same sample a
    /// sequencer puts a note starting there on.
    pub fn eps(&self) -> f64 {
        0.5 * self.per_sample
    }

    /// The 16th that begins at or just before sample `t`.
    pub fn step_at(&self, t: u32) -> i64 {
        (self.pos(t) + self.eps()).floor() as i64
    }

    /// The 16th nearest to sample `t` (where a note struck there belongs).
    pub fn nearest(&self, t: u32) -> i64 {
        self.pos(t).round() as i64
    }

    /// Position of step `index` in its bar, in 16ths.
    pub fn bar_pos(&self, index: i64) -> u16 {
        let first = (self.bar_start + self.eps()).floor() as i64;
        index.saturating_sub(first).rem_euclid(self.bar.max(1)) as u16
    }

    /// Metrical strength (0–4) of step `index`, as `altus harmonize` computes it.
    pub fn strength(&self, index: i64) -> u8 {
        let (num, den) = self.meter;
        altus_core::music::phase::strength(self.bar_pos(index) as usize, num, den) as u8
    }

    /// The first sample after `t` at which a new 16th begins.
    pub fn next_boundary_sample(&self, t: u32) -> u32 {
        let next = (self.pos(t) + self.eps()).floor() + 1.0;
        let samples = ((next - self.eps() - self.start) / self.per_sample).ceil();
        if samples.is_finite() && samples > t as f64 {
            samples.min(u32::MAX as f64) as u32
        } else {
            t.saturating_add(1)
        }
    }
}
