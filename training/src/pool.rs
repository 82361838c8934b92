//! Persistent helper threads that run one borrowed job at a time, each on its own index.
//!
//! Training runs two short parallel jobs per mini-batch (forward/backward, then the optimiser).
//! A `std::thread::scope` per job paid a thread start each time: on a two-core VM the helper
//! began 70–100 µs after the caller, a few percent of a batch. These helpers spin between jobs
//! for a while (a batch's serial gap is far shorter), then sleep on a condition variable.

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle helper spins before it sleeps.
const SPIN: Duration = Duration::from_millis(2);

type Job = dyn Fn(usize) + Sync;

/// A job published to the helpers: its lifetime is erased, and [`Pool::run`] does not return
/// (nor unwind) before every helper has finished with it.
struct Shared {
    job: UnsafeCell<Option<*const Job>>,
    /// Bumped once per job (and at shutdown); a helper runs a job when it sees a new value.
    generation: AtomicUsize,
    /// Helpers still running the current job.
    pending: AtomicUsize,
    panicked: AtomicBool,
    stop: AtomicBool,
    sleep: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written only by `run` (which takes the pool by `&mut`, so never by two
// threads at once) while no helper reads it (pending == 0, before the generation is bumped with
// Release) and read by helpers only after they observe the new generation with Acquire; the
// job itself is `Sync`.
unsafe impl Sync for Shared {}
// SAFETY: the raw job pointer is only dereferenced under the protocol above; every other field
// is `Send`.
unsafe impl Send for Shared {}

/// `n` helper threads; with the calling thread, jobs run on `n + 1` indices.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    helpers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts `helpers` threads.
    pub fn new(helpers: usize) -> Pool {
        let shared = Arc::new(Shared {
            job: UnsafeCell::new(None),
            generation: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let helpers = (1..=helpers)
            .map(|i| {
                let s = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("altus-train-{i}"))
                    .spawn(move || helper(&s, i))
                    .expect("cannot start a training thread")
            })
            .collect();
        Pool { shared, helpers }
    }

    /// Indices a job runs on: the helpers and the calling thread (index 0).
    pub fn width(&self) -> usize {
        self.helpers.len() + 1
    }

    /// Runs `job(i)` for every index, 0 on the calling thread; returns when all have finished.
    /// Panics (after every index has finished) if any of them panicked. `&mut self`: one job at
    /// a time, as the single job slot requires (two threads cannot both run, nor can a job run
    /// another on its own pool).
    pub fn run(&mut self, job: &(dyn Fn(usize) + Sync)) {
        let s = &*self.shared;
        // SAFETY: no helper is reading `job` (the previous run waited for pending == 0, and
        // `&mut self` excludes another `run` meanwhile); the lifetime is erased only until
        // `Wait` below has seen every helper finish.
        unsafe {
            let short: *const (dyn Fn(usize) + Sync + '_) = job;
            *s.job.get() = Some(std::mem::transmute::<
                *const (dyn Fn(usize) + Sync + '_),
                *const Job,
            >(short));
        }
        s.panicked.store(false, Ordering::Relaxed);
        s.pending.store(self.helpers.len(), Ordering::Relaxed);
        s.generation.fetch_add(1, Ordering::Release);
        drop(s.sleep.lock().unwrap_or_else(|e| e.into_inner()));
        s.wake.notify_all();
        /// Waits for the helpers even when the caller's share unwinds.
        struct Wait<'a>(&'a Shared);
        impl Drop for Wait<'_> {
            fn drop(&mut self) {
                let mut spins = 0u32;
                while self.0.pending.load(Ordering::Acquire) != 0 {
                    spins = spins.wrapping_add(1);
                    if spins.is_multiple_of(1024) {
                        std::thread::yield_now();
                    } else {
                        spin_loop();
                    }
                }
            }
        }
        let wait = Wait(s);
        job(0);
        drop(wait);
        if s.panicked.swap(false, Ordering::Relaxed) {
            panic!("a training thread panicked");
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.generation.fetch_add(1, Ordering::Release);
        drop(self.shared.sleep.lock().unwrap_or_else(|e| e.into_inner()));
        self.shared.wake.notify_all();
        for h in self.helpers.drain(..) {
            let _ = h.join();
        }
    }
}

/// A helper's loop: wait for a new generation (spinning, then sleeping), run the job, report.
fn helper(s: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        let start = Instant::now();
        let mut spins = 0u32;
        while s.generation.load(Ordering::Acquire) == seen {
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(256) || start.elapsed() < SPIN {
                spin_loop();
                continue;
            }
            let guard = s.sleep.lock().unwrap_or_else(|e| e.into_inner());
            if s.generation.load(Ordering::Acquire) == seen {
                drop(s.wake.wait(guard).unwrap_or_else(|e| e.into_inner()));
            }
        }
        seen = s.generation.load(Ordering::Acquire);
        if s.stop.load(Ordering::Acquire) {
            return;
        }
        // SAFETY: published before the generation this thread observed with Acquire; `run`
        // keeps the job alive until `pending` reaches 0 below.
        let job = unsafe { (*s.job.get()).expect("a published job") };
        // SAFETY: as above, the job outlives this call.
        if catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(index) })).is_err() {
            s.panicked.store(true, Ordering::Relaxed);
        }
        s.pending.fetch_sub(1, Ordering::Release);
    }
}

/// A job's slot, locked by the one index that uses it: never contended, and a poisoned one
/// (a panic in an earlier job, already reported by [`Pool::run`]) is still usable.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_runs_once_per_job_and_sees_borrowed_data() {
        let mut pool = Pool::new(3);
        for round in 0..200usize {
            let hits: Vec<AtomicUsize> = (0..pool.width()).map(|_| AtomicUsize::new(0)).collect();
            let data = [round; 4];
            pool.run(&|i| {
                hits[i].fetch_add(data[i] + 1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == round + 1));
        }
    }

    #[test]
    fn a_panicking_helper_is_reported_after_all_finish_and_the_pool_still_works() {
        let mut pool = Pool::new(1);
        let done = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.run(&|i| {
                if i == 1 {
                    panic!("helper fails");
                }
                std::thread::sleep(Duration::from_millis(5));
                done.fetch_add(1, Ordering::Relaxed);
            })
        }));
        assert!(r.is_err() && done.load(Ordering::Relaxed) == 1);
        let n = AtomicUsize::new(0);
        pool.run(&|_| {
            n.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(n.load(Ordering::Relaxed), 2);
    }
}
