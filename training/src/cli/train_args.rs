//! The flags of `altus train` and the config they describe.

use crate::harmony::bptt::Rejoin;
use crate::harmony::train::TrainConfig;
use altus_core::harmony::features::Inputs;
use altus_core::harmony::model::{CellKind, HarmonyModel, ModelConfig, Order};
use std::path::PathBuf;

/// Parses `lstm|gru|rnn`.
pub(crate) fn parse_cell(s: &str) -> Result<CellKind, String> {
    match s.to_ascii_lowercase().as_str() {
        "lstm" => Ok(CellKind::Lstm),
        "gru" => Ok(CellKind::Gru),
        "rnn" => Ok(CellKind::Rnn),
        _ => Err(format!("unknown cell {s:?} (expected lstm, gru or rnn)")),
    }
}

/// Parses `independent|bass-first|top-down`.
pub(crate) fn parse_order(s: &str) -> Result<Order, String> {
    match s {
        "independent" => Ok(Order::Independent),
        "bass-first" => Ok(Order::BassFirst),
        "top-down" => Ok(Order::TopDown),
        _ => Err(format!(
            "unknown order {s:?} (expected independent, bass-first or top-down)"
        )),
    }
}

/// Which voices a model learns. One model writes all three lower voices; `harmonize --voices
/// alto` keeps its alto (an alto-only model would feed its own untrained tenor and bass back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VoicesArg {
    /// Alto, tenor and bass under the soprano.
    Satb,
}

/// The flags of `altus train`. Their defaults are the shipped model's recipe, chosen on the
/// selection split (MODEL.md).
#[derive(clap::Args)]
pub struct Args {
    /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else the shared folder beside the
    /// repository).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Weight file to write (NAME.safetensors); NAME.train-log.csv and NAME.loss.png go beside
    /// it.
    #[arg(long)]
    pub out: PathBuf,
    /// The voices to learn.
    #[arg(long, value_enum, default_value = "satb")]
    pub voices: VoicesArg,
    /// Recurrent cell: lstm, gru or rnn.
    #[arg(long, default_value = "gru", value_parser = parse_cell)]
    pub cell: CellKind,
    /// Hidden size.
    #[arg(long, default_value_t = 224)]
    pub hidden: usize,
    /// Recurrent layers (1 or 2).
    #[arg(long, default_value_t = 1)]
    pub layers: usize,
    /// How a step's voices are chosen: independent, bass-first or top-down.
    #[arg(long, default_value = "independent", value_parser = parse_order)]
    pub order: Order,
    /// Leave out the soprano's scale degree, metrical strength, motion and held time.
    #[arg(long)]
    pub no_context: bool,
    /// Leave out the voices' previous choices (the model hears the soprano alone).
    #[arg(long)]
    pub no_previous: bool,
    /// Leave out the intervals from each voice's previous pitch to the soprano.
    #[arg(long)]
    pub no_intervals: bool,
    /// Train the offline model, which also sees the soprano's next two notes (for `altus
    /// harmonize --lookahead`; the plugin plays causal models only).
    #[arg(long)]
    pub lookahead: bool,
    /// Maximum epochs (early stopping may end sooner).
    #[arg(long, default_value_t = 60)]
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
    /// Final scheduled-sampling probability (feeding the model its own previous voices).
    #[arg(long, default_value_t = 1.0)]
    pub sampling: f32,
    /// Where a voice fed its own line has left Bach's, teach it to take Bach's pitch at once
    /// (now), to hold until Bach strikes his next note (at-onsets), or to hold on odd 16ths
    /// where Bach holds (on-eighths).
    #[arg(long, value_enum, default_value = "on-eighths")]
    pub rejoin: Rejoin,
    /// Keep the model's own choices at decoding: skip choosing voice-leading preferences after
    /// training (and with them the folds: one model, its epoch chosen on the selection split).
    #[arg(long)]
    pub no_leading: bool,
    /// Choose the preferences on this many folds of the training files (1 to 10), each with a
    /// model of the same recipe trained on the others (fold 1 is the selection split; 1: on it
    /// alone, with the model trained on the rest).
    #[arg(long, default_value_t = 10)]
    pub tune_folds: usize,
    /// With two folds or more, save the model trained without fold 1 (epoch chosen on it)
    /// instead of one trained again on every training file for the folds' mean kept epoch.
    #[arg(long)]
    pub no_refit: bool,
    /// Judge epochs on a running average of the weights with this weight per batch (0: the
    /// weights themselves).
    #[arg(long, default_value_t = 0.98)]
    pub ema: f32,
    /// Dropout rate on the recurrent layer's output where the heads read it, in training.
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f32,
    /// A trained model to learn from beside Bach (distillation); repeat for an ensemble, whose
    /// mean logits teach. Each must take the same inputs as the model trained.
    #[arg(long)]
    pub teacher: Vec<std::path::PathBuf>,
    /// Weight of the teachers' distribution in each class target (the rest is Bach's pitch).
    #[arg(long, default_value_t = 0.5)]
    pub distill: f32,
    /// Epochs without a better selection score before stopping.
    #[arg(long, default_value_t = 10)]
    pub patience: usize,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// `flag value` must lie in `lo..=hi`.
pub fn within(flag: &str, value: usize, lo: usize, hi: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        (lo..=hi).contains(&value),
        "{flag} {value}: expected {lo} to {hi}"
    );
    Ok(())
}

