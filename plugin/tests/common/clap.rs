//! A CLAP host (clack-host) for the debug bundle: instantiates, activates at 48 kHz, processes
//! blocks with a transport event, sends parameter changes as events, stops and restarts
//! processing, re-activates.

use super::{Host, HostTime, Out, SR};
use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_host::events::event_types::{
    MidiEvent, NoteOffEvent, NoteOnEvent, ParamValueEvent, TransportEvent, TransportFlags,
};
use clack_host::events::io::EventBuffer;
use clack_host::events::spaces::CoreEventSpace;
use clack_host::events::{EventFlags, EventHeader, Match, Pckn};
use clack_host::prelude::*;
use clack_host::process::audio_buffers::{InputAudioBuffers, OutputAudioBuffers};
use clack_host::utils::{BeatTime, ClapId, SecondsTime};

pub struct Shared;
impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {}
}
/// The host side of the gui extension, as a DAW offers it to an embedded editor (nice-plug
/// needs it to open one): the parent window keeps its size, show and hide are the host's.
impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, _: GuiSize) -> Result<(), HostError> {
        Err(HostError::Message("the test window has a fixed size"))
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _: bool) {}
}
pub struct Handlers;
impl HostHandlers for Handlers {
    type Shared<'a> = Shared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();
    fn declare_extensions(builder: &mut HostExtensions<Self>, _: &Self::Shared<'_>) {
        builder.register::<HostGui>();
    }
}

/// The loaded `.clap` bundle, loaded once and never unloaded while the test binary runs, as
/// in a DAW: an editor's window thread may outlive its instance by a moment, and unloading the
/// library under it would crash the process.
pub fn entry() -> PluginEntry {
    static ENTRY: std::sync::OnceLock<PluginEntry> = std::sync::OnceLock::new();
    ENTRY
        .get_or_init(|| {
            // SAFETY: the bundle is our own plugin, built for this test run; its entry stays loaded for the
            // process (the `OnceLock`), as its threads may outlive an instance.
            unsafe { PluginEntry::load(super::bundle().join("Altus.clap")) }
                .expect("load the .clap")
        })
        .clone()
}

/// A parameter as the host sees it.
#[derive(Clone, Debug)]
pub struct Param {
    /// Display name.
    pub name: String,
    /// CLAP id.
    pub id: ClapId,
    /// Plain range.
    pub min: f64,
    /// Plain range.
    pub max: f64,
    /// Stepped (integer or enum).
    pub stepped: bool,
}

/// A running plugin instance with its buffers.
pub struct ClapHost {
    /// The instance.
    pub instance: PluginInstance<Handlers>,
    processor: Option<StartedPluginAudioProcessor<Handlers>>,
    input: EventBuffer,
    output: EventBuffer,
    block: u32,
    now: u64,
    out: Vec<Out>,
    params: Vec<Param>,
    pending: Vec<(ClapId, f64)>,
    /// Processing restarts and re-activations so far.
    pub restarts: usize,
}

fn config() -> PluginAudioConfiguration {
    PluginAudioConfiguration {
        sample_rate: SR,
        min_frames_count: 1,
        max_frames_count: 512,
    }
}

impl ClapHost {
    /// Instantiates, activates and starts processing.
    pub fn start(entry: &PluginEntry, block: u32) -> ClapHost {
        let info = HostInfo::new("altus host test", "Altus", "https://example.com", "0.1").unwrap();
        let mut instance = PluginInstance::<Handlers>::new(
            |_| Shared,
            |_| (),
            entry,
            c"org.altus.harmonizer",
            &info,
        )
        .expect("instantiate");
        let processor = instance
            .activate(|_, _| (), config())
            .expect("activate")
            .start_processing()
            .expect("start");
        let mut host = ClapHost {
            instance,
            processor: Some(processor),
            input: EventBuffer::with_capacity(32_768),
            output: EventBuffer::with_capacity(65_536),
            block,
            now: 0,
            out: Vec::new(),
            params: Vec::new(),
            pending: Vec::new(),
            restarts: 0,
        };
        host.params = host.param_list();
        host
    }

    /// Every parameter (the host's params extension).
    pub fn param_list(&mut self) -> Vec<Param> {
        let handle = self.instance.plugin_handle();
        let params: PluginParams = handle.get_extension().expect("params extension");
        let mut buf = ParamInfoBuffer::new();
        (0..params.count(&handle))
            .filter_map(|i| {
                params.get_info(&handle, i, &mut buf).map(|p| Param {
                    name: String::from_utf8_lossy(p.name)
                        .trim_end_matches('\0')
                        .to_string(),
                    id: p.id,
                    min: p.min_value,
                    max: p.max_value,
                    stepped: p.flags.contains(ParamInfoFlags::IS_STEPPED),
                })
            })
            .collect()
    }

