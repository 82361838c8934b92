//! The chorale dataset: which files are usable, their keys, and the train/validation split.
//!
//! Corpus rules (see the corpus's SOURCE.md): files with BWV ≥ 599 are organ works, not chorales,
//! and files without a BWV number are not chorales either (both waived by `chorales_only: false`);
//! fewer than four note parts are out unless asked; the first four parts must be pitch-ordered
//! (soprano highest … bass lowest, by mean pitch) so that track order really gives SATB; soprano
//! and alto must be monophonic (a chord in them makes the file unusable; a chordal bass is cut).

use altus_core::music::grid::VoiceLine;
use altus_core::music::midi;
use altus_core::rng::Rng;
use altus_core::{Grid, Key, Voice};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a file is not used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rejection {
    /// Not a MIDI file we can read; the reason.
    Unreadable(String),
    /// An organ work (BWV ≥ 599) or a file without a BWV number.
    NotChorale,
    /// Fewer note parts than required.
    TooFewParts(usize),
    /// More note parts than asked for (instruments beside the four voices).
    TooManyParts(usize),
    /// The first four parts are not ordered high to low.
    NotPitchOrdered,
    /// Soprano or alto has chords.
    Polyphonic(Voice),
    /// No part takes this voice (named tracks can leave one out).
    MissingVoice(Voice),
    /// Moved to C major / A minor, a note would leave MIDI's range.
    OutOfRange,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Unreadable(e) => write!(f, "unreadable: {e}"),
            Rejection::NotChorale => {
                f.write_str("organ work or non-chorale (BWV >= 599 or no BWV number)")
            }
            Rejection::TooFewParts(n) => write!(f, "{n} note part(s), fewer than required"),
            Rejection::TooManyParts(n) => write!(f, "{n} note parts, more than asked for"),
            Rejection::NotPitchOrdered => f.write_str("first four parts not pitch-ordered"),
            Rejection::Polyphonic(v) => write!(f, "{} has chords", v.name().to_lowercase()),
            Rejection::MissingVoice(v) => write!(f, "no {} part", v.name().to_lowercase()),
            Rejection::OutOfRange => f.write_str("notes leave MIDI's range in C major / A minor"),
        }
    }
}

impl Rejection {
    /// A short category for counting.
    pub(crate) fn category(&self) -> String {
        match self {
            Rejection::Unreadable(_) => "unreadable".into(),
            other => other.to_string(),
        }
    }
}

/// A usable chorale.
#[derive(Clone, Debug)]
pub struct Chorale {
    /// File name.
    pub file: String,
    /// The piece as written (original key).
    pub grid: Grid,
    /// Number of note parts in the file.
    pub parts: usize,
    /// The inferred key.
    pub key: Key,
    /// The piece in C major / A minor.
    pub normalised: Grid,
}

impl Chorale {
    /// Semitones that move the piece to C major / A minor.
    pub fn shift(&self) -> i32 {
        self.key.shift_to_reference()
    }
}

/// Loading options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Minimum number of note parts (4: soprano, alto, tenor, bass).
    pub min_parts: usize,
    /// Maximum number of note parts (4 keeps the pure SATB files).
    pub max_parts: usize,
    /// Apply the corpus's naming rule: file names start with a BWV number below 599.
    pub chorales_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_parts: 4,
            max_parts: usize::MAX,
            chorales_only: true,
        }
    }
}

/// A loaded folder.
#[derive(Debug, Default)]
pub struct Dataset {
    /// Usable chorales, sorted by file name.
    pub chorales: Vec<Chorale>,
    /// Files not used, with the reason.
    pub rejected: Vec<(String, Rejection)>,
    /// Files in the folder that are not `.mid`/`.midi`.
    pub skipped_non_midi: usize,
}

/// Loads every MIDI file of `dir` (not recursive), on two threads.
pub fn load_dir(dir: &Path, opts: &Options) -> std::io::Result<Dataset> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut skipped = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_midi = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("mid") || e.eq_ignore_ascii_case("midi"));
        if is_midi && path.is_file() {
            files.push(path);
        } else if path.is_file() {
            skipped += 1;
        }
    }
    files.sort();
    let half = files.len().div_ceil(2);
    let results: Vec<(String, Result<Chorale, Rejection>)> = std::thread::scope(|s| {
        let jobs: Vec<_> = files
            .chunks(half.max(1))
            .map(|chunk| {
                s.spawn(move || chunk.iter().map(|p| load_file(p, opts)).collect::<Vec<_>>())
            })
            .collect();
        jobs.into_iter()
            .flat_map(|j| j.join().expect("loader thread"))
            .collect()
    });
    let mut ds = Dataset {
        skipped_non_midi: skipped,
        ..Default::default()
    };
    for (name, r) in results {
        match r {
            Ok(c) => ds.chorales.push(c),
            Err(why) => ds.rejected.push((name, why)),
        }
    }
    Ok(ds)
}

