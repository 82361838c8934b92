//! Files in and out. In: the one way any input is read (MIDI, weight files, the plugin's model
//! paths) — regular files only, through a size cap, so a path naming `/dev/zero`, a pipe, a
//! directory or a huge sparse file is refused at once with the reason. Out: atomic writes (a
//! temporary file beside the target, then rename).

use crate::{Error, Result};
use std::fs::{File, Metadata};
use std::io::{Read, Write};
use std::path::Path;

/// Largest weight file read (the largest supported harmony model, 2 × 512 LSTM, is ~17 MB).
pub(crate) const MAX_WEIGHT_FILE_BYTES: usize = 64 << 20;

/// Reads the whole of `path`, a regular file of at most `cap` bytes; `what` names the kind of
/// file in the size error ("MIDI file", "weight file").
///
/// The kind is checked before opening (opening a FIFO with no writer would block) and again on
/// the open handle (the path may have changed in between; the open itself never blocks); the cap
/// on the size first, then on the bytes read (a file may grow while it is read).
pub(crate) fn read_capped(path: &Path, cap: usize, what: &str) -> Result<Vec<u8>> {
    let before = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    check_kind(path, &before)?;
    check_size(before.len(), cap, what)?;
    let file = open_nonblocking(path).map_err(|e| Error::io(path, e))?;
    let after = file.metadata().map_err(|e| Error::io(path, e))?;
    check_kind(path, &after)?;
    check_size(after.len(), cap, what)?;
    let mut bytes = Vec::with_capacity(after.len() as usize);
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    check_size(bytes.len() as u64, cap, what)?;
    Ok(bytes)
}

/// Refuses `len` bytes over `cap`, naming the limit.
pub(crate) fn check_size(len: u64, cap: usize, what: &str) -> Result<()> {
    if len > cap as u64 {
        return Err(Error::Limit(format!(
            "the file is {len} bytes, more than the {} MiB Altus reads as a {what}",
            cap >> 20
        )));
    }
    Ok(())
}

/// Refuses anything but a regular file, saying what it is.
fn check_kind(path: &Path, m: &Metadata) -> Result<()> {
    if m.is_file() {
        return Ok(());
    }
    let t = m.file_type();
    let kind = if t.is_dir() {
        "a directory"
    } else {
        special_kind(&t)
    };
    Err(Error::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{kind}, not a regular file"),
        ),
    ))
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: had the path become a FIFO since it was looked at, the open returns at once
    // (the handle's kind is then refused); on a regular file the flag changes nothing.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// Writes `bytes` to `path` so that readers see either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Write(format!("{} is not a file path", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}
