//! A JACK test client for the standalone app: plays a chorale's melody into `altus:midi_input`
//! from one client, records `altus:midi_output` with another (no feedback loop in the graph, so
//! all three run in one JACK cycle), and checks what a player hears: every soprano note goes
//! through at its own frame, the alto, tenor and bass sound from that same frame, every note-on
//! has its note-off, and nothing sounds at the end.
//!
//!   cargo build -p testkit --features jack --bin jack_probe
//!   jack_probe MELODY.mid [--notes N] [--sixteenth FRAMES] [--target CLIENT] [--struck PCT]
//!
//! `--struck PCT`: at least PCT% of the soprano notes must strike some voice at their own frame
//! (for a player in the app's tempo: its grid starts on the first note).
//!
//! Prints one summary line; exits 1 with the reason when a check fails, 2 when it failed after
//! the machine missed JACK's deadlines (xruns: a cycle's data lost, whoever was late), so a
//! script may try again.

use altus_core::Grid;
use altus_core::music::midi;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

/// One MIDI event at an absolute JACK frame.
#[derive(Clone, Copy, Debug)]
struct Event {
    frame: u64,
    bytes: [u8; 3],
}

impl Event {
    fn on(&self) -> bool {
        self.bytes[0] & 0xF0 == 0x90 && self.bytes[2] > 0
    }
    fn off(&self) -> bool {
        self.bytes[0] & 0xF0 == 0x80 || (self.bytes[0] & 0xF0 == 0x90 && self.bytes[2] == 0)
    }
    fn channel(&self) -> u8 {
        self.bytes[0] & 0x0F
    }
}

/// Xruns JACK reported while the probe ran.
static XRUNS: AtomicUsize = AtomicUsize::new(0);

/// Counts JACK's xruns.
struct Xruns;

impl jack::NotificationHandler for Xruns {
    fn xrun(&mut self, _: &jack::Client) -> jack::Control {
        XRUNS.fetch_add(1, Ordering::Relaxed);
        jack::Control::Continue
    }
}

fn fail(msg: String) -> ! {
    let xruns = XRUNS.load(Ordering::Relaxed);
    if xruns > 0 {
        eprintln!("jack_probe: {msg} ({xruns} xruns: the machine missed JACK's deadlines)");
        std::process::exit(2)
    }
    eprintln!("jack_probe: {msg}");
    std::process::exit(1)
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| fail(format!("{name} {v}: not a number")))
        })
}

