//! The key classifier (`altus_core::music::key::classifier`): examples and training with a hand-written
//! backward ([`train`]), accuracy against Krumhansl–Schmuckler ([`eval`]).

pub mod eval;
pub mod train;
