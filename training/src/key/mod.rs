//! The key classifier (`altus_core::keyclass`): examples and training with a hand-written
//! backward ([`train`]), accuracy against Krumhansl–Schmuckler ([`eval`]).

pub mod eval;
pub mod train;
