//! Chords as pitch-class sets: which sets are tertian (a triad or a seventh chord), with their
//! root and quality (here; doublings do not matter: a set, not a voicing), and chords named as a
//! musician writes them, symbol and Roman numeral ([`name`]) with their notes spelled for the
//! key ([`spell`]), beat by beat through a score ([`beats`]).

pub mod beats;
pub mod name;
pub mod spell;

/// A tertian chord's quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quality {
    /// Major triad (0, 4, 7).
    Major,
    /// Minor triad (0, 3, 7).
    Minor,
    /// Diminished triad (0, 3, 6).
    Diminished,
    /// Augmented triad (0, 4, 8).
    Augmented,
    /// Dominant seventh (0, 4, 7, 10).
    Dominant7,
    /// Major seventh (0, 4, 7, 11).
    Major7,
    /// Minor seventh (0, 3, 7, 10).
    Minor7,
    /// Half-diminished seventh (0, 3, 6, 10).
    HalfDiminished7,
    /// Diminished seventh (0, 3, 6, 9).
    Diminished7,
}

/// Each quality's intervals above the root, as a pitch-class mask; sevenths also match without
/// their fifth (the usual incomplete seventh chord of four-part writing).
const SHAPES: [(Quality, &[u8]); 9] = [
    (Quality::Major, &[0, 4, 7]),
    (Quality::Minor, &[0, 3, 7]),
    (Quality::Diminished, &[0, 3, 6]),
    (Quality::Augmented, &[0, 4, 8]),
    (Quality::Dominant7, &[0, 4, 7, 10]),
    (Quality::Major7, &[0, 4, 7, 11]),
    (Quality::Minor7, &[0, 3, 7, 10]),
    (Quality::HalfDiminished7, &[0, 3, 6, 10]),
    (Quality::Diminished7, &[0, 3, 6, 9]),
];

/// A quality's intervals above its root, in semitones (root, third, fifth, seventh).
pub fn intervals(quality: Quality) -> &'static [u8] {
    SHAPES.iter().find(|s| s.0 == quality).map_or(&[], |s| s.1)
}

/// The pitch-class set (bit `p % 12`) of some pitches.
pub fn pitch_classes(pitches: impl IntoIterator<Item = u8>) -> u16 {
    pitches.into_iter().fold(0, |s, p| s | 1 << (p % 12))
}

fn mask(root: u8, intervals: impl Iterator<Item = u8>) -> u16 {
    pitch_classes(intervals.map(|i| root + i))
}

/// The root (pitch class) and quality of a tertian pitch-class set: a complete triad, or a
/// seventh chord with or without its fifth; `None` for anything else (a bare interval, a
/// cluster, a chord with a non-chord tone). The augmented triad and the diminished seventh are
/// symmetric: the lowest root is given.
pub fn tertian(pcs: u16) -> Option<(u8, Quality)> {
    for (quality, iv) in SHAPES {
        for root in 0..12u8 {
            if pcs == mask(root, iv.iter().copied()) {
                return Some((root, quality));
            }
            let seventh = iv.len() == 4;
            if seventh && pcs == mask(root, iv.iter().copied().filter(|&i| i != iv[2])) {
                return Some((root, quality));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities_roots_and_incomplete_sevenths() {
        // C E G in any voicing and doubling.
        assert_eq!(
            tertian(pitch_classes([48, 64, 67, 72])),
            Some((0, Quality::Major))
        );
        assert_eq!(
            tertian(pitch_classes([57, 60, 64])),
            Some((9, Quality::Minor))
        );
        assert_eq!(
            tertian(pitch_classes([59, 62, 65])),
            Some((11, Quality::Diminished))
        );
        // G7 complete and without its fifth (G B F).
        assert_eq!(
            tertian(pitch_classes([43, 59, 62, 65])),
            Some((7, Quality::Dominant7))
        );
        assert_eq!(
            tertian(pitch_classes([43, 59, 65, 67])),
            Some((7, Quality::Dominant7))
        );
        assert_eq!(
            tertian(pitch_classes([50, 53, 57, 60])),
            Some((2, Quality::Minor7))
        );
        assert_eq!(
            tertian(pitch_classes([59, 62, 65, 69])),
            Some((11, Quality::HalfDiminished7))
        );
        assert_eq!(
            tertian(pitch_classes([53, 57, 60, 64])),
            Some((5, Quality::Major7))
        );
        assert_eq!(
            tertian(pitch_classes([59, 62, 65, 68])),
            Some((2, Quality::Diminished7))
        );
        // Not tertian: a bare third, a fifth, a triad with a passing tone, a cluster.
        assert_eq!(tertian(pitch_classes([60, 64])), None);
        assert_eq!(tertian(pitch_classes([60, 67])), None);
        assert_eq!(tertian(pitch_classes([60, 62, 64, 67])), None);
        assert_eq!(tertian(pitch_classes([60, 61, 62])), None);
        // A triad without its fifth is not a seventh chord without its fifth.
        assert_eq!(tertian(pitch_classes([60, 64, 72])), None);
    }
}
