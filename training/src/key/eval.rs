//! How well a key classifier names the keys of chorales, beside Krumhansl–Schmuckler.

use super::train::{Example, examples};
use crate::data::dataset::Chorale;
use altus_core::music::key::classifier::KeyClassifier;
use altus_core::music::key::{Key, PitchClassHistogram};

/// Accuracy on examples: (24 keys, mode) for a classifier function.
pub fn accuracy(
    examples: &[Example],
    classify: impl Fn(&PitchClassHistogram) -> Key,
) -> (f64, f64) {
    let (mut key, mut mode) = (0, 0);
    for ex in examples {
        let k = classify(&ex.hist);
        let truth = altus_core::music::key::classifier::key_of(ex.key);
        key += usize::from(k == truth);
        mode += usize::from(k.mode == truth.mode);
    }
    let n = examples.len().max(1) as f64;
    (key as f64 / n, mode as f64 / n)
}

/// (input, method, 24-key accuracy, mode accuracy) rows.
pub fn evaluate(
    k: &KeyClassifier,
    valid: &[&Chorale],
) -> Vec<(&'static str, &'static str, f64, f64)> {
    let mut rows = Vec::new();
    let inputs = [
        ("full score", false, false),
        ("soprano", true, false),
        ("full ×12", false, true),
        ("sop. ×12", true, true),
    ];
    for (input, soprano, all12) in inputs {
        let ex = examples(valid, soprano, all12);
        let (a, m) = accuracy(&ex, |h| k.classify(h, None).0);
        rows.push((input, "MLP", a, m));
        let (a, m) = accuracy(&ex, |h| h.krumhansl_schmuckler());
        rows.push((input, "Krumhansl-Schmuckler", a, m));
    }
    rows
}
