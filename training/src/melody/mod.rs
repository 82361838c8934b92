//! The melody autoencoder and VAE: 2-bar windows of a key-normalised soprano ([`window`]), the
//! model and its weight file ([`autoencoder`]), training with a hand-written backward
//! ([`train`]). Only the `altus` tool uses them; the plugin does not link them.

pub mod autoencoder;
pub mod backward;
pub mod train;
pub mod window;
