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
    let (dir, chorales) = read(dir, files)?;
    let Split { train, valid, .. } = dataset::split(&chorales, 0);
    let (train, select) = if selection {
        dataset::carve_selection(&chorales, &train, 0)
    } else {
        (train, Vec::new())
    };
    Ok(Data {
        train: sequences(&chorales, &train),
        select: sequences(&chorales, &select),
        valid: sequences(&chorales, &valid),
        dir,
    })
}

/// The training files of [`load`]'s split in `k` folds ([`dataset::carve_folds`]; fold 0 is
/// `load`'s selection split): for each fold, `(the other training files, the fold)`.
pub fn folds(dir: &std::path::Path, files: Files, k: usize) -> anyhow::Result<Vec<Data>> {
    let (dir, chorales) = read(Some(dir.to_path_buf()), files)?;
    let Split { train, .. } = dataset::split(&chorales, 0);
    let folds = dataset::carve_folds(&chorales, &train, 0, k);
    Ok(folds
        .iter()
        .map(|fold| {
            let rest: Vec<usize> = train
                .iter()
                .copied()
                .filter(|i| !fold.contains(i))
                .collect();
            Data {
                train: sequences(&chorales, &rest),
                select: sequences(&chorales, fold),
                valid: Vec::new(),
                dir: dir.clone(),
            }
        })
        .collect())
}

/// The usable chorales of the corpus folder.
fn read(dir: Option<PathBuf>, files: Files) -> anyhow::Result<(PathBuf, Vec<dataset::Chorale>)> {
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
    Ok((dir, ds.chorales))
}

fn sequences(chorales: &[dataset::Chorale], ix: &[usize]) -> Vec<Sequence> {
    ix.iter()
        .map(|&i| Sequence::from_chorale(&chorales[i]))
        .collect()
}
