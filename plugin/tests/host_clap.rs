//! The CLAP bundle loaded like a DAW loads it (clack-host): the debug bundle built with
//! nice-plug's `assert_process_allocs` (an allocation in `process` aborts this test), driven at
//! 48 kHz with a playing transport at 120 bpm in 64- and 512-sample blocks, fed the soprano of
//! real chorales. Asserts: the bundle's alto is, sample for sample, what the plugin's voice
//! (`realtime::Voice`, checked against `altus harmonize` in tests/realtime.rs) plays with the
//! default parameters; the first soprano note is answered at its sample; every note-on gets its
//! note-off after the song and the transport stop.

use altus_core::corpus::chorales_for_test;
use altus_core::{Grid, midi};
use clack_host::events::event_types::{
    MidiEvent, NoteOffEvent, NoteOnEvent, TransportEvent, TransportFlags,
};
use clack_host::events::io::EventBuffer;
use clack_host::events::spaces::CoreEventSpace;
use clack_host::events::{EventFlags, EventHeader, Match, Pckn};
use clack_host::prelude::*;
use clack_host::process::audio_buffers::{InputAudioBuffers, OutputAudioBuffers};
use clack_host::utils::{BeatTime, SecondsTime};

mod common;
use common::{Out, SR, balanced, bundle, reference, song_events};

struct Shared;
impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {}
}
struct Host;
impl HostHandlers for Host {
    type Shared<'a> = Shared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();
}

/// A running plugin instance with its buffers.
struct Running {
    instance: PluginInstance<Host>,
    processor: Option<StartedPluginAudioProcessor<Host>>,
    input: EventBuffer,
    output: EventBuffer,
    block: u32,
    now: u64,
    out: Vec<Out>,
}

impl Running {
    fn start(entry: &PluginEntry, block: u32) -> Running {
        let info = HostInfo::new("altus host test", "Altus", "https://example.com", "0.1").unwrap();
        let mut instance =
            PluginInstance::<Host>::new(|_| Shared, |_| (), entry, c"org.altus.harmonizer", &info)
                .expect("instantiate");
        let config = PluginAudioConfiguration {
            sample_rate: SR,
            min_frames_count: 1,
            max_frames_count: 512,
        };
        let processor = instance
            .activate(|_, _| (), config)
            .expect("activate")
            .start_processing()
            .expect("start");
        Running {
            instance,
            processor: Some(processor),
            input: EventBuffer::with_capacity(512),
            output: EventBuffer::with_capacity(1024),
            block,
            now: 0,
            out: Vec::new(),
        }
    }

    /// One block with the transport `playing` at `bpm`; `notes` are (offset, key, on).
    fn process(&mut self, playing: bool, bpm: f64, notes: &[(u32, u8, bool)]) {
        self.input.clear();
        self.output.clear();
        for &(at, key, on) in notes {
            let pckn = Pckn::new(0u16, 0u16, key as u16, Match::All);
            if on {
                self.input.push(&NoteOnEvent::new(at, pckn, 0.7));
            } else {
                self.input.push(&NoteOffEvent::new(at, pckn, 0.0));
            }
        }
        let beats = self.now as f64 / SR * bpm / 60.0;
        let mut flags = TransportFlags::HAS_TEMPO
            | TransportFlags::HAS_BEATS_TIMELINE
            | TransportFlags::HAS_TIME_SIGNATURE
            | TransportFlags::HAS_SECONDS_TIMELINE;
        if playing {
            flags |= TransportFlags::IS_PLAYING;
        }
        let transport = TransportEvent {
            header: EventHeader::new_core(0, EventFlags::empty()),
            flags,
            song_pos_beats: BeatTime::from_float(beats),
            song_pos_seconds: SecondsTime::from_float(self.now as f64 / SR),
            tempo: bpm,
            tempo_inc: 0.0,
            loop_start_beats: BeatTime::from_int(0),
            loop_end_beats: BeatTime::from_int(0),
            loop_start_seconds: SecondsTime::from_int(0),
            loop_end_seconds: SecondsTime::from_int(0),
            bar_start: BeatTime::from_float((beats / 4.0).floor() * 4.0),
            bar_number: (beats / 4.0).floor() as i32,
            time_signature_numerator: 4,
            time_signature_denominator: 4,
        };
        self.run_block(Some(self.now), Some(&transport));
        for e in self.output.iter() {
            let t = self.now + e.header().time() as u64;
            match e.as_core_event() {
                Some(CoreEventSpace::NoteOn(n)) => {
                    self.out.push((t, key(n.pckn()), true, chan(n.pckn())))
                }
                Some(CoreEventSpace::NoteOff(n)) => {
                    self.out.push((t, key(n.pckn()), false, chan(n.pckn())))
                }
                Some(CoreEventSpace::Midi(m)) => self.out.extend(midi_note(t, m)),
                _ => {}
            }
        }
        self.now += self.block as u64;
    }