/// Loads one file, applying the corpus rules.
pub fn load_file(path: &Path, opts: &Options) -> (String, Result<Chorale, Rejection>) {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let r = (|| {
        if opts.chorales_only && bwv(&name).is_none_or(|b| b >= 599) {
            return Err(Rejection::NotChorale);
        }
        let score = midi::read_file(path).map_err(|e| Rejection::Unreadable(e.to_string()))?;
        let parts = score.parts.len();
        if parts < opts.min_parts.max(2) {
            return Err(Rejection::TooFewParts(parts));
        }
        if parts > opts.max_parts {
            return Err(Rejection::TooManyParts(parts));
        }
        let grid = Grid::from_score(&score);
        let first = |v: Voice| {
            altus_core::music::voices::assign(&score)
                .into_iter()
                .find(|a| a.0 == v)
                .map(|a| a.1)
        };
        for v in [Voice::Soprano, Voice::Alto] {
            let i = first(v).ok_or(Rejection::MissingVoice(v))?;
            if score.parts[i].overlaps() > 0 {
                return Err(Rejection::Polyphonic(v));
            }
        }
        if parts >= 4 && !pitch_ordered(&grid) {
            return Err(Rejection::NotPitchOrdered);
        }
        let key = grid.key();
        let normalised = grid
            .transposed(key.shift_to_reference())
            .ok_or(Rejection::OutOfRange)?;
        Ok(Chorale {
            file: name.clone(),
            grid,
            parts,
            key,
            normalised,
        })
    })();
    (name, r)
}

/// The BWV number from a `BBBBMMxx.mid` file name.
pub(crate) fn bwv(file: &str) -> Option<u32> {
    file.get(..4)?.parse().ok()
}

fn mean_pitch(line: &VoiceLine) -> Option<f32> {
    let ps: Vec<f32> = line.pitch.iter().flatten().map(|p| p.0 as f32).collect();
    (!ps.is_empty()).then(|| ps.iter().sum::<f32>() / ps.len() as f32)
}

fn pitch_ordered(grid: &Grid) -> bool {
    let means: Vec<Option<f32>> = Voice::SATB
        .iter()
        .map(|&v| grid.voice(v).and_then(mean_pitch))
        .collect();
    means
        .windows(2)
        .all(|w| matches!((w[0], w[1]), (Some(a), Some(b)) if a > b))
}

/// A train/validation split of a dataset's chorales (indices into `chorales`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training files.
    pub train: Vec<usize>,
    /// Validation files.
    pub valid: Vec<usize>,
    /// Number of distinct soprano melodies.
    pub groups: usize,
}

/// A deterministic 90/10 split that keeps files with the same soprano melody (up to
/// transposition and rhythm: the sequence of intervals between successive pitches) together.
pub fn split(chorales: &[Chorale], seed: u64) -> Split {
    let all: Vec<usize> = (0..chorales.len()).collect();
    let (train, valid, groups) = carve(chorales, &all, seed);
    Split {
        train,
        valid,
        groups,
    }
}

/// A selection split carved from the training files `train` (about a tenth of them, same
/// melody on one side, like [`split`]): `(train without it, selection)`. Epochs and settings
/// are chosen on it, so the validation split stays unseen.
pub fn carve_selection(
    chorales: &[Chorale],
    train: &[usize],
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let (rest, select, _) = carve(chorales, train, seed ^ SELECTION_SEED);
    (rest, select)
}

/// Mixed into the split's seed for the selection split and its folds.
const SELECTION_SEED: u64 = 0x005E_1EC7;

/// The training files `train` in `k` (≤ 10) folds of about a tenth each, same melody in one
/// fold; fold 0 is [`carve_selection`]'s selection split, the next folds the next tenths of
/// the same melody order (the tenth fold takes the rest). Each fold is a selection split for
/// a model trained on the other files.
pub fn carve_folds(chorales: &[Chorale], train: &[usize], seed: u64, k: usize) -> Vec<Vec<usize>> {
    let groups = melody_groups(chorales, train, seed ^ SELECTION_SEED);
    let tenth = (train.len() as f64 * 0.1).round() as usize;
    let mut folds = vec![Vec::new(); k.clamp(1, 10)];
    let mut taken = 0;
    for g in groups {
        // The fold whose tenth is not full yet, as `carve` fills the first.
        let j = (0..folds.len()).find(|&j| j == 9 || taken < (j + 1) * tenth);
        if let Some(j) = j {
            folds[j].extend(&g);
        }
        taken += g.len();
    }
    folds.iter_mut().for_each(|f| f.sort_unstable());
    folds
}

/// The files `of` grouped by melody, the groups in a seeded order.
fn melody_groups(chorales: &[Chorale], of: &[usize], seed: u64) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for &i in of {
        groups
            .entry(melody_signature(&chorales[i].grid))
            .or_default()
            .push(i);
    }
    let mut keys: Vec<u64> = groups.keys().copied().collect();
    Rng::new(seed).shuffle(&mut keys);
    keys.iter().map(|k| groups[k].clone()).collect()
}

/// Splits `of` into (rest, a tenth) by melody groups in a seeded order; also counts the groups.
fn carve(chorales: &[Chorale], of: &[usize], seed: u64) -> (Vec<usize>, Vec<usize>, usize) {
    let groups = melody_groups(chorales, of, seed);
    let target = (of.len() as f64 * 0.1).round() as usize;
    let (mut rest, mut chosen) = (Vec::new(), Vec::new());
    for g in &groups {
        if chosen.len() < target {
            chosen.extend(g)
        } else {
            rest.extend(g)
        }
    }
    rest.sort_unstable();
    chosen.sort_unstable();
    (rest, chosen, groups.len())
}

/// FNV-1a hash of the soprano's interval sequence (repeated pitches merged).
pub fn melody_signature(grid: &Grid) -> u64 {
    let mut pitches: Vec<i32> = Vec::new();
    if let Some(s) = grid.voice(Voice::Soprano) {
        for (_, _, p) in s.notes() {
            if pitches.last() != Some(&(p.0 as i32)) {
                pitches.push(p.0 as i32);
            }
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in pitches.windows(2) {
        h ^= (w[1] - w[0]) as u8 as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}
