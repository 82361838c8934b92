//! `altus vae train` and `vae sample`.

use super::ae::TrainArgs;
use crate::melody::io::{four_four, notes, write_melody};
use crate::melody::window::{WINDOW, Window};
use altus_core::music::key::{Key, Mode};
use altus_core::rng::Rng;
use std::path::{Path, PathBuf};

/// `altus vae …`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train the VAE (KL weight warming up to --beta); writes latent.png beside the weights.
    Train {
        #[command(flatten)]
        common: TrainArgs,
        /// Latent size.
        #[arg(long, default_value_t = 16)]
        latent: usize,
        /// Final weight of the KL term.
        #[arg(long, default_value_t = 0.05)]
        beta: f32,
        /// Epochs over which the KL weight grows to --beta.
        #[arg(long, default_value_t = 10)]
        warmup: usize,
    },
    /// New melodies from random codes.
    Sample {
        /// How many.
        #[arg(long, default_value_t = 8)]
        n: usize,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// VAE weights (default: the embedded VAE).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Train {
                common,
                latent,
                beta,
                warmup,
            } => super::ae::train(&common, latent, Some((beta, warmup))),
            Command::Sample {
                n,
                out,
                model,
                seed,
            } => sample(n, &out, model.as_deref(), seed),
        }
    }
}

/// `altus vae sample --n N --out DIR`: new 4-bar melodies in C major from random codes.
fn sample(n: usize, dir: &Path, model: Option<&Path>, seed: u64) -> anyhow::Result<()> {
    anyhow::ensure!((1..=1000).contains(&n), "--n {n}: expected 1 to 1000");
    let (ae, meta) = crate::melody::io::load_model(model)?;
    anyhow::ensure!(
        ae.variational(),
        "{}: a {:?} model cannot sample; train one with `altus vae train`",
        model.map_or("the model".into(), |m| m.display().to_string()),
        meta.kind
    );
    super::output::prepare_dir(dir)?;
    let mut rng = Rng::new(seed);
    let key = Key::new(0, Mode::Major);
    for i in 0..n {
        let ws: Vec<Window> = (0..2)
            .map(|_| ae.decode(&(0..ae.latent()).map(|_| rng.normal()).collect::<Vec<_>>()))
            .collect();
        write_melody(
            &dir.join(format!("sample-{i:02}.mid")),
            notes(&ws, 0, 0, 480, 2 * WINDOW),
            480,
            Vec::new(),
            four_four(),
            key,
        )?;
    }
    println!("wrote     {n} melodies of 4 bars to {}", dir.display());
    Ok(())
}
