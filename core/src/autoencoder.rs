//! The melody autoencoder: a window's one-hot encoding → hidden (ReLU) → latent code →
//! hidden (ReLU) → per-step class and onset logits. The variational one (VAE) adds a head for the
//! log-variance of a Gaussian code; its mean is the code used to reconstruct and to morph.
//!
//! Weight file: safetensors `ae.enc1.weight` … `ae.dec2.bias` (PyTorch layout), metadata `altus` =
//! [`AeMeta`].

use crate::melody::{SIZE, Window};
use crate::nn::Dense;
use crate::nn::math::gather_rows;
use crate::{Error, Result};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
    pub fn zeros(hidden: usize, latent: usize) -> Self {
        Autoencoder {
            enc1: Dense::zeros(SIZE, hidden),
            enc2: Dense::zeros(hidden, latent),
            dec1: Dense::zeros(latent, hidden),
            dec2: Dense::zeros(hidden, SIZE),
            logvar: None,
        }
    }

    /// Zero weights of a VAE.
    pub fn zeros_variational(hidden: usize, latent: usize) -> Self {
        Autoencoder {
            logvar: Some(Dense::zeros(hidden, latent)),
            ..Self::zeros(hidden, latent)
        }
    }

    /// Whether this is a VAE.
    pub fn variational(&self) -> bool {
        self.logvar.is_some()
    }

    /// Latent size.
    pub fn latent(&self) -> usize {
        self.enc2.output
    }

    /// The layers in order.
    pub fn layers(&self) -> [&Dense; 4] {
        [&self.enc1, &self.enc2, &self.dec1, &self.dec2]
    }

    /// The layers in order, mutable.
    pub fn layers_mut(&mut self) -> [&mut Dense; 4] {
        [
            &mut self.enc1,
            &mut self.enc2,
            &mut self.dec1,
            &mut self.dec2,
        ]
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
        let mut bytes: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, d) in NAMES.iter().zip(self.layers()) {
            let w = crate::weights::transpose(&d.w, d.input, d.output);
            bytes.push((
                format!("ae.{name}.weight"),
                vec![d.output, d.input],
                w.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ));
            bytes.push((
                format!("ae.{name}.bias"),
                vec![d.output],
                d.b.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ));
        }
        let views = bytes
            .iter()
            .map(|(n, s, b)| {
                Ok((
                    n.clone(),
                    TensorView::new(Dtype::F32, s.clone(), b)
                        .map_err(|e| Error::Model(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let json = serde_json::to_string(meta).map_err(|e| Error::Model(e.to_string()))?;
        safetensors::serialize(views, Some(HashMap::from([("altus".to_string(), json)])))
            .map_err(|e| Error::Model(e.to_string()))
    }

    /// Decodes and validates.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, AeMeta)> {
        let (_, md) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::Model(format!("not a safetensors file ({e})")))?;
        let json = md
            .metadata()
            .as_ref()
            .and_then(|m| m.get("altus"))
            .ok_or_else(|| Error::Model("no Altus metadata (not an Altus weight file)".into()))?;
        let meta: AeMeta = serde_json::from_str(json)
            .map_err(|e| Error::Model(format!("unreadable Altus metadata: {e}")))?;
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
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::Model(format!("corrupt tensors ({e})")))?;
        let mut ae = if meta.kind == "vae" {
            Autoencoder::zeros_variational(meta.hidden, meta.latent)
        } else {
            Autoencoder::zeros(meta.hidden, meta.latent)
        };
        for (name, d) in NAMES.iter().zip(ae.layers_mut()) {
            let (i, o) = (d.input, d.output);
            d.w = crate::weights::transpose(
                &crate::weights::tensor(&st, &format!("ae.{name}.weight"), &[o, i])?,
                o,
                i,
            );
            d.b = crate::weights::tensor(&st, &format!("ae.{name}.bias"), &[o])?;
        }
        Ok((ae, meta))
    }

    /// Reads a file.
    pub fn load(path: &std::path::Path) -> Result<(Self, AeMeta)> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes).map_err(|e| Error::Model(format!("{}: {e}", path.display())))
    }
}
