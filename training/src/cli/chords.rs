//! `altus chords FILE.mid`: the chord of every beat of a four-part file (Bach's or Altus's), with
//! its Roman numeral in the file's key, as a table or (`--json`) for tools.

use altus_core::Grid;
use altus_core::music::chord::beats::{Beat, per_beat};
use altus_core::music::chord::spell::spell;
use altus_core::music::key::Key;
use altus_core::music::midi;
use anyhow::Context;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `altus chords`.
#[derive(clap::Args)]
pub struct Args {
    /// A MIDI file (all its voices sound together: a four-part chorale, or `altus harmonize`'s output).
    pub file: PathBuf,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Only the beats where the chord changes.
    #[arg(long)]
    pub changes: bool,
}

/// Prints the chords.
pub fn run(a: &Args) -> anyhow::Result<()> {
    print!("{}", report(&a.file, a.json, a.changes)?);
    Ok(())
}

/// What `altus chords` prints.
pub fn report(path: &Path, json: bool, changes: bool) -> anyhow::Result<String> {
    let score = midi::read_file(path).with_context(|| path.display().to_string())?;
    let grid = Grid::from_score(&score);
    let key = grid.key();
    let beats = if changes {
        altus_core::music::chord::beats::changes(&grid, &grid.bar_positions())
    } else {
        per_beat(&grid, &grid.bar_positions())
    };
    let named = beats.iter().filter(|b| b.chord.is_some()).count();
    if json {
        let rows: Vec<serde_json::Value> = beats.iter().map(|b| row_json(b, key)).collect();
        let v = serde_json::json!({
            "file": path.display().to_string(),
            "key": key.name(),
            "beats": rows,
            "named": named,
        });
        return Ok(format!("{v}\n"));
    }
    let mut o = String::new();
    writeln!(o, "file      {}", path.display())?;
    writeln!(o, "key       {}", key.name())?;
    // The notes column as wide as its widest row (files with doubling parts have more notes).
    let rows: Vec<String> = beats
        .iter()
        .map(|b| {
            let notes: Vec<String> = b.pitches.iter().map(|&p| note_name(p, b, key)).collect();
            notes.join(" ")
        })
        .collect();
    let w = rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    writeln!(
        o,
        "{:<8} {:<w$} {:<10} numeral",
        "bar.beat", "notes (bass up)", "chord"
    )?;
    for (b, notes) in beats.iter().zip(&rows) {
        let (symbol, numeral) = b.chord.map_or(("–".to_string(), "–".to_string()), |c| {
            (c.symbol(key), c.numeral(key))
        });
        let at = format!("{}.{}", b.bar, b.beat);
        writeln!(o, "{at:<8} {notes:<w$} {symbol:<10} {numeral}")?;
    }
    writeln!(
        o,
        "named     {named} of {} beats ({:.1}%)",
        beats.len(),
        100.0 * named as f64 / beats.len().max(1) as f64
    )?;
    Ok(o)
}

/// A note with its octave, spelled as a tone of the beat's chord where it is one.
fn note_name(p: u8, b: &Beat, key: Key) -> String {
    let name = match b.chord {
        Some(c) => c.tone(p % 12, key),
        None => spell(p % 12, key),
    };
    format!("{name}{}", p as i32 / 12 - 1)
}

fn row_json(b: &Beat, key: Key) -> serde_json::Value {
    let chord = b.chord.map(|c| {
        serde_json::json!({
            "symbol": c.symbol(key),
            "numeral": c.numeral(key),
            "root": spell(c.in_key(key).root, key),
            "quality": format!("{:?}", c.quality),
            "inversion": c.inversion(),
            "complete": c.complete,
        })
    });
    serde_json::json!({
        "bar": b.bar,
        "beat": b.beat,
        "step": b.step,
        "pitches": b.pitches,
        "chord": chord,
    })
}
