//! `altus eval`: models against Bach's alto, tenor and bass and simple baselines, free-running
//! and causal, on the validation split (or the selection split, to choose settings on).

use crate::data::sequences::{Line, Sequence};
use crate::harmony::baselines::{self, Lookup};
use crate::harmony::eval;
use crate::harmony::metrics::Metrics;
use altus_core::embedded;
use altus_core::harmony::engine::DecodeOptions;
use altus_core::harmony::features::VOICES;
use altus_core::harmony::format as weights;
use altus_core::harmony::model::HarmonyModel;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// `altus eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Weight file(s); each is a row, and another without its voice-leading preferences
    /// (default: the embedded causal and lookahead models).
    #[arg(long)]
    pub model: Vec<PathBuf>,
    /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else the shared folder beside
    /// the repository).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The split scored: validation (reported) or selection (carved from the training files,
    /// for choosing settings; baselines then fit on the rest of the training files).
    #[arg(long, value_enum, default_value = "validation")]
    pub split: SplitArg,
    /// Joint choices kept per step (1 = each voice greedily in turn).
    #[arg(long, default_value_t = 3)]
    pub beam: usize,
    /// Also score another system's harmonizations: a folder of MIDI files named like the
    /// chorales, with tracks named Alto, Tenor and Bass (else in that order after the soprano).
    #[arg(long)]
    pub peer: Option<PathBuf>,
}

/// The split `altus eval` scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    /// The validation split: never chosen on.
    Validation,
    /// The selection split.
    Selection,
}

/// One row: a name, its metrics and (models only) the teacher-forced statistics.
type Row = (String, Metrics, Option<crate::harmony::batch::Stats>);

/// Prints the evaluation tables.
pub fn run(a: &Args) -> anyhow::Result<()> {
    super::train_args::within("--beam", a.beam, 1, altus_core::harmony::decode::MAX_BEAM)?;
    let selection = a.split == SplitArg::Selection;
    // The models first: a bad file fails before the corpus is read.
    let models = load_models(&a.model)?;
    let files = crate::data::load::Files::FourParts;
    let data = crate::data::load::load(a.data.clone(), files, selection)?;
    let (fit, scored) = (
        &data.train,
        if selection { &data.select } else { &data.valid },
    );
    let steps: usize = scored.iter().map(Sequence::len).sum();
    println!(
        "data      {}: {} {} files, {steps} steps (four-part chorales, key-normalised, from the first soprano note); baselines fitted on {} training files",
        data.dir.display(),
        scored.len(),
        if selection { "selection" } else { "validation" },
        fit.len()
    );
    let opts = DecodeOptions {
        beam: a.beam,
        ..eval::EVAL_DECODE
    };
    let mut rows: Vec<Row> = model_rows(models, scored, opts);
    rows.push((
        "Bach".into(),
        eval::total(scored, |s| s.voices.clone()),
        None,
    ));
    let plain = Lookup::fit(fit);
    let context = Lookup::with_context(fit);
    rows.push((
        "lookup (mode, soprano)".into(),
        eval::total(scored, |s| plain.lines(s)),
        None,
    ));
    let name = format!("lookup + previous soprano (≥{})", baselines::MIN_CONTEXT);
    rows.push((name, eval::total(scored, |s| context.lines(s)), None));
    let third = |s: &Sequence| {
        [
            baselines::third_below(s),
            Line::rests(s.len()),
            Line::rests(s.len()),
        ]
    };
    rows.push((
        "diatonic third below (alto)".into(),
        eval::total(scored, third),
        None,
    ));
    if let Some(dir) = &a.peer {
        rows.push(peer_row(&data.dir, scored, dir)?);
    }
    print_voices(&rows);
    print_motion(&rows);
    print_leading(&rows);
    print_legend();
    Ok(())
}

/// The models named, each with its name (default: the embedded causal model, then the embedded
/// lookahead model).
fn load_models(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, HarmonyModel)>> {
    Ok(if paths.is_empty() {
        vec![
            ("Altus causal".into(), embedded::default_harmony().0),
            ("Altus lookahead".into(), embedded::default_lookahead().0),
        ]
    } else {
        let mut v = Vec::new();
        for p in paths {
            let model = weights::load(p)?.0;
            let name = p.file_stem().map_or(p.display().to_string(), |s| {
                s.to_string_lossy().into_owned()
            });
            v.push((name, model));
        }
        v
    })
}

/// Each model's free-running and teacher-forced figures, with its voice-leading preferences
/// and without them.
fn model_rows(
    models: Vec<(String, HarmonyModel)>,
    seqs: &[Sequence],
    opts: DecodeOptions,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, model) in models {
        let c = model.config;
        println!(
            "model     {name}: {} × {} {}, order {}, {} weights{}",
            c.layers,
            c.cell.name(),
            c.hidden,
            c.order.name(),
            model.num_params(),
            if c.inputs.lookahead {
                " (lookahead: sees the soprano's next notes; offline only)"
            } else {
                " (causal)"
            }
        );
        let free = eval::free_running(&model, seqs, opts, 2);
        rows.push((name.clone(), free, Some(eval::teacher_forced(&model, seqs))));
        if !model.leading.is_none() {
            let off = DecodeOptions {
                leading: false,
                ..opts
            };
            let plain = eval::free_running(&model, seqs, off, 2);
            rows.push((format!("{name}, no leading"), plain, None));
        }
    }
    rows
}

