//! `Voice::process` (the audio thread's work per block) never allocates.

use altus_core::engine::DecodeOptions;
use altus_plugin::realtime::{KeySetting, Note, Settings, Transport, Velocity, Voice};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local!(static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn processing_blocks_does_not_allocate() {
    let settings = Settings {
        key: KeySetting::Auto(None),
        decode: DecodeOptions {
            temperature: 0.7,
            ..DecodeOptions::default()
        },
        velocity: Velocity::Scale(80),
        channel: 1,
        pass_through: true,
        default_tempo: 120.0,
    };
    let mut v = Voice::new(
        Box::new(altus_core::default_model::default_alto().0),
        48_000.0,
        settings,
    );
    // A dense line: a new note every 16th at 180 bpm (4,000 samples), in 64-sample blocks.
    let blocks: Vec<Vec<Note>> = (0..2000u32)
        .map(|b| {
            let t = b * 64;
            if t % 4000 < 64 {
                let key = 60 + (b % 12) as u8;
                vec![
                    Note::Off {
                        at: 0,
                        key: key.wrapping_sub(1).max(59),
                        channel: 0,
                    },
                    Note::On {
                        at: (4000 - t % 4000) % 64,
                        key,
                        velocity: 90,
                        channel: 0,
                    },
                ]
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut sink = 0usize;
    COUNTING.with(|c| c.set(true));
    for (b, notes) in blocks.iter().enumerate() {
        let tr = Transport {
            playing: b < 1900,
            tempo: Some(180.0),
            pos_beats: Some(b as f64 * 64.0 * 3.0 / 48_000.0),
            bar_start_beats: None,
            time_sig: Some((4, 4)),
        };
        v.process(&tr, notes, 64, &mut |_| sink += 1);
    }
    COUNTING.with(|c| c.set(false));
    assert_eq!(ALLOCS.load(Ordering::Relaxed), 0);
    assert!(sink > 40, "{sink} events out");
}
