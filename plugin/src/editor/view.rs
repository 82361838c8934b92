//! What the editor shows and sends, as plain data: tested without a window.

use crate::Task;
use crate::models::{Slot, Status};
use crate::monitor::Snapshot;
use altus_core::music::key::Mode;
use std::path::PathBuf;

/// The four voices, top down, as the editor names them.
pub const VOICES: [&str; 4] = ["Soprano", "Alto", "Tenor", "Bass"];
/// Lowest and highest note the keyboard shows (C2–C6).
pub const LOW: u8 = 36;
/// See [`LOW`].
pub const HIGH: u8 = 84;

/// The chord sounding now (soprano and voices), its symbol and its Roman numeral in the key the
/// voices are written in, e.g. `G7/B   V6/5`; `None` when the notes make no chord.
pub fn chord_line(s: &Snapshot) -> Option<String> {
    let pitches: Vec<u8> = s.sounding.iter().flatten().copied().collect();
    let c = altus_core::music::chord::name::identify(&pitches)?;
    Some(format!("{}   {}", c.symbol(s.key), c.numeral(s.key)))
}

/// "Key: G major (detected, 87%)", "Key: E minor (fixed)", or, before the soprano has said
/// anything, "Key: C major (detecting: listening to the soprano…)".
pub fn key_line(s: &Snapshot) -> String {
    let mode = if s.key.mode == Mode::Minor {
        "minor"
    } else {
        "major"
    };
    let tonic = s.key.name();
    let tonic = tonic.trim_end_matches('m');
    if s.fixed {
        format!("Key: {tonic} {mode} (fixed)")
    } else if s.confidence <= 0.0 {
        format!("Key: {tonic} {mode} (detecting: listening to the soprano…)")
    } else {
        let pct = (100.0 * s.confidence).round();
        format!("Key: {tonic} {mode} (detected, {pct:.0}%)")
    }
}

/// Scientific pitch name, middle C = C4: "F#4".
pub fn note_name(pitch: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
    ];
    format!("{}{}", NAMES[pitch as usize % 12], pitch as i32 / 12 - 1)
}

/// "Soprano G4 · Alto D4 · Tenor B3 · Bass —": what sounds now, voice by voice, spelled in the
/// key.
pub fn sounding_line(s: &Snapshot) -> String {
    let parts: Vec<String> = VOICES
        .iter()
        .zip(s.sounding)
        .map(|(v, p)| {
            let name = p.map_or("—".into(), |p| super::roll::spelled(p, s.key));
            format!("{v} {name}")
        })
        .collect();
    parts.join(" · ")
}

/// The keyboard's keys from [`LOW`] to [`HIGH`]: (pitch, left edge, width, black?) in units of
/// a white key's width, white keys side by side and each black key centred on the gap it
/// covers, as on a piano.
pub fn keyboard_layout() -> Vec<(u8, f32, f32, bool)> {
    let mut keys = Vec::new();
    let mut whites = 0.0f32;
    for pitch in LOW..=HIGH {
        if is_black(pitch) {
            keys.push((pitch, whites - 0.3, 0.6, true));
        } else {
            keys.push((pitch, whites, 1.0, false));
            whites += 1.0;
        }
    }
    keys
}

/// What the model panel says: which model, its shape, its card's figures, and any error.
pub fn model_lines(status: &Status) -> Vec<String> {
    let i = &status.info;
    let name = match &i.path {
        Some(p) => p.file_name().map_or(p.display().to_string(), |n| {
            n.to_string_lossy().into_owned()
        }),
        None => "built-in".into(),
    };
    let mut lines = vec![format!("Model: {name}"), i.shape.clone()];
    if let Some([a, t, b]) = i.agreement {
        lines.push(format!(
            "Agreement with Bach (validation): alto {:.1}%, tenor {:.1}%, bass {:.1}%",
            100.0 * a,
            100.0 * t,
            100.0 * b
        ));
    }
    if let Some(e) = &status.error {
        lines.push(format!("Error: {e}"));
    }
    if let Some(p) = &status.loading {
        lines.push(format!("Loading {}…", p.display()));
    }
    lines
}

/// The voice (top voice first) sounding `pitch` now, if any: the keyboard's colour.
pub fn key_voice(s: &Snapshot, pitch: u8) -> Option<usize> {
    s.sounding.iter().position(|&p| p == Some(pitch))
}

/// Whether a MIDI note is a black key.
pub fn is_black(pitch: u8) -> bool {
    matches!(pitch % 12, 1 | 3 | 6 | 8 | 10)
}

/// A click in the model panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Click {
    /// A file chosen in the dialog.
    Load(PathBuf),
    /// "Use built-in model".
    BuiltIn,
}

