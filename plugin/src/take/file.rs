//! A take as a file: a type-1 MIDI file ("Soprano" as played, then "Alto", "Tenor" and "Bass"
//! as the plugin wrote them, in beats at the tempo in force), or a MusicXML score of the same
//! notes on the 16th grid, spelled in the key the plugin wrote in.

use super::Event;
use altus_core::music::midi::{self, MidiOut, TrackOut};
use altus_core::music::musicxml::{Sheet, Staves, is_musicxml_path};
use altus_core::music::score::{Meter, Note, Tempo};
use altus_core::{Grid, Key, KeySig, Mode, Pitch, Tick};
use std::path::Path;

/// Ticks per quarter of a saved take.
const TPQ: u16 = 480;

/// What the take's notes were: the voices' output channels (alto, tenor, bass, 0–15).
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Output channels of the alto, tenor and bass.
    pub channels: [u8; 3],
    /// Sample rate of the samples' clock.
    pub rate: f64,
    /// Tempo in beats per minute.
    pub tempo: f64,
}

/// The notes of `events` (pairs of on and off, first in first out per channel and key) on the
/// tracks of `layout`; notes still sounding end with the last event.
pub fn to_midi(events: &[Event], layout: Layout, key: Key) -> MidiOut {
    let t0 = events.first().map_or(0, |e| e.sample);
    let last = events.last().map_or(0, |e| e.sample);
    let per_sample = layout.tempo.max(1.0) / 60.0 / layout.rate.max(1.0) * TPQ as f64;
    let tick = |s: u64| Tick(((s - t0) as f64 * per_sample).round() as u64);
    // Track 0: the melody as played; 1–3: the voices.
    let names = ["Soprano", "Alto", "Tenor", "Bass"];
    let mut notes: [Vec<Note>; 4] = Default::default();
    let mut open: Vec<(usize, u8, u64, u8)> = Vec::new();
    for e in events {
        let track = if e.played {
            0
        } else if let Some(v) = layout.channels.iter().position(|&c| c == e.channel) {
            v + 1
        } else {
            continue; // the soprano passed through: already there as played
        };
        match e.velocity {
            Some(v) => open.push((track, e.key, e.sample, v)),
            None => {
                if let Some(i) = open.iter().position(|o| o.0 == track && o.1 == e.key) {
                    let (t, k, start, v) = open.remove(i);
                    push(&mut notes[t], tick(start), tick(e.sample), k, v);
                }
            }
        }
    }
    for (t, k, start, v) in open {
        push(&mut notes[t], tick(start), tick(last), k, v);
    }
    MidiOut {
        tpq: TPQ,
        tempos: vec![Tempo {
            tick: Tick(0),
            us_per_quarter: (60e6 / layout.tempo.max(1.0)) as u32,
        }],
        meters: vec![Meter {
            tick: Tick(0),
            num: 4,
            den: 4,
        }],
        key_sig: KeySig::new(key.signature_sharps(), key.mode == Mode::Minor),
        tracks: notes
            .into_iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty())
            .map(|(i, notes)| TrackOut {
                name: names[i].into(),
                channel: i as u8,
                notes,
            })
            .collect(),
        marks: Vec::new(),
    }
}

fn push(notes: &mut Vec<Note>, start: Tick, end: Tick, key: u8, velocity: u8) {
    notes.push(Note {
        start,
        end: Tick(end.0.max(start.0 + 1)),
        pitch: Pitch(key),
        velocity,
    });
}

/// Saves `events` to `path`: MusicXML when it ends in `.musicxml` or `.xml`, else MIDI. Returns
/// a line for the user, or why it failed.
pub fn save(events: &[Event], layout: Layout, key: Key, path: &Path) -> Result<String, String> {
    let name = path.display();
    if events.iter().all(|e| e.velocity.is_none()) {
        return Err("nothing played yet".into());
    }
    let out = to_midi(events, layout, key);
    let notes: usize = out.tracks.iter().map(|t| t.notes.len()).sum();
    let written = if is_musicxml_path(path) {
        // Through the MIDI bytes: the score reads the take as `altus` reads any file.
        out.to_bytes()
            .and_then(|b| midi::read_bytes(&b))
            .and_then(|s| {
                let grid = Grid::from_score(&s);
                let bar_pos = grid.bar_positions();
                Sheet {
                    grid: &grid,
                    key,
                    bar_pos: &bar_pos,
                    staves: Staves::Two,
                    title: "Altus take",
                }
                .write(path)
            })
    } else {
        out.write(path)
    };
    written.map_err(|e| format!("{name}: {e}"))?;
    Ok(format!("Saved {notes} notes to {name}"))
}
