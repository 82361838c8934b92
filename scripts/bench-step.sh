#!/usr/bin/env bash
# One step of the harmony model beside RTNeural's, in the same session (machines differ: only
# the ratios carry). Runs ../shared/peers/rtneural/run.sh (native and portable builds) and
# `cargo bench -p altus-core --bench step` twice (run-time dispatch, then ALTUS_ISA=portable) for
# the four-voice step, for RTNeural's shape (a 34-output head) and like for like (RTNeural's
# dense input and f32 weights: the kernels alone, without the product's one-hot gathers and
# 16-bit copies), then prints each pair, the
# ratio Altus / RTNeural (below 1: Altus is faster) and how many times faster than real time a
# 64-sample block at 48 kHz (1,333 µs) is when it holds one step. The like-for-like table adds
# the floor: the time only to read the same weights once, and its ratio to RTNeural.
#
#   scripts/bench-step.sh [PEERS_DIR]      # default ../shared/peers
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${1:-../shared/peers}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bash "$peers/rtneural/run.sh" | tee "$out/rtneural.txt"
groups='model_step|alto_shape|dense_f32'
cargo bench -q -p altus-core --bench step -- "$groups" 2>&1 | tee "$out/dispatch.txt"
ALTUS_ISA=portable cargo bench -q -p altus-core --bench step -- "$groups" 2>&1 | tee "$out/portable.txt"

python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
scale = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3}

def rtneural():
    times, build = {}, None
    for line in open(f"{out}/rtneural.txt"):
        m = re.match(r"== RTNeural \((\w+) build\)", line)
        if m:
            build = m.group(1)
        m = re.match(r"rtneural (\w+?)(\d+) ([\d.]+) ns/step", line)
        if m:
            times[(build, m.group(1), int(m.group(2)))] = float(m.group(3)) / 1000
    return times

def altus(name):
    times, isa, key = {}, None, None
    for line in open(f"{out}/{name}.txt"):
        m = re.search(r"(model_step|alto_shape|dense_f32)_(\w+)/(step|read)/(lstm|gru)(\d+)", line)
        if m:
            group = m.group(1) + ("_read" if m.group(3) == "read" else "")
            isa, key = m.group(2), (group, m.group(4), int(m.group(5)))
        m = re.search(r"time:\s+\[\S+ \S+ ([\d.]+) (\S+) ", line)
        if m and key:
            times[key] = float(m.group(1)) * scale[m.group(2)]
            key = None
    return isa, times

rt = rtneural()
shapes = [
    ("model_step", "the four-voice step (head 174 outputs)"),
    ("alto_shape", "RTNeural's shape (head 34 outputs)"),
    ("dense_f32", "like for like: RTNeural's dense 100-wide input, f32 weights, head 34"),
]
for name, build in [("dispatch", "native"), ("portable", "portable")]:
    isa, ours = altus(name)
    for group, what in shapes:
        print(f"\nAltus ({isa}) vs RTNeural ({build} build), µs per step, {what}")
        floor = group == "dense_f32"
        extra = f" {'read only':>9} {'ratio':>6}" if floor else ""
        print(f"{'model':<8} {'Altus':>8} {'RTNeural':>9} {'ratio':>6} {'x real time':>12}{extra}")
        for cell in ["lstm", "gru"]:
            for h in [64, 128, 256]:
                a, r = ours.get((group, cell, h)), rt.get((build, cell, h))
                if a is None or r is None:
                    print(f"{cell}{h:<4} missing")
                    continue
                line = f"{cell}{h:<4} {a:>8.2f} {r:>9.2f} {a / r:>6.2f} {1333.3 / a:>12.0f}"
                # Reading the weights once, nothing else: no kernel's ratio can be lower.
                f = ours.get(("dense_f32_read", cell, h)) if floor else None
                if f is not None:
                    line += f" {f:>9.2f} {f / r:>6.2f}"
                print(line)
PY
