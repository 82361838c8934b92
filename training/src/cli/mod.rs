//! One module per subcommand; each returns `anyhow::Result` with the file named in the error.

pub mod ae;
pub mod bench;
pub mod dataset;
pub mod eval;
pub mod harmonize;
pub mod inspect;
pub mod key;
pub mod train;

use std::path::PathBuf;

/// The chorale folder: the argument, else `$ALTUS_CHORALES`, else `../shared/data/chorales/midi`.
pub fn corpus_dir(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(d) = arg {
        return Ok(d);
    }
    if let Some(d) = std::env::var_os("ALTUS_CHORALES") {
        return Ok(d.into());
    }
    let d = PathBuf::from("../shared/data/chorales/midi");
    anyhow::ensure!(
        d.is_dir(),
        "no chorale folder given: pass DIR or set ALTUS_CHORALES"
    );
    Ok(d)
}
