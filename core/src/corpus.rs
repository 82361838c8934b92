//! Where the chorale corpus lives, for tests and the CLI's defaults.
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

/// For tests: the corpus folder, or `None` after printing why the test is skipped.
/// Panics when the corpus is absent and `ALTUS_REQUIRE_DATA=1` (CI never skips data tests).
pub fn chorales_for_test(test: &str) -> Option<PathBuf> {
    if let Some(d) = chorales_dir() {
        return Some(d);
    }
    if std::env::var("ALTUS_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("{test}: chorale corpus not found (set ALTUS_CHORALES) and ALTUS_REQUIRE_DATA=1");
    }
    eprintln!("SKIPPED {test}: chorale corpus not found (set ALTUS_CHORALES to its midi folder)");
    None
}
