//! `altus ae …`, `altus vae …` and `altus morph`: the melody autoencoder and VAE.

use super::train::load_data;
use altus_core::autoencoder::{AeMeta, Autoencoder};
use altus_core::key::{Key, Mode};
use altus_core::melody::{WINDOW, Window};
use altus_core::midi::{MidiOut, TrackOut};
use altus_core::rng::Rng;
use altus_core::score::{Meter, Note, Tempo};
use altus_core::{Grid, Pitch, Step, Tick, Voice, default_model, midi};
use altus_training::aetrain::{self, AeConfig};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Trains and saves an autoencoder (or, with `vae`, a VAE and its latent chart).
pub fn train(data: Option<PathBuf>, out: &Path, cfg: AeConfig) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=4096).contains(&cfg.hidden),
        "--hidden {}: expected 1 to 4096",
        cfg.hidden
    );
    anyhow::ensure!(
        (1..=512).contains(&cfg.latent),
        "--latent {}: expected 1 to 512",
        cfg.latent
    );
    anyhow::ensure!(
        (1..=10_000).contains(&cfg.epochs),
        "--epochs {}: expected 1 to 10000",
        cfg.epochs
    );
    if let Some((beta, _)) = cfg.vae {
        anyhow::ensure!(
            beta.is_finite() && (0.0..=100.0).contains(&beta),
            "--beta {beta}: expected 0 to 100"
        );
    }
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
    let ae = aetrain::train(&tr, &va, cfg, |e, (recon, kl), acc| {
        println!(
            "epoch {e:>3}  recon {recon:.4}  KL {kl:.2}  validation reconstruction {:.1}%",
            100.0 * acc
        );
        last = acc;
    });
    let kind = if cfg.vae.is_some() { "vae" } else { "ae" };
    let info = serde_json::json!({"train_windows": tr.len(), "valid_windows": va.len(), "epochs": cfg.epochs, "seed": cfg.seed, "beta_warmup": cfg.vae, "seconds": t0.elapsed().as_secs_f64(), "valid_accuracy": last});
    let meta = AeMeta {
        format: altus_core::weights::FORMAT_VERSION,
        kind: kind.into(),
        hidden: cfg.hidden,
        latent: cfg.latent,
        info,
    };
    altus_core::fsutil::write_atomic(out, &ae.to_bytes(&meta)?)
        .with_context(|| out.display().to_string())?;
    println!(
        "saved     {} ({kind}, latent {}): validation reconstruction {:.1}% per step",
        out.display(),
        cfg.latent,
        100.0 * last
    );
    if cfg.vae.is_some() {
        let mut points = Vec::new();
        for s in &d.valid {
            for w in aetrain::windows(std::slice::from_ref(s), WINDOW) {
                points.push((ae.encode(&w), s.key.mode));
            }
        }
        let png = out.with_file_name("latent.png");
        altus_training::plot::latent_chart(&png, &points)
            .with_context(|| png.display().to_string())?;
        println!(
            "chart     {}: validation code means, PCA to 2-D, by mode",
            png.display()
        );
    }
    Ok(())
}

/// A melody read for the autoencoder: its key, shift to C/Am, key-normalised windows.
struct Melody {
    grid: Grid,
    key: Key,
    shift: i32,
    first: usize,
    windows: Vec<Window>,
}

fn read_melody(path: &Path) -> anyhow::Result<Melody> {
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
fn notes(windows: &[Window], start: usize, shift: i32, tpq: u16, limit: usize) -> Vec<Note> {
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

fn write_melody(
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
    };
    out.write(path).with_context(|| path.display().to_string())
}

/// A 4/4 metre from the start: windows are two 4/4 bars.
fn four_four() -> Vec<Meter> {
    vec![Meter {
        tick: Tick(0),
        num: 4,
        den: 4,
    }]
}

fn exact(a: &[Window], b: &[Window]) -> f64 {
    let right: usize = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.class.iter().zip(&y.class).filter(|(p, q)| p == q).count())
        .sum();
    right as f64 / (a.len().min(b.len()) * WINDOW).max(1) as f64
}

/// `altus ae reconstruct`.
pub fn reconstruct(input: &Path, output: &Path, model: &Path) -> anyhow::Result<()> {
    let (ae, _) = Autoencoder::load(model)?;
    let m = read_melody(input)?;
    let back: Vec<Window> = m.windows.iter().map(|w| ae.decode(&ae.encode(w))).collect();
    let score_tpq = if m.grid.tpq.is_multiple_of(4) {
        m.grid.tpq
    } else {
        480
    };
    let midi_in = m.grid.to_midi();
    write_melody(
        output,
        notes(&back, m.first, m.shift, score_tpq, m.grid.len - m.first),
        score_tpq,
        midi_in.tempos,
        midi_in.meters,
        m.key,
    )?;
    println!(
        "{} → {}: key {}, {} windows, {:.1}% of steps reconstructed exactly",
        input.display(),
        output.display(),
        m.key,
        back.len(),
        100.0 * exact(&m.windows, &back)
    );
    Ok(())
}

