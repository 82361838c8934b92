//! Property: any canonical grid survives write → read unchanged.

use altus_core::music::grid::{MeterChange, TempoChange, VoiceLine};
use altus_core::music::midi;
use altus_core::{Grid, KeySig, Pitch, Step, Voice};
use proptest::prelude::*;

/// A voice line from per-step choices: 0 = rest, 1 = hold (if a note sounds), else a new note.
fn line(voice: Voice, choices: &[(u8, u8)]) -> VoiceLine {
    let mut l = VoiceLine::rests(voice, choices.len());
    for (i, &(kind, pitch)) in choices.iter().enumerate() {
        match kind {
            0 => {}
            1 if i > 0 && l.pitch[i - 1].is_some() => l.pitch[i] = l.pitch[i - 1],
            _ => {
                l.pitch[i] = Some(Pitch(pitch));
                l.onset[i] = true;
            }
        }
    }
    l
}

fn grid_strategy() -> impl Strategy<Value = Grid> {
    (
        1usize..200,
        1usize..5,
        prop::sample::select(vec![96u16, 120, 480, 1024]),
        -7i8..=7,
        any::<bool>(),
    )
        .prop_flat_map(|(len, nv, tpq, sharps, minor)| {
            let voices = prop::collection::vec(prop::collection::vec((0u8..4, 30u8..100), len), nv);
            let meter = (1u8..13, prop::sample::select(vec![2u8, 4, 8]), 0..len);
            let tempo = (200_000u32..2_000_000, 0..len);
            (voices, prop::option::of(meter), prop::option::of(tempo)).prop_map(
                move |(vs, meter, tempo)| {
                    let mut voices: Vec<VoiceLine> = vs
                        .iter()
                        .zip(Voice::SATB)
                        .map(|(c, v)| line(v, c))
                        .collect();
                    // The last step of the first voice sounds, so the grid's length is what was drawn.
                    let last = len - 1;
                    if voices[0].pitch[last].is_none() {
                        voices[0].pitch[last] = Some(Pitch(70));
                        voices[0].onset[last] = true;
                    }
                    let mut meters = vec![MeterChange {
                        step: Step(0),
                        num: 4,
                        den: 4,
                    }];
                    if let Some((num, den, at)) = meter
                        && at > 0
                        && (num, den) != (4, 4)
                    {
                        meters.push(MeterChange {
                            step: Step(at),
                            num,
                            den,
                        });
                    }
                    let tempos = tempo
                        .map(|(us, at)| {
                            vec![TempoChange {
                                step: Step(at),
                                us_per_quarter: us,
                            }]
                        })
                        .unwrap_or_default();
                    Grid {
                        tpq,
                        len,
                        voices,
                        meters,
                        tempos,
                        key_sig: KeySig::new(sharps, minor),
                    }
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn write_then_read_gives_the_same_grid(grid in grid_strategy()) {
        // A voice that never sounds is not written as a track, so only compare sounding voices.
        let mut grid = grid;
        grid.voices.retain(|l| l.pitch.iter().any(|p| p.is_some()));
        let bytes = grid.to_midi().to_bytes().unwrap();
        let back = Grid::from_score(&midi::read_bytes(&bytes).unwrap());
        prop_assert_eq!(back, grid);
    }
}
