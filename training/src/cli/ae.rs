//! `altus ae train` / `ae reconstruct`, and the training flow `vae train` shares.

use crate::melody::autoencoder::{AeMeta, Autoencoder};
use crate::melody::io::{exact, notes, read_melody, write_melody};
use crate::melody::train::{self as aetrain, AeConfig, AeEpoch};
use crate::melody::window::{WINDOW, Window};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `altus ae …`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train on 2-bar windows of the training sopranos; report validation reconstruction.
    Train {
        #[command(flatten)]
        common: TrainArgs,
        /// Latent size.
        #[arg(long, default_value_t = 32)]
        latent: usize,
    },
    /// Encode and decode a melody window by window.
    Reconstruct {
        /// Input MIDI.
        input: PathBuf,
        /// Output MIDI.
        output: PathBuf,
        /// Autoencoder weights (default: the embedded VAE).
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Train { common, latent } => train(&common, latent, None),
            Command::Reconstruct {
                input,
                output,
                model,
            } => reconstruct(&input, &output, model.as_deref()),
        }
    }
}

/// What `ae train` and `vae train` share.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Folder of chorale MIDI files.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Weight file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Hidden units.
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    /// Epochs (the best on the selection split is kept).
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl TrainArgs {
    fn config(&self, latent: usize, vae: Option<(f32, usize)>) -> anyhow::Result<AeConfig> {
        anyhow::ensure!(
            (1..=4096).contains(&self.hidden),
            "--hidden {}: expected 1 to 4096",
            self.hidden
        );
        anyhow::ensure!(
            (1..=512).contains(&latent),
            "--latent {latent}: expected 1 to 512"
        );
        anyhow::ensure!(
            (1..=10_000).contains(&self.epochs),
            "--epochs {}: expected 1 to 10000",
            self.epochs
        );
        if let Some((beta, _)) = vae {
            anyhow::ensure!(
                beta.is_finite() && (0.0..=100.0).contains(&beta),
                "--beta {beta}: expected 0 to 100"
            );
        }
        Ok(AeConfig {
            hidden: self.hidden,
            latent,
            epochs: self.epochs,
            seed: self.seed,
            vae,
        })
    }
}

fn epoch_line(e: &AeEpoch, best: bool) -> String {
    format!(
        "epoch {:>3}  recon {:.4}  KL {:.2}  β {:.3}  selection: recon {:.4}, KL {:.2}, reconstruction {:.1}%{}",
        e.epoch,
        e.recon,
        e.kl,
        e.beta,
        e.select.nll,
        e.select.kl,
        100.0 * e.select.accuracy,
        if best { "  *" } else { "" }
    )
}

/// Trains and saves an autoencoder (or, with `vae`, a VAE and its latent chart): epochs are
/// chosen on a selection split carved from the training files; the validation split is only
/// reported on. Ctrl-C stops after the current batch and keeps the best epoch.
pub fn train(a: &TrainArgs, latent: usize, vae: Option<(f32, usize)>) -> anyhow::Result<()> {
    let cfg = a.config(latent, vae)?;
    let out = a.out.as_path();
    super::output::prepare_file(out)?;
    let d = crate::data::load::load(a.data.clone(), crate::data::load::Files::Usable, true)?;
    let (tr, sel, va) = (
        aetrain::windows(&d.train, WINDOW / 4),
        aetrain::windows(&d.select, WINDOW),
        aetrain::windows(&d.valid, WINDOW),
    );
    println!(
        "data      {} training windows (hop 8), {} selection and {} validation windows (hop 32), {WINDOW} steps each",
        tr.len(),
        sel.len(),
        va.len()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let t0 = std::time::Instant::now();
    let run = aetrain::train(&tr, &sel, cfg, &stop, |e, best| {
        println!("{}", epoch_line(e, best))
    });
    let valid = aetrain::evaluate(&run.ae, &va);
    let kind = if cfg.vae.is_some() { "vae" } else { "ae" };
    let info = serde_json::json!({
        "data": {"train_windows": tr.len(), "selection_windows": sel.len(), "valid_windows": va.len(), "split_seed": 0},
        "training": {"config": cfg, "best_epoch": run.best_epoch, "epochs_run": run.epochs.len(), "interrupted": run.interrupted, "seconds": t0.elapsed().as_secs_f64()},
        "selection": run.epochs.get(run.best_epoch.max(1) - 1).map(|e| e.select),
        "validation": valid,
    });
    let meta = AeMeta {
        format: altus_core::nn::safetensors::FORMAT_VERSION,
        kind: kind.into(),
        hidden: cfg.hidden,
        latent: cfg.latent,
        info,
    };
    altus_core::fsutil::write_atomic(out, &run.ae.to_bytes(&meta)?)
        .with_context(|| out.display().to_string())?;
    println!(
        "saved     {} ({kind}, latent {}, epoch {} of {}{}): validation reconstruction {:.1}% per step, recon {:.4} nats per step, KL {:.2} nats per window",
        out.display(),
        cfg.latent,
        run.best_epoch,
        run.epochs.len(),
        if run.interrupted { ", interrupted" } else { "" },
        100.0 * valid.accuracy,
        valid.nll,
        valid.kl
    );
    if cfg.vae.is_some() {
        latent_chart(&run.ae, &d.valid, out)?;
    }
    Ok(())
}

/// `latent.png` beside the weights: validation code means, PCA to 2-D, coloured by mode.
fn latent_chart(
    ae: &Autoencoder,
    valid: &[crate::data::sequences::Sequence],
    out: &Path,
) -> anyhow::Result<()> {
    let mut points = Vec::new();
    for s in valid {
        for w in aetrain::windows(std::slice::from_ref(s), WINDOW) {
            points.push((ae.encode(&w), s.key.mode));
        }
    }
    let png = out.with_file_name("latent.png");
    crate::plot::latent_chart(&png, &points).with_context(|| png.display().to_string())?;
    println!(
        "chart     {}: validation code means, PCA to 2-D, by mode",
        png.display()
    );
    Ok(())
}

/// `altus ae reconstruct`.
fn reconstruct(input: &Path, output: &Path, model: Option<&Path>) -> anyhow::Result<()> {
    super::output::prepare_file(output)?;
    let (ae, _) = crate::melody::io::load_model(model)?;
    let m = read_melody(input)?;
    let back: Vec<Window> = m.windows.iter().map(|w| ae.decode(&ae.encode(w))).collect();
    let tpq = if m.grid.tpq.is_multiple_of(4) {
        m.grid.tpq
    } else {
        480
    };
    let midi_in = m.grid.to_midi();
    write_melody(
        output,
        notes(&back, m.first, m.shift, tpq, m.grid.len - m.first),
        tpq,
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
