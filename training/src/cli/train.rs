//! `altus train`: one loop from data to a weight file, a CSV log and a chart.

pub use super::train_args::Args;
use crate::data::sequences::Sequence;
use crate::harmony::eval;
use crate::harmony::metrics::Metrics;
use crate::harmony::train::{self, EpochReport, TrainConfig};
use crate::harmony::tune;
use altus_core::harmony::features::FEATURE_VERSION;
use altus_core::harmony::format::{self as weights, WeightsMeta};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs training and writes `--out` (`NAME.safetensors`), and `NAME.train-log.csv` and
/// `NAME.loss.png` beside it.
pub fn run(a: &Args) -> anyhow::Result<()> {
    let (cfg, out) = (a.config()?, a.out.as_path());
    // Before the work: the folder for the weights, the log and the chart.
    super::output::prepare_file(out)?;
    let data = crate::data::load::load(a.data.clone(), crate::data::load::Files::FourParts, true)?;
    print_setup(&data, &cfg);
    let teachers: Vec<String> = a.teacher.iter().map(|p| p.display().to_string()).collect();
    if !teachers.is_empty() {
        println!(
            "teachers  {} (their mean distribution weighs {} of each class target)",
            teachers.join(", "),
            cfg.distill
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // Ctrl-C: finish the current batch, keep the best checkpoint, write everything.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let started = std::time::Instant::now();
    let mut result = train_with_progress(&cfg, &data, &stop);
    let (mut cfg, mut data) = (cfg, data);
    let tuned = if a.no_leading {
        None
    } else {
        let folds = fold_models(a, &cfg, &data, &stop)?;
        let mut runs = vec![(&result.model, &data.select[..])];
        runs.extend(folds.iter().map(|(r, d)| (&r.model, &d.select[..])));
        let files: usize = runs.iter().map(|(_, s)| s.len()).sum();
        println!(
            "decoding  choosing the voice-leading preferences on {} fold(s) of the training files ({files} files)…",
            runs.len()
        );
        let t = tune::choose(&runs, cfg.threads);
        println!(
            "decoding  {:?}: selection objective {:.2} (without: {:.2}; {} evaluations)",
            t.leading, t.objective, t.objective_none, t.evaluations
        );
        if let Some(x) = t.first_fold {
            println!("decoding  (the first fold's own end point scored {x:.2} on all folds)");
        }
        let missed: Vec<String> = (t.missed.iter())
            .map(|(v, goal, x)| format!("{v} {goal} {x:.2}"))
            .collect();
        println!(
            "decoding  goals missed there, in points: {}",
            if missed.is_empty() {
                "none".into()
            } else {
                missed.join(", ")
            }
        );
        if a.refit() {
            let kept: Vec<usize> = std::iter::once(result.best_epoch)
                .chain(folds.iter().map(|(r, _)| r.best_epoch))
                .collect();
            cfg.epochs = (kept.iter().sum::<usize>() as f64 / kept.len() as f64).round() as usize;
            cfg.patience = cfg.epochs;
            data.train.append(&mut data.select);
            println!(
                "refit     on all {} training files for {} epochs (the folds' mean kept epoch)",
                data.train.len(),
                cfg.epochs
            );
            result = train_with_progress(&cfg, &data, &stop);
        }
        result.model.leading = t.leading;
        Some(t)
    };
    // Reported, never chosen on: the validation split.
    let free = eval::free_running(&result.model, &data.valid, eval::EVAL_DECODE, cfg.threads);
    let tf = eval::teacher_forced(&result.model, &data.valid);
    let mut meta = WeightsMeta {
        leading: Default::default(),
        format: weights::FORMAT_VERSION,
        feature_version: FEATURE_VERSION,
        kind: "harmony".into(),
        config: cfg.model,
        info: card(
            &cfg,
            &data,
            (&result, tuned.as_ref()),
            (&free, &tf),
            started.elapsed().as_secs_f64(),
        ),
    };
    if a.refit() {
        // Trained on every training file: no selection split chose its epoch.
        meta.info["training"]["refit_on_all_training_files"] = serde_json::json!(true);
    }
    if !teachers.is_empty() {
        // The teachers are part of the recipe: the card names their files.
        meta.info["training"]["teachers"] = serde_json::json!(teachers);
    }
    weights::save(out, &result.model, &meta).with_context(|| out.display().to_string())?;
    let (log, png) = beside(out);
    write_log(&log, &result.reports)?;
    chart(&png, &result.reports)?;
    println!(
        "saved     {} (epoch {} of {}{}): validation free-running agreement alto/tenor/bass {}, parallels {:.2}/100 pair moves; {} and {} beside it; {:.0} s",
        out.display(),
        result.best_epoch,
        result.reports.len(),
        if result.interrupted {
            ", interrupted"
        } else {
            ""
        },
        free.voices
            .each_ref()
            .map(|v| format!("{:.1}%", 100.0 * v.agreement()))
            .join("/"),
        free.parallels_per_100(),
        log.file_name().unwrap_or_default().display(),
        png.file_name().unwrap_or_default().display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// For `--tune-folds K`: a model of the same recipe for each of folds 2..K, trained on the
/// other training files with its epoch chosen on the fold.
fn fold_models(
    a: &Args,
    cfg: &TrainConfig,
    data: &crate::data::load::Data,
    stop: &AtomicBool,
) -> anyhow::Result<Vec<(train::Trained, crate::data::load::Data)>> {
    if a.tune_folds < 2 {
        return Ok(Vec::new());
    }
    let folds =
        crate::data::load::folds(&data.dir, crate::data::load::Files::FourParts, a.tune_folds)?;
    let mut out = Vec::new();
    for (j, fold) in folds.into_iter().enumerate().skip(1) {
        let t = std::time::Instant::now();
        let r = train_with_progress(cfg, &fold, stop);
        println!(
            "fold {:<5}trained on {} files, epoch {} of {} kept on its {} files; {:.0} s",
            j + 1,
            fold.train.len(),
            r.best_epoch,
            r.reports.len(),
            fold.select.len(),
            t.elapsed().as_secs_f64()
        );
        out.push((r, fold));
    }
    Ok(out)
}

/// The log and the chart of a run writing `out`: `NAME.train-log.csv` and `NAME.loss.png`.
pub fn beside(out: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let stem = out.file_stem().unwrap_or_default().to_string_lossy();
    let dir = out.parent().unwrap_or(Path::new(""));
    (
        dir.join(format!("{stem}.train-log.csv")),
        dir.join(format!("{stem}.loss.png")),
    )
}

fn steps(s: &[Sequence]) -> usize {
    s.iter().map(Sequence::len).sum()
}

fn print_setup(data: &crate::data::load::Data, cfg: &TrainConfig) {
    println!(
        "data      {}: {} four-part training files ({} steps), {} selection files ({} steps; epochs are chosen on them), {} validation files ({} steps; reported only)",
        data.dir.display(),
        data.train.len(),
        steps(&data.train),
        data.select.len(),
        steps(&data.select),
        data.valid.len(),
        steps(&data.valid)
    );
    let probe = altus_core::harmony::model::HarmonyModel::zeros(cfg.model);
    println!(
        "model     {} × {} hidden {}, order {}, {} weights{}; batch {} × {} steps, Adam lr {}, sampling → {} (rejoin {:?}), weights averaged {}, dropout {}, {} thread(s)",
        cfg.model.layers,
        cfg.model.cell.name(),
        cfg.model.hidden,
        cfg.model.order.name(),
        probe.num_params(),
        if cfg.model.inputs.lookahead {
            " (lookahead: offline only)"
        } else {
            ""
        },
        cfg.batch,
        cfg.window,
        cfg.lr,
        cfg.sampling,
        cfg.rejoin,
        cfg.ema,
        cfg.dropout,
        cfg.threads
    );
}

/// The training loop with a progress bar (a log line per epoch when not on a terminal).
fn train_with_progress(
    cfg: &TrainConfig,
    data: &crate::data::load::Data,
    stop: &AtomicBool,
) -> train::Trained {
    let pb = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} batches  {msg}")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    let result = train::train(
        cfg,
        &data.train,
        &data.select,
        stop,
        |done, total, s| {
            if done == 1 {
                pb.set_length(total as u64);
            }
            pb.set_position(done as u64);
            if done % 8 == 0 || done == total {
                pb.set_message(format!("loss {:.4}  acc {:.3}", s.loss(), s.accuracy()));
            }
        },
        |r, best| {
            let line = epoch_line(r, best);
            if pb.is_hidden() {
                println!("{line}");
            } else {
                pb.println(&line);
            }
            pb.set_prefix(format!("{}", r.epoch + 1));
            pb.set_position(0);
        },
    );
    pb.finish_and_clear();
    result
}

fn epoch_line(r: &EpochReport, best: bool) -> String {
    format!(
        "epoch {:>3}  loss {:.4}/{:.4}  acc {:.3}/{:.3}  free {:.3} (A {:.3} T {:.3} B {:.3})  par {:.2}  {:>7.0} steps/s  ss {:.2}  {:.1}s{}",
        r.epoch,
        r.train_loss,
        r.select_loss,
        r.train_acc,
        r.select_acc,
        r.select_free,
        r.select_voices[0],
        r.select_voices[1],
        r.select_voices[2],
        r.select_parallels,
        r.steps_per_s,
        r.sampling,
        r.seconds,
        if best { "  *" } else { "" }
    )
}

/// What the weight file says about how it was made and how well it does.
fn card(
    cfg: &TrainConfig,
    data: &crate::data::load::Data,
    (result, tuned): (&train::Trained, Option<&tune::Tuned>),
    (free, tf): (&Metrics, &crate::harmony::batch::Stats),
    seconds: f64,
) -> serde_json::Value {
    let best = &result.reports[result.best_epoch.max(1) - 1];
    let selected = !data.select.is_empty();
    let voice = |v: usize| {
        let c = &free.voices[v];
        let m = &c.motion;
        serde_json::json!({
            "free_running_agreement": c.agreement(),
            "agreement_at_onsets": c.onset_agreement(),
            "keeps_on_soprano_moves": c.keep_rate(),
            "median_longest_run": c.median_longest(),
            "coverage": c.coverage(),
            "steps": m.step_share(),
            "leaps_over_a_fourth": m.leap_share(),
            "mean_interval": m.mean_interval(),
            "odd_16th_starts": m.odd_start_share(),
            "sixteenth_notes": m.sixteenth_share(),
            "teacher_forced_nll": tf.nll(v),
            "teacher_forced_accuracy": tf.accuracy_of(v),
        })
    };
    serde_json::json!({
        "data": {
            "dir": data.dir.display().to_string(),
            "files": "four-part chorales (soprano, alto, tenor, bass)",
            "train_files": data.train.len(),
            "selection_files": data.select.len(),
            "valid_files": data.valid.len(),
            "train_steps": steps(&data.train),
            "valid_steps": steps(&data.valid),
            "split_seed": 0,
        },
        "training": {
            "config": cfg,
            "epochs_run": result.reports.len(),
            "best_epoch": result.best_epoch,
            "interrupted": result.interrupted,
            "seconds": seconds,
        },
        // A refit has no selection split of its own: its figures there are absent, not 0.
        "selection": {
            "loss": selected.then_some(best.select_loss),
            "free_running_agreement": selected.then_some(best.select_voices),
            "parallels_per_100_pair_moves": selected.then_some(best.select_parallels),
            "leading_objective": tuned.map(|t| t.objective),
            "leading_folds": tuned.map(|t| t.folds),
            "leading_first_fold_objective": tuned.and_then(|t| t.first_fold),
            "leading_goals_missed": tuned.map(|t| {
                (t.missed.iter())
                    .map(|(v, g, x)| serde_json::json!({"voice": v, "goal": g, "points": x}))
                    .collect::<Vec<_>>()
            }),
            "leading_objective_without": tuned.map(|t| t.objective_none),
        },
        "validation": {
            "alto": voice(0),
            "tenor": voice(1),
            "bass": voice(2),
            "parallels_per_100_pair_moves": free.parallels_per_100(),
            "crossings": free.crossing_rate(),
            "spacing_faults": free.spacing_rate(),
            "pitch_class_set_equal": free.pcs_rate(),
            "tertian": free.tertian_rate(),
        },
    })
}

fn chart(png: &Path, reports: &[EpochReport]) -> anyhow::Result<()> {
    let tmp = png.with_extension("tmp.png");
    crate::plot::loss_chart(&tmp, reports).with_context(|| png.display().to_string())?;
    std::fs::rename(&tmp, png).with_context(|| png.display().to_string())
}

fn write_log(path: &Path, reports: &[EpochReport]) -> anyhow::Result<()> {
    let mut s = String::from(
        "epoch,train_loss,train_acc,select_loss,select_acc,select_free_agreement,select_alto,select_tenor,select_bass,select_parallels_per_100,steps_per_s,sampling,seconds\n",
    );
    for r in reports {
        s += &format!(
            "{},{:.5},{:.5},{:.5},{:.5},{:.5},{:.5},{:.5},{:.5},{:.4},{:.0},{:.3},{:.2}\n",
            r.epoch,
            r.train_loss,
            r.train_acc,
            r.select_loss,
            r.select_acc,
            r.select_free,
            r.select_voices[0],
            r.select_voices[1],
            r.select_voices[2],
            r.select_parallels,
            r.steps_per_s,
            r.sampling,
            r.seconds
        );
    }
    altus_core::fsutil::write_atomic(path, s.as_bytes()).with_context(|| path.display().to_string())
}
