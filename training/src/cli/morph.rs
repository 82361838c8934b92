//! `altus morph A.mid B.mid --steps N --out DIR`: one melody into another through the VAE's
//! codes, window by window.

use crate::melody::io::{exact, four_four, notes, read_melody, write_melody};
use crate::melody::window::{WINDOW, Window};
use altus_core::music::key::Key;
use altus_core::music::score::Note;
use altus_core::{Step, Tick};
use std::path::PathBuf;

/// Most windows morphed (512 bars of 4/4).
pub(crate) const MAX_WINDOWS: usize = 256;

/// `altus morph`.
#[derive(clap::Args)]
pub struct Args {
    /// First melody (step 0).
    pub a: PathBuf,
    /// Second melody (last step).
    pub b: PathBuf,
    /// Melodies in all, both ends included.
    #[arg(long, default_value_t = 8)]
    pub steps: usize,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// VAE (or autoencoder) weights (default: the embedded VAE).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Spherical instead of linear interpolation.
    #[arg(long)]
    pub slerp: bool,
}

/// `altus morph A B --steps N --out DIR`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let (a, b, steps, dir, slerp) = (&args.a, &args.b, args.steps, &args.out, args.slerp);
    anyhow::ensure!(
        (2..=64).contains(&steps),
        "--steps {steps}: expected 2 to 64"
    );
    super::output::prepare_dir(dir)?;
    let (ae, _) = crate::melody::io::load_model(args.model.as_deref())?;
    let (ma, mb) = (read_melody(a)?, read_melody(b)?);
    // Long melodies morph their first MAX_WINDOWS windows: the output grows with steps × windows.
    let n = ma.windows.len().min(mb.windows.len()).min(MAX_WINDOWS);
    let (za, zb): (Vec<Vec<f32>>, Vec<Vec<f32>>) = (
        ma.windows[..n].iter().map(|w| ae.encode(w)).collect(),
        mb.windows[..n].iter().map(|w| ae.encode(w)).collect(),
    );
    let mut all = Vec::new();
    let mut report = Vec::new();
    for k in 0..steps {
        let t = k as f32 / (steps - 1) as f32;
        let ws: Vec<Window> = za
            .iter()
            .zip(&zb)
            .map(|(x, y)| ae.decode(&interpolate(x, y, t, slerp)))
            .collect();
        report.push((k, in_key_report(&ws, Key::reference(ma.key.mode))));
        let notes_k = notes(&ws, 0, ma.shift, TPQ, n * WINDOW);
        // In morph-all.mid the steps follow each other, a bar of rest apart.
        let offset = Step(k * (n * WINDOW + 16)).to_tick(TPQ);
        all.extend(notes_k.iter().map(|nt| Note {
            start: Tick(nt.start.0 + offset.0),
            end: Tick(nt.end.0 + offset.0),
            ..*nt
        }));
        write_steps(&dir.join(format!("morph-{k:02}.mid")), notes_k, ma.key)?;
        if k == 0 {
            let r = exact(&ma.windows[..n], &ws);
            println!("step  0 reconstructs A: {:.1}% of steps", 100.0 * r);
        }
        if k == steps - 1 {
            let r = exact(&mb.windows[..n], &ws);
            println!("step {k:>2} reconstructs B: {:.1}% of steps", 100.0 * r);
        }
    }
    write_steps(&dir.join("morph-all.mid"), all, ma.key)?;
    for (k, line) in report {
        println!("step {k:>2}: {line}");
    }
    println!(
        "wrote     {} files and morph-all.mid to {} ({} windows each, in {} from {})",
        steps,
        dir.display(),
        n,
        ma.key,
        a.display()
    );
    Ok(())
}

/// Resolution of the files morph writes.
const TPQ: u16 = 480;

fn write_steps(path: &std::path::Path, notes: Vec<Note>, key: Key) -> anyhow::Result<()> {
    write_melody(path, notes, TPQ, Vec::new(), four_four(), key)
}

/// "out of key P%, range LO–HI (in C/Am)" for decoded windows in the reference key.
fn in_key_report(ws: &[Window], reference: Key) -> String {
    let sounding: Vec<u8> = ws.iter().flat_map(|w| w.pitches()).flatten().collect();
    let out = sounding
        .iter()
        .filter(|&&p| !reference.contains(p % 12))
        .count() as f64
        / sounding.len().max(1) as f64;
    let (lo, hi) = (sounding.iter().min(), sounding.iter().max());
    format!(
        "out of key {:.1}%, range {}–{} (in C/Am)",
        100.0 * out,
        lo.copied().unwrap_or(0),
        hi.copied().unwrap_or(0)
    )
}

/// Linear or spherical interpolation of two codes.
fn interpolate(a: &[f32], b: &[f32], t: f32, slerp: bool) -> Vec<f32> {
    let lerp = || a.iter().zip(b).map(|(x, y)| x + (y - x) * t).collect();
    if !slerp {
        return lerp();
    }
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    let cos =
        (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb).max(1e-9)).clamp(-1.0, 1.0);
    let omega = cos.acos();
    if omega.abs() < 1e-4 {
        return lerp();
    }
    let (wa, wb) = (
        ((1.0 - t) * omega).sin() / omega.sin(),
        (t * omega).sin() / omega.sin(),
    );
    a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect()
}
