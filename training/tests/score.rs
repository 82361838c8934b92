//! `altus harmonize IN.mid OUT.musicxml`: the score, read back by an independent MusicXML
//! parser, holds the notes of the MIDI file the same command writes, spelled for the key.

use altus_core::Grid;
use altus_core::music::midi;
use testkit::chorales_for_test;
use testkit::score::read;
mod common;
use common::{altus, tmp};

/// Each voice's notes on the grid `(start, end, pitch)`, counted from the piece's first note.
fn grid_notes(path: &std::path::Path) -> Vec<Vec<(usize, usize, u8)>> {
    let grid = Grid::from_score(&midi::read_file(path).unwrap());
    let from = grid.first_onset().unwrap();
    grid.voices
        .iter()
        .map(|l| {
            l.notes()
                .into_iter()
                .map(|(a, b, p)| (a.0 - from, b.0 - from, p.0))
                .collect()
        })
        .collect()
}

/// Harmonizes `file` to MIDI and to a score with `--staves staves`; checks that the score's
/// voices are the MIDI file's and returns the score's text and what was read from it.
fn both(dir: &std::path::Path, file: &str, staves: &str) -> (String, testkit::score::ReadBack) {
    let d = tmp(&format!("score-{file}-{staves}"));
    let input = dir.join(file);
    let (mid, xml) = (d.join("out.mid"), d.join("out.musicxml"));
    for out in [&mid, &xml] {
        let (ok, _, err) = altus(&[
            "harmonize",
            "--voices",
            "satb",
            "--staves",
            staves,
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
    }
    let back = read(&xml).unwrap_or_else(|e| panic!("{file}: {e}"));
    let want = grid_notes(&mid);
    // Two staves: soprano and alto are voices 1 and 2 of the first part, tenor and bass of the
    // second; four: one part per voice.
    let ids: Vec<(usize, &str)> = if staves == "2" {
        vec![(0, "1"), (0, "2"), (1, "1"), (1, "2")]
    } else {
        vec![(0, "1"), (1, "1"), (2, "1"), (3, "1")]
    };
    assert_eq!(back.voices.len(), 4, "{file}");
    for (v, (part, voice)) in ids.into_iter().enumerate() {
        let got = back
            .voices
            .iter()
            .find(|x| x.0 == (part, voice.to_string()))
            .unwrap_or_else(|| panic!("{file}: no voice {voice} in part {part}"));
        assert_eq!(got.1, want[v], "{file}: voice {v}");
    }
    let text = std::fs::read_to_string(&xml).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
    (text, back)
}

#[test]
fn a_score_holds_the_midi_files_notes_spelled_for_the_key() {
    let Some(dir) = chorales_for_test("a_score_holds_the_midi_files_notes_spelled_for_the_key")
    else {
        return;
    };
    // D major, no pickup in the file's first bar.
    let (text, back) = both(&dir, "003604b2.mid", "2");
    assert_eq!(back.fifths, 2);
    assert_eq!(back.time, ("4".to_string(), "4".to_string()));
    assert!(back.harmonies > 20, "{}", back.harmonies);
    assert!(text.contains("<step>F</step><alter>1</alter>"));
    assert!(!text.contains("<step>G</step><alter>-1</alter>"));
    assert!(text.contains("<sign>F</sign>"), "a bass clef");
    // F major with a quarter-note pickup: an incomplete bar 0, B flat written as such.
    let (text, back) = both(&dir, "000106b_.mid", "4");
    assert_eq!(back.fifths, -1);
    assert!(back.pickup);
    assert!(text.contains("<measure number=\"0\" implicit=\"yes\">"));
    assert!(text.contains("<step>B</step><alter>-1</alter>"));
    assert!(!text.contains("<step>A</step><alter>1</alter>"));
    assert!(
        text.contains("<clef-octave-change>-1</clef-octave-change>"),
        "tenor clef"
    );
    // Notes held over a bar line are tied, not cut.
    assert!(text.contains("<tied type=\"start\"/>"));
}

#[test]
fn every_score_of_a_corpus_sample_reads_back() {
    let Some(dir) = chorales_for_test("every_score_of_a_corpus_sample_reads_back") else {
        return;
    };
    // Minor keys, 3/4, sharps and flats: every 20th four-part chorale.
    let files = testkit::corpus::midi_names(&dir);
    let mut keys = std::collections::BTreeSet::new();
    for f in files.iter().step_by(20) {
        let (_, back) = both(&dir, f, "2");
        keys.insert(back.fifths);
    }
    assert!(keys.len() >= 4, "{keys:?}");
}
