//! Scoring generated voices against Bach's, and against the rules and habits of four-part
//! writing. All lines key-normalised; counts add over files ([`Metrics::add`]).
//!
//! Definitions:
//! - *agreement*: exact pitch per step where the soprano and Bach's voice both sound; *@onsets*:
//!   the same at Bach's onsets of that voice;
//! - *keeps on soprano moves*: of the steps where the soprano moves to another pitch (and the
//!   voice sounds before and after), the share where the voice keeps its pitch;
//! - *longest run*: a file's longest stretch of steps on one pitch (re-strikes included);
//!   reported as the median over files;
//! - *coverage*: share of the soprano's sounding steps where the voice sounds;
//! - *parallels*: fifths or octaves in similar motion, per 100 moves of a pair (a pair of voices,
//!   soprano included, both sounding at two steps with one of them moving), over the six pairs;
//! - *crossings*: of the pair-steps (a pair of voices, soprano included, both sounding at a step)
//!   over the six pairs, those where the upper voice is below the lower (S ≥ A ≥ T ≥ B fails);
//!   *spacing*: of the soprano–alto and alto–tenor pair-steps, those wider than an octave;
//! - *pitch-class set*: steps where the four voices' pitch classes are Bach's (as sets);
//!   *tertian*: steps where all four sound whose pitch-class set is a triad or a seventh chord
//!   ([`altus_core::music::chord::tertian`]);
//! - how each voice moves and its rhythm: [`super::motion`].

use super::motion::{Motion, ratio};
use crate::data::sequences::{Line, Sequence};
use altus_core::harmony::decode::parallel;
use altus_core::harmony::features::VOICES;
use altus_core::music::chord::{pitch_classes, tertian};

/// One voice's counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VoiceCounts {
    /// Steps where the soprano and Bach's voice sound; of them, with Bach's pitch.
    pub both: usize,
    /// … with Bach's pitch.
    pub agree: usize,
    /// Bach's onsets of this voice (the soprano sounding); of them, with his pitch.
    pub onsets: usize,
    /// … with his pitch.
    pub onset_agree: usize,
    /// Soprano moves with the voice sounding before and after.
    pub moves: usize,
    /// … on which the voice keeps its pitch.
    pub kept: usize,
    /// Steps where the soprano sounds.
    pub soprano_steps: usize,
    /// … where this voice sounds too.
    pub covered: usize,
    /// Each file's longest run on one pitch.
    pub longest: Vec<usize>,
    /// How the voice moves, and its rhythm.
    pub motion: Motion,
}

/// Counts behind the evaluation tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Per generated voice: alto, tenor, bass.
    pub voices: [VoiceCounts; VOICES],
    /// Pair moves over the six pairs.
    pub pair_moves: usize,
    /// … into parallel fifths or octaves.
    pub parallels: usize,
    /// Steps where all four voices sound.
    pub full: usize,
    /// … whose pitch-class set is a triad or a seventh chord.
    pub tertian: usize,
    /// Pair-steps over the six pairs (both voices sounding).
    pub pair_steps: usize,
    /// … with the upper voice below the lower.
    pub crossings: usize,
    /// Soprano–alto and alto–tenor pair-steps.
    pub spaced_steps: usize,
    /// … wider than an octave.
    pub spacing: usize,
    /// Steps where Bach's four and these four all sound.
    pub both_full: usize,
    /// … with the same pitch-class set.
    pub same_pcs: usize,
}

impl VoiceCounts {
    /// Exact-pitch agreement per step.
    pub fn agreement(&self) -> f64 {
        ratio(self.agree, self.both)
    }
    /// Agreement at Bach's onsets.
    pub(crate) fn onset_agreement(&self) -> f64 {
        ratio(self.onset_agree, self.onsets)
    }
    /// Share of soprano moves on which the voice keeps its pitch.
    pub fn keep_rate(&self) -> f64 {
        ratio(self.kept, self.moves)
    }
    /// Share of the soprano's steps where the voice sounds.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered, self.soprano_steps)
    }
    /// Mean note length in 16ths.
    pub(crate) fn note_length(&self) -> f64 {
        ratio(self.motion.sounding, self.motion.notes)
    }
    /// Median over files of the longest run on one pitch.
    pub fn median_longest(&self) -> f64 {
        let mut v = self.longest.clone();
        v.sort_unstable();
        match v.len() {
            0 => 0.0,
            n if n % 2 == 1 => v[n / 2] as f64,
            n => (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0,
        }
    }

    fn add(&mut self, o: &VoiceCounts) {
        self.both += o.both;
        self.agree += o.agree;
        self.onsets += o.onsets;
        self.onset_agree += o.onset_agree;
        self.moves += o.moves;
        self.kept += o.kept;
        self.soprano_steps += o.soprano_steps;
        self.covered += o.covered;
        self.longest.extend(&o.longest);
        self.motion.add(&o.motion);
    }
}

impl Metrics {
    /// Adds another file's counts.
    pub fn add(&mut self, o: &Metrics) {
        for (a, b) in self.voices.iter_mut().zip(&o.voices) {
            a.add(b);
        }
        self.pair_moves += o.pair_moves;
        self.parallels += o.parallels;
        self.full += o.full;
        self.tertian += o.tertian;
        self.pair_steps += o.pair_steps;
        self.crossings += o.crossings;
        self.spaced_steps += o.spaced_steps;
        self.spacing += o.spacing;
        self.both_full += o.both_full;
        self.same_pcs += o.same_pcs;
    }

