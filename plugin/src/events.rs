//! Host note events in and out of the voice's [`Note`].

use crate::Altus;
use crate::realtime::Note;
use crate::take::Take;
use nice_plug::midi::{Channel as MidiChannel, Key as MidiKey, VoiceID};
use nice_plug::prelude::*;

/// A host note event as the voice's [`Note`] (other events are not the voice's business).
pub fn note_in(event: NoteEvent<()>) -> Option<Note> {
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

/// Sends one note to the host and records it in the take; `false` when the host's queue is
/// full (the ledger retries note-offs).
pub fn send(context: &mut impl ProcessContext<Altus>, take: &Take, n: Note) -> bool {
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
    let sent = context.try_send_event(ev).is_ok();
    if sent {
        take.record(n, false);
    }
    sent
}
