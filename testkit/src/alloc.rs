//! An allocator for tests: counts allocations made while a thread asks for it, tracks the
//! process's live and peak bytes, and refuses (so the allocation fails loudly) any request that
//! would take the live total past a cap. Install it in a test binary with
//! `#[global_allocator] static A: testkit::alloc::Counting = testkit::alloc::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The counting allocator.
pub struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CAP: AtomicUsize = AtomicUsize::new(usize::MAX);

thread_local!(static COUNTING: Cell<bool> = const { Cell::new(false) });

// SAFETY: every request is passed on unchanged to the system allocator (or refused with null,
// which `GlobalAlloc` allows); the bookkeeping allocates nothing (atomics and a const-initialised
// thread-local `Cell` without destructor).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        let live = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        if live > CAP.load(Ordering::Relaxed) {
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: the caller's `l` (non-zero size), as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: `p` came from `System.alloc` with this `l` (above), as the caller guarantees.
        unsafe { System.dealloc(p, l) }
    }
}

/// Allocations this thread made while running `f` (only counted with [`Counting`] installed).
pub fn count<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, ALLOCS.load(Ordering::Relaxed) - before)
}

/// Runs `f` and returns the peak of live heap bytes above what was live before it (whole
/// process; run such tests alone in their binary).
pub fn peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// Live heap bytes may not exceed `bytes` from now on: a larger request fails (the process
/// aborts with "memory allocation failed").
pub fn cap(bytes: usize) {
    CAP.store(bytes, Ordering::Relaxed);
}
