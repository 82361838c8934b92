//! The key classifier: a small MLP on the 12-bin duration-weighted pitch-class histogram (the
//! prototype's design), 12 → hidden (ReLU) → 24 keys (12 major tonics, then 12 minor).
//!
//! Weight file: safetensors `key.fc1.weight` (hidden × 12), `key.fc1.bias`, `key.fc2.weight`
//! (24 × hidden), `key.fc2.bias`, metadata `altus` = [`KeyMeta`] as JSON.

use super::{Key, Mode, PitchClassHistogram};
use crate::nn::Dense;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Outputs: 12 major keys then 12 minor keys, by tonic.
pub const KEYS: usize = 24;

/// What a key-classifier file says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyMeta {
    /// Weight-file layout version.
    pub format: u32,
    /// Always `"key"`.
    pub kind: String,
    /// Hidden units.
    pub hidden: usize,
    /// Training data, settings, validation figures.
    #[serde(default)]
    pub info: serde_json::Value,
}

/// The classifier's weights.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyClassifier {
    /// 12 → hidden.
    pub fc1: Dense,
    /// hidden → 24.
    pub fc2: Dense,
}

/// The 24 keys in output order.
pub fn key_of(index: usize) -> Key {
    Key::new(
        (index % 12) as u8,
        if index < 12 { Mode::Major } else { Mode::Minor },
    )
}

/// Output index of a key.
pub fn index_of(key: Key) -> usize {
    key.tonic as usize + if key.mode == Mode::Minor { 12 } else { 0 }
}

impl KeyClassifier {
    /// Zero weights.
    pub fn zeros(hidden: usize) -> Self {
        KeyClassifier {
            fc1: Dense::zeros(12, hidden),
            fc2: Dense::zeros(hidden, KEYS),
        }
    }

    /// The network's input for a histogram: the bins scaled to sum 12 (mean 1).
    pub fn input(h: &PitchClassHistogram) -> [f32; 12] {
        h.0.map(|x| x * 12.0)
    }

    /// Logits of the 24 keys. No allocation (`hidden` must be ≤ 256).
    pub fn logits(&self, h: &PitchClassHistogram, out: &mut [f32; KEYS]) {
        let mut hidden = [0f32; 256];
        let n = self.fc1.output;
        let hid = &mut hidden[..n];
        self.fc1.forward(&Self::input(h), hid);
        hid.iter_mut().for_each(|v| *v = v.max(0.0));
        self.fc2.forward(hid, out);
    }

    /// The most likely key (optionally within one mode) and its probability.
    pub fn classify(&self, h: &PitchClassHistogram, mode: Option<Mode>) -> (Key, f32) {
        let mut l = [0f32; KEYS];
        self.logits(h, &mut l);
        let allowed = |i: usize| mode.is_none_or(|m| key_of(i).mode == m);
        let m = (0..KEYS)
            .filter(|&i| allowed(i))
            .map(|i| l[i])
            .fold(f32::NEG_INFINITY, f32::max);
        let z: f32 = (0..KEYS)
            .filter(|&i| allowed(i))
            .map(|i| (l[i] - m).exp())
            .sum();
        let best = (0..KEYS)
            .filter(|&i| allowed(i))
            .max_by(|&a, &b| l[a].total_cmp(&l[b]))
            .unwrap_or(0);
        (key_of(best), (l[best] - m).exp() / z)
    }

    /// Encodes the classifier and its metadata.
    pub fn to_bytes(&self, meta: &KeyMeta) -> Result<Vec<u8>> {
        let t = |d: &Dense| crate::nn::math::transpose(&d.w, d.input, d.output);
        let tensors: Vec<(&str, Vec<usize>, Vec<f32>)> = vec![
            ("key.fc1.weight", vec![self.fc1.output, 12], t(&self.fc1)),
            ("key.fc1.bias", vec![self.fc1.output], self.fc1.b.clone()),
            ("key.fc2.weight", vec![KEYS, self.fc1.output], t(&self.fc2)),
            ("key.fc2.bias", vec![KEYS], self.fc2.b.clone()),
        ];
        crate::nn::safetensors::encode(
            tensors
                .into_iter()
                .map(|(n, s, v)| (n.to_string(), s, v))
                .collect(),
            meta,
        )
    }

    /// Decodes and validates a classifier.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, KeyMeta)> {
        let meta: KeyMeta = crate::nn::safetensors::decode_meta(bytes)?;
        if meta.kind != "key" {
            return Err(Error::Model(format!(
                "this is a {:?} model, not a key classifier",
                meta.kind
            )));
        }
        if meta.format != crate::nn::safetensors::FORMAT_VERSION
            || !(1..=256).contains(&meta.hidden)
        {
            return Err(Error::Model(format!(
                "unsupported key-classifier file (format {}, hidden {})",
                meta.format, meta.hidden
            )));
        }
        let st = crate::nn::safetensors::open(bytes)?;
        let h = meta.hidden;
        let mut k = KeyClassifier::zeros(h);
        k.fc1.w = crate::nn::math::transpose(
            &crate::nn::safetensors::tensor(&st, "key.fc1.weight", &[h, 12])?,
            h,
            12,
        );
        k.fc1.b = crate::nn::safetensors::tensor(&st, "key.fc1.bias", &[h])?;
        k.fc2.w = crate::nn::math::transpose(
            &crate::nn::safetensors::tensor(&st, "key.fc2.weight", &[KEYS, h])?,
            KEYS,
            h,
        );
        k.fc2.b = crate::nn::safetensors::tensor(&st, "key.fc2.bias", &[KEYS])?;
        Ok((k, meta))
    }

    /// Reads a classifier file.
    pub fn load(path: &Path) -> Result<(Self, KeyMeta)> {
        Self::from_bytes(&crate::nn::safetensors::read(path)?)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))
    }
}
