//! Fuzzing every entry point in-process, under a memory cap: structure-aware random MIDI files
//! and mutated real chorales through `inspect`, `harmonize`, `key`, `dataset stats` and
//! `train`'s loader, and `ae`/`vae`/`morph`'s melody reader with the embedded VAE; random and
//! mutated weight files through every loader (alto, key, autoencoder/VAE), each model that loads
//! run and checked for finite outputs. No input may panic, take more than 200 MB, or more than
//! [`CASE_LIMIT`] (a watchdog fails the test if one case runs past it, even if it never returns).
//!
//! `cargo test --release -p altus-training --test fuzz -- --ignored --nocapture soak` runs the
//! same for `ALTUS_FUZZ_SECONDS` (default 600) and prints the cases, the failures and, per
//! entry point, the slowest case and the most memory.

use altus_core::harmony::engine::{DecodeOptions, Engine, StepInput};
use altus_core::harmony::format as weights;
use altus_core::music::key::PitchClassHistogram;
use altus_core::music::key::classifier::KeyClassifier;
use altus_core::rng::Rng;
use altus_core::{Key, Mode, Pitch};
use altus_training::cli::{harmonize, inspect, key};
use altus_training::data::dataset::{self, Options};
use altus_training::data::sequences::Sequence;
use altus_training::melody::autoencoder::Autoencoder;
use altus_training::melody::io as melody;
use altus_training::melody::window::{WINDOW, Window};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::{alloc, fuzz};

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

/// What any one entry point may use on any input.
const MEMORY_LIMIT: usize = 200 << 20;
/// The longest any one entry point may take on any input (the slowest seen is under 0.3 s).
const CASE_LIMIT: Duration = Duration::from_secs(10);

/// Which case and entry point runs now (`case · 16 + entry`), and when it started, for the
/// watchdog (milliseconds since `EPOCH`; 0 between cases).
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static SINCE_MS: AtomicU64 = AtomicU64::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_ms() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// Runs `campaign` on its own thread and fails, naming the case, if one entry point runs past
/// [`CASE_LIMIT`] (a hang never returns: the test cannot wait for it).
fn watched(campaign: impl FnOnce() -> (Tally, Tally) + Send + 'static) -> (Tally, Tally) {
    let h = std::thread::spawn(campaign);
    while !h.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
        let since = SINCE_MS.load(Ordering::Relaxed);
        if since != 0 && now_ms().saturating_sub(since) > CASE_LIMIT.as_millis() as u64 {
            let r = RUNNING.load(Ordering::Relaxed);
            panic!(
                "case {} hangs in entry point {} (over {CASE_LIMIT:?})",
                r / 16,
                r % 16
            );
        }
    }
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

const MIDI_ENTRIES: [&str; 6] = [
    "inspect",
    "harmonize",
    "key",
    "dataset stats",
    "train loader",
    "ae/vae/morph",
];
const WEIGHT_ENTRIES: [&str; 3] = ["alto loader", "key loader", "ae/vae loader"];

