//! The plugin's audio-thread work: 64-sample blocks at 48 kHz with a dense soprano (a new note
//! every 16th at 180 bpm), timed block by block. Prints the median and the maximum time per
//! block and their share of the block's real-time budget (64 / 48,000 s = 1,333 µs).
//! The machine is shared: a block can be pre-empted by the OS mid-way. So the song is played
//! `RUNS` times with the same input (the same work per block) and each block's time is the
//! fastest of its runs; the raw maximum is printed too.
//! Run: `cargo bench -p altus-plugin --bench blocks`.

use altus_core::harmony::engine::DecodeOptions;
use altus_plugin::realtime::{KeySetting, Note, Settings, Transport, Velocity, Voice};
use std::time::Instant;

const SR: f64 = 48_000.0;
const BLOCK: u32 = 64;
const BLOCKS: usize = 30_000; // 40 s of music, 480 notes
const RUNS: usize = 5;

/// One pass over the song; returns µs per block and the number of events sent.
fn run() -> (Vec<f64>, usize) {
    let settings = Settings {
        key: KeySetting::Auto(None),
        decode: DecodeOptions::default(),
        voices: 3,
        velocity: Velocity::Follow,
        channels: [1, 2, 3],
        pass_through: true,
        default_tempo: 120.0,
    };
    let mut v = Voice::new(
        Box::new(altus_core::embedded::default_harmony().0),
        SR,
        settings,
    );
    let per_step = SR * 60.0 / 180.0 / 4.0; // 4,000 samples
    let mut times = Vec::with_capacity(BLOCKS);
    let mut notes = Vec::with_capacity(4);
    let mut out = 0usize;
    let mut key = 60u8;
    for b in 0..BLOCKS as u64 {
        let t0 = b * BLOCK as u64;
        notes.clear();
        let next = ((t0 as f64 / per_step).ceil() * per_step) as u64;
        if next < t0 + BLOCK as u64 {
            let at = (next - t0) as u32;
            notes.push(Note::Off {
                at,
                key,
                channel: 0,
            });
            key = 60 + ((key - 59) * 7 % 13);
            notes.push(Note::On {
                at,
                key,
                velocity: 90,
                channel: 0,
            });
        }
        let tr = Transport {
            playing: true,
            tempo: Some(180.0),
            pos_beats: Some(t0 as f64 / per_step / 4.0),
            bar_start_beats: None,
            time_sig: Some((4, 4)),
        };
        let start = Instant::now();
        v.process(&tr, &notes, BLOCK, &mut |_| {
            out += 1;
            true
        });
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    (times, out)
}

fn main() {
    let budget = BLOCK as f64 / SR * 1e6;
    let runs: Vec<(Vec<f64>, usize)> = (0..RUNS).map(|_| run()).collect();
    let raw_max = runs
        .iter()
        .flat_map(|r| r.0.iter().copied())
        .fold(0.0, f64::max);
    let best: Vec<f64> = (0..BLOCKS)
        .map(|i| runs.iter().map(|r| r.0[i]).fold(f64::INFINITY, f64::min))
        .collect();
    let (worst_block, max) = best
        .iter()
        .copied()
        .enumerate()
        .fold((0, 0.0), |a, (i, t)| if t > a.1 { (i, t) } else { a });
    let mut sorted = best.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[BLOCKS / 2];
    let step_blocks: Vec<f64> = best.iter().copied().filter(|&t| t > 0.5).collect();
    println!(
        "plugin engine, {BLOCK}-sample blocks at 48 kHz, a note every 16th at 180 bpm, {BLOCKS} blocks × {RUNS} runs ({} events out per run), ISA {:?}",
        runs[0].1,
        altus_core::nn::simd::isa()
    );
    println!(
        "median          {median:7.2} µs ({:.3}% of the {budget:.0} µs budget)",
        100.0 * median / budget
    );
    println!(
        "max             {max:7.2} µs ({:.3}%) at block {worst_block} (fastest of {RUNS} runs per block)",
        100.0 * max / budget
    );
    println!(
        "blocks w/ steps {} blocks, median {:.2} µs",
        step_blocks.len(),
        step_blocks
            .get(step_blocks.len() / 2)
            .copied()
            .unwrap_or(0.0)
    );
    println!(
        "raw max         {raw_max:7.2} µs ({:.3}%), any run, OS pre-emption included",
        100.0 * raw_max / budget
    );
}
