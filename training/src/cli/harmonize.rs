//! `altus harmonize IN.mid OUT.mid`: an alto, or alto, tenor and bass, for a melody, with the
//! plugin's step engine; `OUT.musicxml` writes a score instead.

use altus_core::harmony::engine::{DecodeOptions, RANGES};
use altus_core::harmony::format as weights;
use altus_core::harmony::harmonize::{self, PhaseSource};
use altus_core::music::midi;
use altus_core::music::musicxml::{Sheet, Staves, is_musicxml_path};
use altus_core::{Grid, Key, embedded};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// `altus harmonize IN.mid OUT.mid`.
#[derive(clap::Args, Clone)]
pub struct Args {
    /// Input MIDI file.
    pub input: PathBuf,
    /// Output file: MIDI (type 1: Soprano and Alto tracks, or Soprano, Alto, Tenor and Bass,
    /// and a Chords track), or a score when it ends in .musicxml or .xml.
    pub output: PathBuf,
    /// Staves of a MusicXML score: 2 (soprano and alto, tenor and bass) or 4 (one per voice).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=4))]
    pub staves: u8,
    /// The voices to write under the soprano: alto, or satb (alto, tenor and bass).
    #[arg(long, value_enum, default_value = "alto")]
    pub voices: Voices,
    /// Weight file from `altus train` (default: the embedded model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Use the whole melody: the offline lookahead model, which also sees the soprano's next
    /// notes (default: the plugin's causal model, so a file and the plugin agree).
    #[arg(long)]
    pub lookahead: bool,
    /// Key: auto (signature, else estimated) or a name such as C, F#, Bb, Am, C#m.
    #[arg(long, default_value = "auto")]
    pub key: String,
    /// 0 = always the most likely note (deterministic); higher samples more freely.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Seed for sampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// 16th steps before the first downbeat (default: from the file, else estimated).
    #[arg(long)]
    pub pickup: Option<usize>,
    /// Lowest alto note (MIDI number).
    #[arg(long, default_value_t = 53)]
    pub low: u8,
    /// Highest alto note (MIDI number).
    #[arg(long, default_value_t = 77)]
    pub high: u8,
    /// Joint choices kept per step (1 = each voice greedily in turn; at most 4).
    #[arg(long, default_value_t = 3)]
    pub beam: usize,
}

/// The voices `harmonize` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Voices {
    /// The alto alone (the four-voice model runs; its alto is kept).
    Alto,
    /// Alto, tenor and bass.
    Satb,
}

/// Loads `--model` or the embedded default (the causal model, or with `lookahead` the offline
/// one); a file must be of the kind asked for.
pub fn load_model(
    path: Option<&Path>,
    lookahead: bool,
) -> anyhow::Result<altus_core::harmony::model::HarmonyModel> {
    let model = match path {
        Some(p) => weights::load(p)?.0,
        None if lookahead => embedded::default_lookahead().0,
        None => embedded::default_harmony().0,
    };
    if let Some(p) = path {
        let kind = |ahead: bool| if ahead { "a lookahead" } else { "a causal" };
        anyhow::ensure!(
            model.config.inputs.lookahead == lookahead,
            "{}: {} model, but {} one was asked for{}",
            p.display(),
            kind(model.config.inputs.lookahead),
            kind(lookahead),
            if lookahead { "" } else { " (add --lookahead)" }
        );
    }
    Ok(model)
}

/// The key: `--key`, else the signature with the final bass and the profile, else (no
/// signature, most melodies from other tools) the key classifier on what is there.
fn choose_key(arg: &str, grid: &Grid) -> anyhow::Result<Key> {
    Ok(if !arg.eq_ignore_ascii_case("auto") {
        Key::parse(arg).context("--key")?
    } else if grid.key_sig.is_some() {
        grid.key()
    } else {
        embedded::default_key()
            .0
            .classify(&grid.histogram(&[]), None)
            .0
    })
}

/// Runs the command.
pub fn run(a: &Args) -> anyhow::Result<()> {
    println!("{}", harmonize(a)?);
    Ok(())
}

