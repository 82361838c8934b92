//! The melody autoencoder and VAE: 2-bar windows of a key-normalised soprano ([`window`]), the
//! model and its weight file ([`autoencoder`]), training with a hand-written backward
//! ([`train`]), and melodies in and out of MIDI files for `ae`, `vae` and `morph` ([`io`]). Only
//! the `altus` tool uses them; the plugin does not link them.

pub mod autoencoder;
pub mod backward;
pub mod io;
pub mod train;
pub mod window;
