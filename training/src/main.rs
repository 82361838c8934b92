//! `altus`: inspect MIDI files and the chorale corpus, train and evaluate models, harmonize
//! melodies. Parsing and dispatch only; the subcommands live in `altus_training::cli`.

use clap::Parser;
use std::process::ExitCode;

/// Altus: a neural alto voice for soprano melodies, in the style of Bach's chorales.
#[derive(Parser)]
#[command(name = "altus", version, about)]
struct Args {
    #[command(subcommand)]
    command: altus_training::cli::Command,
}

fn main() -> ExitCode {
    match Args::parse().command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