impl Args {
    /// The `--teacher` models, each checked to take `model`'s inputs.
    fn teachers(&self, model: &ModelConfig) -> anyhow::Result<Vec<HarmonyModel>> {
        self.teacher
            .iter()
            .map(|p| {
                let (m, _) = altus_core::harmony::format::load(p)?;
                anyhow::ensure!(
                    m.config.inputs == model.inputs,
                    "{}: the teacher takes other inputs than the model trained",
                    p.display()
                );
                // Its voices must not see each other's choices: only its logits are read.
                anyhow::ensure!(
                    m.config.order == Order::Independent,
                    "{}: a teacher must choose its voices independently",
                    p.display()
                );
                Ok(m)
            })
            .collect()
    }

    /// The training config these flags describe, refusing absurd values.
    pub fn config(&self) -> anyhow::Result<TrainConfig> {
        within("--tune-folds", self.tune_folds, 1, 10)?;
        within(
            "--hidden",
            self.hidden,
            1,
            altus_core::harmony::format::MAX_HIDDEN,
        )?;
        within("--layers", self.layers, 1, 2)?;
        within("--epochs", self.epochs, 1, 100_000)?;
        within("--batch", self.batch, 1, 4096)?;
        within("--window", self.window, 4, 4096)?;
        within("--threads", self.threads, 1, 64)?;
        let (lr, sampling) = (self.lr, self.sampling);
        anyhow::ensure!(
            lr.is_finite() && lr > 0.0 && lr <= 1.0,
            "--lr {lr}: expected a number in (0, 1]"
        );
        anyhow::ensure!(
            (0.0..1.0).contains(&self.ema),
            "--ema {}: expected 0 to 1 (1 excluded)",
            self.ema
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&sampling),
            "--sampling {sampling}: expected 0 to 1"
        );
        anyhow::ensure!(
            (0.0..0.9).contains(&self.dropout),
            "--dropout {}: expected 0 to 0.9",
            self.dropout
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.distill),
            "--distill {}: expected 0 to 1",
            self.distill
        );
        let model = ModelConfig {
            inputs: Inputs {
                soprano_context: !self.no_context,
                previous_voices: !self.no_previous,
                intervals: !self.no_intervals,
                lookahead: self.lookahead,
            },
            order: self.order,
            ..ModelConfig::new(self.cell, self.hidden, self.layers)
        };
        Ok(TrainConfig {
            model,
            epochs: self.epochs,
            batch: self.batch,
            lr,
            seed: self.seed,
            window: self.window,
            clip: 1.0,
            sampling,
            rejoin: self.rejoin,
            ema: self.ema,
            dropout: self.dropout,
            teachers: std::sync::Arc::new(self.teachers(&model)?),
            distill: self.distill,
            patience: self.patience.max(1),
            threads: self.threads,
            shift_windows: true,
        })
    }

    /// Whether the saved model is trained again on every training file once the preferences
    /// are chosen on the folds.
    pub fn refit(&self) -> bool {
        self.tune_folds > 1 && !self.no_refit && !self.no_leading
    }
}
