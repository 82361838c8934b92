//! `altus`: inspect MIDI files and the chorale corpus, train and evaluate models, harmonize melodies.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Altus: a neural alto voice for soprano melodies, in the style of Bach's chorales.
#[derive(Parser)]
#[command(name = "altus", version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show a MIDI file's voices, ranges, key, metre, length and any problems found.
    Inspect {
        /// The MIDI file.
        file: PathBuf,
    },
    /// Train an alto model on a folder of chorales.
    Train(cli::train::TrainArgs),
    /// Write an alto voice for a melody (a soprano-only file or a multi-voice file's soprano).
    Harmonize {
        /// Input MIDI file.
        input: PathBuf,
        /// Output MIDI file (type 1: Soprano and Alto tracks).
        output: PathBuf,
        /// Weight file from `altus train` (default: the embedded model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Key: auto (signature, else estimated) or a name such as C, F#, Bb, Am, C#m.
        #[arg(long, default_value = "auto")]
        key: String,
        /// 0 = always the most likely note (deterministic); higher samples more freely.
        #[arg(long, default_value_t = 0.0)]
        temperature: f32,
        /// Seed for sampling.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// 16th steps before the first downbeat (default: from the file, else estimated).
        #[arg(long)]
        pickup: Option<usize>,
        /// Lowest alto note (MIDI number).
        #[arg(long, default_value_t = 53)]
        low: u8,
        /// Highest alto note (MIDI number).
        #[arg(long, default_value_t = 77)]
        high: u8,
    },
    /// Score a model on the validation split: teacher-forced and free-running, with baselines.
    Eval {
        /// Weight file (default: the embedded model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else ../shared/data/chorales/midi).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Also score another system's harmonizations: a folder of MIDI files named like the
        /// validation chorales, each with an "Alto" track.
        #[arg(long)]
        peer: Option<PathBuf>,
    },
    /// Benchmarks (medians, and ratios against a peer measured in the same run).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The key classifier: `altus key FILE.mid`, `altus key train`, `altus key eval`.
    #[command(args_conflicts_with_subcommands = true)]
    Key {
        #[command(subcommand)]
        command: Option<KeyCommand>,
        /// A MIDI file whose key to name.
        file: Option<PathBuf>,
        /// Use the soprano alone.
        #[arg(long)]
        soprano: bool,
        /// Classifier weights (default: the embedded classifier).
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// The melody autoencoder: `altus ae train`, `altus ae reconstruct`.
    Ae {
        #[command(subcommand)]
        command: AeCommand,
    },
    /// The melody VAE: `altus vae train`, `altus vae sample`.
    Vae {
        #[command(subcommand)]
        command: VaeCommand,
    },
    /// Morph one melody into another through the VAE's codes; writes one MIDI file per step
    /// and one with all steps in sequence.
    Morph {
        /// First melody (step 0).
        a: PathBuf,
        /// Second melody (last step).
        b: PathBuf,
        /// Melodies in all, both ends included.
        #[arg(long, default_value_t = 8)]
        steps: usize,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// VAE (or autoencoder) weights.
        #[arg(long)]
        model: PathBuf,
        /// Spherical instead of linear interpolation.
        #[arg(long)]
        slerp: bool,
    },
    /// Work with a folder of chorales.
    Dataset {
        #[command(subcommand)]
        command: DatasetCommand,
    },
}

/// What `ae train` and `vae train` share.
#[derive(clap::Args)]
struct AeArgs {
    /// Folder of chorale MIDI files.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Weight file to write.
    #[arg(long)]
    out: PathBuf,
    /// Hidden units.
    #[arg(long, default_value_t = 256)]
    hidden: usize,
    /// Epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl AeArgs {
    /// Trains with these settings (a VAE when `vae` gives β and the warm-up).
    fn train(self, latent: usize, vae: Option<(f32, usize)>) -> anyhow::Result<()> {
        let cfg = altus_training::aetrain::AeConfig {
            hidden: self.hidden,
            latent,
            epochs: self.epochs,
            seed: self.seed,
            vae,
        };
        cli::ae::train(self.data, &self.out, cfg)
    }
}

#[derive(Subcommand)]
enum AeCommand {
    /// Train on 2-bar windows of the training sopranos; report validation reconstruction.
    Train {
        #[command(flatten)]
        common: AeArgs,
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
        /// Autoencoder weights.
        #[arg(long)]
        model: PathBuf,
    },
}

