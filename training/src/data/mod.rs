//! The chorales as training data: which files are usable, their keys and the splits
//! ([`dataset`]), each chorale as per-step model inputs and targets ([`sequences`]), and a
//! voice as a piano roll ([`roll`]).

pub mod dataset;
pub mod roll;
pub mod sequences;
