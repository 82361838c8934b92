//! The Keras peer's own model (`../shared/peers/keras_peer.py --model lstm`), trained with
//! Altus's kernels, so `altus bench train` can compare like with like beside the product row:
//! LSTM(98 → H) on dense inputs — the soprano one-hot over MIDI 36–83, its onset, the previous
//! alto class (MIDI 48–79 or rest), the position in the bar one-hot of 16 — then one
//! Dense(H → 33) softmax over the alto; cross-entropy with the padding weighted 0, Adam, batches
//! of 32 windows of 64 steps, the batch split over two threads. Nothing else uses it.

use crate::data::sequences::Sequence;
use crate::gemm::{col_sums, mm_acc, mm_nt, mm_tn_acc};
use crate::harmony::cells::{StepCache, backward_step, forward_step};
use crate::optim::Adam;
use altus_core::harmony::features::fold;
use altus_core::nn::layout;
use altus_core::nn::{Cell, Lstm};
use altus_core::rng::Rng;

/// Input width: soprano 48, onset 1, previous alto 33, position 16.
pub(crate) const INPUT: usize = 98;
/// Alto classes: MIDI 48–79 and the rest.
pub(crate) const CLASSES: usize = 33;
/// Steps per window.
pub const WINDOW: usize = 64;
const REST: usize = 32;

/// Training windows in the peer's encoding: inputs `n × WINDOW × INPUT`, targets and weights
/// `n × WINDOW` (padding: weight 0).
pub struct Windows {
    x: Vec<f32>,
    y: Vec<u8>,
    w: Vec<f32>,
    /// Number of windows.
    pub n: usize,
}

/// The peer's windows of `seqs` (hop 64, the last one padded).
pub fn windows(seqs: &[Sequence]) -> Windows {
    let (mut x, mut y, mut w, mut n) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for s in seqs {
        let alto = &s.voices[0].pitch;
        let class = |t: usize| alto[t].map_or(REST, |p| fold(p, 48, 32) as usize);
        for start in (0..s.len()).step_by(WINDOW) {
            for t in start..start + WINDOW {
                let mut row = [0f32; INPUT];
                if t < s.len() {
                    if let Some(p) = s.soprano[t] {
                        row[fold(p, 36, 48) as usize] = 1.0;
                    }
                    row[48] = s.soprano_onset[t] as u8 as f32;
                    row[49 + if t == 0 { REST } else { class(t - 1) }] = 1.0;
                    row[82 + s.bar_pos[t] as usize % 16] = 1.0;
                }
                x.extend_from_slice(&row);
                y.push(if t < s.len() { class(t) as u8 } else { 0 });
                w.push((t < s.len()) as u8 as f32);
            }
            n += 1;
        }
    }
    Windows { x, y, w, n }
}

/// The model: the LSTM (input weights row-major, recurrent packed, as Altus's) and the head.
pub(crate) struct PeerModel {
    cell: Cell,
    head_w: Vec<f32>,
    head_b: Vec<f32>,
}

impl PeerModel {
    /// Uniform weights in ±1/√H, forget-gate bias 1.
    pub fn init(hidden: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let k = 1.0 / (hidden as f32).sqrt();
        let mut draw =
            |n: usize| -> Vec<f32> { (0..n).map(|_| (rng.next_f32() * 2.0 - 1.0) * k).collect() };
        let mut l = Lstm::zeros(INPUT, hidden);
        l.w_ih.copy_from_slice(&draw(INPUT * 4 * hidden));
        l.w_hh = layout::pack(&draw(hidden * 4 * hidden), hidden, 4 * hidden);
        l.b_ih = vec![0.0; 4 * hidden];
        l.b_ih[hidden..2 * hidden].fill(1.0);
        PeerModel {
            cell: Cell::Lstm(l),
            head_w: draw(hidden * CLASSES),
            head_b: vec![0.0; CLASSES],
        }
    }

    fn tensors(&mut self) -> Vec<&mut [f32]> {
        let Cell::Lstm(l) = &mut self.cell else {
            unreachable!("an LSTM")
        };
        vec![
            &mut l.w_ih,
            &mut l.w_hh,
            &mut l.b_ih,
            &mut self.head_w,
            &mut self.head_b,
        ]
    }
}

/// One thread's buffers for `rows` windows, and its gradients (the model's tensors' order).
struct Work {
    rows: usize,
    x: Vec<f32>,
    acts: Vec<f32>,
    h: Vec<f32>,
    c: Vec<f32>,
    logits: Vec<f32>,
    dh_top: Vec<f32>,
    dp: Vec<f32>,
    dh: Vec<f32>,
    dh_next: Vec<f32>,
    dc: Vec<f32>,
    w_hh_t: Vec<f32>,
    dw_hh: Vec<f32>,
    grads: Vec<Vec<f32>>,
}