    /// Hands the prepared input events to the plugin for one block (no audio ports: empty
    /// buffer lists that still carry the block length).
    fn run_block(&mut self, steady: Option<u64>, transport: Option<&TransportEvent>) {
        let ins = unsafe { InputAudioBuffers::from_raw_buffers(&[], self.block) };
        let mut outs = unsafe { OutputAudioBuffers::from_raw_buffers(&mut [], self.block) };
        let p = self.processor.as_mut().unwrap();
        p.process(
            &ins,
            &mut outs,
            &InputEvents::from_buffer(&self.input),
            &mut OutputEvents::from_buffer(&mut self.output),
            steady,
            transport,
        )
        .expect("process");
    }

    /// One block that only changes parameters (a host's automation), transport absent.
    fn set_params(&mut self, changes: &[(clack_host::utils::ClapId, f64)]) {
        use clack_host::events::event_types::ParamValueEvent;
        self.input.clear();
        self.output.clear();
        for &(id, v) in changes {
            self.input
                .push(&ParamValueEvent::new(0, id, Pckn::match_all(), v));
        }
        self.run_block(None, None);
    }

    /// Plays `events` (absolute samples) with the transport running at 120 bpm until `end`,
    /// then stops the transport.
    fn play_song(&mut self, events: &[(u64, u8, bool)], end: u64) {
        let mut i = 0;
        while self.now < end {
            let mut notes = Vec::new();
            while i < events.len() && events[i].0 < self.now + self.block as u64 {
                notes.push(((events[i].0 - self.now) as u32, events[i].1, events[i].2));
                i += 1;
            }
            self.process(true, 120.0, &notes);
        }
        self.process(false, 120.0, &[]);
    }

    /// Deactivates and re-activates the plugin, as a host does when its settings change.
    fn reactivate(&mut self) {
        let p = self.processor.take().unwrap().stop_processing();
        self.instance.deactivate(p);
        let config = PluginAudioConfiguration {
            sample_rate: SR,
            min_frames_count: 1,
            max_frames_count: 512,
        };
        self.processor = Some(
            self.instance
                .activate(|_, _| (), config)
                .expect("re-activate")
                .start_processing()
                .expect("restart"),
        );
    }

    fn stop(mut self) -> Vec<Out> {
        let p = self.processor.take().unwrap().stop_processing();
        self.instance.deactivate(p);
        self.out
    }
}

fn key(p: Pckn) -> u8 {
    match p.key {
        Match::Specific(k) => k as u8,
        Match::All => 255,
    }
}

fn chan(p: Pckn) -> u8 {
    match p.channel {
        Match::Specific(c) => c as u8,
        Match::All => 255,
    }
}

fn midi_note(t: u64, m: &MidiEvent) -> Option<Out> {
    let d = m.data();
    match d[0] & 0xF0 {
        0x90 if d[2] > 0 => Some((t, d[1], true, d[0] & 0x0F)),
        0x80 | 0x90 => Some((t, d[1], false, d[0] & 0x0F)),
        _ => None,
    }
}

