//! The 16th-note grid: what every model and the plugin see.
//!
//! Steps are in musical time (`tick × 4 / tpq`), independent of tempo. Each voice has, per step,
//! a pitch or a rest and an onset flag (so a held note differs from a repeated one).
//!
//! Snapping rule: a note starts at the step nearest its note-on and ends at the step nearest its
//! note-off (halves round up), and lasts at least one step. Voices are first cut to one note at a
//! time ([`crate::music::score::Part::monophonic`]); if two notes still land on the same step, the later
//! one wins that step. Metre and tempo changes snap the same way.

use crate::music::key::{Key, KeySig, PitchClassHistogram, infer_key};
use crate::music::midi::{MidiOut, TrackOut};
use crate::music::score::{Meter, Note, Score, Tempo};
use crate::music::types::{Pitch, Step};
use crate::music::voices::{self, Voice};

/// One voice on the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceLine {
    /// Which voice.
    pub voice: Voice,
    /// Pitch sounding at each step, `None` for a rest.
    pub pitch: Vec<Option<Pitch>>,
    /// Whether a note starts at each step (only ever set where `pitch` is `Some`).
    pub onset: Vec<bool>,
}

impl VoiceLine {
    /// An all-rest line of `len` steps.
    pub fn rests(voice: Voice, len: usize) -> Self {
        VoiceLine {
            voice,
            pitch: vec![None; len],
            onset: vec![false; len],
        }
    }

    /// Lowest and highest pitch.
    pub fn range(&self) -> Option<(Pitch, Pitch)> {
        let it = self.pitch.iter().flatten();
        Some((*it.clone().min()?, *it.max()?))
    }

    /// Notes as `(start, end, pitch)` step ranges: a note runs from an onset (or a change of
    /// pitch) to the next onset, change or rest.
    pub fn notes(&self) -> Vec<(Step, Step, Pitch)> {
        let mut out = Vec::new();
        let mut cur: Option<(usize, Pitch)> = None;
        for (i, (&p, &on)) in self.pitch.iter().zip(&self.onset).enumerate() {
            let continues = matches!((cur, p), (Some((_, q)), Some(r)) if q == r && !on);
            if continues {
                continue;
            }
            if let Some((s, q)) = cur.take() {
                out.push((Step(s), Step(i), q));
            }
            cur = p.map(|q| (i, q));
        }
        if let Some((s, q)) = cur {
            out.push((Step(s), Step(self.pitch.len()), q));
        }
        out
    }

    /// Number of note onsets.
    pub fn onsets(&self) -> usize {
        self.onset.iter().filter(|&&o| o).count()
    }
}

/// A time-signature change on the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterChange {
    /// First step of the new metre.
    pub step: Step,
    /// Numerator.
    pub num: u8,
    /// Denominator.
    pub den: u8,
}

/// A tempo change on the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TempoChange {
    /// First step of the new tempo.
    pub step: Step,
    /// Microseconds per quarter note.
    pub us_per_quarter: u32,
}

/// A piece on the 16th-note grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Ticks per quarter of the source file (used again when writing).
    pub tpq: u16,
    /// Number of steps.
    pub len: usize,
    /// Voices sorted soprano first; all `len` long.
    pub voices: Vec<VoiceLine>,
    /// Metre map (empty: 4/4 throughout).
    pub meters: Vec<MeterChange>,
    /// Tempo map (empty: 120 bpm).
    pub tempos: Vec<TempoChange>,
    /// The key signature at the start, if the file has one.
    pub key_sig: Option<KeySig>,
}

impl Grid {
    /// Puts a score on the grid (rules in the module doc).
    pub fn from_score(score: &Score) -> Grid {
        let tpq = score.tpq;
        let parts: Vec<(Voice, Vec<Note>)> = voices::assign(score)
            .iter()
            .map(|&(v, i)| (v, score.parts[i].monophonic(v.prefers_low())))
            .collect();
        let len = parts
            .iter()
            .flat_map(|(_, ns)| ns.iter().map(|n| span(n, tpq).1))
            .max()
            .unwrap_or(0);
        let voices = parts
            .iter()
            .map(|(v, notes)| {
                let mut line = VoiceLine::rests(*v, len);
                for n in notes {
                    let (a, b) = span(n, tpq);
                    line.pitch[a..b].iter_mut().for_each(|p| *p = Some(n.pitch));
                    line.onset[a] = true;
                    line.onset[a + 1..b].iter_mut().for_each(|o| *o = false);
                }
                line
            })
            .collect();
        Grid {
            tpq,
            len,
            voices,
            meters: meter_map(score),
            tempos: tempo_map(score),
            key_sig: score.key_sig(),
        }
    }

    /// The line of a voice, if present.
    pub fn voice(&self, v: Voice) -> Option<&VoiceLine> {
        self.voices.iter().find(|l| l.voice == v)
    }

    /// The metre `(num, den)` in force at each change, or 4/4.
    pub fn meter_at(&self, step: usize) -> (u8, u8) {
        self.meters
            .iter()
            .take_while(|m| m.step.0 <= step)
            .last()
            .map_or((4, 4), |m| (m.num, m.den))
    }

    /// Position in the bar (in 16ths, 0 = downbeat) of every step, from the time-signature map.
    /// The corpus pads pickups with rests, so the written phase is right there; for melodies
    /// whose pickup starts at time 0 the phase must be estimated (see the harmonizer).
    pub fn bar_positions(&self) -> Vec<u16> {
        let mut out = Vec::with_capacity(self.len);
        let mut start = 0;
        let (mut num, mut den) = (4, 4);
        let mut changes = self.meters.iter().peekable();
        for step in 0..self.len {
            while let Some(m) = changes.next_if(|m| m.step.0 <= step) {
                (start, num, den) = (m.step.0, m.num, m.den);
            }
            out.push(((step - start) % Meter::bar_steps(num, den)) as u16);
        }
        out
    }

