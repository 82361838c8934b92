//! Melodies in and out of MIDI files, as `ae`, `vae` and `morph` use them: read as
//! key-normalised windows and written back; and the models (a weight file, or the embedded VAE).

use crate::melody::autoencoder::{AeMeta, Autoencoder};
use crate::melody::window::{WINDOW, Window};
use altus_core::music::key::{Key, Mode};
use altus_core::music::midi;
use altus_core::music::midi::{MidiOut, TrackOut};
use altus_core::music::score::{Meter, Note, Tempo};
use altus_core::{Grid, Pitch, Step, Tick, Voice, embedded};
use anyhow::Context;
use std::path::Path;

/// A weight file's autoencoder or VAE, or the embedded VAE.
pub fn load_model(path: Option<&Path>) -> anyhow::Result<(Autoencoder, AeMeta)> {
    Ok(match path {
        Some(p) => Autoencoder::load(p)?,
        None => Autoencoder::from_bytes(embedded::DEFAULT_VAE).context("the embedded VAE")?,
    })
}

/// A melody read for the autoencoder: its key, shift to C/Am, key-normalised windows.
pub struct Melody {
    /// The file on the grid.
    pub grid: Grid,
    /// Its key.
    pub key: Key,
    /// Semitones to C major / A minor.
    pub shift: i32,
    /// Its first soprano step.
    pub first: usize,
    /// Key-normalised windows from the first note (the last padded with rests).
    pub windows: Vec<Window>,
}

/// Reads a melody (a file's soprano) for the autoencoder; refuses one shorter than a window.
pub fn read_melody(path: &Path) -> anyhow::Result<Melody> {
    let name = path.display().to_string();
    let score = midi::read_file(path).context(name.clone())?;
    let grid = Grid::from_score(&score);
    let s = grid.voice(Voice::Soprano).context(name.clone())?;
    let first = s
        .onset
        .iter()
        .position(|&o| o)
        .context(format!("{name}: no notes"))?;
    anyhow::ensure!(
        grid.len - first >= WINDOW,
        "{name}: the melody is {} 16ths long, shorter than one {WINDOW}-step window",
        grid.len - first
    );
    let key = if grid.key_sig.is_some() {
        grid.key()
    } else {
        embedded::default_key()
            .0
            .classify(&grid.histogram(&[]), None)
            .0
    };
    let shift = key.shift_to_reference();
    let norm: Vec<Option<u8>> = s
        .pitch
        .iter()
        .map(|p| p.and_then(|p| p.transpose(shift)).map(|p| p.0))
        .collect();
    // The last window is padded with rests.
    let windows = (first..grid.len)
        .step_by(WINDOW)
        .map(|start| Window::from_steps(&norm, &s.onset, start))
        .collect();
    Ok(Melody {
        grid,
        key,
        shift,
        first,
        windows,
    })
}

/// Notes of windows laid end to end from `start` (ticks at `tpq`), moved back by `shift`.
pub fn notes(windows: &[Window], start: usize, shift: i32, tpq: u16, limit: usize) -> Vec<Note> {
    let mut out = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let pitches = w.pitches();
        let mut t = 0;
        while t < WINDOW {
            let Some(p) = pitches[t] else {
                t += 1;
                continue;
            };
            let mut u = t + 1;
            while u < WINDOW && pitches[u] == Some(p) && !w.onset[u] {
                u += 1;
            }
            let (a, b) = (i * WINDOW + t, (i * WINDOW + u).min(limit));
            if a < b {
                let pitch = Pitch(p).transpose(-shift).unwrap_or(Pitch(p));
                out.push(Note {
                    start: Step(start + a).to_tick(tpq),
                    end: Step(start + b).to_tick(tpq),
                    pitch,
                    velocity: 80,
                });
            }
            t = u;
        }
    }
    out
}

/// Writes a one-track melody ("Soprano") with its conductor track, atomically.
pub fn write_melody(
    path: &Path,
    notes: Vec<Note>,
    tpq: u16,
    tempos: Vec<Tempo>,
    meters: Vec<Meter>,
    key: Key,
) -> anyhow::Result<()> {
    let key_sig = altus_core::KeySig::new(key.signature_sharps(), key.mode == Mode::Minor);
    let out = MidiOut {
        tpq,
        tempos,
        meters,
        key_sig,
        tracks: vec![TrackOut {
            name: "Soprano".into(),
            channel: 0,
            notes,
        }],
        marks: Vec::new(),
    };
    out.write(path).with_context(|| path.display().to_string())
}

/// A 4/4 metre from the start: windows are two 4/4 bars.
pub fn four_four() -> Vec<Meter> {
    vec![Meter {
        tick: Tick(0),
        num: 4,
        den: 4,
    }]
}

/// Share of steps whose class two window lists agree on.
pub fn exact(a: &[Window], b: &[Window]) -> f64 {
    let right: usize = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.class.iter().zip(&y.class).filter(|(p, q)| p == q).count())
        .sum();
    right as f64 / (a.len().min(b.len()) * WINDOW).max(1) as f64
}
