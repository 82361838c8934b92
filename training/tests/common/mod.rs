//! Helpers shared by the CLI tests: run the `altus` binary, make a scratch folder.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// Runs `altus ARGS`: (success, stdout, stderr).
pub fn altus(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_altus"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A fresh scratch folder for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("altus-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `altus` with a command line split on whitespace (paths here have no spaces).
pub fn altus_line(line: &str) -> (bool, String, String) {
    let args: Vec<&str> = line.split_whitespace().collect();
    altus(&args)
}
