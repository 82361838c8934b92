//! `altus key`: train, evaluate and apply the key classifier.

use crate::data::dataset::{self, Chorale, Options};
use crate::key::eval as key_eval;
use crate::key::train::{self as keytrain, Example};
use altus_core::music::key::classifier::{KeyClassifier, KeyMeta};
use altus_core::music::midi;
use altus_core::{Grid, Voice};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// `altus key FILE.mid [--soprano]`, `altus key train`, `altus key eval`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// A MIDI file whose key to name.
    file: Option<PathBuf>,
    /// Use the soprano alone.
    #[arg(long)]
    soprano: bool,
    /// Classifier weights (default: the embedded classifier).
    #[arg(long)]
    model: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Train the classifier on the training split (all 12 transpositions).
    Train {
        /// Folder of chorale MIDI files.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Weight file to write.
        #[arg(long)]
        out: PathBuf,
        /// Hidden units.
        #[arg(long, default_value_t = 32)]
        hidden: usize,
        /// Epochs.
        #[arg(long, default_value_t = 40)]
        epochs: usize,
        /// Seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Accuracy on the validation split against Krumhansl-Schmuckler.
    Eval {
        /// Classifier weights (default: embedded).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Folder of chorale MIDI files.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

impl Args {
    /// Runs the subcommand (or names the file's key).
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Some(Command::Train {
                data,
                out,
                hidden,
                epochs,
                seed,
            }) => train(data, &out, hidden, epochs, seed),
            Some(Command::Eval { model, data }) => eval(model.as_deref(), data),
            None => match &self.file {
                Some(f) => {
                    println!("{}", classify(f, self.soprano, self.model.as_deref())?);
                    Ok(())
                }
                None => Err(anyhow::anyhow!("give a MIDI file, or `train` / `eval`")),
            },
        }
    }
}

/// The corpus folder, its usable chorales, and the train / validation indices.
type Split = (PathBuf, Vec<Chorale>, Vec<usize>, Vec<usize>);

/// Train and validation chorales (split seed 0, as everywhere).
fn split(dir: Option<PathBuf>) -> anyhow::Result<Split> {
    let dir = crate::data::load::corpus_dir(dir)?;
    let ds =
        dataset::load_dir(&dir, &Options::default()).with_context(|| dir.display().to_string())?;
    anyhow::ensure!(
        ds.chorales.len() >= 2,
        "{}: too few usable chorales",
        dir.display()
    );
    let s = dataset::split(&ds.chorales, 0);
    Ok((dir, ds.chorales, s.train, s.valid))
}

/// `altus key train`.
fn train(
    data: Option<PathBuf>,
    out: &Path,
    hidden: usize,
    epochs: usize,
    seed: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=256).contains(&hidden),
        "--hidden {hidden}: expected 1 to 256"
    );
    anyhow::ensure!(
        (1..=10_000).contains(&epochs),
        "--epochs {epochs}: expected 1 to 10000"
    );
    super::output::prepare_file(out)?;
    let (dir, chorales, tr, va) = split(data)?;
    let pick = |ix: &[usize]| ix.iter().map(|&i| &chorales[i]).collect::<Vec<_>>();
    let train_set = pick(&tr);
    let mut ex: Vec<Example> = keytrain::examples(&train_set, false, true);
    ex.extend(keytrain::examples(&train_set, true, true));
    let t0 = std::time::Instant::now();
    let k = keytrain::train(&ex, hidden, epochs, seed);
    let secs = t0.elapsed().as_secs_f64();
    let table = key_eval::evaluate(&k, &pick(&va));
    let info = serde_json::json!({
        "data": {"dir": dir.display().to_string(), "train_files": tr.len(), "valid_files": va.len(), "examples": ex.len(), "split_seed": 0},
        "training": {"hidden": hidden, "epochs": epochs, "seed": seed, "seconds": secs},
        "validation": table.iter().map(|r| serde_json::json!({"input": r.0, "method": r.1, "key": r.2, "mode": r.3})).collect::<Vec<_>>(),
    });
    let meta = KeyMeta {
        format: altus_core::nn::safetensors::FORMAT_VERSION,
        kind: "key".into(),
        hidden,
        info,
    };
    altus_core::fsutil::write_atomic(out, &k.to_bytes(&meta)?)
        .with_context(|| out.display().to_string())?;
    println!(
        "trained   {} examples ({} train files × 12 transpositions, full score and soprano), {epochs} epochs, {secs:.1} s",
        ex.len(),
        tr.len()
    );
    print_table(&table, va.len());
    println!("saved     {}", out.display());
    Ok(())
}

/// `altus key eval`.
fn eval(model: Option<&Path>, data: Option<PathBuf>) -> anyhow::Result<()> {
    let k = load(model)?;
    let (_, chorales, _, va) = split(data)?;
    let valid: Vec<&Chorale> = va.iter().map(|&i| &chorales[i]).collect();
    print_table(&key_eval::evaluate(&k, &valid), va.len());
    Ok(())
}

fn print_table(rows: &[(&str, &str, f64, f64)], files: usize) {
    println!("validation ({files} files; ×12: in all 12 transpositions)   24 keys    mode");
    for (input, method, a, m) in rows {
        println!(
            "  {input:<10} {method:<21} {:>6.1}%  {:>6.1}%",
            100.0 * a,
            100.0 * m
        );
    }
}

fn load(model: Option<&Path>) -> anyhow::Result<KeyClassifier> {
    Ok(match model {
        Some(p) => KeyClassifier::load(p)?.0,
        None => altus_core::embedded::default_key().0,
    })
}

/// `altus key FILE.mid`: the line it prints.
pub fn classify(file: &Path, soprano: bool, model: Option<&Path>) -> anyhow::Result<String> {
    let k = load(model)?;
    let score = midi::read_file(file).with_context(|| file.display().to_string())?;
    let grid = Grid::from_score(&score);
    let h = if soprano {
        grid.histogram(&[Voice::Soprano])
    } else {
        grid.histogram(&[])
    };
    let (key, p) = k.classify(&h, None);
    let ks = h.krumhansl_schmuckler();
    Ok(format!(
        "{}: {key} ({:.0}% confident; from the {}; Krumhansl-Schmuckler says {ks})",
        file.display(),
        100.0 * p,
        if soprano { "soprano" } else { "whole file" }
    ))
}
