//! Training and evaluating the key classifier (`altus_core::music::key::classifier`): 12-bin pitch-class
//! histograms of whole scores and of sopranos alone, every chorale in all 12 transpositions,
//! labelled with its key (tonic from the signature, mode from the final bass: `Grid::key`).

use crate::data::dataset::Chorale;
use crate::optim::Adam;
use altus_core::Voice;
use altus_core::music::key::classifier::{KEYS, KeyClassifier, index_of};
use altus_core::music::key::{Key, PitchClassHistogram};
use altus_core::rng::Rng;

/// One example: histogram and key index.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// Duration-weighted pitch classes.
    pub hist: PitchClassHistogram,
    /// Key index (see `classifier::key_of`).
    pub key: usize,
}

/// Examples of the chorales: whole score (`soprano = false`) or soprano only, as written, and
/// with `transpose` also in the 11 other keys.
pub fn examples(chorales: &[&Chorale], soprano: bool, transpose: bool) -> Vec<Example> {
    let mut out = Vec::new();
    for c in chorales {
        let h = if soprano {
            c.grid.histogram(&[Voice::Soprano])
        } else {
            c.grid.histogram(&[])
        };
        for s in if transpose { 0..12 } else { 0..1 } {
            let key = Key::new((c.key.tonic + s as u8) % 12, c.key.mode);
            out.push(Example {
                hist: h.transposed(s),
                key: index_of(key),
            });
        }
    }
    out
}

/// Cross-entropy loss of a batch and its gradients (added to `grads`, divided by `norm`).
/// Returns the summed loss.
pub(crate) fn loss_and_grads(
    k: &KeyClassifier,
    batch: &[Example],
    grads: &mut KeyClassifier,
    norm: f32,
) -> f64 {
    let h = k.fc1.output;
    let mut total = 0.0;
    let (mut hid, mut dhid) = (vec![0f32; h], vec![0f32; h]);
    for ex in batch {
        let x = KeyClassifier::input(&ex.hist);
        k.fc1.forward(&x, &mut hid);
        hid.iter_mut().for_each(|v| *v = v.max(0.0));
        let mut l = [0f32; KEYS];
        k.fc2.forward(&hid, &mut l);
        let m = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let z: f32 = l.iter().map(|v| (v - m).exp()).sum();
        total += (m + z.ln() - l[ex.key]) as f64;
        // dL/dlogits = softmax − onehot
        let dl: Vec<f32> = (0..KEYS)
            .map(|i| ((l[i] - m).exp() / z - f32::from(i == ex.key)) / norm)
            .collect();
        // fc2: W (h × 24) += hidᵀ·dl ; b += dl ; dhid = W·dl (through the ReLU)
        for (j, &hv) in hid.iter().enumerate() {
            let mut d = 0.0;
            for (i, &g) in dl.iter().enumerate() {
                grads.fc2.w[j * KEYS + i] += hv * g;
                d += k.fc2.w[j * KEYS + i] * g;
            }
            dhid[j] = if hv > 0.0 { d } else { 0.0 };
        }
        grads.fc2.b.iter_mut().zip(&dl).for_each(|(b, g)| *b += g);
        for (i, &xv) in x.iter().enumerate() {
            for (j, &d) in dhid.iter().enumerate() {
                grads.fc1.w[i * h + j] += xv * d;
            }
        }
        grads.fc1.b.iter_mut().zip(&dhid).for_each(|(b, d)| *b += d);
    }
    total
}

fn tensors(k: &mut KeyClassifier) -> Vec<&mut [f32]> {
    vec![&mut k.fc1.w[..], &mut k.fc1.b, &mut k.fc2.w, &mut k.fc2.b]
}

/// Trains a classifier (deterministic for a seed).
pub fn train(examples: &[Example], hidden: usize, epochs: usize, seed: u64) -> KeyClassifier {
    let mut rng = Rng::new(seed);
    let mut k = KeyClassifier::zeros(hidden);
    let scale1 = (2.0 / 12f32).sqrt();
    let scale2 = (2.0 / hidden as f32).sqrt();
    k.fc1.w.iter_mut().for_each(|w| *w = rng.normal() * scale1);
    k.fc2.w.iter_mut().for_each(|w| *w = rng.normal() * scale2);
    let sizes: Vec<usize> = tensors(&mut k).iter().map(|t| t.len()).collect();
    let mut adam = Adam::for_sizes(&sizes, 3e-3);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut batch = Vec::with_capacity(64);
    for _ in 0..epochs {
        rng.shuffle(&mut order);
        for chunk in order.chunks(64) {
            batch.clear();
            batch.extend(chunk.iter().map(|&i| examples[i]));
            let mut g = KeyClassifier::zeros(hidden);
            loss_and_grads(&k, &batch, &mut g, batch.len() as f32);
            let gs: Vec<&[f32]> = vec![&g.fc1.w, &g.fc1.b, &g.fc2.w, &g.fc2.b];
            adam.step_tensors(tensors(&mut k), &gs);
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = Rng::new(4);
        let mut k = KeyClassifier::zeros(5);
        for t in tensors(&mut k) {
            t.iter_mut().for_each(|w| *w = rng.normal() * 0.7);
        }
        let batch: Vec<Example> = (0..6)
            .map(|i| Example {
                hist: PitchClassHistogram::from_durations(
                    (0..12).map(|p| (p as u8, rng.next_f32())),
                ),
                key: (i * 5) % KEYS,
            })
            .collect();
        let mut g = KeyClassifier::zeros(5);
        loss_and_grads(&k, &batch, &mut g, 6.0);
        let analytic: Vec<Vec<f32>> = vec![
            g.fc1.w.clone(),
            g.fc1.b.clone(),
            g.fc2.w.clone(),
            g.fc2.b.clone(),
        ];
        let loss =
            |k: &KeyClassifier| loss_and_grads(k, &batch, &mut KeyClassifier::zeros(5), 6.0) / 6.0;
        let checked = testkit::fd::check(&analytic, 1e-2, 4, |t, i, d| {
            let orig = tensors(&mut k)[t][i];
            tensors(&mut k)[t][i] = orig + d;
            let l = loss(&k);
            tensors(&mut k)[t][i] = orig;
            l
        });
        assert_eq!(checked, analytic.iter().map(Vec::len).sum::<usize>());
    }
}