/// `altus morph A B --steps N --out DIR`.
pub fn morph(
    a: &Path,
    b: &Path,
    steps: usize,
    dir: &Path,
    model: &Path,
    slerp: bool,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        (2..=64).contains(&steps),
        "--steps {steps}: expected 2 to 64"
    );
    let (ae, _) = Autoencoder::load(model)?;
    let (ma, mb) = (read_melody(a)?, read_melody(b)?);
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let n = ma.windows.len().min(mb.windows.len());
    let (za, zb): (Vec<Vec<f32>>, Vec<Vec<f32>>) = (
        ma.windows[..n].iter().map(|w| ae.encode(w)).collect(),
        mb.windows[..n].iter().map(|w| ae.encode(w)).collect(),
    );
    let tpq = 480u16;
    let mut all = Vec::new();
    let reference = Key::reference(ma.key.mode);
    let mut report = Vec::new();
    for k in 0..steps {
        let t = k as f32 / (steps - 1) as f32;
        let ws: Vec<Window> = za
            .iter()
            .zip(&zb)
            .map(|(x, y)| ae.decode(&interpolate(x, y, t, slerp)))
            .collect();
        let notes_k = notes(&ws, 0, ma.shift, tpq, n * WINDOW);
        let sounding: Vec<u8> = ws.iter().flat_map(|w| w.pitches()).flatten().collect();
        let out_of_key = sounding
            .iter()
            .filter(|&&p| !reference.contains(p % 12))
            .count() as f64
            / sounding.len().max(1) as f64;
        let lo_hi = (
            sounding.iter().min().copied(),
            sounding.iter().max().copied(),
        );
        report.push((k, out_of_key, lo_hi));
        let offset = Step(k * (n * WINDOW + 16)).to_tick(tpq);
        all.extend(notes_k.iter().map(|nt| Note {
            start: Tick(nt.start.0 + offset.0),
            end: Tick(nt.end.0 + offset.0),
            ..*nt
        }));
        write_melody(
            &dir.join(format!("morph-{k:02}.mid")),
            notes_k,
            tpq,
            Vec::new(),
            four_four(),
            ma.key,
        )?;
        if k == 0 {
            println!(
                "step  0 reconstructs A: {:.1}% of steps",
                100.0 * exact(&ma.windows[..n], &ws)
            );
        }
        if k == steps - 1 {
            println!(
                "step {k:>2} reconstructs B: {:.1}% of steps",
                100.0 * exact(&mb.windows[..n], &ws)
            );
        }
    }
    write_melody(
        &dir.join("morph-all.mid"),
        all,
        tpq,
        Vec::new(),
        four_four(),
        ma.key,
    )?;
    for (k, ook, (lo, hi)) in report {
        println!(
            "step {k:>2}: out of key {:.1}%, range {}–{} (in C/Am)",
            100.0 * ook,
            lo.unwrap_or(0),
            hi.unwrap_or(0)
        );
    }
    println!(
        "wrote     {} files and morph-all.mid to {} ({} windows each, in {} from {})",
        steps,
        dir.display(),
        n,
        ma.key,
        a.display()
    );
    Ok(())
}

/// Linear or spherical interpolation of two codes.
fn interpolate(a: &[f32], b: &[f32], t: f32, slerp: bool) -> Vec<f32> {
    let lerp = || a.iter().zip(b).map(|(x, y)| x + (y - x) * t).collect();
    if !slerp {
        return lerp();
    }
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    let cos =
        (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb).max(1e-9)).clamp(-1.0, 1.0);
    let omega = cos.acos();
    if omega.abs() < 1e-4 {
        return lerp();
    }
    let (wa, wb) = (
        ((1.0 - t) * omega).sin() / omega.sin(),
        (t * omega).sin() / omega.sin(),
    );
    a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect()
}

/// `altus vae sample --n N --out DIR`: new 4-bar melodies in C major from random codes.
pub fn sample(n: usize, dir: &Path, model: &Path, seed: u64) -> anyhow::Result<()> {
    anyhow::ensure!((1..=1000).contains(&n), "--n {n}: expected 1 to 1000");
    let (ae, meta) = Autoencoder::load(model)?;
    anyhow::ensure!(
        ae.variational(),
        "{}: a {:?} model cannot sample; train one with `altus vae train`",
        model.display(),
        meta.kind
    );
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let mut rng = Rng::new(seed);
    let key = Key::new(0, Mode::Major);
    for i in 0..n {
        let ws: Vec<Window> = (0..2)
            .map(|_| ae.decode(&(0..ae.latent()).map(|_| rng.normal()).collect::<Vec<_>>()))
            .collect();
        write_melody(
            &dir.join(format!("sample-{i:02}.mid")),
            notes(&ws, 0, 0, 480, 2 * WINDOW),
            480,
            Vec::new(),
            four_four(),
            key,
        )?;
    }
    println!("wrote     {n} melodies of 4 bars to {}", dir.display());
    Ok(())
}
