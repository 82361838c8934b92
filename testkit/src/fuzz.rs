//! Hostile inputs for the fuzz tests: a structure-aware MIDI generator (a valid chunk layout
//! around random deltas, huge ones included, running status, sysex and meta events, wrong and
//! huge declared lengths, many tracks and channels, overlapping notes), byte mutation of real
//! files, and mutations of weight files (headers, shapes, values: NaN, ±∞, absurd magnitudes).

use altus_core::rng::Rng;

/// A variable-length quantity (MIDI delta or length).
pub fn vlq(mut v: u32) -> Vec<u8> {
    v &= 0x0FFF_FFFF;
    let mut out = vec![(v & 0x7F) as u8];
    v >>= 7;
    while v > 0 {
        out.insert(0, 0x80 | (v & 0x7F) as u8);
        v >>= 7;
    }
    out
}

/// A file with this header (the track count right) and these track chunks.
pub fn smf(format: u8, tpq: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut b = b"MThd\0\0\0\x06\0".to_vec();
    b.push(format);
    b.extend_from_slice(&(tracks.len().min(0xFFFF) as u16).to_be_bytes());
    b.extend_from_slice(&tpq.to_be_bytes());
    for t in tracks {
        b.extend_from_slice(b"MTrk");
        b.extend_from_slice(&(t.len() as u32).to_be_bytes());
        b.extend_from_slice(t);
    }
    b
}

fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len())]
}

/// A delta time: mostly musical; huge ones one in `wild` (never when 0).
fn delta(rng: &mut Rng, wild: usize) -> u32 {
    if wild > 0 && rng.below(wild) == 0 {
        return if rng.below(2) == 0 {
            0x0FFF_FFFF
        } else {
            rng.next_u64() as u32 & 0x0FFF_FFFF
        };
    }
    match rng.below(12) {
        0..=3 => 0,
        _ => pick(rng, &[1, 12, 24, 48, 60, 96, 120, 240, 256, 480, 1024]),
    }
}

/// One track's events.
fn track(rng: &mut Rng, channels: u8, wild: usize) -> Vec<u8> {
    let mut t = Vec::new();
    let n = match rng.below(10) {
        0 => rng.below(3000),
        _ => rng.below(120),
    };
    let mut status = 0u8;
    let mut held: Vec<u8> = Vec::new();
    for _ in 0..n {
        t.extend(vlq(delta(rng, wild)));
        match rng.below(20) {
            0..=9 => note(rng, &mut t, &mut status, &mut held, channels),
            10 => {
                let s = pick(rng, &[0xB0, 0xC0, 0xE0, 0xA0, 0xD0]) | rng.below(16) as u8;
                t.push(s);
                status = s;
                t.push(rng.below(128) as u8);
                if s & 0xF0 != 0xC0 && s & 0xF0 != 0xD0 {
                    t.push(rng.below(128) as u8);
                }
            }
            11 => {
                t.extend(sysex(rng));
                status = 0;
            }
            _ => {
                t.extend(meta(rng));
                status = 0;
            }
        }
    }
    if rng.below(6) > 0 {
        t.extend([0x00, 0xFF, 0x2F, 0x00]);
    }
    t
}

/// A note-on or note-off, with running status half the time and overlapping same-key notes.
fn note(rng: &mut Rng, t: &mut Vec<u8>, status: &mut u8, held: &mut Vec<u8>, channels: u8) {
    let on = rng.below(2) == 0 || held.is_empty();
    let ch = rng.below(channels.max(1) as usize) as u8;
    let s = if on { 0x90 } else { pick(rng, &[0x80, 0x90]) } | ch;
    let key = if !on && !held.is_empty() && rng.below(4) > 0 {
        held.swap_remove(rng.below(held.len()))
    } else {
        rng.below(128) as u8
    };
    if s != *status || rng.below(2) == 0 {
        t.push(s);
        *status = s;
    }
    let vel = if on && s & 0xF0 == 0x90 {
        rng.below(128) as u8
    } else {
        0
    };
    t.extend([key, vel]);
    if on {
        held.push(key);
    }
}

/// Sysex, with a declared length that is right or not.
fn sysex(rng: &mut Rng) -> Vec<u8> {
    let mut t = vec![pick(rng, &[0xF0, 0xF7])];
    let len = rng.below(20);
    t.extend(vlq(if rng.below(5) == 0 {
        rng.next_u64() as u32
    } else {
        len as u32
    }));
    t.extend((0..len).map(|_| rng.below(128) as u8));
    t.push(0xF7);
    t
}

/// A meta event: tempo, metre, key, names, end of track, unknown, some with lying lengths.
fn meta(rng: &mut Rng) -> Vec<u8> {
    let mut m = vec![0xFF];
    match rng.below(8) {
        0 => {
            let us = pick(rng, &[0u32, 1, 100_000, 500_000, 6_000_000, 0xFF_FFFF]);
            m.extend([0x51, 0x03]);
            m.extend(&us.to_be_bytes()[1..]);
        }
        1 => m.extend([
            0x58,
            0x04,
            rng.below(256) as u8,
            rng.below(256) as u8,
            24,
            8,
        ]),
        2 => m.extend([0x59, 0x02, rng.below(256) as u8, rng.below(3) as u8]),
        3 => {
            let len = rng.below(40);
            m.push(0x03);
            m.extend(vlq(len as u32));
            m.extend((0..len).map(|_| rng.next_u64() as u8));
        }
        4 => m.extend([0x2F, 0x00]),
        5 => {
            m.push(rng.below(128) as u8);
            m.extend(vlq(rng.next_u64() as u32));
        }
        _ => {
            let s = pick(
                rng,
                &[
                    b"Soprano" as &[u8],
                    b"Alto",
                    b"Tenor",
                    b"Bass",
                    b"S",
                    b"Piano",
                    b"",
                ],
            );
            m.push(0x03);
            m.extend(vlq(s.len() as u32));
            m.extend_from_slice(s);
        }
    }
    m
}

