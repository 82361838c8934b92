//! The default models, trained by `altus` on the chorales, all in `core/models/` and built into
//! the binaries that use them (see MODEL.md for how they were made and how well they do). The
//! melody VAE is only in builds with the `melody` feature (the `altus` tool; not the plugin).

use crate::harmony::format::{self, WeightsMeta};
use crate::harmony::model::HarmonyModel;

/// The embedded weight file of the four-voice model.
pub static DEFAULT_HARMONY: &[u8] = include_bytes!("../models/harmony.safetensors");

/// The default four-voice model (alto, tenor and bass under the soprano) and its metadata.
pub fn default_harmony() -> (HarmonyModel, WeightsMeta) {
    format::from_bytes(DEFAULT_HARMONY)
        .expect("the embedded default model is valid (checked by a test)")
}

/// The embedded weight file of the offline lookahead model (`altus harmonize --lookahead`),
/// which also sees the soprano's next notes. The plugin never plays it.
pub static DEFAULT_LOOKAHEAD: &[u8] = include_bytes!("../models/harmony-lookahead.safetensors");

/// The default lookahead model and its metadata.
pub fn default_lookahead() -> (HarmonyModel, WeightsMeta) {
    format::from_bytes(DEFAULT_LOOKAHEAD)
        .expect("the embedded lookahead model is valid (checked by a test)")
}

/// The embedded key classifier (`altus key train`).
pub static DEFAULT_KEY: &[u8] = include_bytes!("../models/key.safetensors");

/// The embedded melody VAE (`altus vae train`), read by `altus morph`, `vae sample` and
/// `ae reconstruct` (the training crate decodes it).
#[cfg(feature = "melody")]
pub static DEFAULT_VAE: &[u8] = include_bytes!("../models/vae.safetensors");

/// The default key classifier and its metadata.
pub fn default_key() -> (
    crate::music::key::classifier::KeyClassifier,
    crate::music::key::classifier::KeyMeta,
) {
    crate::music::key::classifier::KeyClassifier::from_bytes(DEFAULT_KEY)
        .expect("the embedded key classifier is valid (checked by a test)")
}