/// Worst time and memory per entry point, and failures.
#[derive(Default)]
struct Tally {
    cases: usize,
    accepted: Vec<usize>,
    slowest: Vec<(Duration, usize)>,
    memory: Vec<(usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn new(n: usize) -> Tally {
        Tally {
            accepted: vec![0; n],
            slowest: vec![(Duration::ZERO, 0); n],
            memory: vec![(0, 0); n],
            ..Tally::default()
        }
    }

    /// Runs entry point `i` on case `case`: time, peak memory, panics.
    fn measure(&mut self, i: usize, case: usize, f: impl FnOnce() -> bool) {
        let t0 = Instant::now();
        RUNNING.store(case * 16 + i, Ordering::Relaxed);
        SINCE_MS.store(now_ms(), Ordering::Relaxed);
        let (r, peak) = alloc::peak(|| catch_unwind(AssertUnwindSafe(f)));
        SINCE_MS.store(0, Ordering::Relaxed);
        let dt = t0.elapsed();
        if dt > CASE_LIMIT {
            self.failures
                .push(format!("case {case}: entry point {i} took {dt:?}"));
        }
        if dt > self.slowest[i].0 {
            self.slowest[i] = (dt, case);
        }
        if peak > self.memory[i].0 {
            self.memory[i] = (peak, case);
        }
        match r {
            Ok(ok) => self.accepted[i] += usize::from(ok),
            Err(_) => self
                .failures
                .push(format!("case {case}: entry point {i} panicked")),
        }
        if peak > MEMORY_LIMIT {
            self.failures.push(format!(
                "case {case}: entry point {i} used {} MB",
                peak >> 20
            ));
        }
    }

    fn report(&self, names: &[&str], what: &str) {
        eprintln!(
            "{what}: {} cases, {} failures",
            self.cases,
            self.failures.len()
        );
        for (i, name) in names.iter().enumerate() {
            eprintln!(
                "  {name:<14} accepted {:>6}  slowest {:>8.1} ms (case {})  most memory {:>6.1} MB (case {})",
                self.accepted[i],
                self.slowest[i].0.as_secs_f64() * 1e3,
                self.slowest[i].1,
                self.memory[i].0 as f64 / 1048576.0,
                self.memory[i].1
            );
        }
        for f in self.failures.iter().take(20) {
            eprintln!("  FAILURE {f}");
        }
    }
}

/// A scratch folder per test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("altus-fuzz-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `altus harmonize` of the case's file: greedy or sampled, every beam width, alto or SATB,
/// causal or with the lookahead model, MIDI or a score on two or four staves.
fn harmonize_args(case: usize, path: &Path, dir: &Path) -> harmonize::Args {
    harmonize::Args {
        input: path.to_path_buf(),
        output: dir.join(if case % 4 == 1 {
            "out.musicxml"
        } else {
            "out.mid"
        }),
        staves: if case % 8 == 1 { 4 } else { 2 },
        model: None,
        lookahead: case.is_multiple_of(5),
        key: "auto".into(),
        temperature: if case.is_multiple_of(2) { 0.0 } else { 0.8 },
        seed: case as u64,
        pickup: None,
        low: 53,
        high: 77,
        beam: 1 + case % 4,
        voices: if case.is_multiple_of(3) {
            harmonize::Voices::Alto
        } else {
            harmonize::Voices::Satb
        },
    }
}

/// One MIDI input through every entry point. The file is named like a chorale (BWV 1) so the
/// dataset's naming rule lets it through.
fn midi_case(t: &mut Tally, case: usize, bytes: &[u8], dir: &Path, vae: &Autoencoder) {
    let path = dir.join("0001fuzz.mid");
    std::fs::write(&path, bytes).unwrap();
    t.cases += 1;
    t.measure(0, case, || inspect::report(&path).is_ok());
    t.measure(1, case, || {
        harmonize::harmonize(&harmonize_args(case, &path, dir)).is_ok()
    });
    t.measure(2, case, || {
        key::classify(&path, false, None).is_ok() & key::classify(&path, true, None).is_ok()
    });
    let loose = Options {
        min_parts: 2,
        chorales_only: false,
        ..Options::default()
    };
    t.measure(3, case, || dataset::load_file(&path, &loose).1.is_ok());
    t.measure(4, case, || {
        match dataset::load_file(&path, &Options::default()).1 {
            Ok(c) => Sequence::from_chorale(&c).len() == c.normalised.len - first_step(&c),
            Err(_) => false,
        }
    });
    t.measure(5, case, || match melody::read_melody(&path) {
        Ok(m) => {
            let back: Vec<Window> = m
                .windows
                .iter()
                .map(|w| vae.decode(&vae.encode(w)))
                .collect();
            let notes = melody::notes(&back, m.first, m.shift, 480, m.grid.len - m.first);
            melody::write_melody(
                &dir.join("m.mid"),
                notes,
                480,
                Vec::new(),
                melody::four_four(),
                m.key,
            )
            .is_ok()
        }
        Err(_) => false,
    });
}

fn first_step(c: &dataset::Chorale) -> usize {
    c.normalised.voices[0]
        .onset
        .iter()
        .position(|&o| o)
        .unwrap_or(0)
}

/// One weight file through every loader; what loads must run with finite outputs.
fn weights_case(t: &mut Tally, case: usize, bytes: &[u8], rng: &mut Rng) {
    t.cases += 1;
    t.measure(0, case, || match weights::from_bytes(bytes) {
        Ok((m, _)) => {
            let mut e = Engine::new(
                Box::new(m),
                Key::new(7, Mode::Minor),
                DecodeOptions::default(),
            );
            (0..64u16).all(|s| {
                e.step(StepInput {
                    soprano: Some(Pitch(60 + (s % 19) as u8)),
                    soprano_onset: s % 3 == 0,
                    bar_pos: s % 16,
                    strength: (s % 5) as u8,
                    ahead: Default::default(),
                });
                e.logits().iter().all(|x| x.is_finite())
            }) || panic!("NaN logits")
        }
        Err(_) => false,
    });
    t.measure(1, case, || match KeyClassifier::from_bytes(bytes) {
        Ok((k, _)) => {
            let h = PitchClassHistogram::from_durations((0..12).map(|p| (p as u8, rng.next_f32())));
            k.classify(&h, None).1.is_finite() || panic!("key probability is not finite")
        }
        Err(_) => false,
    });
    t.measure(2, case, || match Autoencoder::from_bytes(bytes) {
        Ok((ae, _)) => {
            let pitch: Vec<Option<u8>> = (0..WINDOW).map(|i| Some(60 + (i % 12) as u8)).collect();
            let w = Window::from_steps(&pitch, &[true; WINDOW], 0);
            assert!(
                ae.encode(&w).iter().all(|z| z.is_finite()),
                "code is not finite"
            );
            let _ = ae.decode(&ae.encode(&w));
            true
        }
        Err(_) => false,
    });
}

/// The real files that mutations start from: every 9th chorale, or none without the corpus.
fn seeds() -> Vec<Vec<u8>> {
    let Some(dir) = testkit::chorales_for_test("fuzz seeds (mutated chorales)") else {
        return Vec::new();
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .step_by(9)
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

fn weight_seeds() -> Vec<Vec<u8>> {
    vec![
        altus_core::embedded::DEFAULT_HARMONY.to_vec(),
        altus_core::embedded::DEFAULT_KEY.to_vec(),
        altus_core::embedded::DEFAULT_VAE.to_vec(),
    ]
}

/// `n` MIDI cases (half generated, half mutated) and `n` weight cases from `seed`.
fn campaign(seed: u64, deadline: Option<Instant>, n: usize) -> (Tally, Tally) {
    alloc::cap(1 << 30);
    let dir = scratch(&format!("c{seed}"));
    let vae = melody::load_model(None).unwrap().0;
    let (files, wfiles) = (seeds(), weight_seeds());
    let mut rng = Rng::new(seed);
    let (mut mt, mut wt) = (
        Tally::new(MIDI_ENTRIES.len()),
        Tally::new(WEIGHT_ENTRIES.len()),
    );
    for case in 0.. {
        if deadline.map_or(case >= n, |d| Instant::now() >= d) {
            break;
        }
        let bytes = if case % 2 == 0 || files.is_empty() {
            fuzz::midi_file(&mut rng)
        } else {
            let f = rng.below(files.len());
            fuzz::mutate(&mut rng, &files[f])
        };
        midi_case(&mut mt, case, &bytes, &dir, &vae);
        let w = match case % 5 {
            0 => (0..rng.below(400)).map(|_| rng.next_u64() as u8).collect(),
            _ => {
                let f = rng.below(wfiles.len());
                fuzz::mutate_weights(&mut rng, &wfiles[f])
            }
        };
        weights_case(&mut wt, case, &w, &mut rng);
    }
    let _ = std::fs::remove_dir_all(&dir);
    (mt, wt)
}

#[test]
fn six_hundred_hostile_files_and_weight_files_through_every_entry_point() {
    let (mt, wt) = watched(|| campaign(1, None, 600));
    mt.report(&MIDI_ENTRIES, "MIDI");
    wt.report(&WEIGHT_ENTRIES, "weights");
    assert!(
        mt.failures.is_empty() && wt.failures.is_empty(),
        "see the failures above"
    );
    // The generator reaches the deep code: files are read and harmonized, not all refused.
    assert!(
        mt.accepted[0] > 200 && mt.accepted[1] > 100,
        "{:?}",
        mt.accepted
    );
    assert!(wt.accepted.iter().all(|&a| a > 20), "{:?}", wt.accepted);
}

#[test]
#[ignore = "a soak of ALTUS_FUZZ_SECONDS (default 600); run with --ignored"]
fn soak() {
    let secs: u64 = std::env::var("ALTUS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let t0 = Instant::now();
    let (mt, wt) = watched(move || campaign(0x50AC, Some(t0 + Duration::from_secs(secs)), 0));
    eprintln!("soak: {:.1} minutes", t0.elapsed().as_secs_f64() / 60.0);
    mt.report(&MIDI_ENTRIES, "MIDI");
    wt.report(&WEIGHT_ENTRIES, "weights");
    assert!(
        mt.failures.is_empty() && wt.failures.is_empty(),
        "see the failures above"
    );
}
