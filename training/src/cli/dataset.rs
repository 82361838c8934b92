//! `altus dataset stats [DIR]`.

use crate::data::dataset::{self, Dataset, Options};
use altus_core::{Mode, Voice};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

/// `altus dataset …`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Files read, usable and rejected (with reasons), steps, voice ranges, keys, modes, split.
    Stats {
        /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else the shared folder beside
        /// the repository).
        dir: Option<PathBuf>,
        /// Keep files with at least this many note parts.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(2..=64))]
        min_parts: u16,
        /// Seed of the train/validation split.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Use every MIDI file, not only those named by a BWV number below 599.
        #[arg(long)]
        all_files: bool,
        /// Also list the validation files, one per line.
        #[arg(long)]
        list_validation: bool,
    },
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        let Command::Stats {
            dir,
            min_parts,
            seed,
            all_files,
            list_validation,
        } = self;
        stats(dir, min_parts as usize, seed, !all_files, list_validation)
    }
}

/// Prints the corpus summary.
fn stats(
    dir: Option<PathBuf>,
    min_parts: usize,
    seed: u64,
    chorales_only: bool,
    list: bool,
) -> anyhow::Result<()> {
    let dir = crate::data::load::corpus_dir(dir)?;
    let t0 = Instant::now();
    let opts = Options {
        min_parts,
        chorales_only,
        ..Options::default()
    };
    let ds = dataset::load_dir(&dir, &opts).with_context(|| dir.display().to_string())?;
    let split = dataset::split(&ds.chorales, seed);
    let elapsed = t0.elapsed();
    println!("folder    {}", dir.display());
    print_files(&ds);
    let steps: usize = ds.chorales.iter().map(|c| c.grid.len).sum();
    println!(
        "steps     {steps} 16th steps in usable files ({:.0} quarters)",
        steps as f64 / 4.0
    );
    print_ranges(&ds);
    print_keys(&ds);
    let st = |ix: &[usize]| ix.iter().map(|&i| ds.chorales[i].grid.len).sum::<usize>();
    println!(
        "split     seed {seed}: train {} files ({} steps), validation {} files ({} steps); {} distinct soprano melodies",
        split.train.len(),
        st(&split.train),
        split.valid.len(),
        st(&split.valid),
        split.groups
    );
    println!("time      {:.1} ms", elapsed.as_secs_f64() * 1e3);
    if list {
        split
            .valid
            .iter()
            .for_each(|&i| println!("validation {}", ds.chorales[i].file));
    }
    Ok(())
}

/// Files read, usable, rejected by reason (six names each), and why unreadable ones are.
fn print_files(ds: &Dataset) {
    let read = ds.chorales.len() + ds.rejected.len();
    println!(
        "files     {read} MIDI files read ({} other files skipped)",
        ds.skipped_non_midi
    );
    println!("usable    {}", ds.chorales.len());
    let mut reasons: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (f, why) in &ds.rejected {
        reasons.entry(why.category()).or_default().push(f);
    }
    println!("rejected  {}", ds.rejected.len());
    for (why, files) in &reasons {
        let shown: Vec<&str> = files.iter().take(6).copied().collect();
        let more = if files.len() > 6 {
            format!(" … (+{})", files.len() - 6)
        } else {
            String::new()
        };
        println!("  {:>3}  {why}: {}{more}", files.len(), shown.join(" "));
    }
    for (f, why) in ds
        .rejected
        .iter()
        .filter(|r| matches!(r.1, dataset::Rejection::Unreadable(_)))
    {
        println!("       {f}: {why}");
    }
}

/// Each voice's range over the usable files.
fn print_ranges(ds: &Dataset) {
    println!("ranges    (as written; MIDI numbers)");
    for v in Voice::SATB {
        let ranges: Vec<_> = ds
            .chorales
            .iter()
            .filter_map(|c| c.grid.voice(v)?.range())
            .collect();
        if let (Some(lo), Some(hi)) = (
            ranges.iter().map(|r| r.0).min(),
            ranges.iter().map(|r| r.1).max(),
        ) {
            println!(
                "  {:<8} {}–{} ({}–{})",
                v.name(),
                lo.0,
                hi.0,
                lo.name(),
                hi.name()
            );
        }
    }
}

/// Modes and keys as inferred, and how often the signature's own flag disagrees.
fn print_keys(ds: &Dataset) {
    let (mut major, mut minor) = (0, 0);
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let mut flag_wrong = 0;
    for c in &ds.chorales {
        match c.key.mode {
            Mode::Major => major += 1,
            Mode::Minor => minor += 1,
        }
        *keys.entry(c.key.name()).or_default() += 1;
        if c.grid
            .key_sig
            .is_some_and(|k| k.minor != (c.key.mode == Mode::Minor))
        {
            flag_wrong += 1;
        }
    }
    println!(
        "modes     {major} major, {minor} minor (inferred; the signature's flag disagrees in {flag_wrong})"
    );
    let mut by_count: Vec<_> = keys.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let keys: Vec<String> = by_count.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("keys      {}", keys.join(", "));
}