    /// A parameter by display name.
    pub fn param(&self, name: &str) -> &Param {
        self.params
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter {name} in {:?}", self.params))
    }

    /// The plain value a parameter has now.
    pub fn value(&mut self, id: ClapId) -> f64 {
        let handle = self.instance.plugin_handle();
        let params: PluginParams = handle.get_extension().unwrap();
        params.get_value(&handle, id).unwrap()
    }

    /// A parameter change in plain units, sent with the next block.
    pub fn set_plain(&mut self, name: &str, plain: f64) {
        let id = self.param(name).id;
        self.pending.push((id, plain));
    }

    /// One block with only the pending parameter changes, transport absent.
    pub fn params_block(&mut self) {
        self.fill(&[]);
        self.run(None);
    }

    fn fill(&mut self, notes: &[(u32, u8, bool)]) {
        self.input.clear();
        self.output.clear();
        for (id, v) in self.pending.drain(..) {
            self.input
                .push(&ParamValueEvent::new(0, id, Pckn::match_all(), v));
        }
        for &(at, key, on) in notes {
            let pckn = Pckn::new(0u16, 0u16, key as u16, Match::All);
            if on {
                self.input.push(&NoteOnEvent::new(at, pckn, 0.7));
            } else {
                self.input.push(&NoteOffEvent::new(at, pckn, 0.0));
            }
        }
    }

    /// Hands the prepared input events to the plugin for one block (no audio ports: empty
    /// buffer lists that still carry the block length), and records what comes out.
    fn run(&mut self, transport: Option<&TransportEvent>) {
        // SAFETY: no channels: the empty list is valid for any frame count.
        let ins = unsafe { InputAudioBuffers::from_raw_buffers(&[], self.block) };
        // SAFETY: as above.
        let mut outs = unsafe { OutputAudioBuffers::from_raw_buffers(&mut [], self.block) };
        let steady = transport.map(|_| self.now);
        self.processor
            .as_mut()
            .unwrap()
            .process(
                &ins,
                &mut outs,
                &InputEvents::from_buffer(&self.input),
                &mut OutputEvents::from_buffer(&mut self.output),
                steady,
                transport,
            )
            .expect("process");
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
    }

    /// Stops processing, deactivates (the instance stays, to be dropped).
    pub fn stop(mut self) -> Vec<Out> {
        let p = self.processor.take().unwrap().stop_processing();
        self.instance.deactivate(p);
        self.out
    }
}

impl Host for ClapHost {
    fn block_len(&self) -> u32 {
        self.block
    }

    fn now(&self) -> u64 {
        self.now
    }

    fn block(&mut self, t: &HostTime, notes: &[(u32, u8, bool)]) {
        self.fill(notes);
        let mut flags = TransportFlags::HAS_TEMPO
            | TransportFlags::HAS_BEATS_TIMELINE
            | TransportFlags::HAS_TIME_SIGNATURE
            | TransportFlags::HAS_SECONDS_TIMELINE;
        if t.playing {
            flags |= TransportFlags::IS_PLAYING;
        }
        let transport = TransportEvent {
            header: EventHeader::new_core(0, EventFlags::empty()),
            flags,
            song_pos_beats: BeatTime::from_float(t.beats),
            song_pos_seconds: SecondsTime::from_float(self.now as f64 / SR),
            tempo: t.bpm,
            tempo_inc: 0.0,
            loop_start_beats: BeatTime::from_int(0),
            loop_end_beats: BeatTime::from_int(0),
            loop_start_seconds: SecondsTime::from_int(0),
            loop_end_seconds: SecondsTime::from_int(0),
            bar_start: BeatTime::from_float((t.beats / 4.0).floor() * 4.0),
            bar_number: (t.beats / 4.0).floor() as i32,
            time_signature_numerator: 4,
            time_signature_denominator: 4,
        };
        self.run(Some(&transport));
        self.now += self.block as u64;
    }

    fn set_param(&mut self, name: &str, normalized: f64) {
        let p = self.param(name);
        let mut plain = p.min + normalized.clamp(0.0, 1.0) * (p.max - p.min);
        if p.stepped {
            plain = plain.round();
        }
        self.set_plain(name, plain);
    }

    fn restart_processing(&mut self) {
        let stopped = self.processor.take().unwrap().stop_processing();
        self.processor = Some(stopped.start_processing().expect("restart processing"));
        self.restarts += 1;
    }

    fn reactivate(&mut self) {
        let p = self.processor.take().unwrap().stop_processing();
        self.instance.deactivate(p);
        self.processor = Some(
            self.instance
                .activate(|_, _| (), config())
                .expect("re-activate")
                .start_processing()
                .expect("restart"),
        );
        self.restarts += 1;
    }

    fn output(&self) -> &[Out] {
        &self.out
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