/// Refuses absurd flag values before any work.
fn check_args(a: &Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.temperature.is_finite() && (0.0..=10.0).contains(&a.temperature),
        "--temperature {}: expected 0 to 10",
        a.temperature
    );
    anyhow::ensure!(
        a.low < a.high && a.high <= 127,
        "alto range {}–{} is empty or outside MIDI",
        a.low,
        a.high
    );
    anyhow::ensure!(
        a.staves != 3,
        "--staves 3: expected 2 (two voices a staff) or 4 (a staff each)"
    );
    super::train_args::within("--beam", a.beam, 1, altus_core::harmony::decode::MAX_BEAM)
}

/// Writes the soprano and `voices` as a MusicXML score.
fn write_score(
    a: &Args,
    grid: &Grid,
    voices: &[&altus_core::music::grid::VoiceLine],
    key: Key,
    bar_pos: &[u16],
) -> anyhow::Result<()> {
    let all = harmonize::with_voices(grid, voices);
    let title = a
        .input
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let sheet = Sheet {
        grid: &all,
        key,
        bar_pos,
        staves: if a.staves == 4 {
            Staves::Four
        } else {
            Staves::Two
        },
        title: &title,
    };
    sheet
        .write(&a.output)
        .with_context(|| a.output.display().to_string())
}

/// Harmonizes `a.input` into `a.output`; returns the summary line.
pub fn harmonize(a: &Args) -> anyhow::Result<String> {
    check_args(a)?;
    super::output::prepare_file(&a.output)?;
    let model = load_model(a.model.as_deref(), a.lookahead)?;
    let input = a.input.display().to_string();
    let score = midi::read_file(&a.input).context(input.clone())?;
    let grid = Grid::from_score(&score);
    let soprano = harmonize::soprano_notes(&score).context(input.clone())?;
    anyhow::ensure!(!soprano.is_empty(), "{input}: the soprano has no notes");
    let key = choose_key(&a.key, &grid)?;
    let (phase, source) = harmonize::melody_phase(&grid, a.pickup);
    let bar_pos = harmonize::bar_positions(&grid, phase);
    let opts = DecodeOptions {
        temperature: a.temperature,
        ranges: [(a.low, a.high), RANGES[1], RANGES[2]],
        seed: a.seed,
        beam: a.beam,
        ..DecodeOptions::default()
    };
    let lines = harmonize::voice_lines(&grid, &model, key, &bar_pos, opts);
    let written = match a.voices {
        Voices::Alto => &lines[..1],
        Voices::Satb => &lines[..],
    };
    let refs: Vec<&altus_core::music::grid::VoiceLine> = written.iter().collect();
    if is_musicxml_path(&a.output) {
        write_score(a, &grid, &refs, key, &bar_pos)?;
    } else {
        let out = harmonize::to_midi(&score, &grid, &refs, key, &bar_pos).context(input.clone())?;
        out.write(&a.output)
            .with_context(|| a.output.display().to_string())?;
    }
    let notes: Vec<String> = written
        .iter()
        .map(|l| format!("{} {} notes", l.onsets(), l.voice.name().to_lowercase()))
        .collect();
    Ok(format!(
        "{} → {}: key {key}{}, {}, {} soprano notes, {}",
        a.input.display(),
        a.output.display(),
        if a.key.eq_ignore_ascii_case("auto") {
            " (auto)"
        } else {
            ""
        },
        metre_summary(&grid, &bar_pos, source),
        soprano.len(),
        notes.join(", ")
    ))
}

/// "3/4 with a 4-step pickup (from the file)": the metre in force at the first note (a file may
/// change it before the melody starts) and where its bar lines fall.
fn metre_summary(grid: &Grid, bar_pos: &[u16], source: PhaseSource) -> String {
    let first = grid.voices[0].onset.iter().position(|&o| o).unwrap_or(0);
    let (num, den) = grid.meter_at(first);
    let bar = altus_core::music::score::Meter::bar_steps(num, den);
    let pos = bar_pos.get(first).map_or(0, |&p| p as usize % bar);
    let pickup = (bar - pos) % bar;
    let how = match source {
        PhaseSource::File => "from the file",
        PhaseSource::Estimated => "estimated",
        PhaseSource::Given => "given",
    };
    format!("{num}/{den} with a {pickup}-step pickup ({how})")
}
