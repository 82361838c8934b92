//! `altus eval`: the model against Bach's alto and simple baselines on the validation split.

use crate::data::sequences::Sequence;
use crate::harmony::eval::{self, AltoLine, CommonAlto, Metrics};
use anyhow::Context;
use std::path::PathBuf;

/// `altus eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Weight file (default: the embedded model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Folder of chorale MIDI files (default: $ALTUS_CHORALES, else the shared folder beside
    /// the repository).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Also score another system's harmonizations: a folder of MIDI files named like the
    /// validation chorales, each with an "Alto" track.
    #[arg(long)]
    pub peer: Option<PathBuf>,
}

/// Prints the evaluation table.
pub fn run(a: &Args) -> anyhow::Result<()> {
    let (model_path, peer) = (a.model.as_deref(), a.peer.as_deref());
    let model = super::harmonize::load_model(model_path)?;
    let data = super::data::load(a.data.clone(), false)?;
    let c = model.config;
    println!(
        "model     {}: {} × {} {} ({} weights)",
        model_path.map_or("embedded default".into(), |p| p.display().to_string()),
        c.layers,
        c.cell.name(),
        c.hidden,
        model.num_params()
    );
    let steps: usize = data.valid.iter().map(Sequence::len).sum();
    println!(
        "data      {}: {} validation files, {steps} steps (key-normalised, from the first soprano note)",
        data.dir.display(),
        data.valid.len()
    );
    let tf = eval::teacher_forced(&model, &data.valid);
    println!(
        "teacher-forced  NLL {:.4}  accuracy {:.1}%  (Bach's previous alto fed back)",
        tf.nll(),
        100.0 * tf.accuracy()
    );
    println!();
    let opts = eval::EVAL_DECODE;
    let common = CommonAlto::fit(&data.train);
    let mut rows: Vec<(String, Metrics)> = vec![
        (
            "Altus (free-running, greedy)".into(),
            total(&data.valid, |s| eval::generate(&model, s, opts)),
        ),
        ("Bach's alto".into(), total(&data.valid, eval::bach)),
        (
            "diatonic third below".into(),
            total(&data.valid, eval::third_below),
        ),
        (
            "most common alto per soprano pitch".into(),
            total(&data.valid, |s| common.line(s)),
        ),
    ];
    if let Some(dir) = peer {
        rows.push(peer_row(&data, dir)?);
    }
    print_table(&rows);
    Ok(())
}

/// Another system's harmonizations of the validation chorales, scored like ours.
fn peer_row(data: &super::data::Data, dir: &std::path::Path) -> anyhow::Result<(String, Metrics)> {
    let mut missing = 0;
    let mut lines = Vec::new();
    for s in &data.valid {
        let path = data.dir.join(&s.file);
        let orig = altus_core::music::midi::read_file(&path)
            .with_context(|| path.display().to_string())?;
        let len = altus_core::Grid::from_score(&orig).len;
        lines.push(
            eval::alto_from_file(&dir.join(&s.file), s, len).unwrap_or_else(|_| {
                missing += 1;
                AltoLine {
                    pitch: vec![None; s.len()],
                    onset: vec![false; s.len()],
                }
            }),
        );
    }
    let mut next = lines.into_iter();
    let m = total(&data.valid, |_| next.next().unwrap_or_default());
    Ok((format!("peer: {} ({missing} missing)", dir.display()), m))
}

fn print_table(rows: &[(String, Metrics)]) {
    println!(
        "{:<36} {:>7} {:>8} {:>8} {:>7} {:>8} {:>7} {:>7} {:>8}",
        "free-running on validation",
        "agree",
        "@onsets",
        "par/100",
        "cross",
        "dissBeat",
        "outKey",
        "noteLen",
        "coverage"
    );
    for (name, m) in rows {
        println!(
            "{:<36} {:>6.1}% {:>7.1}% {:>8.2} {:>6.2}% {:>7.1}% {:>6.1}% {:>7.2} {:>7.1}%",
            name,
            100.0 * m.agreement(),
            100.0 * m.onset_agreement(),
            m.parallels_per_100(),
            100.0 * m.crossing_rate(),
            100.0 * m.dissonance_rate(),
            100.0 * m.out_of_key_rate(),
            m.mean_note_length(),
            100.0 * m.coverage()
        );
    }
    println!();
    println!(
        "agree: exact pitch per step where soprano and Bach's alto sound; @onsets: at Bach's alto onsets;"
    );
    println!(
        "par/100: parallel fifths/octaves with the soprano per 100 alto moves; cross: alto above soprano;"
    );
    println!(
        "dissBeat: 2nds/7ths/tritones with the soprano on beats; noteLen: mean alto note in 16ths;"
    );
    println!("coverage: share of Bach's alto steps where this alto sounds.");
}

fn total(seqs: &[Sequence], mut line: impl FnMut(&Sequence) -> AltoLine) -> Metrics {
    let mut m = Metrics::default();
    for s in seqs {
        m.add(&eval::score(s, &line(s)));
    }
    m
}
