//! The training loop: mini-batches of windows split across threads, BPTT, clipping, Adam,
//! scheduled sampling, and early stopping on free-running agreement on the selection split
//! (carved from the training files: the validation split is never seen here).

use crate::data::sequences::{self, Sequence, Window};
use crate::harmony::bptt::{self, Batch, Rejoin, Stats, Workspace};
use crate::harmony::distill::Teach;
use crate::harmony::eval;
use crate::harmony::metrics::Metrics;
use crate::optim::Adam;
use crate::pool::{Pool, lock};
use altus_core::harmony::model::{HarmonyModel, ModelConfig};
use altus_core::rng::Rng;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Everything that decides a training run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrainConfig {
    /// Model shape.
    pub model: ModelConfig,
    /// Maximum epochs.
    pub epochs: usize,
    /// Windows per mini-batch.
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f32,
    /// Seed for initialisation, shuffling and sampling.
    pub seed: u64,
    /// Window length (truncated BPTT) in steps.
    pub window: usize,
    /// Global gradient-norm limit.
    pub clip: f32,
    /// Final probability of feeding the model its own previous voices (scheduled sampling),
    /// reached linearly over the first half of the epochs.
    pub sampling: f32,
    /// What a voice fed its own line is taught where that line has left Bach's.
    pub rejoin: Rejoin,
    /// Weight of the running average of the weights kept beside them (0: none): after every
    /// batch `avg = ema · avg + (1 − ema) · weights`; epochs are judged, and the best kept, on
    /// the average.
    pub ema: f32,
    /// Dropout rate on the head's input (0: none).
    pub dropout: f32,
    /// Trained models whose mean distribution the model also learns (distillation; empty: none).
    #[serde(skip)]
    pub teachers: Arc<Vec<HarmonyModel>>,
    /// Weight of the teachers' distribution in each class target.
    pub distill: f32,
    /// Stop after this many epochs without a better validation score.
    pub patience: usize,
    /// Worker threads (the batch is split between them).
    pub threads: usize,
    /// Move the window cuts by a random phase every epoch (off for benchmarks, which cut
    /// windows as the Keras peer does).
    pub shift_windows: bool,
}

/// One epoch's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss (class NLL + re-strike BCE per step).
    pub train_loss: f64,
    /// Teacher-forced training accuracy.
    pub train_acc: f64,
    /// Mean selection loss.
    pub select_loss: f64,
    /// Teacher-forced selection accuracy (mean over the voices).
    pub select_acc: f64,
    /// Free-running exact-pitch agreement with Bach on the selection split, mean over voices.
    pub select_free: f64,
    /// … per voice (alto, tenor, bass).
    pub select_voices: [f64; 3],
    /// Free-running parallels per 100 pair moves on the selection split.
    pub select_parallels: f64,
    /// Training steps (16ths with a target, forward + backward) per second.
    pub steps_per_s: f64,
    /// Steps per second counting every step of every window, padding included (the Keras
    /// peer's measure).
    pub window_steps_per_s: f64,
    /// Seconds spent training (without validation).
    pub train_seconds: f64,
    /// Scheduled-sampling probability used.
    pub sampling: f64,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
}

/// The outcome of a run.
pub struct Trained {
    /// The best model (by free-running agreement on the selection split).
    pub model: HarmonyModel,
    /// Its epoch.
    pub best_epoch: usize,
    /// All epochs run.
    pub reports: Vec<EpochReport>,
    /// Stopped by the user.
    pub interrupted: bool,
}

/// One thread's buffers.
struct Worker {
    ws: Workspace,
    teach: Option<Teach>,
    grads: HarmonyModel,
    batch: Batch,
    rng: Rng,
}

