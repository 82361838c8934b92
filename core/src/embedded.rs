//! The default models, trained by `altus` on the chorales and built into every binary (see
//! MODEL.md for how they were made and how well they do).

use crate::harmony::format::{self, WeightsMeta};
use crate::harmony::model::AltoModel;

/// The embedded weight file.
pub static DEFAULT_ALTO: &[u8] = include_bytes!("../models/alto.safetensors");

/// The default model and its metadata.
pub fn default_alto() -> (AltoModel, WeightsMeta) {
    format::from_bytes(DEFAULT_ALTO)
        .expect("the embedded default model is valid (checked by a test)")
}

/// The embedded key classifier (`altus key train`).
pub static DEFAULT_KEY: &[u8] = include_bytes!("../models/key.safetensors");

/// The default key classifier and its metadata.
pub fn default_key() -> (crate::keyclass::KeyClassifier, crate::keyclass::KeyMeta) {
    crate::keyclass::KeyClassifier::from_bytes(DEFAULT_KEY)
        .expect("the embedded key classifier is valid (checked by a test)")
}
