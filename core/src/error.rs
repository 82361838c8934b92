//! Typed errors of the core library. Each names what went wrong; callers add the file.

use std::path::PathBuf;

/// Result with the core [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in `altus-core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read or written. (Only the OS's reason is displayed: callers put
    /// the file name in front, once.)
    #[error("{err}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// The bytes are not a Standard MIDI File.
    #[error("not a valid MIDI file: {0}")]
    InvalidMidi(String),
    /// A valid MIDI file that uses a feature Altus does not support.
    #[error("unsupported MIDI file: {0}")]
    Unsupported(&'static str),
    /// The file asks for more than Altus reads (length, tracks, notes, size): which limit.
    #[error("{0}")]
    Limit(String),
    /// The file holds no notes at all.
    #[error("the file has no notes")]
    NoNotes,
    /// A voice the operation needs is missing.
    #[error("no {0} voice in the file")]
    MissingVoice(&'static str),
    /// A key name could not be parsed.
    #[error("unknown key {0:?} (expected e.g. C, F#, Bb, Am, C#m)")]
    UnknownKey(String),
    /// Writing MIDI failed.
    #[error("cannot write MIDI: {0}")]
    Write(String),
    /// A weight file or model does not match what the code expects.
    #[error("{0}")]
    Model(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            err: source,
        }
    }
}
