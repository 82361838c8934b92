//! Where the chorale corpus lives: the CLI's default and the tests' (through `testkit`).
//!
//! `ALTUS_CHORALES` wins; otherwise `shared/data/chorales/midi` in the folder that holds the
//! repository (found from this crate's manifest directory, not the working directory).

use std::path::PathBuf;

/// The chorale MIDI folder if it exists.
pub fn chorales_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ALTUS_CHORALES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/chorales/midi"),
    };
    dir.is_dir().then_some(dir)
}
