//! Standard MIDI Files in ([`read`], pairing notes by the rules of `notes`, within the
//! [`limits`]) and out ([`write`], atomically). Uses the score types of [`crate::music`] only.

pub mod limits;
mod notes;
pub mod read;
pub mod write;

pub use read::{read_bytes, read_file};
pub use write::{MidiOut, TrackOut};
