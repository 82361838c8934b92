//! The chorales as training data: which files are usable, their keys and the splits
//! ([`dataset`]), the folder every model command reads and its split as sequences ([`load`]),
//! each chorale as per-step model inputs and targets ([`sequences`]), and a voice as a piano
//! roll ([`roll`]).

pub mod dataset;
pub mod load;
pub mod roll;
pub mod sequences;
