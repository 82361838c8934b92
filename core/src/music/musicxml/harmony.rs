//! Chord names as a score shows them: a MusicXML `<harmony>` (root, kind, bass, spelled for the
//! key) above the top staff, and the Roman numeral as words below the bottom one.

use super::pitch::parse;
use super::xml::escape;
use crate::music::chord::Quality;
use crate::music::chord::name::Chord;
use crate::music::key::Key;

/// MusicXML's kind for a quality, and the text [`Chord::symbol`] writes after the root.
fn kind(q: Quality) -> (&'static str, &'static str) {
    match q {
        Quality::Major => ("major", ""),
        Quality::Minor => ("minor", "m"),
        Quality::Diminished => ("diminished", "°"),
        Quality::Augmented => ("augmented", "+"),
        Quality::Dominant7 => ("dominant", "7"),
        Quality::Major7 => ("major-seventh", "maj7"),
        Quality::Minor7 => ("minor-seventh", "m7"),
        Quality::HalfDiminished7 => ("half-diminished", "ø7"),
        Quality::Diminished7 => ("diminished-seventh", "°7"),
    }
}

/// `<step>` and optional `<alter>` elements named `tag`-step / `tag`-alter for a spelled note.
fn spelled(tag: &str, name: &str) -> String {
    let w = parse(name, 60);
    let alter = if w.alter != 0 {
        format!("<{tag}-alter>{}</{tag}-alter>", w.alter)
    } else {
        String::new()
    };
    format!("<{tag}-step>{}</{tag}-step>{alter}", w.step())
}

/// The chord symbol of `c` in `key` as a `<harmony>` element.
pub fn symbol(c: &Chord, key: Key) -> String {
    let s = c.in_key(key);
    let (kind, text) = kind(s.quality);
    let bass = if s.bass != s.root {
        format!("<bass>{}</bass>", spelled("bass", &s.tone(s.bass, key)))
    } else {
        String::new()
    };
    format!(
        "<harmony print-frame=\"no\"><root>{}</root><kind text=\"{}\">{kind}</kind>{bass}</harmony>",
        spelled("root", &s.tone(s.root, key)),
        escape(text)
    )
}

/// The Roman numeral of `c` in `key` as words below the staff.
pub fn numeral(c: &Chord, key: Key) -> String {
    format!(
        "<direction placement=\"below\"><direction-type><words>{}</words></direction-type></direction>",
        escape(&c.numeral(key))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::chord::name::identify;
    use crate::music::key::Mode;

    #[test]
    fn dominant_seventh_over_its_third() {
        // G7/B in C major: B2 G3 D4 F4.
        let c = identify(&[47, 55, 62, 65]).expect("a chord");
        let x = symbol(&c, Key::new(0, Mode::Major));
        assert!(x.contains("<root-step>G</root-step>"), "{x}");
        assert!(x.contains(">dominant</kind>"), "{x}");
        assert!(x.contains("<bass><bass-step>B</bass-step></bass>"), "{x}");
        assert!(numeral(&c, Key::new(0, Mode::Major)).contains(">V6/5<"));
    }

    #[test]
    fn roots_spelled_for_the_key() {
        // D major in G major is D; B flat major in F major is B♭ (root-alter −1).
        let bb = identify(&[46, 58, 62, 65]).expect("a chord");
        let x = symbol(&bb, Key::new(5, Mode::Major));
        assert!(
            x.contains("<root-step>B</root-step><root-alter>-1</root-alter>"),
            "{x}"
        );
        assert!(!x.contains("<bass>"), "{x}");
    }
}
