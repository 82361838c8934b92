//! Altus training: datasets and the `altus` command-line tool's building blocks.

pub mod aetrain;
pub mod cli;
pub mod dataset;
pub mod eval;
pub mod keytrain;
pub mod nn;
pub mod optim;
pub mod plot;
pub mod sequences;
pub mod train;
