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
    quiet_on_closed_pipe();
    match Args::parse().command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `altus … | head`: when the reader closes the pipe, end quietly as other command-line tools
/// do (the default action of SIGPIPE) instead of panicking in `println!` (Rust ignores SIGPIPE
/// so that writes fail with an error instead).
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    {
        unsafe extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        const SIGPIPE: i32 = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: restores the default disposition of one signal before any thread starts.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}