/// Another system's harmonizations of the scored chorales.
fn peer_row(corpus: &Path, seqs: &[Sequence], dir: &Path) -> anyhow::Result<Row> {
    let mut missing = 0;
    let mut m = Metrics::default();
    for s in seqs {
        let path = corpus.join(&s.file);
        let orig = altus_core::music::midi::read_file(&path)
            .with_context(|| path.display().to_string())?;
        let len = altus_core::Grid::from_score(&orig).len;
        let lines = eval::voices_from_file(&dir.join(&s.file), s, len).unwrap_or_else(|_| {
            missing += 1;
            std::array::from_fn(|_| Line::rests(s.len()))
        });
        m.add(&crate::harmony::metrics::score(s, &lines));
    }
    Ok((
        format!("peer: {} ({missing} missing)", dir.display()),
        m,
        None,
    ))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// One table per voice.
fn print_voices(rows: &[Row]) {
    for (v, voice) in ["alto", "tenor", "bass"].iter().enumerate().take(VOICES) {
        println!();
        println!(
            "{:<34} {:>7} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}",
            format!("{voice} (free-running)"),
            "agree",
            "@onsets",
            "keeps",
            "longest",
            "coverage",
            "noteLen",
            "tf NLL"
        );
        for (name, m, tf) in rows {
            let c = &m.voices[v];
            if c.motion.sounding == 0 {
                continue;
            }
            println!(
                "{:<34} {:>7} {:>8} {:>7} {:>8.1} {:>8} {:>8.2} {:>8}",
                name,
                pct(c.agreement()),
                pct(c.onset_agreement()),
                pct(c.keep_rate()),
                c.median_longest(),
                pct(c.coverage()),
                c.note_length(),
                tf.map_or("–".into(), |t| format!("{:.3}", t.nll(v)))
            );
        }
    }
}

/// One table per voice: how it moves and its rhythm ([`crate::harmony::motion`]).
fn print_motion(rows: &[Row]) {
    for (v, voice) in ["alto", "tenor", "bass"].iter().enumerate().take(VOICES) {
        println!();
        println!(
            "{:<34} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
            format!("{voice} motion"),
            "steps",
            "leaps>4",
            "meanInt",
            "returns",
            "meanPit",
            "odd16th",
            "16ths"
        );
        for (name, m, _) in rows {
            let c = &m.voices[v].motion;
            if c.notes == 0 {
                continue;
            }
            println!(
                "{:<34} {:>7} {:>8} {:>8.2} {:>8} {:>8.1} {:>8} {:>7}",
                name,
                pct(c.step_share()),
                pct(c.leap_share()),
                c.mean_interval(),
                pct(c.return_share()),
                c.mean_pitch(),
                pct(c.odd_start_share()),
                pct(c.sixteenth_share())
            );
        }
    }
}

/// The all-pair voice-leading table (rows with all four voices).
fn print_leading(rows: &[Row]) {
    println!();
    println!(
        "{:<34} {:>8} {:>9} {:>8} {:>9} {:>8}",
        "voice leading (all six pairs)", "par/100", "crossing", "spacing", "PCS=Bach", "tertian"
    );
    for (name, m, _) in rows.iter().filter(|r| r.1.full > 0) {
        println!(
            "{:<34} {:>8.2} {:>9} {:>8} {:>9} {:>8}",
            name,
            m.parallels_per_100(),
            pct(m.crossing_rate()),
            pct(m.spacing_rate()),
            pct(m.pcs_rate()),
            pct(m.tertian_rate())
        );
    }
}

fn print_legend() {
    println!();
    for line in [
        "Altus causal: the embedded model the plugin plays (each 16th from the soprano so far); Altus lookahead: the",
        "offline model of harmonize --lookahead (also sees the soprano's next notes); no leading: the same model",
        "decoded without its voice-leading preferences (chosen on the selection split, stored in its file);",
        "agree: exact pitch per step where the soprano and Bach's voice sound; @onsets: at Bach's onsets of the voice;",
        "keeps: share of the soprano's moves on which the voice keeps its pitch; longest: median over files of the",
        "longest stretch on one pitch, in 16ths; coverage: share of the soprano's steps where the voice sounds;",
        "tf NLL: teacher-forced negative log-likelihood per step (Bach's previous voices fed back), nats;",
        "par/100: parallel fifths/octaves per 100 moves of a voice pair; crossing: steps where S ≥ A ≥ T ≥ B fails;",
        "spacing: S–A or A–T wider than an octave; PCS=Bach: steps whose pitch-class set equals Bach's;",
        "tertian: steps with all four voices whose pitch-class set is a triad or seventh chord (with or without its fifth);",
        "motion, over each voice's notes: steps: moves of 1–2 semitones; leaps>4: moves over a perfect fourth;",
        "meanInt: mean move in semitones (moves: to the next note, no rest between, another pitch); returns: moves",
        "straight back to the pitch the previous move left (A-B-A; a chain is a trill); meanPit: mean",
        "sounding pitch (in C / A minor); odd16th: notes starting between 8ths; 16ths: notes one 16th long.",
    ] {
        println!("{line}");
    }
}
