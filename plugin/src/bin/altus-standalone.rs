//! Altus without a DAW: JACK or ALSA MIDI in and out, the plugin's editor in its own window.
//! `altus-standalone --help` lists the options (`--backend auto|jack|alsa|dummy`, MIDI ports,
//! sample rate, period size).

fn main() {
    nice_plug::prelude::nice_export_standalone::<altus_plugin::Altus>();
}
