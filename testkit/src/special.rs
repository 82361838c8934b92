//! Paths that name something other than a small regular file: what a hostile project, command
//! line or environment variable can point an input at. Every reader must refuse each at once.

use std::path::{Path, PathBuf};

/// `(what, path)` for `/dev/zero` (endless bytes, size 0), a FIFO with no writer (opening it
/// blocks), a directory, and a sparse 8 GB file (no disk used), the last three made in `dir`.
/// The FIFO needs `mkfifo` (coreutils); without it, it is left out after saying so.
pub fn special_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    std::fs::create_dir_all(dir).expect("scratch folder");
    let mut v = vec![("/dev/zero", PathBuf::from("/dev/zero"))];
    let fifo = dir.join("fifo.mid");
    let _ = std::fs::remove_file(&fifo);
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => v.push(("a FIFO with no writer", fifo)),
        _ => eprintln!("NOTE: mkfifo failed here; the FIFO case is left out"),
    }
    let folder = dir.join("folder.mid");
    std::fs::create_dir_all(&folder).expect("a folder");
    v.push(("a directory", folder));
    let sparse = dir.join("sparse.mid");
    std::fs::File::create(&sparse)
        .and_then(|f| f.set_len(8 << 30))
        .expect("a sparse 8 GB file");
    v.push(("a sparse 8 GB file", sparse));
    v
}
