//! The simple systems every model is reported beside, fitted on the training split:
//! - [`Lookup`]: for each voice, the pitch Bach most often writes under (mode, soprano pitch),
//!   key-normalised — a strong, context-free table;
//! - the same with the soprano's previous note as context ([`Lookup::with_context`]), backing off
//!   to the plain table where a context was seen fewer than [`MIN_CONTEXT`] times;
//! - [`third_below`]: the diatonic third under the soprano, for the alto.
//!
//! Their voices strike whenever the soprano strikes or their pitch changes.

use crate::data::sequences::{Line, Sequence};
use altus_core::Key;
use altus_core::harmony::features::VOICES;
use altus_core::music::key::Mode;
use std::collections::HashMap;

/// Fewest occurrences of a (mode, soprano, previous soprano) context for it to be used.
pub(crate) const MIN_CONTEXT: usize = 3;

/// (minor, soprano pitch, previous soprano note or 0 for none).
type Context = (bool, u8, u8);

/// Most common pitch per context, per voice.
pub struct Lookup {
    plain: [HashMap<(bool, u8), u8>; VOICES],
    context: Option<[HashMap<Context, u8>; VOICES]>,
}

/// The most frequent value per key (ties: the lower pitch), keeping keys seen `min` times.
fn argmax_counts<K: std::hash::Hash + Eq + Copy>(
    counts: &HashMap<(K, u8), usize>,
    min: usize,
) -> HashMap<K, u8> {
    let mut best: HashMap<K, (usize, std::cmp::Reverse<u8>)> = HashMap::new();
    let mut totals: HashMap<K, usize> = HashMap::new();
    for (&(k, p), &n) in counts {
        *totals.entry(k).or_default() += n;
        let e = best.entry(k).or_insert((0, std::cmp::Reverse(p)));
        if (n, std::cmp::Reverse(p)) > *e {
            *e = (n, std::cmp::Reverse(p));
        }
    }
    best.into_iter()
        .filter(|(k, _)| totals[k] >= min)
        .map(|(k, (_, p))| (k, p.0))
        .collect()
}

impl Lookup {
    /// The plain table, counted over `train`.
    pub fn fit(train: &[Sequence]) -> Lookup {
        Lookup {
            plain: Self::count(
                train,
                |s, t| (s.key.mode == Mode::Minor, s.soprano[t].unwrap_or(0)),
                1,
            ),
            context: None,
        }
    }

    /// The table with the previous soprano note as context, over `train`.
    pub fn with_context(train: &[Sequence]) -> Lookup {
        let ctx = Self::count(
            train,
            |s, t| {
                let prev = s.motion[t].0.unwrap_or(0);
                (s.key.mode == Mode::Minor, s.soprano[t].unwrap_or(0), prev)
            },
            MIN_CONTEXT,
        );
        Lookup {
            context: Some(ctx),
            ..Self::fit(train)
        }
    }

    fn count<K: std::hash::Hash + Eq + Copy>(
        train: &[Sequence],
        key: impl Fn(&Sequence, usize) -> K,
        min: usize,
    ) -> [HashMap<K, u8>; VOICES] {
        std::array::from_fn(|v| {
            let mut counts: HashMap<(K, u8), usize> = HashMap::new();
            for s in train.iter().filter(|s| s.has[v]) {
                for t in 0..s.len() {
                    if let (Some(_), Some(p)) = (s.soprano[t], s.voices[v].pitch[t]) {
                        *counts.entry((key(s, t), p)).or_default() += 1;
                    }
                }
            }
            argmax_counts(&counts, min)
        })
    }

    /// The table's voices for a sequence (an unseen soprano pitch: a third, a sixth and two
    /// octaves below, by voice).
    pub fn lines(&self, seq: &Sequence) -> [Line; VOICES] {
        let minor = seq.key.mode == Mode::Minor;
        std::array::from_fn(|v| {
            let pitch = (0..seq.len())
                .map(|t| {
                    let s = seq.soprano[t]?;
                    let ctx = self
                        .context
                        .as_ref()
                        .and_then(|c| c[v].get(&(minor, s, seq.motion[t].0.unwrap_or(0))).copied());
                    let fallback = s.saturating_sub([4, 9, 24][v]);
                    Some(
                        ctx.or_else(|| self.plain[v].get(&(minor, s)).copied())
                            .unwrap_or(fallback),
                    )
                })
                .collect();
            follow_soprano(seq, pitch)
        })
    }
}

/// The diatonic third below the soprano (white keys of C major / A minor) as the alto.
pub(crate) fn third_below(seq: &Sequence) -> Line {
    let white = Key::reference(Mode::Major);
    let pitch = seq
        .soprano
        .iter()
        .map(|s| {
            s.map(|s| {
                let (mut p, mut steps) = (s, 0);
                while steps < 2 && p > 0 {
                    p -= 1;
                    if white.contains(p % 12) {
                        steps += 1;
                    }
                }
                p
            })
        })
        .collect();
    follow_soprano(seq, pitch)
}

/// A line that strikes whenever the soprano strikes or its own pitch changes.
pub(crate) fn follow_soprano(seq: &Sequence, pitch: Vec<Option<u8>>) -> Line {
    let onset = (0..pitch.len())
        .map(|t| pitch[t].is_some() && (seq.soprano_onset[t] || t == 0 || pitch[t - 1] != pitch[t]))
        .collect();
    Line { pitch, onset }
}