/// What a click sends to the background task (the chosen file goes to the loader through the
/// slot's channel).
pub fn click(c: Click, slot: &Slot) -> Task {
    match c {
        Click::Load(path) => {
            slot.request(path);
            Task::LoadPending
        }
        Click::BuiltIn => Task::UseBuiltIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelInfo;
    use altus_core::Key;

    fn snapshot() -> Snapshot {
        let mut roll = [[None; 4]; crate::monitor::SHOWN];
        roll[31] = [Some(79), Some(71), Some(62), Some(43)];
        roll[0] = [Some(90), None, None, Some(20)];
        Snapshot {
            key: Key::new(7, Mode::Major),
            fixed: false,
            confidence: 0.874,
            sounding: [Some(79), Some(71), Some(62), Some(43)],
            roll,
        }
    }

    #[test]
    fn the_chord_line_names_the_chord_sounding_now() {
        let mut s = snapshot();
        // G5 B4 D4 over G2 in G major: the tonic.
        assert_eq!(chord_line(&s).as_deref(), Some("G   I"));
        // D F# A over C: the dominant seventh in third inversion.
        s.sounding = [Some(74), Some(66), Some(57), Some(48)];
        assert_eq!(chord_line(&s).as_deref(), Some("D7/C   V4/2"));
        s.sounding = [Some(74), None, None, None];
        assert_eq!(chord_line(&s), None);
    }

    #[test]
    fn the_key_line_says_which_key_and_how_sure() {
        let mut s = snapshot();
        assert_eq!(key_line(&s), "Key: G major (detected, 87%)");
        s.key = Key::new(4, Mode::Minor);
        s.fixed = true;
        assert_eq!(key_line(&s), "Key: E minor (fixed)");
        s.fixed = false;
        s.confidence = 0.0;
        assert!(key_line(&s).ends_with("(detecting: listening to the soprano…)"));
    }

    #[test]
    fn the_sounding_line_names_each_voices_note() {
        let mut s = snapshot();
        s.sounding[3] = None;
        assert_eq!(
            sounding_line(&s),
            "Soprano G5 · Alto B4 · Tenor D4 · Bass —"
        );
        assert_eq!(note_name(60), "C4");
        assert_eq!(note_name(66), "F#4");
    }

    #[test]
    fn the_keyboard_is_laid_out_like_a_piano() {
        let keys = keyboard_layout();
        assert_eq!(keys.len(), (HIGH - LOW + 1) as usize);
        let whites = keys.iter().filter(|k| !k.3).count();
        // C2–C6: four octaves of seven white keys and the top C.
        assert_eq!(whites, 29);
        // C#2 straddles the C2/D2 boundary; E2 and F2 touch with no black key between them.
        assert_eq!(keys[1], (LOW + 1, 0.7, 0.6, true));
        assert_eq!((keys[4].1, keys[5].1), (2.0, 3.0));
        assert!(!keys[4].3 && !keys[5].3);
    }

    #[test]
    fn the_keyboard_shows_each_voice_sounding() {
        let s = snapshot();
        assert_eq!(key_voice(&s, 62), Some(2));
        assert_eq!(key_voice(&s, 60), None);
        assert!(is_black(61) && !is_black(60));
    }

    #[test]
    fn the_model_panel_names_the_file_and_its_figures() {
        let status = Status {
            info: ModelInfo {
                path: Some("/x/mine.safetensors".into()),
                shape: "LSTM 1 × 64, 100 weights".into(),
                agreement: Some([0.437, 0.408, 0.419]),
            },
            error: Some("/y/bad.safetensors: not a safetensors file".into()),
            loading: None,
        };
        let lines = model_lines(&status);
        assert_eq!(lines[0], "Model: mine.safetensors");
        assert!(
            lines[2].contains("alto 43.7%, tenor 40.8%, bass 41.9%"),
            "{lines:?}"
        );
        assert!(lines[3].starts_with("Error: /y/bad.safetensors"));
        assert_eq!(model_lines(&Status::default())[0], "Model: built-in");
        let loading = Status {
            loading: Some("/z/next.safetensors".into()),
            ..Status::default()
        };
        assert_eq!(
            model_lines(&loading).last().unwrap(),
            "Loading /z/next.safetensors…"
        );
    }

    #[test]
    fn clicks_send_tasks_and_the_loader_gets_the_latest_file() {
        let (slot, _ends) = Slot::new();
        let (a, b) = (
            PathBuf::from("/m/a.safetensors"),
            PathBuf::from("/m/b.safetensors"),
        );
        assert_eq!(click(Click::Load(a), &slot), Task::LoadPending);
        assert_eq!(click(Click::Load(b.clone()), &slot), Task::LoadPending);
        // Two clicks before the loader ran: it loads the second; nothing is left over.
        assert_eq!(slot.take_request(), Some(b));
        assert_eq!(slot.take_request(), None);
        assert_eq!(click(Click::BuiltIn, &slot), Task::UseBuiltIn);
    }
}
