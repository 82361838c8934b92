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

/// A hymn-like tune in G major, as a notation program exports it: one track,
/// 96 tpq, no key signature, 4/4, the one-beat pickup starting at time 0.
pub fn melody(path: &std::path::Path) {
    let tpq = 96u32;
    let tune: [(u32, u8); 11] = [
        (1, 62),
        (1, 67),
        (1, 67),
        (1, 69),
        (1, 69),
        (2, 71),
        (1, 71),
        (1, 72),
        (2, 71),
        (2, 69),
        (4, 67),
    ];
    // Time signature 4/4; each note on, then off after its quarters; end of track.
    let mut track = vec![0x00, 0xFF, 0x58, 0x04, 4, 2, 24, 8];
    for (q, p) in tune {
        track.extend([0x00, 0x90, p, 90]);
        track.extend(testkit::fuzz::vlq(q * tpq));
        track.extend([0x80, p, 0]);
    }
    track.extend([0x00, 0xFF, 0x2F, 0x00]);
    std::fs::write(path, testkit::fuzz::smf(0, tpq as u16, &[track])).unwrap();
}
