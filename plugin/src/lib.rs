//! Altus as a CLAP + VST3 MIDI effect: real-time alto, tenor and bass voices for the soprano it
//! hears.
//!
//! `lib.rs` wires nice-plug to the host-independent audio-thread code in [`realtime`]; the
//! musical rules are documented there. Parameters live in [`params`].

pub mod autokey;
pub mod models;
pub mod params;
pub mod realtime;

use altus_core::harmony::engine::DecodeOptions;
use altus_core::music::key::{Key as MusicKey, Mode};
use nice_plug::midi::{Channel as MidiChannel, Key as MidiKey, VoiceID};
use nice_plug::prelude::*;
use params::{AltusParams, ModeChoice, VelocityChoice};
use realtime::{KeySetting, Note, Settings, Transport, Velocity, Voice};
use std::sync::Arc;

/// The plugin: MIDI in, MIDI out, no audio.
pub struct Altus {
    params: Arc<AltusParams>,
    /// The audio-thread voice: made at the first `activate` (with the user model, if one is
    /// found and valid) and kept for the instance's life.
    voice: Option<Voice>,
    /// Which model plays and why (the user model's path, or why the embedded one plays).
    pub model_note: String,
}

impl Default for Altus {
    fn default() -> Self {
        Altus {
            params: Arc::new(AltusParams::default()),
            voice: None,
            model_note: String::new(),
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
        let range = |lo: &IntParam, hi: &IntParam| {
            let (lo, hi) = (
                lo.value().clamp(0, 127) as u8,
                hi.value().clamp(0, 127) as u8,
            );
            (lo.min(hi), hi.max(lo))
        };
        let chan = |c: &IntParam| (c.value().clamp(1, 16) - 1) as u8;
        let v = p.velocity.value().clamp(1, 127) as u8;
        Settings {
            key,
            decode: DecodeOptions {
                temperature: p.temperature.value(),
                ranges: [
                    range(&p.low, &p.high),
                    range(&p.tenor_low, &p.tenor_high),
                    range(&p.bass_low, &p.bass_high),
                ],
                seed: 0,
                beam: DecodeOptions::default().beam,
            },
            voices: p.voices.value().count(),
            velocity: match p.velocity_mode.value() {
                VelocityChoice::Follow => Velocity::Follow,
                VelocityChoice::Fixed => Velocity::Fixed(v),
                VelocityChoice::Scale => Velocity::Scale(v),
            },
            channels: [
                chan(&p.channel),
                chan(&p.tenor_channel),
                chan(&p.bass_channel),
            ],
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
    // Room for large bursts without the wrapper growing its queue on the audio thread.
    const INPUT_EVENT_CAPACITY: usize = 16_384;
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
        let rate = config.sample_rate as f64;
        match self.voice.as_mut() {
            Some(v) => v.set_sample_rate(rate),
            None => {
                // Once per instance, before the first block: the user model if it is valid.
                let (model, note) = models::initial_model();
                nice_log!("{note}");
                self.model_note = note;
                self.voice = Some(Voice::new(model, rate, self.settings()));
            }
        }
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
        let Some(voice) = self.voice.as_mut() else {
            return ProcessStatus::Normal;
        };
        // Events stream straight from the host into the voice: no buffer, so no cap to drop at.
        voice.set_settings(settings, &mut |n| send(context, n));
        voice.begin(&transport, buffer.samples() as u32, &mut |n| {
            send(context, n)
        });
        while let Some(event) = context.next_event() {
            if let Some(n) = note_in(event) {
                voice.note(n, &mut |n| send(context, n));
            }
        }
        voice.end(&mut |n| send(context, n));
        ProcessStatus::Normal
    }

    fn deactivate(&mut self) {
        // No events can be sent here: the voice ends its notes in the next block.
        if let Some(v) = self.voice.as_mut() {
            v.reset();
        }
    }

    fn reset(&mut self) {
        // The host (re)starts processing, often while notes sound; no event queue here either.
        if let Some(v) = self.voice.as_mut() {
            v.reset();
        }
    }
}

/// A host note event as the voice's [`Note`] (other events are not the voice's business).
fn note_in(event: NoteEvent<()>) -> Option<Note> {
    match event {
        NoteEvent::NoteOn {
            timing,
            channel,
            key,
            velocity,
            ..
        } => key.number().map(|key| Note::On {
            at: timing,
            key,
            velocity: (velocity * 127.0).round().clamp(1.0, 127.0) as u8,
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
    }
}

/// Sends one note to the host; `false` when its queue is full (the ledger retries note-offs).
fn send(context: &mut impl ProcessContext<Altus>, n: Note) -> bool {
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
    context.try_send_event(ev).is_ok()
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