    /// Duration-weighted pitch-class histogram of the given voices (all voices if empty).
    pub fn histogram(&self, of: &[Voice]) -> PitchClassHistogram {
        let lines = self
            .voices
            .iter()
            .filter(|l| of.is_empty() || of.contains(&l.voice));
        PitchClassHistogram::from_durations(
            lines.flat_map(|l| l.pitch.iter().flatten().map(|p| (p.0, 1.0))),
        )
    }

    /// The key, inferred from the signature, the final bass note and the profile
    /// ([`infer_key`]). The lowest voice present stands in for the bass.
    pub fn key(&self) -> Key {
        let last = |l: &VoiceLine| l.pitch.iter().rev().flatten().next().map(|p| p.0);
        let bass = self.voice(Voice::Bass).and_then(last);
        let melody = self.voices.first().and_then(last);
        infer_key(&self.histogram(&[]), self.key_sig, bass, melody)
    }

    /// The grid transposed by `semitones`, or `None` if a note would leave MIDI's range.
    /// The key signature moves with it.
    pub fn transposed(&self, semitones: i32) -> Option<Grid> {
        let mut g = self.clone();
        for line in &mut g.voices {
            for p in line.pitch.iter_mut().flatten() {
                *p = p.transpose(semitones)?;
            }
        }
        g.key_sig = self.key_sig.map(|k| {
            let tonic = (k.major_tonic() as i32 + semitones).rem_euclid(12) as u8;
            KeySig {
                sharps: Key::new(tonic, crate::Mode::Major).signature_sharps(),
                minor: k.minor,
            }
        });
        Some(g)
    }

    /// First step where any voice sounds.
    pub fn first_onset(&self) -> Option<usize> {
        self.voices
            .iter()
            .filter_map(|l| l.onset.iter().position(|&o| o))
            .min()
    }

    /// The grid as a type-1 MIDI file: the source tpq when it is a multiple of 4, else 480.
    pub fn to_midi(&self) -> MidiOut {
        let tpq = if self.tpq.is_multiple_of(4) && self.tpq > 0 {
            self.tpq
        } else {
            480
        };
        let tick = |s: Step| s.to_tick(tpq);
        let tracks = self
            .voices
            .iter()
            .enumerate()
            .map(|(i, line)| TrackOut {
                name: line.voice.name(),
                channel: midi_channel(i),
                notes: line
                    .notes()
                    .into_iter()
                    .map(|(a, b, pitch)| Note {
                        start: tick(a),
                        end: tick(b),
                        pitch,
                        velocity: 80,
                    })
                    .collect(),
            })
            .collect();
        MidiOut {
            tpq,
            tempos: self
                .tempos
                .iter()
                .map(|t| Tempo {
                    tick: tick(t.step),
                    us_per_quarter: t.us_per_quarter,
                })
                .collect(),
            meters: self
                .meters
                .iter()
                .map(|m| Meter {
                    tick: tick(m.step),
                    num: m.num,
                    den: m.den,
                })
                .collect(),
            key_sig: self.key_sig,
            tracks,
            marks: Vec::new(),
        }
    }
}

/// Channel for the i-th voice, skipping channel 10 (drums in General MIDI).
pub(crate) fn midi_channel(i: usize) -> u8 {
    let c = (i % 15) as u8;
    if c >= 9 { c + 1 } else { c }
}

/// The steps a note covers (rule in the module doc): `start..end`, at least one.
fn span(n: &Note, tpq: u16) -> (usize, usize) {
    let a = n.start.to_step(tpq).0;
    (a, n.end.to_step(tpq).0.max(a + 1))
}

/// The score's metre map on the grid.
fn meter_map(score: &Score) -> Vec<MeterChange> {
    let mut meters: Vec<MeterChange> = Vec::new();
    for m in &score.meters {
        let c = MeterChange {
            step: m.tick.to_step(score.tpq),
            num: m.num,
            den: m.den,
        };
        push_change(
            &mut meters,
            c,
            |a, b| a.step == b.step,
            |a, b| (a.num, a.den) == (b.num, b.den),
        );
    }
    meters
}

/// The score's tempo map on the grid.
fn tempo_map(score: &Score) -> Vec<TempoChange> {
    let mut tempos: Vec<TempoChange> = Vec::new();
    for t in &score.tempos {
        let c = TempoChange {
            step: t.tick.to_step(score.tpq),
            us_per_quarter: t.us_per_quarter,
        };
        push_change(
            &mut tempos,
            c,
            |a, b| a.step == b.step,
            |a, b| a.us_per_quarter == b.us_per_quarter,
        );
    }
    tempos
}

/// Appends a map change: replaces one at the same step, skips one that restates the value.
fn push_change<T: Copy>(
    v: &mut Vec<T>,
    c: T,
    same_step: impl Fn(&T, &T) -> bool,
    same_value: impl Fn(&T, &T) -> bool,
) {
    if let Some(last) = v.last_mut() {
        if same_step(last, &c) {
            *last = c;
            let n = v.len();
            if n >= 2 && same_value(&v[n - 2], &v[n - 1]) {
                v.pop();
            }
            return;
        }
        if same_value(last, &c) {
            return;
        }
    }
    v.push(c);
}
