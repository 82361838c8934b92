//! The dataset agrees with the corpus's own index (index.tsv, derived independently from the
//! MIDI files by the corpus's maintainers) on every file.

use altus_core::music::midi;
use altus_core::{Grid, Key, Mode, Voice};
use altus_training::data::dataset::{self, Options, Rejection};
use std::collections::{BTreeMap, HashSet};
use testkit::chorales_for_test;

/// index.tsv rows keyed by file name, columns keyed by header.
fn index(dir: &std::path::Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("../index.tsv")).expect("index.tsv beside midi/");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            let row: BTreeMap<String, String> = header
                .iter()
                .zip(l.split('\t'))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["file"].clone(), row)
        })
        .collect()
}

#[test]
fn usable_files_and_rejections_match_the_index() {
    let Some(dir) = chorales_for_test("usable_files_and_rejections_match_the_index") else {
        return;
    };
    let idx = index(&dir);
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    assert_eq!(ds.chorales.len() + ds.rejected.len(), 432);
    let ours: HashSet<&str> = ds.chorales.iter().map(|c| c.file.as_str()).collect();
    let theirs: HashSet<&str> = idx
        .iter()
        .filter(|(_, r)| r["usable_SA"] == "1")
        .map(|(f, _)| f.as_str())
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 376);
    let count = |f: fn(&Rejection) -> bool| ds.rejected.iter().filter(|r| f(&r.1)).count();
    assert_eq!(count(|r| matches!(r, Rejection::NotChorale)), 46);
    assert_eq!(count(|r| matches!(r, Rejection::TooFewParts(3))), 5);
    assert_eq!(count(|r| matches!(r, Rejection::TooFewParts(1))), 1);
    assert_eq!(count(|r| matches!(r, Rejection::NotPitchOrdered)), 2);
    assert_eq!(
        count(|r| matches!(r, Rejection::Polyphonic(Voice::Soprano))),
        2
    );
}

#[test]
fn every_file_agrees_with_the_index() {
    let Some(dir) = chorales_for_test("every_file_agrees_with_the_index") else {
        return;
    };
    for (file, row) in index(&dir) {
        let score = midi::read_file(&dir.join(&file)).unwrap();
        let tpq = score.tpq as f64;
        assert_eq!(
            score.parts.len().to_string(),
            row["n_note_tracks"],
            "{file}"
        );
        let m = score.meters[0];
        assert_eq!(format!("{}/{}", m.num, m.den), row["time_sig"], "{file}");
        // The index counts distinct metres beyond the first (010602b_: 4/4 → 3/4 → 4/4 is 1).
        let distinct: HashSet<(u8, u8)> = score.meters.iter().map(|m| (m.num, m.den)).collect();
        assert_eq!(
            (distinct.len() - 1).to_string(),
            row["time_sig_changes"],
            "{file}"
        );
        let sig = score.key_sig().unwrap();
        let sig_shift = Key::new(sig.major_tonic(), Mode::Major).shift_to_reference();
        assert_eq!(sig_shift.to_string(), row["shift_to_C_or_Am"], "{file}");
        let first = score
            .parts
            .iter()
            .map(|p| p.notes[0].start.0)
            .min()
            .unwrap() as f64;
        assert_eq!(
            first / tpq,
            row["lead_rest_quarters"].parse::<f64>().unwrap(),
            "{file}"
        );
        let end = score
            .parts
            .iter()
            .flat_map(|p| p.notes.iter().map(|n| n.end.0))
            .max()
            .unwrap() as f64;
        assert_eq!(
            end / tpq,
            row["length_quarters"].parse::<f64>().unwrap(),
            "{file}"
        );
        if row["usable_SA"] == "1" {
            usable_facts(&file, &row, &score);
        }
    }
}

#[test]
fn inferred_keys_agree_with_the_music() {
    let Some(dir) = chorales_for_test("inferred_keys_agree_with_the_music") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let minor = ds
        .chorales
        .iter()
        .filter(|c| c.key.mode == Mode::Minor)
        .count();
    // Checked against the music by another rule than the one that decided it: in the key found,
    // the tonic is among the piece's three most-sounded pitch classes and the mode's own third
    // (minor: tonic + 3, major: + 4) sounds longer than the other third.
    let disagree: Vec<&str> = ds
        .chorales
        .iter()
        .filter(|c| !sounds_in_its_key(c))
        .map(|c| c.file.as_str())
        .collect();
    // Measured 2026-12-01: 13 of 376 disagree, 000206b_ among them (D minor, whose F♯s lead to
    // G minor). Calling the 172 minor pieces major would fail most of them.
    assert!(
        disagree.len() * 20 <= ds.chorales.len(),
        "{} disagree: {disagree:?}",
        disagree.len()
    );
    assert!((150..220).contains(&minor), "{minor} minor chorales");
    // The signature's own flag is unreliable: it disagrees with the music in some files.
    let wrong_flag = ds
        .chorales
        .iter()
        .filter(|c| c.grid.key_sig.unwrap().minor != (c.key.mode == Mode::Minor))
        .count();
    assert!(wrong_flag > 0);
    // Every chorale, moved to its reference key, ends on C (major) or A (minor) in the bass,
    // except those ending on a dominant.
    let tonic_endings = ds.chorales.iter().filter(|c| ends_on_its_tonic(c)).count();
    assert!(
        tonic_endings * 10 >= ds.chorales.len() * 9,
        "{tonic_endings}"
    );
}

