//! Altus as a CLAP + VST3 MIDI effect. For now a skeleton that passes its MIDI input through;
//! the real-time alto engine arrives with the plugin issue.

use nice_plug::prelude::*;
use std::sync::Arc;

/// The plugin: MIDI in, MIDI out, no audio.
#[derive(Default)]
pub struct Altus {
    params: Arc<AltusParams>,
}

/// Host-visible parameters (none yet).
#[derive(Params, Default)]
pub struct AltusParams {}

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

    fn process(
        &mut self,
        _buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        while let Some(event) = context.next_event() {
            // A full output queue drops the event; nothing else can be done on the audio thread.
            let _ = context.try_send_event(event);
        }
        ProcessStatus::Normal
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
