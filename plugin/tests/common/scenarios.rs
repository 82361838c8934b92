//! Host lifecycles, written once for any [`Host`] (the CLAP and the VST3 bundle): a real
//! chorale's soprano played while the host restarts processing, automates parameters, toggles
//! pass-through, sends bursts, loops and jumps the transport, re-activates the plugin — and
//! everything at once. Each returns what it did; the caller checks the output.

use super::{Host, HostTime, SR, in_block, playing_at};
use altus_core::Grid;
use altus_core::music::midi;
use altus_core::rng::Rng;

/// A song: the soprano of a chorale as input events, with its note-ons.
pub struct Song {
    /// (absolute sample, key, on?), offs before ons at one sample.
    pub events: Vec<(u64, u8, bool)>,
    /// Where the song (and its last note-off) is over.
    pub end: u64,
}

impl Song {
    /// The soprano of `file` from the chorale folder, at 120 bpm.
    pub fn chorale(dir: &std::path::Path, file: &str) -> Song {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        let events = super::song_events(&grid, 120.0);
        let end = events.last().map_or(0, |e| e.0) + 8_000;
        Song { events, end }
    }
}

/// What a scenario did, for the checks and the report.
#[derive(Debug, Default)]
pub struct Done {
    /// Blocks processed.
    pub blocks: usize,
    /// Processing restarts or re-activations while a soprano note was held.
    pub mid_note: usize,
    /// Lifecycle events (restarts, re-activations) in all.
    pub lifecycle: usize,
    /// The samples at which processing resumed after each of them.
    pub resumed_at: Vec<u64>,
    /// Parameter changes sent.
    pub param_changes: usize,
    /// Burst events sent.
    pub burst_events: usize,
    /// Transport jumps and loop wraps.
    pub jumps: usize,
    /// Soprano note-ons the alto must answer at their sample (none in burst blocks).
    pub onsets: Vec<u64>,
}

/// What a scenario may do before each block: act on the host, move the transport, add notes.
/// Returns whether this block's soprano onsets are to be checked.
pub type Hook<'a, H> =
    dyn FnMut(&mut H, usize, &mut HostTime, &mut Vec<(u32, u8, bool)>, &mut Done) -> bool + 'a;

/// Plays `song` on `host` with `hook` before every block, then stops the transport for two
/// blocks (the song's own note-offs have all been sent by then).
pub fn run<H: Host>(host: &mut H, song: &Song, hook: &mut Hook<'_, H>) -> Done {
    let mut done = Done::default();
    let mut held = false;
    while host.now() < song.end {
        let now = host.now();
        let mut t = playing_at(now, 120.0);
        let mut notes = in_block(&song.events, now, host.block_len());
        let before = done.lifecycle;
        let check = hook(host, done.blocks, &mut t, &mut notes, &mut done);
        if done.lifecycle > before {
            done.resumed_at.push(now);
            done.mid_note += usize::from(held);
        }
        notes.sort_by_key(|n| (n.0, n.2));
        if check {
            done.onsets.extend(
                in_block(&song.events, now, host.block_len())
                    .iter()
                    .filter(|n| n.2)
                    .map(|n| now + n.0 as u64),
            );
        }
        for e in in_block(&song.events, now, host.block_len()) {
            held = e.2;
        }
        host.block(&t, &notes);
        done.blocks += 1;
    }
    for _ in 0..2 {
        let stop = HostTime {
            playing: false,
            ..playing_at(host.now(), 120.0)
        };
        host.block(&stop, &[]);
    }
    done
}

/// A lifecycle scenario for host `H`.
pub type Scenario<H> = fn(&mut H, &Song) -> Done;

