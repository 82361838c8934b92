//! Altus core: everything the `altus` tool and the plugin share.
//!
//! Data flows one way, one module per stage:
//! MIDI ([`midi`]) → score ([`score`]) → voices ([`voices`]) → 16th-note grid ([`grid`])
//! → keys and transposition ([`key`]) → … → notes → MIDI ([`midi::write`]).
#![warn(missing_docs)]

pub mod autoencoder;
pub mod corpus;
pub mod default_model;
pub mod engine;
pub mod error;
pub mod features;
pub mod fsutil;
pub mod grid;
pub mod harmonize;
pub mod key;
pub mod keyclass;
pub mod melody;
pub mod midi;
pub mod model;
pub mod nn;
pub mod phase;
pub mod rng;
pub mod score;
pub mod types;
pub mod voices;
pub mod weights;

pub use error::{Error, Result};
pub use grid::Grid;
pub use key::{Key, KeySig, Mode};
pub use score::Score;
pub use types::{Pitch, Step, Tick};
pub use voices::Voice;