impl Work {
    fn new(rows: usize, hd: usize, sizes: &[usize]) -> Work {
        let (g, n) = (4 * hd, rows * WINDOW);
        Work {
            rows,
            x: vec![0.0; n * INPUT],
            acts: vec![0.0; n * g],
            h: vec![0.0; (n + rows) * hd],
            c: vec![0.0; (n + rows) * hd],
            logits: vec![0.0; n * CLASSES],
            dh_top: vec![0.0; n * hd],
            dp: vec![0.0; n * g],
            dh: vec![0.0; rows * hd],
            dh_next: vec![0.0; rows * hd],
            dc: vec![0.0; rows * hd],
            w_hh_t: vec![0.0; g * hd],
            dw_hh: vec![0.0; hd * g],
            grads: sizes.iter().map(|&s| vec![0.0; s]).collect(),
        }
    }

    /// Forward, loss and backward of `windows` (time-major inside); adds the gradients of the
    /// loss summed over steps, divided by `norm`; returns the weighted loss sum.
    fn run(&mut self, m: &PeerModel, data: &Windows, windows: &[usize], norm: f32) -> f64 {
        let (r, hd) = (self.rows, m.cell.hidden());
        let (g, n) = (4 * hd, r * WINDOW);
        for (i, &wi) in windows.iter().enumerate() {
            for t in 0..WINDOW {
                let from = (wi * WINDOW + t) * INPUT;
                let to = (t * r + i) * INPUT;
                self.x[to..to + INPUT].copy_from_slice(&data.x[from..from + INPUT]);
            }
        }
        let (w_ih, b) = m.cell.input_weights();
        for t in 0..WINDOW {
            let p = &mut self.acts[t * r * g..(t + 1) * r * g];
            p.chunks_mut(g).for_each(|row| row.copy_from_slice(b));
            mm_acc(&self.x[t * r * INPUT..], w_ih, p, r, INPUT, g);
            let (before, after) = self.h.split_at_mut((t + 1) * r * hd);
            let (cb, ca) = self.c.split_at_mut((t + 1) * r * hd);
            let (h_prev, c_prev) = (&before[t * r * hd..], &cb[t * r * hd..]);
            let (h, c) = (&mut after[..r * hd], &mut ca[..r * hd]);
            forward_step(&m.cell, r, p, h_prev, c_prev, h, c, &mut []);
        }
        // Head and loss over all steps at once: dY = (softmax − one-hot)·weight / norm.
        let top = &self.h[r * hd..];
        self.logits
            .chunks_mut(CLASSES)
            .for_each(|l| l.copy_from_slice(&m.head_b));
        mm_acc(top, &m.head_w, &mut self.logits, n, hd, CLASSES);
        let mut loss = 0.0;
        for (k, l) in self.logits.chunks_mut(CLASSES).enumerate() {
            let (t, i) = (k / r, k % r);
            let at = windows[i] * WINDOW + t;
            let (y, w) = (data.y[at] as usize, data.w[at]);
            let mx = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = l.iter().map(|v| (v - mx).exp()).sum();
            loss += (w * (mx + z.ln() - l[y])) as f64;
            for (j, v) in l.iter_mut().enumerate() {
                let p = (*v - mx).exp() / z;
                *v = w * (p - (j == y) as u8 as f32) / norm;
            }
        }
        let [_, _, _, dhw, dhb] = &mut self.grads[..] else {
            unreachable!("five tensors")
        };
        mm_tn_acc(top, &self.logits, dhw, n, hd, CLASSES);
        col_sums(&self.logits, dhb);
        mm_nt(
            &self.logits,
            &m.head_w,
            &mut self.dh_top,
            n,
            CLASSES,
            hd,
            0.0,
        );
        // Back through time.
        layout::transpose_packed_into(m.cell.recurrent_weights(), hd, g, &mut self.w_hh_t);
        self.dh_next.fill(0.0);
        self.dc.fill(0.0);
        for t in (0..WINDOW).rev() {
            let above = &self.dh_top[t * r * hd..(t + 1) * r * hd];
            for ((d, a), b) in self.dh.iter_mut().zip(above).zip(&self.dh_next) {
                *d = a + b;
            }
            let (s0, s1) = (t * r * hd, (t + 1) * r * hd);
            let cache = StepCache {
                h_prev: &self.h[s0..s1],
                c_prev: &self.c[s0..s1],
                acts: &self.acts[t * r * g..(t + 1) * r * g],
                c: &self.c[s1..s1 + r * hd],
                hproj: &[],
            };
            let dp = &mut self.dp[t * r * g..(t + 1) * r * g];
            let cell = &m.cell;
            backward_step(
                cell,
                r,
                &self.dh,
                &mut self.dc,
                &cache,
                &self.w_hh_t,
                dp,
                &mut [],
                &mut self.dh_next,
            );
        }
        // Weight gradients, all steps at once.
        self.dw_hh.fill(0.0);
        mm_tn_acc(&self.h[..n * hd], &self.dp, &mut self.dw_hh, n, hd, g);
        layout::pack_add(&self.dw_hh, hd, g, &mut self.grads[1]);
        let [dw_ih, _, db, ..] = &mut self.grads[..] else {
            unreachable!("five tensors")
        };
        mm_tn_acc(&self.x, &self.dp, dw_ih, n, INPUT, g);
        col_sums(&self.dp, db);
        loss
    }
}

