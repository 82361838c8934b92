//! Where the chorale corpus lives, for the tests and the CLI's default folder alike:
//! `ALTUS_CHORALES` wins; otherwise `shared/data/chorales/midi` in the folder that holds the
//! repository (found from this crate's manifest directory, not the working directory). Only
//! the tests and the `altus` tool link it; the plugin does not.

use std::io::Write;
use std::path::PathBuf;

/// The chorale MIDI folder if it exists.
pub fn chorales_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ALTUS_CHORALES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/chorales/midi"),
    };
    dir.is_dir().then_some(dir)
}

/// The corpus folder, or `None` after saying loudly that the test is skipped. Panics when the
/// corpus is absent and `ALTUS_REQUIRE_DATA=1` (CI never skips data tests).
///
/// The skip line is written straight to the process's stderr, past the test harness's capture,
/// so a person running `cargo test` sees it beside the test's `ok`.
pub fn chorales_for_test(test: &str) -> Option<PathBuf> {
    if let Some(d) = chorales_dir() {
        return Some(d);
    }
    if std::env::var("ALTUS_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("{test}: chorale corpus not found (set ALTUS_CHORALES) and ALTUS_REQUIRE_DATA=1");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: chorale corpus not found (set ALTUS_CHORALES to its midi folder)"
    );
    None
}

/// The MIDI files of `dir`, by name, in name order (a corpus sample stays the same sample).
pub fn midi_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mid"))
        .collect();
    names.sort();
    names
}
