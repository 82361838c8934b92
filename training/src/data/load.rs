//! The chorales every model command reads: where they are, and the split.
//!
//! One rule, for the CLI and the tests alike: `--data DIR`, else `$ALTUS_CHORALES`, else
//! `shared/data/chorales/midi` beside the repository the tool was built from
//! (`testkit::corpus`).

use crate::data::dataset::{self, Options, Split};
use crate::data::sequences::Sequence;
use anyhow::Context;
use std::path::PathBuf;

/// The chorale folder (rule in the module doc).
pub(crate) fn corpus_dir(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(d) = arg {
        return Ok(d);
    }
    testkit::corpus::chorales_dir().context(
        "no chorale folder: pass --data DIR (or DIR), or set ALTUS_CHORALES to the chorales' midi folder",
    )
}

/// The data every model command needs: usable chorales, split, as sequences.
pub struct Data {
    /// Folder read.
    pub dir: PathBuf,
    /// Training sequences (without the selection split, when one was asked for).
    pub train: Vec<Sequence>,
    /// Selection sequences: carved from the training files, to choose epochs and settings on.
    pub select: Vec<Sequence>,
    /// Validation sequences: only ever reported on.
    pub valid: Vec<Sequence>,
}

/// Which usable files a command reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// Every usable chorale (soprano and alto; instruments beside the voices allowed).
    Usable,
    /// Only the files of exactly four parts, soprano, alto, tenor and bass (313 in the corpus):
    /// the harmony model's data.
    FourParts,
}

/// Loads the corpus and splits it (split seed 0, as `altus dataset stats` shows); with
/// `selection`, a selection split is carved from the training files.
pub fn load(dir: Option<PathBuf>, files: Files, selection: bool) -> anyhow::Result<Data> {
    let dir = corpus_dir(dir)?;
    let opts = Options {
        max_parts: if files == Files::FourParts {
            4
        } else {
            usize::MAX
        },
        ..Options::default()
    };
    let ds = dataset::load_dir(&dir, &opts).with_context(|| dir.display().to_string())?;
    anyhow::ensure!(
        ds.chorales.len() >= 3,
        "{}: only {} usable chorale(s), need at least 3",
        dir.display(),
        ds.chorales.len()
    );
    let Split { train, valid, .. } = dataset::split(&ds.chorales, 0);
    let (train, select) = if selection {
        dataset::carve_selection(&ds.chorales, &train, 0)
    } else {
        (train, Vec::new())
    };
    let seqs = |ix: &[usize]| {
        ix.iter()
            .map(|&i| Sequence::from_chorale(&ds.chorales[i]))
            .collect::<Vec<_>>()
    };
    Ok(Data {
        train: seqs(&train),
        select: seqs(&select),
        valid: seqs(&valid),
        dir,
    })
}