/// One epoch's figures.
pub struct Epoch {
    /// Window steps per second (padding included, as the peer counts).
    pub steps_per_s: f64,
    /// Mean cross-entropy per (unpadded) step.
    pub loss: f64,
}

/// Trains the peer's model on `data` for `epochs` (batch 32 split over two threads, Adam at
/// `lr`, windows shuffled each epoch); the figures of each epoch.
pub fn train(data: &Windows, hidden: usize, epochs: usize, lr: f32, seed: u64) -> Vec<Epoch> {
    const BATCH: usize = 32;
    let mut m = PeerModel::init(hidden, seed);
    let sizes: Vec<usize> = m.tensors().iter().map(|t| t.len()).collect();
    let mut adam = Adam::for_sizes(&sizes, lr);
    let mut work = [
        Work::new(BATCH / 2, hidden, &sizes),
        Work::new(BATCH / 2, hidden, &sizes),
    ];
    let mut rng = Rng::new(seed ^ 0x9E37);
    let mut order: Vec<usize> = (0..data.n).collect();
    let mut out = Vec::new();
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let start = std::time::Instant::now();
        let (mut loss, mut weight) = (0.0, 0.0);
        for batch in order.chunks_exact(BATCH) {
            let norm: f32 = batch
                .iter()
                .map(|&b| data.w[b * WINDOW..(b + 1) * WINDOW].iter().sum::<f32>())
                .sum();
            let (lo, hi) = batch.split_at(BATCH / 2);
            let [a, b] = &mut work;
            let model = &m;
            let (la, lb) = std::thread::scope(|s| {
                let other = s.spawn(|| b.run(model, data, hi, norm));
                let mine = a.run(model, data, lo, norm);
                (mine, other.join().expect("a training thread"))
            });
            loss += la + lb;
            weight += norm as f64;
            let [a, b] = &mut work;
            for (ga, gb) in a.grads.iter_mut().zip(&mut b.grads) {
                ga.iter_mut().zip(gb.iter_mut()).for_each(|(x, y)| {
                    *x += *y;
                    *y = 0.0;
                });
            }
            let grads: Vec<&[f32]> = a.grads.iter().map(Vec::as_slice).collect();
            adam.step_tensors(m.tensors(), &grads);
            a.grads.iter_mut().for_each(|g| g.fill(0.0));
        }
        let steps = (order.len() / BATCH * BATCH * WINDOW) as f64;
        out.push(Epoch {
            steps_per_s: steps / start.elapsed().as_secs_f64(),
            loss: loss / weight.max(1.0),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two windows of random one-hot rows, the second half of the second padded.
    fn synthetic() -> Windows {
        let mut rng = Rng::new(11);
        let n = 2;
        let mut x = vec![0f32; n * WINDOW * INPUT];
        for row in x.chunks_mut(INPUT) {
            row[rng.below(48)] = 1.0;
            row[48] = rng.below(2) as f32;
            row[49 + rng.below(33)] = 1.0;
            row[82 + rng.below(16)] = 1.0;
        }
        let y = (0..n * WINDOW).map(|_| rng.below(CLASSES) as u8).collect();
        let w = (0..n * WINDOW)
            .map(|k| (k < WINDOW + 32) as u8 as f32)
            .collect();
        Windows { x, y, w, n }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let (hd, data) = (8, synthetic());
        let mut m = PeerModel::init(hd, 5);
        let sizes: Vec<usize> = m.tensors().iter().map(|t| t.len()).collect();
        let mut w = Work::new(2, hd, &sizes);
        w.run(&m, &data, &[0, 1], 1.0);
        let analytic = w.grads.clone();
        let checked = testkit::fd::check(&analytic, 1e-2, 7, |t, i, d| {
            m.tensors()[t][i] += d;
            let l = Work::new(2, hd, &sizes).run(&m, &data, &[0, 1], 1.0);
            m.tensors()[t][i] -= d;
            l
        });
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn training_lowers_the_loss() {
        let data = synthetic();
        let many = Windows {
            x: data.x.repeat(16),
            y: data.y.repeat(16),
            w: data.w.repeat(16),
            n: 32,
        };
        let e = train(&many, 16, 30, 1e-2, 1);
        assert!(
            e[29].loss < 0.8 * e[0].loss,
            "{} → {}",
            e[0].loss,
            e[29].loss
        );
    }
}
