//! Every reader of the core library (MIDI, harmony weights, key classifier) refuses a path that
//! names something other than a small regular file — `/dev/zero`, a FIFO with no writer, a
//! directory, a sparse 8 GB file — at once, with the file and the reason in the error.

use altus_core::harmony::format;
use altus_core::music::key::classifier::KeyClassifier;
use altus_core::music::midi::read_file;
use std::path::Path;
use std::time::{Duration, Instant};

/// Runs `read` on every special file (on a thread, so a hang fails instead of hanging the
/// test) and returns each error; each must come within a second.
fn refusals(read: fn(&Path) -> Option<String>) -> Vec<(&'static str, String)> {
    let dir = std::env::temp_dir().join(format!("altus-special-{}", std::process::id()));
    let mut out = Vec::new();
    for (what, path) in testkit::special::special_files(&dir) {
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        let start = Instant::now();
        std::thread::spawn(move || tx.send(read(&p)));
        let got = rx
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("{what}: no answer within 5 s (the read blocked)"));
        let took = start.elapsed();
        let err = got.unwrap_or_else(|| panic!("{what}: read as if it were a file"));
        assert!(
            took < Duration::from_secs(1),
            "{what}: refused after {took:?}"
        );
        assert!(
            err.contains(&path.display().to_string()) || what == "/dev/zero",
            "{what}: the error names the file: {err}"
        );
        out.push((what, err));
    }
    out
}

fn reason_fits(what: &str, err: &str) {
    let expected = match what {
        "/dev/zero" => "a device, not a regular file",
        "a FIFO with no writer" => "a named pipe (FIFO), not a regular file",
        "a directory" => "a directory, not a regular file",
        _ => "more than the",
    };
    assert!(err.contains(expected), "{what}: {err}");
}

#[test]
fn midi_files_must_be_small_regular_files() {
    for (what, err) in refusals(|p| read_file(p).err().map(|e| format!("{}: {e}", p.display()))) {
        reason_fits(what, &err);
        if what.contains("sparse") {
            assert!(err.contains("4 MiB Altus reads as a MIDI file"), "{err}");
        }
    }
}

#[test]
fn weight_files_must_be_small_regular_files() {
    for (what, err) in refusals(|p| format::load(p).err().map(|e| e.to_string())) {
        reason_fits(what, &err);
        assert!(
            err.contains("/dev/zero") || err.contains("altus-special"),
            "{err}"
        );
    }
    for (what, err) in refusals(|p| KeyClassifier::load(p).err().map(|e| e.to_string())) {
        reason_fits(what, &err);
        if what.contains("sparse") {
            assert!(err.contains("64 MiB Altus reads as a weight file"), "{err}");
        }
    }
}

#[test]
fn regular_files_still_read() {
    let dir = std::env::temp_dir().join(format!("altus-regular-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let w = dir.join("h.safetensors");
    std::fs::write(&w, altus_core::embedded::DEFAULT_HARMONY).unwrap();
    assert_eq!(
        format::load(&w).unwrap().0,
        altus_core::embedded::default_harmony().0
    );
    // Through a symbolic link too: the file it names is what counts.
    let link = dir.join("link.safetensors");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&w, &link).unwrap();
    assert!(format::load(&link).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}
