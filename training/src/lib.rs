//! Altus training: the `altus` command line ([`cli`]) and what it is built from — the data
//! ([`data`]), the harmony model's training and evaluation ([`harmony`]), the key classifier
//! ([`key`]), the melody autoencoder and VAE ([`melody`]), and the shared optimiser ([`optim`]),
//! matrix products ([`gemm`]) and charts ([`plot`]).

pub mod cli;
pub mod data;
pub mod gemm;
pub mod harmony;
pub mod key;
pub mod melody;
pub mod optim;
pub mod peer;
pub mod plot;
pub mod pool;