/// Every scenario with the block length it runs at (the seeds fixed).
pub fn all<H: Host>() -> [(&'static str, u32, Scenario<H>); 7] {
    [
        ("restarts", 512, restarts),
        ("re-activations", 256, reactivations),
        ("automation", 128, |h, s| automation(h, s, 1)),
        ("pass-through", 512, pass_through),
        ("bursts", 512, |h, s| bursts(h, s, 2)),
        ("loops and jumps", 64, |h, s| loops_and_jumps(h, s, 3)),
        ("chaos", 256, |h, s| chaos(h, s, 4)),
    ]
}

/// Processing stopped and restarted every 5th block (most often while a note sounds); the
/// notes played in the block after each restart are lost, as notes played while a host's
/// processing stands still are: held notes then never get their note-off from the host.
pub fn restarts<H: Host>(host: &mut H, song: &Song) -> Done {
    run(host, song, &mut |h, i, _, notes, d| {
        if i % 5 != 4 {
            return true;
        }
        h.restart_processing();
        d.lifecycle += 1;
        notes.clear();
        false
    })
}

/// Deactivated and re-activated every 7th block, losing that block's notes as above.
pub fn reactivations<H: Host>(host: &mut H, song: &Song) -> Done {
    run(host, song, &mut |h, i, _, notes, d| {
        if i % 7 != 6 {
            return true;
        }
        h.reactivate();
        d.lifecycle += 1;
        notes.clear();
        false
    })
}

/// Every block: temperature, the voices' ranges and velocity automated; now and then the key,
/// mode, the voices sounding, each voice's channel (from pools that never meet, so each channel
/// stays one voice), velocity mode and pass-through.
pub fn automation<H: Host>(host: &mut H, song: &Song, seed: u64) -> Done {
    let mut rng = Rng::new(seed);
    run(host, song, &mut |h, i, _, _, d| {
        let mut set = |name: &str, v: f64| {
            h.set_param(name, v);
            d.param_changes += 1;
        };
        set("Temperature", rng.next_f32() as f64);
        for voice in ["Alto", "Tenor", "Bass"] {
            set(&format!("{voice} low"), rng.next_f32() as f64 * 0.45);
            set(
                &format!("{voice} high"),
                0.45 + rng.next_f32() as f64 * 0.55,
            );
        }
        set("Velocity", rng.next_f32() as f64);
        if i % 16 == 0 {
            set("Velocity mode", rng.next_f32() as f64);
        }
        if i % 40 == 0 {
            set("Key", rng.next_f32() as f64);
            set("Mode", rng.next_f32() as f64);
        }
        if i % 30 == 0 {
            // Alto 2, 5–8; tenor 3, 9–12; bass 4, 13–16.
            for (v, voice) in ["Alto", "Tenor", "Bass"].iter().enumerate() {
                let k = rng.below(5);
                let ch = if k == 0 { 2 + v } else { 4 * (v + 1) + k };
                set(&format!("{voice} channel"), (ch - 1) as f64 / 15.0);
            }
        }
        if i % 20 == 0 {
            set("Voices", rng.below(3) as f64 / 2.0);
        }
        if i % 25 == 0 {
            set("Soprano through", (i / 25 % 2) as f64);
        }
        true
    })
}

/// "Soprano through" toggled every 3rd block, so it often changes while a note is held.
pub fn pass_through<H: Host>(host: &mut H, song: &Song) -> Done {
    run(host, song, &mut |h, i, _, _, d| {
        if i % 3 == 0 {
            h.set_param("Soprano through", (i / 3 % 2) as f64);
            d.param_changes += 1;
        }
        true
    })
}

/// Three blocks with 10,000 extra events each (5,000 random keys struck and released inside
/// the block), on top of the song.
pub fn bursts<H: Host>(host: &mut H, song: &Song, seed: u64) -> Done {
    let mut rng = Rng::new(seed);
    run(host, song, &mut |h, i, _, notes, d| {
        if ![20, 200, 900].contains(&i) {
            return true;
        }
        let len = h.block_len();
        for _ in 0..5_000 {
            let key = rng.below(128) as u8;
            // Released strictly after it is struck: a balanced stream, as a sequencer sends.
            let a = rng.below(len as usize - 1) as u32;
            let b = a + 1 + rng.below((len - 1 - a) as usize) as u32;
            notes.push((a, key, true));
            notes.push((b, key, false));
        }
        d.burst_events += 10_000;
        // The song's notes in this block share keys with the burst: do not check them.
        false
    })
}

/// The transport loops over the first 2 bars' length (position wraps every 8 quarters) and
/// now and then jumps to a random bar.
pub fn loops_and_jumps<H: Host>(host: &mut H, song: &Song, seed: u64) -> Done {
    let mut rng = Rng::new(seed);
    let mut offset = 0.0;
    let mut last = 0.0;
    run(host, song, &mut |_, i, t, _, d| {
        if i % 150 == 149 {
            offset = (rng.below(64) * 4) as f64;
        }
        let beats = (t.beats % 8.0) + offset;
        if beats < last || i % 150 == 149 {
            d.jumps += 1;
        }
        (t.beats, last) = (beats, beats);
        true
    })
}

/// Everything at once, at random: restarts, re-activations, automation, pass-through, small
/// bursts, transport stops, jumps.
pub fn chaos<H: Host>(host: &mut H, song: &Song, seed: u64) -> Done {
    let mut rng = Rng::new(seed);
    let mut offset = 0.0;
    run(host, song, &mut |h, _, t, notes, d| {
        let mut check = true;
        match rng.below(40) {
            0 => {
                h.restart_processing();
                d.lifecycle += 1;
            }
            1 => {
                h.reactivate();
                d.lifecycle += 1;
            }
            2 => {
                h.set_param("Soprano through", rng.below(2) as f64);
                d.param_changes += 1;
            }
            3 => {
                h.set_param("Key", rng.next_f32() as f64);
                d.param_changes += 1;
            }
            4 => {
                offset += 4.0 * rng.below(8) as f64 - 8.0;
                d.jumps += 1;
            }
            5 => t.playing = false,
            6 => {
                for _ in 0..100 {
                    let (a, k) = (
                        rng.below(h.block_len() as usize) as u32,
                        rng.below(128) as u8,
                    );
                    notes.push((a.min(h.block_len() - 2), k, true));
                    notes.push((h.block_len() - 1, k, false));
                }
                d.burst_events += 200;
                check = false;
            }
            _ => {
                h.set_param("Temperature", rng.next_f32() as f64);
                d.param_changes += 1;
            }
        }
        t.beats = (t.beats + offset).max(0.0);
        check
    })
}

/// The checks every lifecycle makes of a host's output (`format` names the host in the
/// report): balanced, one note at a time per generated voice, every note sounding when
/// processing resumed ended right there, every checked soprano onset answered at its sample.
pub fn check(format: &str, name: &str, out: &[super::Out], done: &Done) {
    use super::{check_balanced, check_ended_at, check_monophonic, unanswered};
    let checked = check_balanced(out)
        .and_then(|_| check_monophonic(out))
        .and_then(|_| check_ended_at(out, &done.resumed_at));
    if let Err(e) = checked {
        panic!("{format} {name}: {e}");
    }
    let missed = unanswered(&done.onsets, out);
    assert!(
        missed.is_empty(),
        "{format} {name}: soprano note-ons without an alto at their sample: {missed:?}"
    );
    let alto = out.iter().filter(|o| o.2 && o.3 != 0).count();
    assert!(
        alto * 2 > done.onsets.len(),
        "{format} {name}: the alto plays ({alto} notes for {} onsets)",
        done.onsets.len()
    );
    eprintln!(
        "{format} {name}: {} blocks, {} restarts/re-activations ({} mid-note), {} parameter changes, {} burst events, {} jumps; {} note events out, {} soprano onsets answered",
        done.blocks,
        done.lifecycle,
        done.mid_note,
        done.param_changes,
        done.burst_events,
        done.jumps,
        out.len(),
        done.onsets.len()
    );
}

/// Samples per second, for reports.
pub fn seconds(samples: u64) -> f64 {
    samples as f64 / SR
}
