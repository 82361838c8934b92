//! The audio thread's work never allocates: `Performer` blocks, settings changes of every kind,
//! resets, bursts and model swaps (the new model is made before, off the audio thread).

mod common;

use altus_core::harmony::engine::DecodeOptions;
use altus_core::{Key, Mode};
use altus_plugin::realtime::{KeySetting, Note, Performer, Settings, Transport, Velocity};

// No allocator here: the tests' build of the plugin has `assert_process_allocs` (a
// dev-dependency on itself), so nice-plug's allocator is global and `assert_no_alloc` aborts the
// process on any allocation or free inside it (`the_checker_aborts_on_an_allocation`).
use nice_assert_no_alloc::assert_no_alloc;

#[test]
fn processing_blocks_and_lifecycle_changes_do_not_allocate() {
    let base = Settings {
        key: KeySetting::Auto(None),
        decode: DecodeOptions {
            temperature: 0.7,
            ..DecodeOptions::default()
        },
        voices: 3,
        velocity: Velocity::Scale(80),
        channels: [1, 2, 3],
        pass_through: true,
        default_tempo: 120.0,
    };
    let model = altus_core::embedded::default_harmony().0;
    let mut v = Performer::new(Box::new(model.clone()), 48_000.0, base);
    let blocks = dense_line();
    let mut swaps: Vec<(Box<_>, _)> = (0..3)
        .map(|_| {
            let m = Box::new(model.clone());
            let s = m.new_state();
            (m, s)
        })
        .collect();
    let mut olds = Vec::with_capacity(3);
    let mut sink = 0usize;
    assert_no_alloc(|| {
        for (b, notes) in blocks.iter().enumerate() {
            let s = settings_at(base, b);
            match b % 300 {
                200 => v.reset(),
                250 => {
                    if let Some((m, st)) = swaps.pop() {
                        olds.push(v.swap_model(m, st, &mut |_| true));
                    }
                }
                _ => {}
            }
            v.set_settings(s, &mut |_| true);
            let tr = Transport {
                playing: b % 500 < 480,
                tempo: Some(180.0),
                pos_beats: Some(b as f64 * 64.0 * 3.0 / 48_000.0),
                bar_start_beats: None,
                time_sig: Some((4, 4)),
            };
            v.process(&tr, notes, 64, &mut |_| {
                sink += 1;
                true
            });
        }
    });
    assert!(sink > 1000, "{sink} events out");
    assert_eq!(olds.len(), 3);
}

/// Block `b`'s settings: key, temperature, a voice's channel, the voices sounding, the beam and
/// pass-through change now and then.
fn settings_at(base: Settings, b: usize) -> Settings {
    let mut s = base;
    match b % 300 {
        50 => s.key = KeySetting::Fixed(Key::new(2, Mode::Minor)),
        51..=99 => s.decode.temperature = 0.2 + (b % 9) as f32 * 0.1,
        100 => s.channels[1] = 4,
        120..=130 => s.voices = 1 + b % 3,
        140 => s.decode.beam = 1,
        150 => s.pass_through = false,
        _ => {}
    }
    s
}

/// A dense line: a new note every 16th at 180 bpm (4,000 samples) in 64-sample blocks, with a
/// grace note in every 7th 16th, and now and then a 500-event burst.
fn dense_line() -> Vec<Vec<Note>> {
    (0..2000u32)
        .map(|b| {
            let t = b * 64;
            let key = 60 + (b % 12) as u8;
            let mut notes = Vec::new();
            if t % 4000 < 64 {
                let at = (4000 - t % 4000) % 64;
                notes.push(Note::Off {
                    at: 0,
                    key: key.wrapping_sub(1).max(59),
                    channel: 0,
                });
                notes.push(Note::On {
                    at,
                    key,
                    velocity: 90,
                    channel: 0,
                });
                if b % 7 == 0 {
                    notes.push(Note::On {
                        at: at.max(40),
                        key: key + 2,
                        velocity: 90,
                        channel: 0,
                    });
                    notes.push(Note::Off {
                        at: 63,
                        key: key + 2,
                        channel: 0,
                    });
                }
            }
            if b % 400 == 399 {
                notes.extend((0..250u32).flat_map(|i| {
                    let k = (i * 7 % 128) as u8;
                    [
                        Note::On {
                            at: i % 60,
                            key: k,
                            velocity: 50,
                            channel: 2,
                        },
                        Note::Off {
                            at: 60 + i % 4,
                            key: k,
                            channel: 2,
                        },
                    ]
                }));
                notes.sort_by_key(|n| n.at());
            }
            notes
        })
        .collect()
}

/// Run by `the_checker_aborts_on_an_allocation` in a child process.
#[test]
#[ignore]
fn allocates_inside_the_checker() {
    let v = assert_no_alloc(|| std::hint::black_box(vec![1u8; 64]));
    println!("not caught: {}", v.len());
}

#[test]
fn the_checker_aborts_on_an_allocation() {
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "allocates_inside_the_checker",
            "--nocapture",
        ])
        .output()
        .expect("run the test binary");
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && !text.contains("not caught"),
        "{text}"
    );
}
