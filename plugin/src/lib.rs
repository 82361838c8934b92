//! Altus as a CLAP + VST3 MIDI effect: a real-time alto voice for the soprano it hears.
//!
//! `lib.rs` wires nice-plug to the host-independent audio-thread code in [`realtime`]; the
//! musical rules are documented there. Parameters live in [`params`].

pub mod autokey;
pub mod models;
pub mod params;
pub mod realtime;

use altus_core::engine::DecodeOptions;
use altus_core::key::{Key as MusicKey, Mode};
use nice_plug::midi::{Channel as MidiChannel, Key as MidiKey, VoiceID};
use nice_plug::prelude::*;
use params::{AltusParams, ModeChoice, VelocityChoice};
use realtime::{KeySetting, Note, Settings, Transport, Velocity, Voice};
use std::sync::Arc;

/// Input events kept per block (a burst beyond this is dropped, never allocated for).
const EVENT_CAPACITY: usize = 4096;

/// The plugin: MIDI in, MIDI out, no audio.
pub struct Altus {
    params: Arc<AltusParams>,
    /// Audio-thread voice; made in `activate`.
    voice: Option<Voice>,
    /// This block's input notes (capacity fixed in `activate`; audio thread only).
    input: Vec<Note>,
    /// Rings to and from the user-model loader, if a user model was found.
    loader: Option<models::AudioSide>,
    /// A replaced model the loader did not take back; freed in `deactivate`, never on the
    /// audio thread.
    parked: Option<models::Loaded>,
    /// An alto note still sounding when the host deactivated the plugin (no events can be sent
    /// then): its note-off goes out at the start of the next block after re-activation.
    pending_off: Option<(u8, u8)>,
}

impl Default for Altus {
    fn default() -> Self {
        Altus {
            params: Arc::new(AltusParams::default()),
            voice: None,
            input: Vec::new(),
            loader: None,
            parked: None,
            pending_off: None,
        }
    }
}

impl Altus {
    /// The settings the parameters describe.
    fn settings(&self) -> Settings {
        let p = &self.params;
        let mode = match p.mode.value() {
            ModeChoice::Auto => None,
            ModeChoice::Major => Some(Mode::Major),
            ModeChoice::Minor => Some(Mode::Minor),
        };
        let key = match p.key.value().tonic() {
            Some(t) => KeySetting::Fixed(MusicKey::new(t, mode.unwrap_or(Mode::Major))),
            None => KeySetting::Auto(mode),
        };
        let (low, high) = (
            p.low.value().clamp(0, 127) as u8,
            p.high.value().clamp(0, 127) as u8,
        );
        let v = p.velocity.value().clamp(1, 127) as u8;
        Settings {
            key,
            decode: DecodeOptions {
                temperature: p.temperature.value(),
                low: low.min(high),
                high: high.max(low),
                seed: 0,
            },
            velocity: match p.velocity_mode.value() {
                VelocityChoice::Follow => Velocity::Follow,
                VelocityChoice::Fixed => Velocity::Fixed(v),
                VelocityChoice::Scale => Velocity::Scale(v),
            },
            channel: (p.channel.value().clamp(1, 16) - 1) as u8,
            pass_through: p.pass_through.value(),
            default_tempo: p.tempo.value() as f64,
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
    type Editor = ();
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn activate(
        &mut self,
        _layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let (model, _) = altus_core::default_model::default_alto();
        self.voice = Some(Voice::new(
            Box::new(model),
            config.sample_rate as f64,
            self.settings(),
        ));
        self.input = Vec::with_capacity(EVENT_CAPACITY);
        self.loader =
            models::user_model_path().map(|p| models::spawn_loader(p, |m| nice_log!("{m}")));
        true
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let settings = self.settings();
        let t = context.transport();
        let transport = Transport {
            playing: t.playing,
            tempo: t.tempo,
            pos_beats: t.pos_beats(),
            bar_start_beats: t.bar_start_pos_beats(),
            time_sig: t
                .time_sig_numerator
                .zip(t.time_sig_denominator)
                .map(|(n, d)| (n.clamp(1, 64) as u8, d.clamp(1, 64) as u8)),
        };
        self.input.clear();
        while let Some(event) = context.next_event() {
            let note = match event {
                NoteEvent::NoteOn {
                    timing,
                    channel,
                    key,
                    velocity,
                    ..
                } => key.number().map(|key| Note::On {
                    at: timing,
                    key,
                    velocity: (velocity * 127.0).round().clamp(0.0, 127.0) as u8,
                    channel: channel.number().unwrap_or(0),
                }),
                NoteEvent::NoteOff {
                    timing,
                    channel,
                    key,
                    ..
                } => key.number().map(|key| Note::Off {
                    at: timing,
                    key,
                    channel: channel.number().unwrap_or(0),
                }),
                _ => None,
            };
            // A full buffer drops the event: the audio thread never allocates.
            if let Some(n) = note.filter(|_| self.input.len() < self.input.capacity()) {
                self.input.push(n);
            }
        }
        let Some(voice) = self.voice.as_mut() else {
            return ProcessStatus::Normal;
        };
        let mut send = |n: Note| {
            let ev = match n {
                Note::On {
                    at,
                    key,
                    velocity,
                    channel,
                } => NoteEvent::NoteOn {
                    timing: at,
                    voice_id: VoiceID::Wildcard,
                    channel: MidiChannel::Number(channel),
                    key: MidiKey::Number(key),
                    velocity: velocity as f32 / 127.0,
                },
                Note::Off { at, key, channel } => NoteEvent::NoteOff {
                    timing: at,
                    voice_id: VoiceID::Wildcard,
                    channel: MidiChannel::Number(channel),
                    key: MidiKey::Number(key),
                    velocity: 0.0,
                },
            };
            // A full output queue drops the event; nothing else can be done on the audio thread.
            let _ = context.try_send_event(ev);
        };
        if let Some((key, channel)) = self.pending_off.take() {
            send(Note::Off {
                at: 0,
                key,
                channel,
            });
        }
        voice.set_settings(settings, &mut send);
        // A user model, loaded in the background: swap it in, send the old one back to be freed.
        if let Some(side) = self.loader.as_mut()
            && let Ok(new) = side.incoming.pop()
        {
            let (model, state) = voice.swap_model(new.model, new.state, &mut send);
            if let Err(rtrb::PushError::Full(old)) =
                side.outgoing.push(models::Loaded { model, state })
            {
                self.parked = Some(old);
            }
        }
        voice.process(&transport, &self.input, buffer.samples() as u32, &mut send);
        ProcessStatus::Normal
    }

    fn deactivate(&mut self) {
        self.pending_off = self
            .voice
            .as_ref()
            .and_then(Voice::alto_note)
            .or(self.pending_off);
        // Not the audio thread: free what the audio thread could not hand back.
        self.parked = None;
        self.loader = None;
    }

    fn reset(&mut self) {
        // Called on the audio thread without an event queue: the next block starts afresh, and
        // the sounding alto note (if any) is ended by the voice's next all-off.
        if let Some(v) = self.voice.as_mut() {
            v.all_off(0, &mut |_| {});
        }
    }
}

impl ClapPlugin for Altus {
    const CLAP_ID: &'static str = "org.altus.harmonizer";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("A real-time alto voice in the style of Bach's chorales");
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