#[test]
fn clap_bundle_plays_the_voices_alto() {
    let Some(dir) = chorales_for_test("clap_bundle_plays_the_voices_alto") else {
        return;
    };
    let path = bundle();
    let entry = unsafe { PluginEntry::load(path.join("Altus.clap")) }.expect("load the .clap");
    for file in ["000206b_.mid", "043200b_.mid"] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        for block in [64u32, 512] {
            let mut run = Running::start(&entry, block);
            let per_step = SR * 60.0 / 120.0 / 4.0;
            let events = song_events(&grid, 120.0);
            let end = (grid.len as f64 * per_step) as u64 + 8_000;
            run.play_song(&events, end);
            let out = run.stop();
            let want = reference(&events, block, end);
            let alto: Vec<Out> = out.iter().copied().filter(|o| o.3 == 1).collect();
            assert_eq!(
                alto, want,
                "{file}, {block}-sample blocks: the bundle plays the voice's notes"
            );
            assert!(
                balanced(&out),
                "{file}, {block}: every alto note-on has its note-off"
            );
            let alto_on: Vec<u64> = out
                .iter()
                .filter(|o| o.2 && o.3 == 1)
                .map(|o| o.0)
                .collect();
            assert!(
                alto_on.len() > 20,
                "{file}: the alto plays ({} notes)",
                alto_on.len()
            );
            // The soprano's first note is answered at its very sample.
            assert_eq!(alto_on[0], events[0].0, "{file}, {block}");
        }
    }
}

#[test]
fn bursts_stray_note_offs_and_deactivation_leave_nothing_stuck() {
    let path = bundle();
    let entry = unsafe { PluginEntry::load(path.join("Altus.clap")) }.expect("load the .clap");
    let mut run = Running::start(&entry, 512);
    // 128 note-ons in one block, then note-offs for notes never played, twice over.
    let burst: Vec<(u32, u8, bool)> = (0..128u8)
        .map(|k| ((k as u32 * 3) % 512, k, true))
        .collect();
    let mut burst = burst;
    burst.sort_by_key(|e| e.0);
    run.process(true, 120.0, &burst);
    let offs: Vec<(u32, u8, bool)> = (0..128u8).chain(0..128u8).map(|k| (10, k, false)).collect();
    run.process(true, 120.0, &offs);
    // A held soprano, then the host deactivates the plugin mid-note and re-activates it.
    run.process(true, 120.0, &[(0, 72, true)]);
    assert!(
        run.out.iter().filter(|o| o.3 == 1).count() % 2 == 1,
        "an alto note sounds"
    );
    run.reactivate();
    run.process(true, 120.0, &[(0, 72, false)]);
    run.process(false, 120.0, &[]);
    let out = run.stop();
    assert!(
        balanced(&out),
        "every alto note-on has its note-off: {out:?}"
    );
}

#[test]
fn parameters_survive_a_state_save_and_restore() {
    use clack_extensions::params::PluginParams;
    use clack_extensions::state::PluginState;
    use clack_host::utils::ClapId;

    let entry = unsafe { PluginEntry::load(bundle().join("Altus.clap")) }.expect("load the .clap");
    let ids = param_ids;
    let values = |run: &mut Running, ids: &[(String, ClapId)]| -> Vec<(String, f64)> {
        let handle = run.instance.plugin_handle();
        let params: PluginParams = handle.get_extension().unwrap();
        ids.iter()
            .map(|(n, id)| (n.clone(), params.get_value(&handle, *id).unwrap()))
            .collect()
    };
    let mut a = Running::start(&entry, 64);
    let all = ids(&mut a);
    let id = |name: &str| {
        all.iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} in {all:?}"))
            .1
    };
    // Change five parameters the way a host automates them: events in a block.
    let changes = [
        ("Key", 3.0),
        ("Alto channel", 5.0),
        ("Temperature", 0.5),
        ("Soprano through", 0.0),
        ("Alto low", 50.0),
    ];
    let sets: Vec<_> = changes.iter().map(|&(name, v)| (id(name), v)).collect();
    a.set_params(&sets);
    let before = values(&mut a, &all);
    for (name, v) in changes {
        // Values travel as f32 inside the plugin.
        let got = before.iter().find(|(n, _)| n == name).unwrap().1;
        assert!((got - v).abs() < 1e-5, "{name} was set: {got} vs {v}");
    }
    let mut state = Vec::new();
    {
        let handle = a.instance.plugin_handle();
        let ext: PluginState = handle.get_extension().expect("state extension");
        ext.save(&handle, &mut state).expect("save");
    }
    a.stop();
    // A fresh instance restores them.
    let mut b = Running::start(&entry, 64);
    assert_ne!(
        values(&mut b, &all),
        before,
        "a fresh instance starts from the defaults"
    );
    {
        let handle = b.instance.plugin_handle();
        let ext: PluginState = handle.get_extension().unwrap();
        ext.load(&handle, &mut state.as_slice()).expect("load");
    }
    assert_eq!(values(&mut b, &all), before);
    b.stop();
}