#[derive(Subcommand)]
enum VaeCommand {
    /// Train the VAE (KL weight warming up to --beta); writes latent.png beside the weights.
    Train {
        #[command(flatten)]
        common: AeArgs,
        /// Latent size.
        #[arg(long, default_value_t = 16)]
        latent: usize,
        /// Final weight of the KL term.
        #[arg(long, default_value_t = 0.05)]
        beta: f32,
        /// Epochs over which the KL weight grows to --beta.
        #[arg(long, default_value_t = 10)]
        warmup: usize,
    },
    /// New melodies from random codes.
    Sample {
        /// How many.
        #[arg(long, default_value_t = 8)]
        n: usize,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// VAE weights.
        #[arg(long)]
        model: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Train the classifier on the training split (all 12 transpositions).
    Train {
        /// Folder of chorale MIDI files.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Weight file to write.
        #[arg(long)]
        out: PathBuf,
        /// Hidden units.
        #[arg(long, default_value_t = 32)]
        hidden: usize,
        /// Epochs.
        #[arg(long, default_value_t = 40)]
        epochs: usize,
        /// Seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Accuracy on the validation split against Krumhansl-Schmuckler.
    Eval {
        /// Classifier weights (default: embedded).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Folder of chorale MIDI files.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Training throughput (LSTM, batch 32, 64-step windows) against the Keras peer.
    Train {
        /// Folder of chorale MIDI files.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Epochs for each system (the median of epochs 2..N is reported).
        #[arg(long, default_value_t = 5)]
        epochs: usize,
        /// Hidden size.
        #[arg(long, default_value_t = 128)]
        hidden: usize,
        /// Python with TensorFlow to run the peer first (skipped when absent).
        #[arg(long)]
        peer_python: Option<PathBuf>,
        /// The peer script (default ../shared/peers/keras_peer.py).
        #[arg(long)]
        peer_script: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DatasetCommand {
    /// Files read, usable and rejected (with reasons), steps, voice ranges, keys, modes, split.
    Stats {
        /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else ../shared/data/chorales/midi).
        dir: Option<PathBuf>,
        /// Keep files with at least this many note parts.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(2..=64))]
        min_parts: u16,
        /// Seed of the train/validation split.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Use every MIDI file, not only those named by a BWV number below 599.
        #[arg(long)]
        all_files: bool,
        /// Also list the validation files, one per line.
        #[arg(long)]
        list_validation: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Inspect { file } => cli::inspect::run(&file),
        Command::Ae {
            command: AeCommand::Train { common, latent },
        } => common.train(latent, None),
        Command::Vae {
            command:
                VaeCommand::Train {
                    common,
                    latent,
                    beta,
                    warmup,
                },
        } => common.train(latent, Some((beta, warmup))),
        Command::Vae {
            command:
                VaeCommand::Sample {
                    n,
                    out,
                    model,
                    seed,
                },
        } => cli::ae::sample(n, &out, &model, seed),
        Command::Morph {
            a,
            b,
            steps,
            out,
            model,
            slerp,
        } => cli::ae::morph(&a, &b, steps, &out, &model, slerp),
        Command::Ae {
            command:
                AeCommand::Reconstruct {
                    input,
                    output,
                    model,
                },
        } => cli::ae::reconstruct(&input, &output, &model),
        Command::Key {
            command:
                Some(KeyCommand::Train {
                    data,
                    out,
                    hidden,
                    epochs,
                    seed,
                }),
            ..
        } => cli::key::train(data, &out, hidden, epochs, seed),
        Command::Key {
            command: Some(KeyCommand::Eval { model, data }),
            ..
        } => cli::key::eval(model.as_deref(), data),
        Command::Key {
            command: None,
            file: Some(file),
            soprano,
            model,
        } => cli::key::classify(&file, soprano, model.as_deref()),
        Command::Key {
            command: None,
            file: None,
            ..
        } => Err(anyhow::anyhow!("give a MIDI file, or `train` / `eval`")),
        Command::Bench {
            command:
                BenchCommand::Train {
                    data,
                    epochs,
                    hidden,
                    peer_python,
                    peer_script,
                },
        } => cli::bench::run(
            data,
            epochs,
            hidden,
            peer_python.as_deref(),
            peer_script.as_deref(),
        ),
        Command::Eval { model, data, peer } => {
            cli::eval::run(model.as_deref(), data, peer.as_deref())
        }
        Command::Harmonize {
            input,
            output,
            model,
            key,
            temperature,
            seed,
            pickup,
            low,
            high,
        } => cli::harmonize::run(&cli::harmonize::Args {
            input,
            output,
            model,
            key,
            temperature,
            seed,
            pickup,
            low,
            high,
        }),
        Command::Train(args) => args
            .config()
            .and_then(|cfg| cli::train::run(args.data, &args.out, cfg)),
        Command::Dataset {
            command:
                DatasetCommand::Stats {
                    dir,
                    min_parts,
                    seed,
                    all_files,
                    list_validation,
                },
        } => cli::dataset::stats(dir, min_parts as usize, seed, !all_files, list_validation),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
