//! Output paths are checked before the work that fills them: a folder is created if missing and
//! proved writable (a probe file is made and removed), so a long run never ends in a failed
//! write. Files are then written atomically (`altus_core::fsutil::write_atomic`).

use anyhow::Context;
use std::path::Path;

/// Makes sure `dir` exists (creating it) and that files can be written in it.
pub(crate) fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    let name = dir.display().to_string();
    std::fs::create_dir_all(dir).with_context(|| format!("{name}: cannot create the folder"))?;
    let probe = dir.join(format!(".altus-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").with_context(|| format!("{name}: cannot write in the folder"))?;
    std::fs::remove_file(&probe).with_context(|| format!("{name}: cannot write in the folder"))
}

/// Makes sure `file` can be written: its folder exists (created if missing) and is writable,
/// and the path is not a folder.
pub(crate) fn prepare_file(file: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !file.is_dir(),
        "{}: is a folder, not a file path",
        file.display()
    );
    anyhow::ensure!(
        file.file_name().is_some(),
        "{}: not a file path",
        file.display()
    );
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    prepare_dir(dir).with_context(|| file.display().to_string())
}