    /// Parallel fifths/octaves per 100 pair moves.
    pub fn parallels_per_100(&self) -> f64 {
        100.0 * ratio(self.parallels, self.pair_moves)
    }
    /// Share of pair-steps with a crossing.
    pub fn crossing_rate(&self) -> f64 {
        ratio(self.crossings, self.pair_steps)
    }
    /// Share of soprano–alto and alto–tenor pair-steps wider than an octave.
    pub fn spacing_rate(&self) -> f64 {
        ratio(self.spacing, self.spaced_steps)
    }
    /// Share of the steps with all four voices whose pitch-class set is a triad or seventh chord.
    pub(crate) fn tertian_rate(&self) -> f64 {
        ratio(self.tertian, self.full)
    }
    /// Share of steps whose pitch-class set is Bach's.
    pub fn pcs_rate(&self) -> f64 {
        ratio(self.same_pcs, self.both_full)
    }
}

/// Scores generated voices (alto, tenor, bass) against Bach's in `seq`.
pub fn score(seq: &Sequence, lines: &[Line; VOICES]) -> Metrics {
    let mut m = Metrics {
        voices: std::array::from_fn(|v| voice_counts(seq, &lines[v], &seq.voices[v], seq.has[v])),
        ..Metrics::default()
    };
    let four = |t: usize| -> Option<[u8; 4]> {
        Some([
            seq.soprano[t]?,
            lines[0].pitch[t]?,
            lines[1].pitch[t]?,
            lines[2].pitch[t]?,
        ])
    };
    let bach = |t: usize| -> Option<[u8; 4]> {
        let b = &seq.voices;
        Some([
            seq.soprano[t]?,
            b[0].pitch[t]?,
            b[1].pitch[t]?,
            b[2].pitch[t]?,
        ])
    };
    let all: [&[Option<u8>]; 4] = [
        &seq.soprano,
        &lines[0].pitch,
        &lines[1].pitch,
        &lines[2].pitch,
    ];
    for t in 0..seq.len() {
        if t > 0 {
            pair_moves(&all, t, &mut m);
        }
        pair_steps(&all, t, &mut m);
        let Some(p) = four(t) else { continue };
        m.full += 1;
        m.tertian += usize::from(tertian(pitch_classes(p)).is_some());
        if seq.has == [true; VOICES]
            && let Some(b) = bach(t)
        {
            m.both_full += 1;
            m.same_pcs += usize::from(pitch_classes(p) == pitch_classes(b));
        }
    }
    m
}

/// The six pairs' moves into step `t` and their parallels.
fn pair_moves(all: &[&[Option<u8>]; 4], t: usize, m: &mut Metrics) {
    for a in 0..4 {
        for b in a + 1..4 {
            let (a0, a1, b0, b1) = (all[a][t - 1], all[a][t], all[b][t - 1], all[b][t]);
            if a0.is_none()
                || a1.is_none()
                || b0.is_none()
                || b1.is_none()
                || (a0 == a1 && b0 == b1)
            {
                continue;
            }
            m.pair_moves += 1;
            m.parallels += usize::from(parallel(a0, b0, a1, b1));
        }
    }
}

/// The six pairs at step `t`: crossings; soprano–alto and alto–tenor: spacing.
fn pair_steps(all: &[&[Option<u8>]; 4], t: usize, m: &mut Metrics) {
    for a in 0..4 {
        for b in a + 1..4 {
            let (Some(hi), Some(lo)) = (all[a][t], all[b][t]) else {
                continue;
            };
            m.pair_steps += 1;
            m.crossings += usize::from(lo > hi);
            if b == a + 1 && a < 2 {
                m.spaced_steps += 1;
                m.spacing += usize::from(hi as i32 - lo as i32 > 12);
            }
        }
    }
}

/// One voice's counts against Bach's line `bach` (`has`: the file has that voice).
fn voice_counts(seq: &Sequence, line: &Line, bach: &Line, has: bool) -> VoiceCounts {
    let mut c = VoiceCounts::default();
    let (mut run, mut longest) = (0usize, 0usize);
    for t in 0..seq.len() {
        let (s, p, b) = (seq.soprano[t], line.pitch[t], bach.pitch[t]);
        if has && let (Some(_), Some(b)) = (s, b) {
            c.both += 1;
            c.agree += usize::from(p == Some(b));
            if bach.onset[t] {
                c.onsets += 1;
                c.onset_agree += usize::from(p == Some(b));
            }
        }
        if s.is_some() {
            c.soprano_steps += 1;
            c.covered += usize::from(p.is_some());
        }
        let prev = if t > 0 { line.pitch[t - 1] } else { None };
        let sop_moved =
            t > 0 && s.is_some() && seq.soprano[t - 1].is_some() && s != seq.soprano[t - 1];
        if sop_moved && p.is_some() && prev.is_some() {
            c.moves += 1;
            c.kept += usize::from(p == prev);
        }
        if let Some(p) = p {
            run = if prev == Some(p) { run + 1 } else { 1 };
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    c.longest.push(longest);
    c.motion = Motion::of(line, &seq.bar_pos);
    c
}