/// A structure-aware random MIDI file.
pub fn midi_file(rng: &mut Rng) -> Vec<u8> {
    let format = pick(rng, &[0u16, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 7]);
    let n_tracks = match rng.below(30) {
        0 => 300,
        1 => 70,
        _ => 1 + rng.below(8),
    };
    let declared = if rng.below(8) == 0 {
        rng.below(65_536) as u16
    } else {
        n_tracks as u16
    };
    let tpq = pick(
        rng,
        &[
            1u16, 2, 3, 96, 96, 120, 480, 480, 1024, 1024, 32_767, 0, 0xE728,
        ],
    );
    let mut f = b"MThd\0\0\0\x06".to_vec();
    f.extend(format.to_be_bytes());
    f.extend(declared.to_be_bytes());
    f.extend(tpq.to_be_bytes());
    let channels = pick(rng, &[1u8, 1, 2, 4, 16]);
    // Files without huge deltas or lying chunk lengths reach the deep code; the others hit
    // the limits and the parser's leniency.
    let wild = pick(rng, &[0usize, 0, 400, 40]);
    let lying = rng.below(3) == 0;
    for _ in 0..n_tracks {
        let t = track(rng, channels, wild);
        f.extend_from_slice(b"MTrk");
        let len = match rng.below(if lying { 12 } else { 1000 }) {
            0 => 0xFFFF_FFFF,
            1 => (t.len() as u32).saturating_sub(rng.below(8) as u32),
            2 => t.len() as u32 + rng.below(100) as u32,
            _ => t.len() as u32,
        };
        f.extend(len.to_be_bytes());
        f.extend(t);
    }
    if rng.below(10) == 0 {
        let cut = rng.below(f.len());
        f.truncate(cut);
    }
    f
}

/// A real file mutated: bytes flipped, ranges cut or doubled, huge deltas planted, truncated.
pub fn mutate(rng: &mut Rng, orig: &[u8]) -> Vec<u8> {
    let mut b = orig.to_vec();
    for _ in 0..1 + rng.below(6) {
        if b.len() < 2 {
            break;
        }
        let i = rng.below(b.len());
        match rng.below(6) {
            0 | 1 => b[i] = rng.next_u64() as u8,
            2 => {
                let j = (i + rng.below(64)).min(b.len());
                b.drain(i..j);
            }
            3 => {
                let j = (i + rng.below(256)).min(b.len());
                let piece = b[i..j].to_vec();
                b.splice(i..i, piece);
            }
            4 => {
                // A 4-byte VLQ of 2^28 − 1 where a delta may be.
                b.splice(i..i, [0xFF, 0xFF, 0xFF, 0x7F]);
            }
            _ => b.truncate(i.max(14)),
        }
    }
    b
}

/// A weight file mutated where it hurts: the JSON header (lengths, shapes, metadata numbers) or
/// the data (values turned NaN, ±∞ or absurd), or plain random bytes.
pub fn mutate_weights(rng: &mut Rng, orig: &[u8]) -> Vec<u8> {
    let mut b = orig.to_vec();
    if b.len() < 16 {
        return b;
    }
    let header = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8])) as usize;
    let header_end = (8 + header).min(b.len());
    match rng.below(8) {
        0 => {
            // The header's declared length.
            let v = pick(rng, &[0u64, 1, u64::MAX, header as u64 + 1, b.len() as u64]);
            b[..8].copy_from_slice(&v.to_le_bytes());
        }
        1 | 2 => {
            // A digit of the JSON (a shape, an offset, "hidden") changed.
            let digits: Vec<usize> = (8..header_end).filter(|&i| b[i].is_ascii_digit()).collect();
            if !digits.is_empty() {
                let i = digits[rng.below(digits.len())];
                b[i] = b'0' + rng.below(10) as u8;
                if rng.below(3) == 0 {
                    b.splice(i..i, *b"999");
                    let len = (header + 3) as u64;
                    b[..8].copy_from_slice(&len.to_le_bytes());
                }
            }
        }
        3..=5 => {
            // Values: NaN, ±∞, huge, or a random bit pattern, at a few places in the data.
            for _ in 0..1 + rng.below(4) {
                if header_end + 4 > b.len() {
                    break;
                }
                let at = header_end + rng.below((b.len() - header_end) / 4) * 4;
                let v = pick(
                    rng,
                    &[f32::NAN, f32::INFINITY, -f32::INFINITY, 3e38, -1e20, 1e5],
                );
                let bits = if rng.below(4) == 0 {
                    rng.next_u64() as u32
                } else {
                    v.to_bits()
                };
                b[at..at + 4].copy_from_slice(&bits.to_le_bytes());
            }
        }
        6 => {
            let cut = rng.below(b.len());
            b.truncate(cut);
        }
        _ => {
            for _ in 0..1 + rng.below(10) {
                let i = rng.below(b.len());
                b[i] = rng.next_u64() as u8;
            }
        }
    }
    b
}