/// Trains from scratch. `on_batch(done, total)` and `on_epoch` report progress; `stop` ends the
/// run after the current batch, keeping the best model so far.
pub fn train(
    cfg: &TrainConfig,
    train: &[Sequence],
    select: &[Sequence],
    stop: &AtomicBool,
    mut on_batch: impl FnMut(usize, usize, &Stats),
    mut on_epoch: impl FnMut(&EpochReport, bool),
) -> Trained {
    let mut run = Run::new(cfg);
    let select_windows = sequences::windows(select, cfg.window, 0);
    let (mut best, mut best_score, mut best_epoch, mut reports) =
        (run.judged().clone(), f64::NEG_INFINITY, 0, Vec::new());
    let mut interrupted = false;
    for epoch in 1..=cfg.epochs {
        let t0 = Instant::now();
        let (stats, batches, sampling) =
            run.epoch(cfg, train, epoch, stop, &mut on_batch, &mut interrupted);
        let train_secs = t0.elapsed().as_secs_f64();
        let (vstats, free) = run.judge(select, &select_windows, cfg.window);
        let agree = free.voices.each_ref().map(|v| v.agreement());
        let report = EpochReport {
            epoch,
            train_loss: stats.loss(),
            train_acc: stats.accuracy(),
            select_loss: vstats.loss(),
            select_acc: vstats.accuracy(),
            select_free: agree.iter().sum::<f64>() / 3.0,
            select_voices: agree,
            select_parallels: free.parallels_per_100(),
            steps_per_s: stats.targets() as f64 / train_secs,
            window_steps_per_s: (batches * cfg.batch * cfg.window) as f64 / train_secs,
            train_seconds: train_secs,
            sampling: sampling as f64,
            seconds: t0.elapsed().as_secs_f64(),
        };
        // With no selection files (a refit on every training file), each epoch is kept.
        let improved = !interrupted && (select.is_empty() || report.select_free > best_score);
        if improved {
            (best, best_score, best_epoch) = (run.judged().clone(), report.select_free, epoch);
        }
        on_epoch(&report, improved);
        reports.push(report);
        if interrupted || epoch - best_epoch >= cfg.patience {
            break;
        }
    }
    if best_epoch == 0 {
        best = run.judged().clone();
    }
    Trained {
        model: best,
        best_epoch,
        reports,
        interrupted,
    }
}

/// What a run updates: the model, its optimiser, the workers and the shuffling.
struct Run {
    model: HarmonyModel,
    /// The running average of the weights (`TrainConfig::ema`).
    average: Option<HarmonyModel>,
    adam: Adam,
    workers: Vec<Worker>,
    /// Threads beside this one, one per further worker.
    pool: Pool,
    rng: Rng,
}

impl Run {
    fn new(cfg: &TrainConfig) -> Run {
        let threads = cfg.threads.clamp(1, cfg.batch);
        let per = cfg.batch.div_ceil(threads);
        let model = HarmonyModel::init(cfg.model, cfg.seed);
        let workers = (0..threads)
            .map(|i| Worker {
                ws: Workspace::new(&model, per, cfg.window),
                teach: (!cfg.teachers.is_empty())
                    .then(|| Teach::new(cfg.teachers.clone(), per, cfg.window, cfg.distill)),
                grads: HarmonyModel::zeros(cfg.model),
                batch: Batch::default(),
                rng: Rng::new(cfg.seed ^ ((i as u64 + 1) * 0x9E37)),
            })
            .collect();
        Run {
            adam: Adam::new(&model, cfg.lr),
            average: (cfg.ema > 0.0).then(|| model.clone()),
            model,
            workers,
            pool: Pool::new(threads - 1),
            rng: Rng::new(cfg.seed),
        }
    }

    /// The model now on the selection split: teacher-forced statistics and free-running metrics.
    /// The weights judged on the selection split: the running average where there is one.
    fn judged(&self) -> &HarmonyModel {
        self.average.as_ref().unwrap_or(&self.model)
    }

    fn judge(&mut self, select: &[Sequence], wins: &[Window], window: usize) -> (Stats, Metrics) {
        let model = self.average.as_ref().unwrap_or(&self.model);
        let tf = validate(model, &mut self.workers, select, wins, window);
        let threads = self.workers.len();
        (
            tf,
            eval::free_running(model, select, eval::EVAL_DECODE, threads),
        )
    }

