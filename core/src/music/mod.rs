//! What a MIDI file says, in musical terms: the file ([`midi`]) → a [`score`] in ticks → the
//! [`voices`] → the 16th-note [`grid`], with [`key`]s and the metrical [`phase`]. Uses nothing
//! of the models; the domain's integer newtypes are in [`types`].

pub mod grid;
pub mod key;
pub mod midi;
pub mod phase;
pub mod score;
pub mod types;
pub mod voices;
