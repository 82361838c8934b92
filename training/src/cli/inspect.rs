//! `altus inspect FILE.mid`.

use altus_core::Grid;
use altus_core::music::score::Part;
use altus_core::music::{midi, voices};
use anyhow::Context;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `altus inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// The MIDI file.
    pub file: PathBuf,
}

/// Prints what Altus sees in a MIDI file.
pub fn run(a: &Args) -> anyhow::Result<()> {
    print!("{}", report(&a.file)?);
    Ok(())
}

/// What Altus sees in a MIDI file, as `altus inspect` prints it.
pub fn report(path: &Path) -> anyhow::Result<String> {
    let score = midi::read_file(path).with_context(|| path.display().to_string())?;
    let grid = Grid::from_score(&score);
    let mut o = String::new();
    writeln!(o, "file      {}", path.display())?;
    writeln!(
        o,
        "format    SMF type {}, {} ticks per quarter, {} note part(s)",
        score.format,
        score.tpq,
        score.parts.len()
    )?;
    length_and_key(&mut o, &score, &grid)?;
    writeln!(o, "voices")?;
    let mut problems = score.problems.clone();
    for (voice, i) in voices::assign(&score) {
        let part = &score.parts[i];
        let Some((lo, hi)) = part.range() else {
            continue;
        };
        let name = part.name.as_deref().unwrap_or("");
        writeln!(
            o,
            "  {:<8} track {:>2} ch {:>2} {:<16} {:>4} notes  {}–{} ({}–{})",
            voice.name(),
            part.track,
            part.channel + 1,
            format!("{name:?}"),
            part.notes.len(),
            lo.0,
            hi.0,
            lo.name(),
            hi.name()
        )?;
        part_problems(&voice.name(), part, score.tpq, &mut problems);
    }
    if score.key_sigs.len() > 1 {
        problems.push(format!(
            "{} key signatures; only the first is used",
            score.key_sigs.len()
        ));
    }
    if problems.is_empty() {
        writeln!(o, "problems  none")?;
    } else {
        writeln!(o, "problems")?;
        for p in &problems {
            writeln!(o, "  - {p}")?;
        }
    }
    Ok(o)
}

/// The `length` and `key` lines.
fn length_and_key(o: &mut String, score: &altus_core::Score, grid: &Grid) -> std::fmt::Result {
    let quarters = grid.len as f64 / 4.0;
    let meters: Vec<String> = grid
        .meters
        .iter()
        .map(|m| format!("{}/{} at step {}", m.num, m.den, m.step.0))
        .collect();
    writeln!(
        o,
        "length    {quarters} quarters ({} 16th steps), {:.0} bpm, metre {}",
        grid.len,
        score.initial_bpm(),
        if meters.is_empty() {
            "4/4 (none given)".into()
        } else {
            meters.join(", ")
        }
    )?;
    let key = grid.key();
    let sig = match score.key_sig() {
        Some(k) => format!(
            "{} {} (declared {})",
            k.sharps.abs(),
            if k.sharps < 0 { "flat(s)" } else { "sharp(s)" },
            k.declared_key()
        ),
        None => "none".into(),
    };
    writeln!(
        o,
        "key       {key} (signature: {sig}); shift to C/Am {:+}",
        key.shift_to_reference()
    )
}

fn part_problems(voice: &str, part: &Part, tpq: u16, out: &mut Vec<String>) {
    let overlaps = part.overlaps();
    if overlaps > 0 {
        out.push(format!(
            "{voice}: {overlaps} note(s) overlap the previous one (cut to one note at a time)"
        ));
    }
    let off = part
        .notes
        .iter()
        .filter(|n| !n.start.on_grid(tpq) || !n.end.on_grid(tpq))
        .count();
    if off > 0 {
        out.push(format!(
            "{voice}: {off} note(s) start or end off the 16th grid (snapped)"
        ));
    }
    let short = part
        .notes
        .iter()
        .filter(|n| (n.end.0 - n.start.0) * 8 < tpq as u64)
        .count();
    if short > 0 {
        out.push(format!(
            "{voice}: {short} note(s) shorter than half a 16th (kept one step long)"
        ));
    }
}
