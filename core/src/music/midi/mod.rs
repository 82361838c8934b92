//! Standard MIDI Files in and out.

pub mod limits;
mod notes;
pub mod read;
pub mod write;

pub use read::{read_bytes, read_file};
pub use write::{MidiOut, TrackOut};