    /// One epoch over shuffled windows (cut at a new phase); returns its statistics, the
    /// number of batches and the scheduled-sampling probability used.
    fn epoch(
        &mut self,
        cfg: &TrainConfig,
        train: &[Sequence],
        epoch: usize,
        stop: &AtomicBool,
        on_batch: &mut impl FnMut(usize, usize, &Stats),
        interrupted: &mut bool,
    ) -> (Stats, usize, f32) {
        let sampling =
            cfg.sampling * ((epoch - 1) as f32 / (cfg.epochs as f32 / 2.0).max(1.0)).min(1.0);
        let phase = if cfg.shift_windows {
            self.rng.below(cfg.window)
        } else {
            0
        };
        let mut wins = sequences::windows(train, cfg.window, phase);
        self.rng.shuffle(&mut wins);
        let batches: Vec<&[Window]> = wins.chunks_exact(cfg.batch).collect();
        let mut stats = Stats::default();
        for (bi, chunk) in batches.iter().enumerate() {
            let s = self.batch(train, chunk, cfg, sampling);
            stats.add(&s);
            on_batch(bi + 1, batches.len(), &stats);
            if stop.load(Ordering::Relaxed) {
                *interrupted = true;
                break;
            }
        }
        (stats, batches.len(), sampling)
    }
}

impl Run {
    /// One mini-batch: forward/backward on every thread's share, summed, clipped, one Adam
    /// step.
    fn batch(
        &mut self,
        seqs: &[Sequence],
        wins: &[Window],
        cfg: &TrainConfig,
        sampling: f32,
    ) -> Stats {
        let Run {
            model,
            average,
            adam,
            workers,
            pool,
            ..
        } = self;
        let norm = wins
            .iter()
            .map(|&(s, st)| seqs[s].len().saturating_sub(st).min(cfg.window))
            .sum::<usize>()
            .max(1) as f32;
        let per = wins.len().div_ceil(workers.len());
        let m: &HarmonyModel = model;
        // Each worker with its windows and the statistics it returns.
        let shares: Vec<Mutex<(&mut Worker, &[Window], Stats)>> = workers
            .iter_mut()
            .zip(wins.chunks(per))
            .map(|(w, chunk)| Mutex::new((w, chunk, Stats::default())))
            .collect();
        pool.run(&|i| {
            let Some(share) = shares.get(i) else { return };
            let (w, chunk, stats) = &mut *lock(share);
            let mut padded = chunk.to_vec();
            padded.resize(per, (0, usize::MAX / 2));
            sequences::fill_batch(
                &mut w.batch,
                seqs,
                &padded,
                cfg.window,
                (sampling, cfg.rejoin),
                &mut w.rng,
            );
            w.ws.draw_dropout(cfg.dropout, &mut w.rng);
            // The gradients are zero: the optimiser's step leaves them so.
            *stats = bptt::forward_backward(
                m,
                &w.batch,
                &mut w.ws,
                &mut w.grads,
                norm,
                w.teach.as_mut(),
            );
        });
        let mut total = Stats::default();
        for share in shares {
            total.add(&share.into_inner().unwrap_or_else(|e| e.into_inner()).2);
        }
        let grads = workers.iter_mut().map(|w| w.grads.params_mut()).collect();
        adam.step_summed(pool, model.params_mut(), grads, cfg.clip);
        if let Some(avg) = average {
            let b = cfg.ema;
            for (a, w) in avg.params_mut().into_iter().zip(model.params()) {
                a.iter_mut()
                    .zip(w)
                    .for_each(|(a, w)| *a = b * *a + (1.0 - b) * w);
            }
        }
        total
    }
}

/// Teacher-forced loss and accuracy over the selection windows.
fn validate(
    model: &HarmonyModel,
    workers: &mut [Worker],
    seqs: &[Sequence],
    wins: &[Window],
    window: usize,
) -> Stats {
    let mut total = Stats::default();
    let w = &mut workers[0];
    let per = w.ws_rows();
    for chunk in wins.chunks(per) {
        let mut padded = chunk.to_vec();
        padded.resize(per, (0, usize::MAX / 2));
        let teacher = sequences::TEACHER;
        sequences::fill_batch(&mut w.batch, seqs, &padded, window, teacher, &mut w.rng);
        total.add(&bptt::evaluate(model, &w.batch, &mut w.ws));
    }
    total
}

impl Worker {
    fn ws_rows(&self) -> usize {
        self.ws.rows()
    }
}
