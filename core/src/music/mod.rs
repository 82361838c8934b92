//! What a MIDI file says, in musical terms: the file ([`midi`]) → a [`score`] in ticks → the
//! [`voices`] → the 16th-note [`grid`], with [`key`]s, the metrical [`phase`] and [`chord`]
//! shapes; a score for notation programs ([`musicxml`]). Uses nothing of the harmony model; the key classifier ([`key::classifier`]) is a
//! small MLP on `nn`'s dense layer. The domain's integer newtypes are in [`types`].

pub mod chord;
pub mod grid;
pub mod key;
pub mod midi;
pub mod musicxml;
pub mod phase;
pub mod score;
pub mod types;
pub mod voices;
