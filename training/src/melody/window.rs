//! Melody windows for the autoencoder and the VAE: 32 16ths (two 4/4 bars) of a key-normalised
//! soprano, each step a pitch class (MIDI 53–88 folded by octaves, or rest) and an onset flag.

use altus_core::harmony::features::{SOP_LO, SOP_N, fold};

/// Steps per window.
pub const WINDOW: usize = 32;
/// Classes per step: 36 pitches then the rest.
pub(crate) const CLASSES: usize = SOP_N + 1;
/// The rest class.
pub(crate) const REST: usize = SOP_N;
/// Values per step in the decoder's output: class logits, then the onset logit.
pub(crate) const PER_STEP: usize = CLASSES + 1;
/// Size of a window's one-hot encoding (also the decoder's output size).
pub const SIZE: usize = WINDOW * PER_STEP;

/// A window: class and onset per step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Pitch class per step (`REST` for none).
    pub class: [u8; WINDOW],
    /// Onset per step.
    pub onset: [bool; WINDOW],
}

impl Window {
    /// From key-normalised pitches and onsets (at least `WINDOW` long from `start`).
    pub fn from_steps(pitch: &[Option<u8>], onset: &[bool], start: usize) -> Window {
        let mut w = Window {
            class: [REST as u8; WINDOW],
            onset: [false; WINDOW],
        };
        for t in 0..WINDOW {
            if let Some(p) = pitch.get(start + t).copied().flatten() {
                w.class[t] = fold(p, SOP_LO, SOP_N);
                w.onset[t] = onset.get(start + t).copied().unwrap_or(false)
                    || t == 0
                    || w.class[t] != w.class[t - 1];
            }
        }
        w
    }

    /// Active input indices of the one-hot encoding (one class per step, plus onsets).
    pub fn active(&self) -> Vec<u16> {
        let mut v = Vec::with_capacity(WINDOW * 2);
        for t in 0..WINDOW {
            v.push((t * PER_STEP + self.class[t] as usize) as u16);
            if self.onset[t] {
                v.push((t * PER_STEP + CLASSES) as u16);
            }
        }
        v
    }

    /// Decodes the decoder's output (`SIZE` logits): most likely class, onset where the logit is
    /// positive (always on a change of pitch).
    pub(crate) fn from_logits(y: &[f32]) -> Window {
        let mut w = Window {
            class: [REST as u8; WINDOW],
            onset: [false; WINDOW],
        };
        for t in 0..WINDOW {
            let s = &y[t * PER_STEP..(t + 1) * PER_STEP];
            let c = (0..CLASSES)
                .max_by(|&a, &b| s[a].total_cmp(&s[b]))
                .unwrap_or(REST);
            w.class[t] = c as u8;
            w.onset[t] = c != REST && (s[CLASSES] > 0.0 || t == 0 || w.class[t - 1] as usize != c);
        }
        w
    }

    /// Pitches (MIDI, key-normalised) per step.
    pub fn pitches(&self) -> [Option<u8>; WINDOW] {
        self.class
            .map(|c| ((c as usize) < REST).then(|| SOP_LO + c))
    }
}
