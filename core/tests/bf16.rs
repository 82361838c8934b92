//! What bf16 weights do to harmonizations: the embedded model harmonizes the sopranos of real
//! chorales with its bf16 copies (AVX-512 BF16, the engine's path on such CPUs) and again from
//! its `f32` weights (the AVX2 level forced), and the two must agree. Rounding moves logits by
//! a few thousandths, so decoding differs only where two choices were within that of each
//! other; once a voice differs, the model's own history differs too, so a difference may last
//! a few 16ths. Stated tolerance: at least 98% of the voices' 16ths identical over the files,
//! and no file below 90% (measured on a Xeon with AVX-512 BF16: 99.2%, lowest file 94.3%).
//!
//! One test in this binary: forcing the instruction set affects the whole process.

use altus_core::Grid;
use altus_core::harmony::engine::DecodeOptions;
use altus_core::harmony::harmonize;
use altus_core::music::midi;
use altus_core::nn::bf16;
use altus_core::nn::simd::{self, Isa};
use testkit::chorales_for_test;

#[test]
fn bf16_weights_harmonize_real_chorales_as_the_f32_weights_do() {
    let name = "bf16_weights_harmonize_real_chorales_as_the_f32_weights_do";
    let Some(dir) = chorales_for_test(name) else {
        return;
    };
    if !bf16::supported() || simd::force(Isa::Avx512).is_err() {
        eprintln!("SKIPPED {name}: this CPU has no AVX-512 BF16 (the step reads f32 weights)");
        return;
    }
    let model = altus_core::embedded::default_harmony().0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut same, mut total, mut worst) = (0usize, 0usize, (1.0f64, String::new()));
    // Every eighth file: 54 chorales, about 14,000 16ths.
    for path in files.iter().step_by(8) {
        let Ok(score) = midi::read_file(path) else {
            continue;
        };
        let grid = Grid::from_score(&score);
        if grid.voices.is_empty() || grid.voices[0].onset.iter().all(|&o| !o) {
            continue;
        }
        let key = grid.key();
        let (phase, _) = harmonize::melody_phase(&grid, None);
        let bar_pos = harmonize::bar_positions(&grid, phase);
        let opts = DecodeOptions::default();
        simd::force(Isa::Avx512).unwrap();
        let with_bf16 = harmonize::voice_lines(&grid, &model, key, &bar_pos, opts);
        simd::force(Isa::Avx2).unwrap();
        let with_f32 = harmonize::voice_lines(&grid, &model, key, &bar_pos, opts);
        let (mut s, mut n) = (0, 0);
        for (a, b) in with_bf16.iter().zip(&with_f32) {
            for t in 0..grid.len {
                n += 1;
                s += usize::from(a.pitch[t] == b.pitch[t] && a.onset[t] == b.onset[t]);
            }
        }
        let share = s as f64 / n.max(1) as f64;
        if share < worst.0 {
            worst = (share, path.display().to_string());
        }
        same += s;
        total += n;
    }
    let share = same as f64 / total as f64;
    eprintln!(
        "bf16 vs f32: {same} of {total} voice-16ths identical ({:.2}%); lowest file {:.1}% ({})",
        100.0 * share,
        100.0 * worst.0,
        worst.1
    );
    assert!(total > 5000, "too few 16ths compared: {total}");
    assert!(
        share >= 0.98,
        "bf16 changed {:.2}% of the voices' 16ths",
        100.0 * (1.0 - share)
    );
    assert!(
        worst.0 >= 0.90,
        "{}: only {:.1}% identical",
        worst.1,
        100.0 * worst.0
    );
}
