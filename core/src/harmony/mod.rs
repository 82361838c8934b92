//! The harmony model, where a soprano note becomes the other voices: the grid's steps become
//! [`features`], the [`model`] (recurrent cells and a head, `crate::nn`) runs one 16th at a time,
//! the [`engine`] decodes its output under the rules of four-part writing ([`decode`]) with
//! voice-leading preferences ([`leading`]); [`harmonize`] drives the engine over a file, the
//! plugin over the audio callback; [`format`] is the model's weight file; [`ahead`] is what the
//! offline lookahead model knows of the soprano's future.

pub mod ahead;
pub mod decode;
pub mod engine;
pub mod features;
pub mod format;
pub mod harmonize;
pub mod leading;
pub mod model;
