#!/usr/bin/env python3
"""Writes hostile MIDI files into DIR (default /tmp/hostile) for timing Altus's entry points:
    python3 scripts/hostile-files.py DIR
then, for each file F: /usr/bin/time -f '%e s %M KB' target/release/altus inspect F (and
harmonize, key, ae reconstruct, morph; `dataset stats` and `train` on a folder holding F)."""
import os, struct, sys

def vlq(v):
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.insert(0, 0x80 | (v & 0x7F))
        v >>= 7
    return bytes(out)

def smf(tracks, tpq=96, fmt=1):
    b = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), tpq)
    for t in tracks:
        b += b"MTrk" + struct.pack(">I", len(t)) + t
    return b

EOT = b"\x00\xff\x2f\x00"
HUGE = 0x0FFFFFFF

def note(key, length, delta=0):
    return vlq(delta) + bytes([0x90, key, 80]) + vlq(length) + bytes([0x80, key, 0])

files = {
    # The 37-byte file: one note, one huge delta, 1 tick per quarter.
    "bomb37.mid": smf([vlq(0) + bytes([0x90, 60, 80]) + vlq(HUGE) + bytes([0x80, 60, 0]) + EOT], tpq=1),
    # The same delta chained 30 times on meta events.
    "bomb-chained.mid": smf([vlq(0) + bytes([0x90, 60, 80]) + b"".join(vlq(HUGE) + b"\xff\x01\x00" for _ in range(30)) + bytes([0, 0x80, 60, 0]) + EOT], tpq=1),
    # One note lasting just under the 32,768-bar limit (524,287 16ths at 96 tpq).
    "long-note.mid": smf([note(72, (1 << 19) * 24 - 24) + EOT]),
    # The same at 600 bpm: inside every limit (3.6 hours), half a million 16ths to harmonize.
    "long-note-600bpm.mid": smf([b"\x00\xff\x51\x03\x01\x86\xa0" + note(72, (1 << 19) * 24 - 24) + EOT]),
    # A short melody and one more note just inside the step limit (18 hours at 120 bpm).
    "far-note.mid": smf([b"".join(note(60 + i % 12, 24) for i in range(16)) + note(67, 24, (1 << 19) * 24 - 48 * 24) + EOT]),
    # About 1 MB of 16th notes (running status): some 170,000 notes.
    "megabyte.mid": smf([bytes([0x00, 0x90, 60, 80]) + b"".join(vlq(24) + bytes([60 + i % 12, 0]) + vlq(0) + bytes([60 + (i + 1) % 12, 80]) for i in range(170_000)) + EOT]),
    # 300 unnamed note tracks (the old reader panicked on a few hundred).
    "tracks300.mid": smf([note(40 + i % 50, 96) + EOT for i in range(300)]),
    # 64 note parts, one of them far long: just under the grid-cell limit.
    "cells.mid": smf([note(40 + i, 96) + EOT for i in range(63)] + [note(90, (1 << 18) * 24 - 24) + EOT]),
    # 10 bpm and a note 100,000 quarters long: more than 24 hours.
    "day.mid": smf([b"\x00\xff\x51\x03\x5b\x8d\x80" + note(60, 100_000) + EOT], tpq=1),
    # Type 2.
    "type2.mid": smf([note(60, 96) + EOT], fmt=2),
}

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hostile"
os.makedirs(out, exist_ok=True)
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")
