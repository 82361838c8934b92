//! Reads a MusicXML score back with the `musicxml` crate (an independent parser of the whole
//! schema) into what a test compares: the signatures, whether the first bar is a pickup, and
//! every voice's notes on the 16th grid with ties joined.

use musicxml::datatypes::{Step, YesNo};
use musicxml::elements::{AudibleType, MeasureElement, NoteType, PartElement};

/// Each voice, named (part index, `<voice>`), with its notes `(start, end, MIDI pitch)`.
pub type Voices = Vec<((usize, String), Vec<(usize, usize, u8)>)>;

/// What a score says, in 16ths from its start.
#[derive(Debug, Default)]
pub struct ReadBack {
    /// Key signature (sharps, negative for flats) of the first part.
    pub fifths: i8,
    /// The first part's first time signature (beats, beat type).
    pub time: (String, String),
    /// Whether the first bar is marked incomplete (a pickup).
    pub pickup: bool,
    /// Bars in the first part.
    pub bars: usize,
    /// `<harmony>` elements (chord symbols).
    pub harmonies: usize,
    /// Notes per (part, voice) in reading order: `(start, end, MIDI pitch)` in 16ths, tied
    /// notes joined.
    pub voices: Voices,
}

fn semitone(step: &Step) -> i32 {
    match step {
        Step::C => 0,
        Step::D => 2,
        Step::E => 4,
        Step::F => 5,
        Step::G => 7,
        Step::A => 9,
        Step::B => 11,
    }
}

/// Parses `path`; any schema violation the crate sees is an error.
pub fn read(path: &std::path::Path) -> Result<ReadBack, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let score = musicxml::read_score_data_partwise(bytes)?;
    let mut out = ReadBack::default();
    for (p, part) in score.content.part.iter().enumerate() {
        let mut divisions = 1i64;
        let mut bar_start = 0i64;
        for (b, element) in part.content.iter().enumerate() {
            let PartElement::Measure(m) = element else {
                return Err("a part holds something other than measures".into());
            };
            if p == 0 {
                out.bars += 1;
                if b == 0 {
                    out.pickup = m.attributes.implicit == Some(YesNo::Yes);
                }
            }
            let (mut at, mut longest) = (0i64, 0i64);
            let to16 = |d: i64, div: i64| d * 4 / div.max(1);
            for e in &m.content {
                match e {
                    MeasureElement::Attributes(a) => {
                        if let Some(d) = &a.content.divisions {
                            divisions = *d.content as i64;
                        }
                        if p == 0 && b == 0 {
                            if let Some(k) = a.content.key.first()
                                && let musicxml::elements::KeyContents::Explicit(x) = &k.content
                            {
                                out.fifths = *x.fifths.content;
                            }
                            if let Some(t) = a.content.time.first()
                                && let Some(bt) = t.content.beats.first()
                            {
                                out.time = (bt.beats.content.clone(), bt.beat_type.content.clone());
                            }
                        }
                    }
                    MeasureElement::Backup(x) => at -= *x.content.duration.content as i64,
                    MeasureElement::Forward(x) => at += *x.content.duration.content as i64,
                    MeasureElement::Harmony(_) => out.harmonies += 1,
                    MeasureElement::Note(n) => {
                        let NoteType::Normal(info) = &n.content.info else {
                            return Err("a grace or cue note".into());
                        };
                        let dur = *info.duration.content as i64;
                        let voice = n
                            .content
                            .voice
                            .as_ref()
                            .map_or("1".to_string(), |v| v.content.clone());
                        let start = to16(bar_start + at, divisions) as usize;
                        let end = to16(bar_start + at + dur, divisions) as usize;
                        if let AudibleType::Pitch(pitch) = &info.audible {
                            let c = &pitch.content;
                            let midi = 12 * (*c.octave.content as i32 + 1)
                                + semitone(&c.step.content)
                                + c.alter.as_ref().map_or(0, |a| *a.content as i32);
                            let tied_in = info.tie.iter().any(|t| {
                                t.attributes.r#type == musicxml::datatypes::StartStop::Stop
                            });
                            add(
                                &mut out.voices,
                                (p, voice),
                                (start, end, midi as u8),
                                tied_in,
                            )?;
                        }
                        if info.chord.is_none() {
                            at += dur;
                        }
                    }
                    _ => {}
                }
                longest = longest.max(at);
            }
            bar_start += longest;
        }
    }
    Ok(out)
}

/// Appends a note to its voice, joining it to the note before when tied to it.
fn add(
    voices: &mut Voices,
    id: (usize, String),
    note: (usize, usize, u8),
    tied_in: bool,
) -> Result<(), String> {
    let i = match voices.iter().position(|v| v.0 == id) {
        Some(i) => i,
        None => {
            voices.push((id, Vec::new()));
            voices.len() - 1
        }
    };
    let notes = &mut voices[i].1;
    if tied_in {
        match notes.last_mut() {
            Some(last) if last.1 == note.0 && last.2 == note.2 => last.1 = note.1,
            _ => return Err(format!("a tie into {note:?} from nothing like it")),
        }
    } else {
        notes.push(note);
    }
    Ok(())
}
