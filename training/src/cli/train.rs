//! `altus train`: one loop from data to a weight file, a CSV log and a chart.

use crate::data::sequences::Sequence;
use crate::harmony::train::{self, EpochReport, TrainConfig};
use altus_core::harmony::features::FEATURE_VERSION;
use altus_core::harmony::format::{self as weights, WeightsMeta};
use altus_core::harmony::model::{CellKind, ModelConfig};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs training and writes `--out`, `train-log.csv` and `loss.png` beside it.
pub fn run(a: &Args) -> anyhow::Result<()> {
    let (cfg, out) = (a.config()?, a.out.as_path());
    // Before the work: the folder for the weights, the log and the chart.
    super::output::prepare_file(out)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let data = super::data::load(a.data.clone(), false)?;
    print_setup(&data, &cfg);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // Ctrl-C: finish the current batch, keep the best checkpoint, write everything.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let started = std::time::Instant::now();
    let result = train_with_progress(&cfg, &data, &stop);
    let free = train::free_running(&result.model, &data.valid, cfg.threads);
    let meta = WeightsMeta {
        format: weights::FORMAT_VERSION,
        feature_version: FEATURE_VERSION,
        kind: "alto".into(),
        config: cfg.model,
        info: card(&cfg, &data, &result, &free, started.elapsed().as_secs_f64()),
    };
    weights::save(out, &result.model, &meta).with_context(|| out.display().to_string())?;
    write_log(&dir.join("train-log.csv"), &result.reports)?;
    chart(&dir.join("loss.png"), &result.reports)?;
    println!(
        "saved     {} (epoch {} of {}{}): validation free-running agreement {:.1}%, parallels {:.2}/100 moves; train-log.csv and loss.png beside it; {:.0} s",
        out.display(),
        result.best_epoch,
        result.reports.len(),
        if result.interrupted {
            ", interrupted"
        } else {
            ""
        },
        100.0 * free.agreement(),
        free.parallels_per_100(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn steps(s: &[Sequence]) -> usize {
    s.iter().map(Sequence::len).sum()
}

fn print_setup(data: &super::data::Data, cfg: &TrainConfig) {
    println!(
        "data      {}: {} train files ({} steps), {} validation files ({} steps)",
        data.dir.display(),
        data.train.len(),
        steps(&data.train),
        data.valid.len(),
        steps(&data.valid)
    );
    let probe = altus_core::harmony::model::AltoModel::zeros(cfg.model);
    println!(
        "model     {} × {} hidden {}, {} weights; batch {} × {} steps, Adam lr {}, sampling → {}, {} thread(s)",
        cfg.model.layers,
        cfg.model.cell.name(),
        cfg.model.hidden,
        probe.num_params(),
        cfg.batch,
        cfg.window,
        cfg.lr,
        cfg.sampling,
        cfg.threads
    );
}

/// The training loop with a progress bar (a log line per epoch when not on a terminal).
fn train_with_progress(
    cfg: &TrainConfig,
    data: &super::data::Data,
    stop: &AtomicBool,
) -> train::Trained {
    let pb = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} batches  {msg}")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    let result = train::train(
        cfg,
        &data.train,
        &data.valid,
        stop,
        |done, total, s| {
            if done == 1 {
                pb.set_length(total as u64);
            }
            pb.set_position(done as u64);
            if done % 8 == 0 || done == total {
                pb.set_message(format!("loss {:.4}  acc {:.3}", s.loss(), s.accuracy()));
            }
        },
        |r, best| {
            let line = epoch_line(r, best);
            if pb.is_hidden() {
                println!("{line}");
            } else {
                pb.println(&line);
            }
            pb.set_prefix(format!("{}", r.epoch + 1));
            pb.set_position(0);
        },
    );
    pb.finish_and_clear();
    result
}

fn epoch_line(r: &EpochReport, best: bool) -> String {
    format!(
        "epoch {:>3}  loss {:.4}/{:.4}  acc {:.3}/{:.3}  free {:.3}  par {:.2}  {:>7.0} steps/s  ss {:.2}  {:.1}s{}",
        r.epoch,
        r.train_loss,
        r.valid_loss,
        r.train_acc,
        r.valid_acc,
        r.valid_free,
        r.valid_parallels,
        r.steps_per_s,
        r.sampling,
        r.seconds,
        if best { "  *" } else { "" }
    )
}

/// What the weight file says about how it was made and how well it does.
fn card(
    cfg: &TrainConfig,
    data: &super::data::Data,
    result: &train::Trained,
    free: &crate::harmony::eval::Metrics,
    seconds: f64,
) -> serde_json::Value {
    let best = &result.reports[result.best_epoch.max(1) - 1];
    serde_json::json!({
        "data": {
            "dir": data.dir.display().to_string(),
            "train_files": data.train.len(),
            "valid_files": data.valid.len(),
            "train_steps": steps(&data.train),
            "valid_steps": steps(&data.valid),
            "split_seed": 0,
        },
        "training": {
            "config": cfg,
            "epochs_run": result.reports.len(),
            "best_epoch": result.best_epoch,
            "interrupted": result.interrupted,
            "seconds": seconds,
        },
        "validation": {
            "loss": best.valid_loss,
            "teacher_forced_accuracy": best.valid_acc,
            "free_running_agreement": free.agreement(),
            "parallels_per_100_moves": free.parallels_per_100(),
            "mean_note_length": free.mean_note_length(),
        },
    })
}

fn chart(png: &Path, reports: &[EpochReport]) -> anyhow::Result<()> {
    let tmp = png.with_extension("tmp.png");
    crate::plot::loss_chart(&tmp, reports).with_context(|| png.display().to_string())?;
    std::fs::rename(&tmp, png).with_context(|| png.display().to_string())
}

fn write_log(path: &Path, reports: &[EpochReport]) -> anyhow::Result<()> {
    let mut s = String::from(
        "epoch,train_loss,train_acc,valid_loss,valid_acc,valid_free_agreement,valid_parallels_per_100,steps_per_s,sampling,seconds\n",
    );
    for r in reports {
        s += &format!(
            "{},{:.5},{:.5},{:.5},{:.5},{:.5},{:.4},{:.0},{:.3},{:.2}\n",
            r.epoch,
            r.train_loss,
            r.train_acc,
            r.valid_loss,
            r.valid_acc,
            r.valid_free,
            r.valid_parallels,
            r.steps_per_s,
            r.sampling,
            r.seconds
        );
    }
    altus_core::fsutil::write_atomic(path, s.as_bytes()).with_context(|| path.display().to_string())
}

/// Parses `lstm|gru|rnn`.
pub fn parse_cell(s: &str) -> Result<CellKind, String> {
    match s.to_ascii_lowercase().as_str() {
        "lstm" => Ok(CellKind::Lstm),
        "gru" => Ok(CellKind::Gru),
        "rnn" => Ok(CellKind::Rnn),
        _ => Err(format!("unknown cell {s:?} (expected lstm, gru or rnn)")),
    }
}

/// The flags of `altus train`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else ../shared/data/chorales/midi).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Weight file to write (safetensors); train-log.csv and loss.png go beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Recurrent cell: lstm, gru or rnn.
    #[arg(long, default_value = "lstm", value_parser = parse_cell)]
    pub cell: altus_core::harmony::model::CellKind,
    /// Hidden size.
    #[arg(long, default_value_t = 128)]
    pub hidden: usize,
    /// Recurrent layers (1 or 2).
    #[arg(long, default_value_t = 1)]
    pub layers: usize,
    /// Maximum epochs (early stopping may end sooner).
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Windows per mini-batch.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f32,
    /// Seed (initialisation, shuffling, sampling): same seed, same model.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Window length for truncated BPTT, in 16ths.
    #[arg(long, default_value_t = 64)]
    pub window: usize,
    /// Final scheduled-sampling probability (feeding the model its own previous alto).
    #[arg(long, default_value_t = 0.3)]
    pub sampling: f32,
    /// Epochs without a better validation score before stopping.
    #[arg(long, default_value_t = 6)]
    pub patience: usize,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

impl Args {
    /// The training config these flags describe, refusing absurd values.
    pub fn config(&self) -> anyhow::Result<TrainConfig> {
        let Args {
            cell,
            hidden,
            layers,
            epochs,
            batch,
            lr,
            seed,
            window,
            sampling,
            patience,
            threads,
            ..
        } = *self;
        let max_hidden = altus_core::harmony::format::MAX_HIDDEN;
        within("--hidden", hidden, 1, max_hidden)?;
        within("--layers", layers, 1, 2)?;
        within("--epochs", epochs, 1, 100_000)?;
        within("--batch", batch, 1, 4096)?;
        within("--window", window, 4, 4096)?;
        within("--threads", threads, 1, 64)?;
        anyhow::ensure!(
            lr.is_finite() && lr > 0.0 && lr <= 1.0,
            "--lr {lr}: expected a number in (0, 1]"
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&sampling),
            "--sampling {sampling}: expected 0 to 1"
        );
        Ok(TrainConfig {
            model: ModelConfig {
                cell,
                hidden,
                layers,
            },
            epochs,
            batch,
            lr,
            seed,
            window,
            clip: 1.0,
            sampling,
            patience: patience.max(1),
            threads,
            shift_windows: true,
        })
    }
}

/// `flag value` must lie in `lo..=hi`.
pub fn within(flag: &str, value: usize, lo: usize, hi: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        (lo..=hi).contains(&value),
        "{flag} {value}: expected {lo} to {hi}"
    );
    Ok(())
}
