//! Offline harmonization of a file: the same [`Engine`] as the plugin, driven over the grid.

use crate::harmony::ahead::Ahead;
use crate::harmony::engine::{DecodeOptions, Engine, StepInput};
use crate::harmony::model::HarmonyModel;
use crate::music::grid::{Grid, VoiceLine, midi_channel};
use crate::music::key::Key;
use crate::music::midi::{MidiOut, TrackOut};
use crate::music::phase;
use crate::music::score::{Note, Score};
use crate::music::types::Step;
use crate::music::voices::{self, Voice};
use crate::{Error, Result};

/// How the bar lines were placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseSource {
    /// The file pads its pickup with a rest (or has no pickup): the time signature is trusted.
    File,
    /// Estimated from the melody (it starts at time 0 with no other sign).
    Estimated,
    /// Given by the user (`--pickup`).
    Given,
}

/// Bar positions of every step given the phase (bar position of step 0) of the first metre.
/// Later metre changes restart the count: they sit on bar lines.
pub fn bar_positions(grid: &Grid, phase: usize) -> Vec<u16> {
    let mut pos = grid.bar_positions();
    let first_change = grid
        .meters
        .iter()
        .map(|m| m.step.0)
        .find(|&s| s > 0)
        .unwrap_or(grid.len);
    let (num, den) = grid.meter_at(0);
    let bar = crate::music::score::Meter::bar_steps(num, den);
    for (t, p) in pos.iter_mut().enumerate().take(first_change) {
        *p = ((t + phase) % bar) as u16;
    }
    pos
}

/// The phase of a melody: given (`pickup` steps before the first downbeat), trusted from the
/// file (a leading rest or a later metre change marks the bar lines), or estimated.
pub fn melody_phase(grid: &Grid, pickup: Option<usize>) -> (usize, PhaseSource) {
    let (num, den) = grid.meter_at(0);
    let bar = crate::music::score::Meter::bar_steps(num, den);
    if let Some(p) = pickup {
        return ((bar - p % bar) % bar, PhaseSource::Given);
    }
    let s = &grid.voices[0];
    let starts_at_zero = s.onset.first() == Some(&true);
    let marked = grid.meters.iter().any(|m| m.step.0 > 0);
    if !starts_at_zero || marked {
        return (0, PhaseSource::File);
    }
    (phase::estimate(s, num, den), PhaseSource::Estimated)
}

/// Metrical strength (0–4) of every step, from its bar position and the metre in force.
pub fn strengths(grid: &Grid, bar_pos: &[u16]) -> Vec<u8> {
    bar_pos
        .iter()
        .enumerate()
        .map(|(t, &p)| {
            let (num, den) = grid.meter_at(t);
            phase::strength(p as usize, num, den) as u8
        })
        .collect()
}

/// Runs the engine over the soprano of `grid` (from its first note) and returns the alto,
/// tenor and bass lines.
pub fn voice_lines(
    grid: &Grid,
    model: &HarmonyModel,
    key: Key,
    bar_pos: &[u16],
    opts: DecodeOptions,
) -> [VoiceLine; 3] {
    let soprano = &grid.voices[0];
    let mut lines = [Voice::Alto, Voice::Tenor, Voice::Bass].map(|v| VoiceLine::rests(v, grid.len));
    let Some(first) = soprano.onset.iter().position(|&o| o) else {
        return lines;
    };
    let strength = strengths(grid, bar_pos);
    // Only a lookahead model reads the soprano's future (the causal one is the plugin's).
    let ahead = if model.config.inputs.lookahead {
        let pitch: Vec<Option<u8>> = soprano.pitch.iter().map(|p| p.map(|p| p.0)).collect();
        Ahead::over(&pitch, &soprano.onset)
    } else {
        vec![Ahead::default(); grid.len]
    };
    let mut engine = Engine::new(Box::new(model.clone()), key, opts);
    for (t, &pos) in bar_pos.iter().enumerate().take(grid.len).skip(first) {
        let out = engine.step(StepInput {
            soprano: soprano.pitch[t],
            soprano_onset: soprano.onset[t],
            bar_pos: pos,
            strength: strength[t],
            ahead: ahead[t],
        });
        for (v, line) in lines.iter_mut().enumerate() {
            line.pitch[t] = out.pitch[v];
            line.onset[t] = out.onset[v];
        }
    }
    lines
}

/// `grid` with its soprano and the written `voices` (top down) as its voices: the harmonized
/// piece, as chords are named and scores written from it.
pub fn with_voices(grid: &Grid, voices: &[&VoiceLine]) -> Grid {
    let mut all = grid.clone();
    all.voices = grid
        .voice(Voice::Soprano)
        .into_iter()
        .chain(voices.iter().copied())
        .cloned()
        .collect();
    all
}

/// The soprano's notes as read (one at a time), for writing back in the original timing.
pub fn soprano_notes(score: &Score) -> Result<Vec<Note>> {
    let (_, part) = voices::assign(score)
        .into_iter()
        .find(|a| a.0 == Voice::Soprano)
        .ok_or(Error::MissingVoice("soprano"))?;
    Ok(score.parts[part].monophonic(false))
}

/// The output file: conductor track as the input's, "Soprano" in its original timing, then the
/// given voices on the grid (a note struck with a soprano note starts at the soprano's exact
/// tick), each on its own track and channel, then a "Chords" track naming each chord change
/// (symbol and Roman numeral in `key`, beats where `bar_pos` puts them) with marker events.
pub fn to_midi(
    score: &Score,
    grid: &Grid,
    voices: &[&VoiceLine],
    key: Key,
    bar_pos: &[u16],
) -> Result<MidiOut> {
    let soprano = soprano_notes(score)?;
    let tpq = score.tpq;
    let mut sop_onset_tick = std::collections::HashMap::new();
    for n in &soprano {
        sop_onset_tick
            .entry(n.start.to_step(tpq))
            .or_insert(n.start);
    }
    let tick = |s: Step| sop_onset_tick.get(&s).copied().unwrap_or(s.to_tick(tpq));
    let notes = |line: &VoiceLine| -> Vec<Note> {
        line.notes()
            .into_iter()
            .map(|(a, b, pitch)| {
                let start = tick(a);
                let end = Some(tick(b))
                    .filter(|&e| e > start)
                    .unwrap_or(b.to_tick(tpq).max(crate::Tick(start.0 + 1)));
                Note {
                    start,
                    end,
                    pitch,
                    velocity: 80,
                }
            })
            .collect()
    };
    let key_sig = grid
        .key_sig
        .or_else(|| crate::KeySig::new(key.signature_sharps(), key.mode == crate::Mode::Minor));
    let mut tracks = vec![TrackOut {
        name: "Soprano".into(),
        channel: midi_channel(0),
        notes: soprano,
    }];
    for (i, line) in voices.iter().enumerate() {
        tracks.push(TrackOut {
            name: line.voice.name(),
            channel: midi_channel(i + 1),
            notes: notes(line),
        });
    }
    // The chords the four voices make, named where they change: symbol and Roman numeral.
    let all = with_voices(grid, voices);
    let marks = crate::music::chord::beats::changes(&all, bar_pos)
        .into_iter()
        .filter_map(|b| {
            let c = b.chord?;
            Some((
                tick(Step(b.step)),
                format!("{} {}", c.symbol(key), c.numeral(key)),
            ))
        })
        .collect();
    Ok(MidiOut {
        tpq,
        tempos: score.tempos.clone(),
        meters: score.meters.clone(),
        key_sig,
        tracks,
        marks,
    })
}