/// Every parameter's display name and CLAP id (the host's params extension).
fn param_ids(run: &mut Running) -> Vec<(String, clack_host::utils::ClapId)> {
    use clack_extensions::params::{ParamInfoBuffer, PluginParams};
    let handle = run.instance.plugin_handle();
    let params: PluginParams = handle.get_extension().expect("params extension");
    let mut buf = ParamInfoBuffer::new();
    let name = |p: &[u8]| {
        String::from_utf8_lossy(p)
            .trim_end_matches('\0')
            .to_string()
    };
    (0..params.count(&handle))
        .filter_map(|i| {
            params
                .get_info(&handle, i, &mut buf)
                .map(|p| (name(p.name), p.id))
        })
        .collect()
}

/// The CLAP id of a parameter, by display name.
fn param_id(run: &mut Running, name: &str) -> clack_host::utils::ClapId {
    param_ids(run)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no parameter {name}"))
        .1
}

#[test]
fn clap_bundle_in_the_files_key_plays_harmonizes_alto() {
    use altus_core::engine::DecodeOptions;
    use altus_core::{Mode, harmonize};
    let Some(dir) = chorales_for_test("clap_bundle_in_the_files_key_plays_harmonizes_alto") else {
        return;
    };
    let entry = unsafe { PluginEntry::load(bundle().join("Altus.clap")) }.expect("load the .clap");
    let (model, _) = altus_core::default_model::default_alto();
    for file in ["003604b2.mid", "024864bs.mid"] {
        let grid = Grid::from_score(&midi::read_file(&dir.join(file)).unwrap());
        let key = grid.key();
        let bar_pos = harmonize::bar_positions(&grid, 0);
        let want = harmonize::alto_line(&grid, &model, key, &bar_pos, DecodeOptions::default());
        let want: Vec<(usize, u8)> = want.notes().iter().map(|(a, _, p)| (a.0, p.0)).collect();
        let mut run = Running::start(&entry, 512);
        // The host sets Key and Mode to the file's key (a block of parameter events).
        let (k, m) = (param_id(&mut run, "Key"), param_id(&mut run, "Mode"));
        run.set_params(&[
            (k, key.tonic as f64 + 1.0),
            (m, if key.mode == Mode::Major { 1.0 } else { 2.0 }),
        ]);
        let events = song_events(&grid, 120.0);
        let per_step = SR * 60.0 / 120.0 / 4.0;
        let end = (grid.len as f64 * per_step) as u64 + 8_000;
        run.play_song(&events, end);
        let out = run.stop();
        let got: Vec<(usize, u8)> = out
            .iter()
            .filter(|o| o.2 && o.3 == 1)
            .map(|o| ((o.0 as f64 / per_step).round() as usize, o.1))
            .filter(|(s, _)| *s < grid.len)
            .collect();
        assert_eq!(
            got, want,
            "{file} in {key}: the bundle's alto is altus harmonize's"
        );
        // Sample-exact: where harmonize's alto strikes with a soprano note, the bundle's alto
        // note-on is at the soprano note-on's very sample.
        for &(t, _, _) in events.iter().filter(|e| e.2) {
            let step = (t as f64 / per_step).round() as usize;
            if want.iter().any(|(w, _)| *w == step) {
                assert!(
                    out.iter().any(|o| o.2 && o.3 == 1 && o.0 == t),
                    "{file}: alto note-on at sample {t}"
                );
            }
        }
        assert!(balanced(&out));
    }
}
