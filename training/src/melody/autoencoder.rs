//! The melody autoencoder: a window's one-hot encoding → hidden (ReLU) → latent code →
//! hidden (ReLU) → per-step class and onset logits. The variational one (VAE) adds a head for the
//! log-variance of a Gaussian code; its mean is the code used to reconstruct and to morph.
//!
//! Weight file: safetensors `ae.enc1.weight` … `ae.dec2.bias`, and for a VAE `ae.logvar.weight`
//! and `ae.logvar.bias` (PyTorch layout), metadata `altus` = [`AeMeta`].

use super::window::{SIZE, Window};
use altus_core::nn::Dense;
use altus_core::nn::math::gather_rows;
use altus_core::nn::math::transpose;
use altus_core::nn::safetensors;
use altus_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// What an autoencoder file says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AeMeta {
    /// Weight-file layout version.
    pub format: u32,
    /// `"ae"`.
    pub kind: String,
    /// Hidden units.
    pub hidden: usize,
    /// Latent size.
    pub latent: usize,
    /// Training data, settings, validation figures.
    #[serde(default)]
    pub info: serde_json::Value,
}

/// The autoencoder's weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoencoder {
    /// One-hot window → hidden.
    pub enc1: Dense,
    /// Hidden → latent.
    pub enc2: Dense,
    /// Latent → hidden.
    pub dec1: Dense,
    /// Hidden → logits.
    pub dec2: Dense,
    /// Hidden → log-variance of the code (VAE only).
    pub logvar: Option<Dense>,
}

const NAMES: [&str; 5] = ["enc1", "enc2", "dec1", "dec2", "logvar"];

impl Autoencoder {
    /// Zero weights.
    pub(crate) fn zeros(hidden: usize, latent: usize) -> Self {
        Autoencoder {
            enc1: Dense::zeros(SIZE, hidden),
            enc2: Dense::zeros(hidden, latent),
            dec1: Dense::zeros(latent, hidden),
            dec2: Dense::zeros(hidden, SIZE),
            logvar: None,
        }
    }

    /// Zero weights of a VAE.
    pub(crate) fn zeros_variational(hidden: usize, latent: usize) -> Self {
        Autoencoder {
            logvar: Some(Dense::zeros(hidden, latent)),
            ..Self::zeros(hidden, latent)
        }
    }

    /// Whether this is a VAE.
    pub(crate) fn variational(&self) -> bool {
        self.logvar.is_some()
    }

    /// Latent size.
    pub fn latent(&self) -> usize {
        self.enc2.output
    }

    /// The layers in order: encoder, code, decoder, output, then (VAE) the log-variance head.
    pub fn layers(&self) -> Vec<&Dense> {
        let mut v = vec![&self.enc1, &self.enc2, &self.dec1, &self.dec2];
        v.extend(self.logvar.as_ref());
        v
    }

    /// The layers in the order of [`Autoencoder::layers`], mutable.
    pub(crate) fn layers_mut(&mut self) -> Vec<&mut Dense> {
        let mut v = vec![
            &mut self.enc1,
            &mut self.enc2,
            &mut self.dec1,
            &mut self.dec2,
        ];
        v.extend(self.logvar.as_mut());
        v
    }

    /// The code of a window.
    pub fn encode(&self, w: &Window) -> Vec<f32> {
        let mut h = vec![0.0; self.enc1.output];
        gather_rows(&self.enc1.w, &self.enc1.b, &w.active(), &mut h);
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        let mut z = vec![0.0; self.latent()];
        self.enc2.forward(&h, &mut z);
        z
    }

    /// The window a code decodes to.
    pub fn decode(&self, z: &[f32]) -> Window {
        let mut h = vec![0.0; self.dec1.output];
        self.dec1.forward(z, &mut h);
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        let mut y = vec![0.0; SIZE];
        self.dec2.forward(&h, &mut y);
        Window::from_logits(&y)
    }

    /// Encodes with its metadata.
    pub fn to_bytes(&self, meta: &AeMeta) -> Result<Vec<u8>> {
        let mut tensors = Vec::new();
        for (name, d) in NAMES.iter().zip(self.layers()) {
            tensors.push((
                format!("ae.{name}.weight"),
                vec![d.output, d.input],
                transpose(&d.w, d.input, d.output),
            ));
            tensors.push((format!("ae.{name}.bias"), vec![d.output], d.b.clone()));
        }
        safetensors::encode(tensors, meta)
    }

    /// Decodes and validates.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, AeMeta)> {
        let meta: AeMeta = safetensors::decode_meta(bytes)?;
        if meta.kind != "ae" && meta.kind != "vae" {
            return Err(Error::Model(format!(
                "this is a {:?} model, not a melody autoencoder",
                meta.kind
            )));
        }
        if !(1..=4096).contains(&meta.hidden) || !(1..=512).contains(&meta.latent) {
            return Err(Error::Model(format!(
                "unsupported autoencoder shape ({} hidden, {} latent)",
                meta.hidden, meta.latent
            )));
        }
        let st = safetensors::open(bytes)?;
        let (h, l) = (meta.hidden, meta.latent);
        let mut shapes = vec![(SIZE, h), (h, l), (l, h), (h, SIZE)];
        if meta.kind == "vae" {
            shapes.push((h, l));
        }
        // Names and shapes first: nothing is allocated for a file that lies about its size.
        for (name, &(i, o)) in NAMES.iter().zip(&shapes) {
            safetensors::check_shape(&st, &format!("ae.{name}.weight"), &[o, i])?;
            safetensors::check_shape(&st, &format!("ae.{name}.bias"), &[o])?;
        }
        let mut ae = if meta.kind == "vae" {
            Autoencoder::zeros_variational(h, l)
        } else {
            Autoencoder::zeros(h, l)
        };
        for (name, d) in NAMES.iter().zip(ae.layers_mut()) {
            let (i, o) = (d.input, d.output);
            d.w = transpose(
                &safetensors::tensor(&st, &format!("ae.{name}.weight"), &[o, i])?,
                o,
                i,
            );
            d.b = safetensors::tensor(&st, &format!("ae.{name}.bias"), &[o])?;
        }
        Ok((ae, meta))
    }

    /// Reads a file.
    pub fn load(path: &std::path::Path) -> Result<(Self, AeMeta)> {
        Self::from_bytes(&safetensors::read(path)?)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))
    }
}
