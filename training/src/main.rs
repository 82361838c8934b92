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
    /// Work with a folder of chorales.
    Dataset {
        #[command(subcommand)]
        command: DatasetCommand,
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
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Inspect { file } => cli::inspect::run(&file),
        Command::Dataset {
            command:
                DatasetCommand::Stats {
                    dir,
                    min_parts,
                    seed,
                    all_files,
                },
        } => cli::dataset::stats(dir, min_parts as usize, seed, !all_files),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
