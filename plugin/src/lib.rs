//! Altus as a CLAP + VST3 MIDI effect (and a standalone app): real-time alto, tenor and bass
//! voices for the soprano it hears.
//!
//! `lib.rs` wires nice-plug to the host-independent audio-thread code in [`realtime`]; the
//! musical rules are documented there. Parameters live in [`params`], the editor in [`editor`],
//! which model plays and how a new one reaches the audio thread in [`models`], what the audio
//! thread shows the editor in [`monitor`], the last performance kept for saving in [`take`].

pub mod editor;
pub mod events;
pub mod models;
pub mod monitor;
pub mod params;
pub mod realtime;
pub mod settings;
pub mod take;

use models::{AudioEnds, Loaded, Slot};
use monitor::Monitor;
use nice_plug::prelude::*;
use params::AltusParams;
use realtime::{Performer, Transport};
use std::path::PathBuf;
use std::sync::Arc;

/// Work the editor hands to nice-plug's background thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Load and validate the file the project or the user names ([`models::wanted`]) and play
    /// it (asked for by the first block after an activation).
    LoadWanted,
    /// Load and validate the latest file the editor asked for ([`Slot::request`]) and play it.
    LoadPending,
    /// Play the embedded model again.
    UseBuiltIn,
}

/// The plugin: MIDI in, MIDI out, no audio.
pub struct Altus {
    params: Arc<AltusParams>,
    /// The audio-thread performer (clock, ledger, auto key, the three voices): made at the first
    /// `activate` and kept for the instance's life.
    performer: Option<Performer>,
    /// Which model plays; the editor's and the background task's side of the handover.
    slot: Arc<Slot>,
    /// The audio thread's side of the handover.
    ends: AudioEnds,
    /// What the editor shows of the audio thread.
    monitor: Arc<Monitor>,
    /// The last performance, for "Save what you played…".
    take: Arc<take::Take>,
    /// The sample rate of the last activation (the take's clock).
    rate: f64,
    /// An activation wants a model file read: the next block asks the background thread.
    load_wanted: bool,
    editor_state: Arc<nice_plug_egui::EguiEditorState>,
}

impl Default for Altus {
    fn default() -> Self {
        let (slot, ends) = Slot::new();
        Altus {
            params: Arc::new(AltusParams::default()),
            performer: None,
            slot: Arc::new(slot),
            ends,
            monitor: Arc::new(Monitor::default()),
            take: Arc::new(take::Take::default()),
            rate: 48_000.0,
            load_wanted: false,
            editor_state: editor::default_state(),
        }
    }
}

impl Altus {
    /// The model file the project names, if any.
    fn project_model(&self) -> Option<PathBuf> {
        self.params
            .model_path
            .lock()
            .ok()?
            .clone()
            .map(PathBuf::from)
    }

    /// A new model from the editor, if one waits and the old one can be handed back.
    fn take_new_model(&mut self, swap: &mut impl FnMut(&mut Performer, Loaded) -> Loaded) {
        let Some(performer) = self.performer.as_mut() else {
            return;
        };
        if self.ends.outgoing.slots() > 0
            && let Ok(new) = self.ends.incoming.pop()
        {
            let old = swap(performer, new);
            // Room was checked: the old model never drops here.
            let _ = self.ends.outgoing.push(old);
        }
    }
}

