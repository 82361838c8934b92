//! Altus core: everything the `altus` tool and the plugin share.
//!
//! Data flows one way:
//!
//! ```text
//! MIDI file ─ music::midi ─▶ Score ─ music::voices ─▶ parts ─ music::grid ─▶ Grid (16ths)
//!   ─ harmony::features ─▶ inputs ─ harmony::model ─▶ logits ─ harmony::engine ─▶ notes
//!   ─ harmony::harmonize / the plugin ─▶ MIDI
//! ```
//!
//! - [`music`]: MIDI in and out, scores, voices, the grid, metrical phase, and keys — signatures,
//!   profiles, the key classifier (a small MLP on [`nn`]'s layers) and auto key's listening rule.
//! - [`harmony`]: features, the model, the step engine, offline harmonizing, its weight file.
//! - [`nn`]: layers, kernels and the safetensors codec (nothing musical).
//! - [`embedded`]: the default models built into every binary.
//! - [`error`], [`rng`], [`fsutil`] (bounded reads of regular files, atomic writes).
#![warn(missing_docs)]

pub mod embedded;
pub mod error;
pub mod fsutil;
pub mod harmony;
pub mod music;
pub mod nn;
pub mod rng;

pub use error::{Error, Result};
pub use music::grid::Grid;
pub use music::key::{Key, KeySig, Mode};
pub use music::score::Score;
pub use music::types::{Pitch, Step, Tick};
pub use music::voices::Voice;
