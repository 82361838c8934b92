//! `altus harmonize IN.mid OUT.mid`: an alto for a melody, with the plugin's step engine.

use altus_core::engine::DecodeOptions;
use altus_core::harmonize::{self, PhaseSource};
use altus_core::{Grid, Key, default_model, midi, weights};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Options of the command.
pub struct Args {
    /// Input MIDI.
    pub input: PathBuf,
    /// Output MIDI.
    pub output: PathBuf,
    /// Weight file (default: embedded).
    pub model: Option<PathBuf>,
    /// `auto` or a key name.
    pub key: String,
    /// Sampling temperature (0 = deterministic).
    pub temperature: f32,
    /// Sampling seed.
    pub seed: u64,
    /// Steps of pickup before the first downbeat.
    pub pickup: Option<usize>,
    /// Alto range (sounding MIDI notes).
    pub low: u8,
    /// Highest alto note.
    pub high: u8,
}

/// Loads `--model` or the embedded default.
pub fn load_model(path: Option<&Path>) -> anyhow::Result<altus_core::model::AltoModel> {
    Ok(match path {
        Some(p) => weights::load(p)?.0,
        None => default_model::default_alto().0,
    })
}

/// Runs the command.
pub fn run(a: &Args) -> anyhow::Result<()> {
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
    let model = load_model(a.model.as_deref())?;
    let input = a.input.display().to_string();
    let score = midi::read_file(&a.input).context(input.clone())?;
    let grid = Grid::from_score(&score);
    let soprano = harmonize::soprano_notes(&score).context(input.clone())?;
    anyhow::ensure!(!soprano.is_empty(), "{input}: the soprano has no notes");
    let key = if !a.key.eq_ignore_ascii_case("auto") {
        Key::parse(&a.key).context("--key")?
    } else if grid.key_sig.is_some() {
        // A signature fixes the tonic; the final bass and the profile settle the mode.
        grid.key()
    } else {
        // No signature (most melodies from other tools): the key classifier on what is there.
        default_model::default_key()
            .0
            .classify(&grid.histogram(&[]), None)
            .0
    };
    let (phase, source) = harmonize::melody_phase(&grid, a.pickup);
    let bar_pos = harmonize::bar_positions(&grid, phase);
    let opts = DecodeOptions {
        temperature: a.temperature,
        low: a.low,
        high: a.high,
        seed: a.seed,
    };
    let alto = harmonize::alto_line(&grid, &model, key, &bar_pos, opts);
    let out = harmonize::to_midi(&score, &grid, &alto, key).context(input.clone())?;
    out.write(&a.output)
        .with_context(|| a.output.display().to_string())?;
    let (num, den) = grid.meter_at(0);
    let bar = altus_core::score::Meter::bar_steps(num, den);
    let first = grid.voices[0].onset.iter().position(|&o| o).unwrap_or(0);
    let pickup = (bar - bar_pos[first] as usize) % bar;
    let how = match source {
        PhaseSource::File => "from the file",
        PhaseSource::Estimated => "estimated",
        PhaseSource::Given => "given",
    };
    println!(
        "{} → {}: key {key}{}, {num}/{den} with a {pickup}-step pickup ({how}), {} soprano notes, {} alto notes",
        a.input.display(),
        a.output.display(),
        if a.key.eq_ignore_ascii_case("auto") {
            " (auto)"
        } else {
            ""
        },
        soprano.len(),
        alto.onsets()
    );
    Ok(())
}