impl Plugin for Altus {
    const NAME: &'static str = "Altus";
    const VENDOR: &'static str = "Altus";
    const URL: &'static str = "";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[];
    const MIDI_INPUT: MidiConfig = MidiConfig::Basic;
    const MIDI_OUTPUT: MidiConfig = MidiConfig::Basic;
    // Room for large bursts without the wrapper growing its queue on the audio thread.
    const INPUT_EVENT_CAPACITY: usize = 16_384;
    type Editor = nice_plug_egui::EguiEditor<editor::App>;
    type SysExMessage = ();
    type BackgroundTask = Task;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let (slot, params) = (self.slot.clone(), self.params.clone());
        Box::new(move |task| editor::tasks::run(task, &slot, &params))
    }

    fn editor(&mut self, executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let app = editor::App::new(
            self.params.clone(),
            self.monitor.clone(),
            self.take.clone(),
            self.slot.clone(),
            executor,
        );
        editor::create(self.editor_state.clone(), app)
    }

    fn activate(
        &mut self,
        _layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let rate = config.sample_rate as f64;
        self.rate = rate;
        let project = self.project_model();
        let playing = self.slot.status().info.path;
        // No file is read here (the host's thread): the embedded model plays until the
        // background thread has read and checked the wanted file.
        let loading = match self.performer.as_mut() {
            Some(v) => {
                v.set_sample_rate(rate);
                // The host restored a project naming another model into this instance.
                project.filter(|p| Some(p) != playing.as_ref())
            }
            None => {
                let (l, info) = models::embedded();
                let s = settings::settings(&self.params);
                self.performer = Some(Performer::new(l.model, rate, s));
                self.slot.set_status(models::Status {
                    info,
                    error: None,
                    loading: None,
                });
                // No file is opened here; only the user's config file is looked for (a `stat`).
                // A task is asked for only when there is a file to read: nice-plug's worker
                // thread quits if a task outlives its instance, and the next instance's shutdown
                // then aborts (a host destroying an instance right after its first block).
                models::wanted(project.as_deref())
            }
        };
        if let Some(path) = loading {
            let mut s = self.slot.status();
            s.loading = Some(path);
            self.slot.set_status(s);
            self.load_wanted = true;
        }
        true
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        if std::mem::take(&mut self.load_wanted) {
            // A wait-free push onto nice-plug's task queue.
            context.execute_background(Task::LoadWanted);
        }
        let settings = settings::settings(&self.params);
        let transport = transport_of(context.transport());
        // A reference count, not an allocation: the take is also borrowed inside `self`'s calls.
        let take = self.take.clone();
        self.take_new_model(&mut |performer, new| {
            let (model, state) = performer.swap_model(new.model, new.state, &mut |n| {
                events::send(context, &take, n)
            });
            Loaded { model, state }
        });
        let Some(performer) = self.performer.as_mut() else {
            return ProcessStatus::Normal;
        };
        // Events stream straight from the host into the performer: no buffer, so no cap to drop at.
        performer.set_settings(settings, &mut |n| events::send(context, &take, n));
        performer.begin(&transport, buffer.samples() as u32, &mut |n| {
            events::send(context, &take, n)
        });
        while let Some(event) = context.next_event() {
            if let Some(n) = events::note_in(event) {
                take.record(n, true);
                performer.note(n, &mut |n| events::send(context, &take, n));
            }
        }
        performer.end(&mut |n| events::send(context, &take, n));
        self.monitor.publish(performer);
        let tempo = transport.tempo.unwrap_or(settings.default_tempo);
        take.end_block(buffer.samples() as u32, self.rate, tempo);
        ProcessStatus::Normal
    }

    fn deactivate(&mut self) {
        // No events can be sent here: the performer ends its notes in the next block.
        if let Some(v) = self.performer.as_mut() {
            v.reset();
        }
    }

    fn reset(&mut self) {
        // The host (re)starts processing, often while notes sound; no event queue here either.
        if let Some(v) = self.performer.as_mut() {
            v.reset();
        }
    }
}

/// The host's transport as the performer's [`Transport`].
fn transport_of(t: &nice_plug::context::process::Transport) -> Transport {
    Transport {
        playing: t.playing,
        tempo: t.tempo,
        pos_beats: t.pos_beats(),
        bar_start_beats: t.bar_start_pos_beats(),
        time_sig: t
            .time_sig_numerator
            .zip(t.time_sig_denominator)
            .map(|(n, d)| (n.clamp(1, 64) as u8, d.clamp(1, 64) as u8)),
    }
}

impl ClapPlugin for Altus {
    const CLAP_ID: &'static str = "org.altus.harmonizer";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Real-time alto, tenor and bass in the style of Bach's chorales");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::NoteEffect, ClapFeature::Utility];
}

impl Vst3Plugin for Altus {
    const VST3_CLASS_ID: [u8; 16] = *b"AltusHarmonizer1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Instrument, Vst3SubCategory::Tools];
}

nice_export_clap!(Altus);
nice_export_vst3!(Altus);
