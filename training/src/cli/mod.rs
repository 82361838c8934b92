//! The `altus` command line: one module per subcommand, each with its clap `Args` and a
//! `run` that returns `anyhow::Result` with the file named in the error. `main.rs` parses and
//! calls [`Command::run`].

pub mod ae;
pub mod bench;
pub mod chords;
pub mod dataset;
pub mod eval;
pub mod harmonize;
pub mod inspect;
pub mod key;
pub mod morph;
pub mod output;
pub mod train;
pub mod train_args;
pub mod vae;

use clap::Subcommand;

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Show a MIDI file's voices, ranges, key, metre, length and any problems found.
    Inspect(inspect::Args),
    /// The chord of every beat of a four-part file, with its Roman numeral (`--json` for tools).
    Chords(chords::Args),
    /// Train a harmony model (alto, tenor and bass for a soprano) on a folder of chorales.
    Train(train::Args),
    /// Write alto, tenor and bass for a melody (a soprano-only file or a multi-voice file's soprano).
    Harmonize(harmonize::Args),
    /// Score a model on the validation split: teacher-forced and free-running, with baselines.
    Eval(eval::Args),
    /// Benchmarks (medians, and ratios against a peer measured in the same run).
    Bench {
        #[command(subcommand)]
        command: bench::Command,
    },
    /// The key classifier: `altus key FILE.mid`, `altus key train`, `altus key eval`.
    Key(key::Args),
    /// The melody autoencoder: `altus ae train`, `altus ae reconstruct`.
    Ae {
        #[command(subcommand)]
        command: ae::Command,
    },
    /// The melody VAE: `altus vae train`, `altus vae sample`.
    Vae {
        #[command(subcommand)]
        command: vae::Command,
    },
    /// Morph one melody into another through the VAE's codes; writes one MIDI file per step
    /// and one with all steps in sequence.
    Morph(morph::Args),
    /// Work with a folder of chorales.
    Dataset {
        #[command(subcommand)]
        command: dataset::Command,
    },
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Inspect(a) => inspect::run(&a),
            Command::Chords(a) => chords::run(&a),
            Command::Train(a) => train::run(&a),
            Command::Harmonize(a) => harmonize::run(&a),
            Command::Eval(a) => eval::run(&a),
            Command::Bench { command } => command.run(),
            Command::Key(a) => a.run(),
            Command::Ae { command } => command.run(),
            Command::Vae { command } => command.run(),
            Command::Morph(a) => morph::run(&a),
            Command::Dataset { command } => command.run(),
        }
    }
}
