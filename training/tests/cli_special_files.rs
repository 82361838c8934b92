//! Every `altus` entry point that reads a path, given `/dev/zero`, a FIFO with no writer, a
//! directory or a sparse 8 GB file in its place: one error line naming the file and what it
//! is, a non-zero exit, at once (the binary is killed and the test fails if it hangs).

mod common;
use common::tmp;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testkit::fuzz::{smf, vlq};

/// A soprano of four quarter notes: a valid melody for the commands' other inputs.
fn melody() -> Vec<u8> {
    let mut t = Vec::new();
    for p in [72u8, 74, 76, 72] {
        t.extend([0x00, 0x90, p, 80]);
        t.extend(vlq(480));
        t.extend([0x80, p, 0]);
    }
    t.extend([0x00, 0xFF, 0x2F, 0x00]);
    smf(0, 480, &[t])
}

/// Runs `altus ARGS` with a deadline: (success, stderr, time taken).
fn run_bounded(args: &[String]) -> (bool, String, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_altus"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            return (status.success(), err, start.elapsed());
        }
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("altus {}: still running after 10 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn every_entry_point_refuses_special_files_at_once() {
    let d = tmp("special");
    let good = d.join("melody.mid");
    std::fs::write(&good, melody()).unwrap();
    let small = d.join("small");
    std::fs::create_dir_all(&small).unwrap();
    std::fs::copy(&good, small.join("one.mid")).unwrap();
    let out = d.join("out");
    let (g, s, o) = (
        good.display().to_string(),
        small.display().to_string(),
        out.display().to_string(),
    );
    // `{F}` is the special path; each line reads it as a MIDI file, a weight file or a folder.
    let lines = [
        "inspect {F}",
        "harmonize {F} {O}/x.mid",
        "harmonize {G} {O}/x.mid --model {F}",
        "harmonize {G} {O}/x.mid --lookahead --model {F}",
        "key {F}",
        "key {G} --model {F}",
        "key eval --model {F} --data {S}",
        "eval --model {F} --data {S}",
        "ae reconstruct {F} {O}/x.mid",
        "ae reconstruct {G} {O}/x.mid --model {F}",
        "vae sample --out {O} --model {F}",
        "morph {F} {G} --out {O}",
        "morph {G} {G} --out {O} --model {F}",
        "train --data {F} --out {O}/m.safetensors",
        "key train --data {F} --out {O}/k.safetensors",
        "vae train --data {F} --out {O}/v.safetensors",
        "dataset stats {F}",
    ];
    let mut slowest = Duration::ZERO;
    for (what, path) in testkit::special::special_files(&d) {
        let f = path.display().to_string();
        for line in lines {
            // A folder is a valid `--data`/`DIR`: that case is the other files'.
            let reads_folder = line.contains("--data {F}") || line.starts_with("dataset");
            if reads_folder && what == "a directory" {
                continue;
            }
            let args: Vec<String> = line
                .split_whitespace()
                .map(|a| {
                    a.replace("{F}", &f)
                        .replace("{G}", &g)
                        .replace("{S}", &s)
                        .replace("{O}", &o)
                })
                .collect();
            let (ok, err, took) = run_bounded(&args);
            slowest = slowest.max(took);
            assert!(!ok, "{what}: altus {line} succeeded");
            assert_eq!(err.lines().count(), 1, "{what}: altus {line}: {err}");
            assert!(
                err.contains(&f),
                "{what}: altus {line} names the file: {err}"
            );
            assert!(
                took < Duration::from_secs(2),
                "{what}: altus {line} took {took:?}"
            );
            if !reads_folder {
                let reason = match what {
                    "/dev/zero" => "a device, not a regular file",
                    "a FIFO with no writer" => "a named pipe (FIFO), not a regular file",
                    "a directory" => "a directory, not a regular file",
                    _ => "more than the",
                };
                assert!(err.contains(reason), "{what}: altus {line}: {err}");
            }
        }
    }
    eprintln!("slowest refusal: {slowest:?}");
    assert!(!Path::new(&o).join("x.mid").exists(), "nothing written");
    std::fs::remove_dir_all(&d).unwrap();
}
