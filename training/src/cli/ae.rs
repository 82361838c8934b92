//! `altus ae train` and `altus ae reconstruct`: the melody autoencoder.

use super::train::load_data;
use altus_core::autoencoder::{AeMeta, Autoencoder};
use altus_core::melody::{WINDOW, Window};
use altus_core::midi::{MidiOut, TrackOut};
use altus_core::score::Note;
use altus_core::{Grid, Pitch, Step, Voice, default_model, midi};
use altus_training::aetrain;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Trains and saves an autoencoder; prints validation reconstruction accuracy per epoch.
pub fn train(
    data: Option<PathBuf>,
    out: &Path,
    hidden: usize,
    latent: usize,
    epochs: usize,
    seed: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=4096).contains(&hidden),
        "--hidden {hidden}: expected 1 to 4096"
    );
    anyhow::ensure!(
        (1..=512).contains(&latent),
        "--latent {latent}: expected 1 to 512"
    );
    anyhow::ensure!(
        (1..=10_000).contains(&epochs),
        "--epochs {epochs}: expected 1 to 10000"
    );
    let d = load_data(data)?;
    let (tr, va) = (
        aetrain::windows(&d.train, WINDOW / 4),
        aetrain::windows(&d.valid, WINDOW),
    );
    println!(
        "data      {} training windows (hop 8), {} validation windows (hop 32), {WINDOW} steps each",
        tr.len(),
        va.len()
    );
    let t0 = std::time::Instant::now();
    let mut last = 0.0;
    let ae = aetrain::train(&tr, &va, hidden, latent, epochs, seed, |e, loss, acc| {
        println!(
            "epoch {e:>3}  loss {loss:.4}  validation reconstruction {:.1}%",
            100.0 * acc
        );
        last = acc;
    });
    let info = serde_json::json!({"train_windows": tr.len(), "valid_windows": va.len(), "epochs": epochs, "seed": seed, "seconds": t0.elapsed().as_secs_f64(), "valid_accuracy": last});
    let meta = AeMeta {
        format: altus_core::weights::FORMAT_VERSION,
        kind: "ae".into(),
        hidden,
        latent,
        info,
    };
    altus_core::fsutil::write_atomic(out, &ae.to_bytes(&meta)?)
        .with_context(|| out.display().to_string())?;
    println!(
        "saved     {} (latent {latent}): validation reconstruction {:.1}% per step",
        out.display(),
        100.0 * last
    );
    Ok(())
}

/// Encodes and decodes a melody window by window and writes the result.
pub fn reconstruct(input: &Path, output: &Path, model: &Path) -> anyhow::Result<()> {
    let (ae, _) = Autoencoder::load(model)?;
    let name = input.display().to_string();
    let score = midi::read_file(input).context(name.clone())?;
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
        default_model::default_key()
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
    let mut notes = Vec::new();
    let (mut right, mut total) = (0, 0);
    let mut start = first;
    // The last window is padded with rests.
    while start < grid.len {
        let w = Window::from_steps(&norm, &s.onset, start);
        let back = ae.decode(&ae.encode(&w));
        let n = WINDOW.min(grid.len - start);
        right += w
            .class
            .iter()
            .zip(&back.class)
            .take(n)
            .filter(|(a, b)| a == b)
            .count();
        total += n;
        let pitches = back.pitches();
        let mut t = 0;
        while t < WINDOW {
            let Some(p) = pitches[t] else {
                t += 1;
                continue;
            };
            let mut u = t + 1;
            while u < WINDOW && pitches[u] == Some(p) && !back.onset[u] {
                u += 1;
            }
            if start + t >= grid.len {
                break;
            }
            let u = u.min(grid.len - start);
            let pitch = Pitch(p).transpose(-shift).unwrap_or(Pitch(p));
            notes.push(Note {
                start: Step(start + t).to_tick(score.tpq),
                end: Step(start + u).to_tick(score.tpq),
                pitch,
                velocity: 80,
            });
            t = u;
        }
        start += WINDOW;
    }
    let out = MidiOut {
        tpq: score.tpq,
        tempos: score.tempos.clone(),
        meters: score.meters.clone(),
        key_sig: grid.key_sig,
        tracks: vec![TrackOut {
            name: "Soprano".into(),
            channel: 0,
            notes,
        }],
    };
    out.write(output)
        .with_context(|| output.display().to_string())?;
    println!(
        "{name} → {}: key {key}, {} windows, {:.1}% of steps reconstructed exactly",
        output.display(),
        total.div_ceil(WINDOW),
        100.0 * right as f64 / total.max(1) as f64
    );
    Ok(())
}
