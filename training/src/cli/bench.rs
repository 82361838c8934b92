//! `altus bench train`: training throughput against the Keras peer, measured one after the
//! other on the same data and machine (LSTM-128, batch 32, 64-step windows, as the peer). Two
//! rows of ours: the product, the four-voice model (sparse one-hot inputs, alto, tenor and bass
//! heads, 174 outputs); and like for like, the peer's own model (dense 98-wide inputs, the
//! alto's 33 outputs: [`crate::peer`]).

use crate::harmony::train::{self, TrainConfig};
use altus_core::harmony::features::OUTPUTS;
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig};
use anyhow::Context;
use std::path::{Path, PathBuf};

use std::sync::atomic::AtomicBool;

/// Multiply-adds per step of the recurrent part and head, forward + backward, counted as 2 FLOPs.
fn flops_per_step(m: &HarmonyModel) -> f64 {
    let h = m.config.hidden as f64;
    let g = m.cells[0].gates() as f64;
    let recurrent = h * g * 3.0; // forward h·W, backward dh·Wᵀ and dW
    let head = h * OUTPUTS as f64 * 3.0; // all three voices' outputs
    let input = 7.0 * g * 2.0; // gather forward, scatter backward
    2.0 * (recurrent + head + input)
}

/// `altus bench …`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Training throughput (LSTM, batch 32, 64-step windows) against the Keras peer.
    Train(TrainBench),
}

impl Command {
    /// Runs the benchmark.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Train(a) => train_bench(&a),
        }
    }
}

/// `altus bench train`.
#[derive(clap::Args)]
pub struct TrainBench {
    /// Folder of chorale MIDI files.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Epochs for each system (the median of epochs 2..N is reported).
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Hidden size.
    #[arg(long, default_value_t = 128)]
    pub hidden: usize,
    /// Python with TensorFlow to run the peer first (skipped when absent).
    #[arg(long)]
    pub peer_python: Option<PathBuf>,
    /// The peer script (default: peers/keras_peer.py in the shared folder beside the repository).
    #[arg(long)]
    pub peer_script: Option<PathBuf>,
}

fn train_bench(a: &TrainBench) -> anyhow::Result<()> {
    let (epochs, hidden) = (a.epochs, a.hidden);
    let (python, peer) = (a.peer_python.as_deref(), a.peer_script.as_deref());
    super::train_args::within("--epochs", epochs, 2, 100)?;
    super::train_args::within(
        "--hidden",
        hidden,
        1,
        altus_core::harmony::format::MAX_HIDDEN,
    )?;
    let d = crate::data::load::load(a.data.clone(), crate::data::load::Files::Usable, false)?;
    let peer_figure = match python {
        Some(py) => Some(run_peer(py, peer, &d.dir, epochs)?),
        None => None,
    };
    let cfg = TrainConfig {
        model: ModelConfig::new(CellKind::Lstm, hidden, 1),
        epochs,
        batch: 32,
        lr: 1e-3,
        seed: 0,
        window: 64,
        clip: 1.0,
        sampling: 0.0,
        rejoin: Default::default(),
        ema: 0.0,
        dropout: 0.0,
        teachers: Default::default(),
        distill: 0.0,
        patience: epochs,
        threads: 2,
        shift_windows: false,
    };
    let ours = median_rate(&cfg, &d);
    let flops = flops_per_step(&HarmonyModel::zeros(cfg.model)) * ours;
    let isa = altus_core::nn::simd::isa();
    println!(
        "altus     LSTM-{hidden}, batch 32 × 64 steps, 2 threads, {isa:?}: median {ours:.0} steps/s over epochs 2..{epochs} (window steps, padding included, as the peer counts)"
    );
    // The achieved rate, not a share of a peak: peaks differ from machine to machine (an
    // AVX-512 core does twice an AVX2 core's multiply-adds per cycle).
    println!(
        "          {:.1} GFLOP/s ({:.2} MFLOP per step)",
        flops / 1e9,
        flops_per_step(&HarmonyModel::zeros(cfg.model)) / 1e6,
    );
    let windows = crate::peer::windows(&d.train);
    let epochs_same = crate::peer::train(&windows, hidden, epochs, 1e-3, 0);
    let mut rates: Vec<f64> = epochs_same[1..].iter().map(|e| e.steps_per_s).collect();
    rates.sort_by(f64::total_cmp);
    let same = rates[rates.len() / 2];
    println!(
        "altus     the peer's model (LSTM-{hidden} on dense 98-wide inputs, one 33-class head), {} windows: median {same:.0} steps/s; loss {:.3} → {:.3}",
        windows.n,
        epochs_same[0].loss,
        epochs_same[epochs - 1].loss
    );
    if let Some(p) = peer_figure {
        println!(
            "peer      Keras LSTM-{hidden}: {p:.0} steps/s (its own report, epochs 2..{epochs})"
        );
        println!(
            "ratio     product model {:.2}× the peer; the peer's model {:.2}× the peer (same work)",
            ours / p,
            same / p
        );
    }
    Ok(())
}

/// Our training rate: the median over epochs 2..N (the first warms caches and the allocator),
/// as the peer reports.
fn median_rate(cfg: &TrainConfig, d: &crate::data::load::Data) -> f64 {
    let stop = AtomicBool::new(false);
    let result = train::train(cfg, &d.train, &d.valid, &stop, |_, _, _| {}, |_, _| {});
    let mut rates: Vec<f64> = result.reports[1..]
        .iter()
        .map(|r| r.window_steps_per_s)
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Runs `keras_peer.py --model lstm` and reads its `steps_per_s=` figure.
fn run_peer(
    python: &Path,
    script: Option<&Path>,
    data: &Path,
    epochs: usize,
) -> anyhow::Result<f64> {
    let script = script.map(Path::to_path_buf).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/keras_peer.py")
    });
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(data)
        .args([
            "--model",
            "lstm",
            "--epochs",
            &epochs.to_string(),
            "--threads",
            "2",
        ])
        .output()
        .with_context(|| format!("{}: cannot run the peer", python.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "{}: the peer failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
    );
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("steps_per_s=")?.parse().ok())
        .with_context(|| format!("{}: no steps_per_s= in its output", script.display()))
}
