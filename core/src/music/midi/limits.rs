//! What a MIDI file may ask of Altus. A few bytes can declare hours of music or thousands of
//! tracks: every limit is checked while reading, before anything is sized by it, so any file
//! is refused or read in bounded time and memory (the fuzz tests hold the reader to this).

/// Largest file read, in bytes (a long orchestral MIDI file is a few hundred KB).
pub(crate) const MAX_FILE_BYTES: usize = 4 << 20;
/// Most track chunks.
pub(crate) const MAX_TRACKS: usize = 256;
/// Most note parts (tracks with notes; channels of a type-0 file).
pub(crate) const MAX_PARTS: usize = 64;
/// Most note-on and note-off events in the whole file.
pub const MAX_NOTE_EVENTS: usize = 1 << 20;
/// Latest 16th step an event may fall on: 32,768 bars of 4/4 (18 hours at 120 bpm). The work
/// of harmonizing grows with it: a file this long takes about 3 s.
pub(crate) const MAX_STEPS: u64 = 1 << 19;
/// Longest duration at the file's tempo, in seconds (24 hours).
pub(crate) const MAX_SECONDS: f64 = 24.0 * 3600.0;
/// Most grid cells (note parts × 16th steps): bounds the grid's memory (3 bytes a cell).
pub(crate) const MAX_CELLS: u64 = 1 << 24;
/// Most problems listed per file (the rest are counted).
pub const MAX_PROBLEMS: usize = 40;