#[test]
fn split_is_deterministic_and_keeps_melodies_together() {
    let Some(dir) = chorales_for_test("split_is_deterministic_and_keeps_melodies_together") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let a = dataset::split(&ds.chorales, 0);
    assert_eq!(a, dataset::split(&ds.chorales, 0));
    assert_ne!(a.valid, dataset::split(&ds.chorales, 1).valid);
    assert_eq!(a.train.len() + a.valid.len(), 376);
    assert!((36..=45).contains(&a.valid.len()), "{}", a.valid.len());
    let sig = |i: usize| dataset::melody_signature(&ds.chorales[i].grid);
    let valid: HashSet<u64> = a.valid.iter().map(|&i| sig(i)).collect();
    assert!(a.train.iter().all(|&i| !valid.contains(&sig(i))));
    // The corpus really has repeated melodies (the same tune harmonised more than once).
    assert!(a.groups < 376 - 20, "{} groups", a.groups);
}

#[test]
fn folds_partition_the_training_files_by_melody() {
    let Some(dir) = chorales_for_test("folds_partition_the_training_files_by_melody") else {
        return;
    };
    let ds = dataset::load_dir(&dir, &Options::default()).unwrap();
    let train = dataset::split(&ds.chorales, 0).train;
    let folds = dataset::carve_folds(&ds.chorales, &train, 0, 10);
    // Fold 0 is the selection split every model command chooses on.
    let (_, select) = dataset::carve_selection(&ds.chorales, &train, 0);
    assert_eq!(folds[0], select);
    // Ten folds of about a tenth each, together every training file once.
    let mut all: Vec<usize> = folds.concat();
    all.sort_unstable();
    assert_eq!(all, train);
    let tenth = train.len() as f64 / 10.0;
    for f in &folds[..9] {
        assert!(
            (f.len() as f64 - tenth).abs() <= 6.0,
            "{} files, a tenth is {tenth}",
            f.len()
        );
    }
    // A melody sits in one fold.
    let sig = |i: usize| dataset::melody_signature(&ds.chorales[i].grid);
    for (j, f) in folds.iter().enumerate() {
        let mine: HashSet<u64> = f.iter().map(|&i| sig(i)).collect();
        for g in folds.iter().skip(j + 1) {
            assert!(g.iter().all(|&i| !mine.contains(&sig(i))));
        }
    }
    // Fewer folds are the first folds of ten.
    assert_eq!(dataset::carve_folds(&ds.chorales, &train, 0, 3), folds[..3]);
}

/// The tonic is among the three most-sounded pitch classes and the mode's own third sounds
/// longer than the other third.
fn sounds_in_its_key(c: &dataset::Chorale) -> bool {
    let h = c.grid.histogram(&[]).0;
    let t = c.key.tonic as usize;
    let mut order: Vec<usize> = (0..12).collect();
    order.sort_by(|&a, &b| h[b].total_cmp(&h[a]));
    let (own, other) = match c.key.mode {
        Mode::Minor => ((t + 3) % 12, (t + 4) % 12),
        Mode::Major => ((t + 4) % 12, (t + 3) % 12),
    };
    order[..3].contains(&t) && h[own] > h[other]
}

/// Moved to C major / A minor, the bass ends on C or A.
fn ends_on_its_tonic(c: &dataset::Chorale) -> bool {
    let bass = c.normalised.voice(Voice::Bass).unwrap();
    let last = bass.pitch.iter().rev().flatten().next().unwrap().class();
    last == Key::reference(c.key.mode).tonic
}

/// The index's soprano and alto columns of a usable file: ranges, events off the 16th grid.
fn usable_facts(file: &str, row: &BTreeMap<String, String>, score: &altus_core::Score) {
    let grid = Grid::from_score(score);
    for (v, col) in [(Voice::Soprano, "S_range"), (Voice::Alto, "A_range")] {
        let (lo, hi) = grid.voice(v).unwrap().range().unwrap();
        assert_eq!(format!("{}-{}", lo.0, hi.0), row[col], "{file} {col}");
    }
    // The index counts note-on and note-off events off the grid.
    let off: usize = [0, 1]
        .iter()
        .map(|&i| {
            let notes = &score.parts[i].notes;
            notes.iter().filter(|n| !n.start.on_grid(score.tpq)).count()
                + notes.iter().filter(|n| !n.end.on_grid(score.tpq)).count()
        })
        .sum();
    assert_eq!(off.to_string(), row["S_A_notes_off_16th_grid"], "{file}");
}

#[test]
fn a_piano_roll_holds_the_soprano_of_a_known_chorale() {
    let Some(dir) = chorales_for_test("a_piano_roll_holds_the_soprano_of_a_known_chorale") else {
        return;
    };
    let grid = Grid::from_score(&midi::read_file(&dir.join("000206b_.mid")).unwrap());
    let roll = altus_training::data::roll::piano_roll(&grid, Voice::Soprano);
    // 63 quarters; the soprano's A4 (69) sounds at step 12, B♭4 (70) from step 16 (the
    // independent reading in core/tests/corpus_grid.rs).
    assert_eq!(roll.shape(), &[252, 128]);
    assert_eq!((roll[[12, 69]], roll[[12, 70]], roll[[16, 70]]), (1, 0, 1));
    let sounding = grid
        .voice(Voice::Soprano)
        .unwrap()
        .pitch
        .iter()
        .flatten()
        .count();
    assert_eq!(roll.sum() as usize, sounding);
    assert!(
        roll.rows().into_iter().all(|r| r.sum() <= 1),
        "one pitch per step"
    );
}