/// The melody's first `n` notes as `(start, end, key)` frames from 0, a 16th being `sixteenth`
/// frames (ends a frame early when the next note starts there, so the two never overlap).
fn melody(path: &str, n: usize, sixteenth: u64) -> Vec<(u64, u64, u8)> {
    let score = midi::read_file(std::path::Path::new(path))
        .unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let grid = Grid::from_score(&score);
    let soprano = &grid.voices[0];
    let from = soprano.onset.iter().position(|&o| o).unwrap_or(0) as u64;
    soprano
        .notes()
        .into_iter()
        .take(n)
        .map(|(a, b, p)| {
            (
                (a.0 as u64 - from) * sixteenth,
                (b.0 as u64 - from) * sixteenth - 1,
                p.0,
            )
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first().filter(|a| !a.starts_with("--")) else {
        fail(
            "usage: jack_probe MELODY.mid [--notes N] [--sixteenth FRAMES] [--target CLIENT] [--struck PCT]"
                .into(),
        )
    };
    let notes = melody(
        path,
        arg(&args, "--notes", 32),
        // The app's own 16th at its default tempo (120 bpm at 48 kHz): a player in tempo.
        arg(&args, "--sixteenth", 6000),
    );
    let target: String = arg(&args, "--target", "altus".to_string());

    // What the player sends, in frames from its start, note-offs before note-ons at a frame.
    let mut script: Vec<(u64, [u8; 3])> = notes
        .iter()
        .flat_map(|&(a, b, k)| [(a, [0x90, k, 90]), (b, [0x80, k, 0])])
        .collect();
    script.sort_by_key(|e| (e.0, e.1[0] == 0x90));
    let length = script.last().map_or(0, |e| e.0);

    let (player, _) = jack::Client::new("altus-probe-play", jack::ClientOptions::NO_START_SERVER)
        .unwrap_or_else(|e| fail(format!("no JACK server: {e}")));
    let (recorder, _) = jack::Client::new("altus-probe-rec", jack::ClientOptions::NO_START_SERVER)
        .unwrap_or_else(|e| fail(format!("no JACK server: {e}")));
    let rate = player.sample_rate() as u64;
    let period = player.buffer_size() as u64;
    let mut out = player
        .register_port("out", jack::MidiOut::default())
        .unwrap_or_else(|e| fail(format!("port: {e}")));
    let input = recorder
        .register_port("in", jack::MidiIn::default())
        .unwrap_or_else(|e| fail(format!("port: {e}")));

    // The player starts half a second after it is told to, at a frame it reports back.
    let go = Arc::new(AtomicBool::new(false));
    let (base_tx, base_rx) = sync_channel::<u64>(1);
    let go_rt = go.clone();
    let mut base: Option<u64> = None;
    let mut next = 0usize;
    let play = move |_: &jack::Client, ps: &jack::ProcessScope| {
        let now = ps.last_frame_time() as u64;
        if base.is_none() && go_rt.load(Ordering::Acquire) {
            let b = now + rate / 2;
            base = Some(b);
            let _ = base_tx.try_send(b);
        }
        if let Some(b) = base {
            let mut w = out.writer(ps);
            let end = now + ps.n_frames() as u64;
            while let Some(&(t, bytes)) = script.get(next) {
                if b + t >= end {
                    break;
                }
                let time = (b + t).saturating_sub(now) as u32;
                let _ = w.write(&jack::RawMidi {
                    time,
                    bytes: &bytes,
                });
                next += 1;
            }
        }
        jack::Control::Continue
    };
    let (ev_tx, ev_rx) = sync_channel::<Event>(1 << 16);
    let record = move |_: &jack::Client, ps: &jack::ProcessScope| {
        let now = ps.last_frame_time() as u64;
        for m in input.iter(ps) {
            if m.bytes.len() == 3 {
                let _ = ev_tx.try_send(Event {
                    frame: now + m.time as u64,
                    bytes: [m.bytes[0], m.bytes[1], m.bytes[2]],
                });
            }
        }
        jack::Control::Continue
    };
    let player = player
        .activate_async(Xruns, jack::contrib::ClosureProcessHandler::new(play))
        .unwrap_or_else(|e| fail(format!("activate: {e}")));
    let recorder = recorder
        .activate_async((), jack::contrib::ClosureProcessHandler::new(record))
        .unwrap_or_else(|e| fail(format!("activate: {e}")));

    // Wait for the app's ports, then wire player → app → recorder.
    let (app_in, app_out) = (
        format!("{target}:midi_input"),
        format!("{target}:midi_output"),
    );
    let waited = Instant::now();
    while player.as_client().port_by_name(&app_in).is_none()
        || player.as_client().port_by_name(&app_out).is_none()
    {
        if waited.elapsed() > Duration::from_secs(30) {
            fail(format!("no ports {app_in} and {app_out} after 30 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // The ports exist a moment before the app's client is active: retry for a while.
    let c = player.as_client();
    for (from, to) in [
        ("altus-probe-play:out", app_in.as_str()),
        (&app_out, "altus-probe-rec:in"),
    ] {
        let tried = Instant::now();
        while let Err(e) = c.connect_ports_by_name(from, to) {
            if tried.elapsed() > Duration::from_secs(15) {
                fail(format!("connect {from} → {to}: {e}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    go.store(true, Ordering::Release);
    let base = base_rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| fail("the player never ran: is the JACK server running?".into()));
    // The melody, then two seconds for the voices to end.
    std::thread::sleep(Duration::from_millis((length * 1000 / rate) + 2500));
    let _ = player.deactivate();
    let _ = recorder.deactivate();
    let events: Vec<Event> = ev_rx.try_iter().collect();
    if std::env::var_os("ALTUS_PROBE_VERBOSE").is_some() {
        for &(a, b, k) in &notes {
            eprintln!("sent {k} at {a}..{b}");
        }
        for e in &events {
            eprintln!("got {:?} at {}", e.bytes, e.frame as i64 - base as i64);
        }
    }
    check(&notes, base, &events, period, arg(&args, "--struck", 0));
}

/// The checks (module doc); prints the summary or fails.
fn check(notes: &[(u64, u64, u8)], base: u64, events: &[Event], period: u64, struck_pct: usize) {
    let sent = notes.len();
    let mut sounding = [[0u32; 128]; 16];
    let (mut ons, mut offs) = (0usize, 0usize);
    let mut i = 0;
    let mut struck_with_soprano = 0;
    for (n, &(start, _, key)) in notes.iter().enumerate() {
        let frame = base + start;
        // Everything up to and including this frame.
        let mut soprano_through = false;
        let mut voices_struck = 0;
        while let Some(e) = events.get(i).filter(|e| e.frame <= frame) {
            let (ch, k) = (e.channel() as usize, e.bytes[1] as usize & 0x7F);
            if e.on() {
                sounding[ch][k] += 1;
                ons += 1;
                if e.frame == frame && ch == 0 && k == key as usize {
                    soprano_through = true;
                }
                if e.frame == frame && ch != 0 {
                    voices_struck += 1;
                }
            } else if e.off() {
                if sounding[ch][k] == 0 {
                    let around = &events[i.saturating_sub(8)..(i + 3).min(events.len())];
                    fail(format!(
                        "a note-off for channel {} key {k} that was not sounding, at frame {} \
                         (soprano note {n} at {frame}); events around it: {around:?}",
                        ch + 1,
                        e.frame
                    ));
                }
                sounding[ch][k] -= 1;
                offs += 1;
            }
            i += 1;
        }
        if !soprano_through {
            fail(format!(
                "soprano note {n} (key {key}) did not come through at its frame"
            ));
        }
        for (ch, keys) in sounding.iter().enumerate().take(4).skip(1) {
            let count: u32 = keys.iter().sum();
            if count != 1 {
                fail(format!(
                    "at soprano note {n}'s frame channel {} sounds {count} notes, not 1",
                    ch + 1
                ));
            }
        }
        if voices_struck > 0 {
            struck_with_soprano += 1;
        }
    }
    // An app that answered a cycle late would still have voices sounding (the old ones), and
    // would strike its answers in the next cycle: at its first frame, or a period after the
    // soprano's. The app also moves voices on its own 16th grid, which lands on one of those two
    // frames only by chance (2 in 6,000 at 120 bpm and 48 kHz).
    let late = notes
        .iter()
        .filter(|&&(start, _, _)| {
            let f = base + start;
            let next_cycle = (f / period + 1) * period;
            events.iter().any(|e| {
                e.on() && e.channel() != 0 && (e.frame == next_cycle || e.frame == f + period)
            })
        })
        .count();
    if late > 1 {
        fail(format!(
            "voices struck in the cycle after the soprano's for {late} of {sent} notes"
        ));
    }
    if struck_with_soprano * 100 < sent * struck_pct {
        fail(format!(
            "voices struck at the soprano's own frame for {struck_with_soprano} of {sent} notes, \
             under {struck_pct}%"
        ));
    }
    for e in &events[i..] {
        let (ch, k) = (e.channel() as usize, e.bytes[1] as usize & 0x7F);
        if e.on() {
            sounding[ch][k] += 1;
            ons += 1;
        } else if e.off() {
            sounding[ch][k] = sounding[ch][k].saturating_sub(1);
            offs += 1;
        }
    }
    let left: u32 = sounding.iter().flatten().sum();
    if left != 0 || ons != offs {
        fail(format!(
            "{ons} note-ons, {offs} note-offs, {left} notes still sounding at the end"
        ));
    }
    println!(
        "jack_probe: {sent} soprano notes through at their own frame; alto, tenor and bass sounding \
         from each of those frames (struck at it for {struck_with_soprano}, held for the rest; \
         a voice struck a cycle of {period} frames late after {late}); {ons} note-ons, {offs} note-offs, nothing sounding at the end; {} xruns",
        XRUNS.load(Ordering::Relaxed)
    );
}
