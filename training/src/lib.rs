//! Altus training: datasets and the `altus` command-line tool's building blocks.

pub mod dataset;
pub mod nn;
