//! The chorales as training data: which files are usable, their keys and the splits
//! ([`dataset`]), and each chorale as per-step model inputs and targets ([`sequences`]).

pub mod dataset;
pub mod sequences;
