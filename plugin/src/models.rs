//! User models: a `.safetensors` from `altus train`, found at `$ALTUS_MODEL` or in the user
//! config folder (`$XDG_CONFIG_HOME/altus/alto.safetensors`, else `~/.config/altus/…` on Linux;
//! `~/Library/Application Support/Altus/alto.safetensors` on macOS;
//! `%APPDATA%\Altus\alto.safetensors` on Windows). It is loaded and validated on a background
//! thread and handed to the audio thread through a wait-free ring; the model it replaces comes
//! back through a second ring and is freed on that thread. A bad file leaves the embedded model
//! running and the log says why.

use altus_core::model::{AltoModel, ModelState};
use rtrb::{Consumer, Producer, RingBuffer};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A model with its state, ready for the audio thread.
pub struct Loaded {
    /// The model.
    pub model: Box<AltoModel>,
    /// A state sized for it.
    pub state: ModelState,
}

/// Where a user model is looked for, if anywhere.
pub fn user_model_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ALTUS_MODEL") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support/Altus"))
    } else if cfg!(windows) {
        std::env::var_os("APPDATA").map(|a| PathBuf::from(a).join("Altus"))
    } else {
        std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or(home.map(|h| h.join(".config")))
            .map(|c| c.join("altus"))
    };
    dir.map(|d| d.join("alto.safetensors"))
        .filter(|p| p.exists())
}

/// Loads and validates a weight file (off the audio thread).
pub fn load(path: &Path) -> Result<Loaded, String> {
    let (model, _) = altus_core::weights::load(path).map_err(|e| e.to_string())?;
    let state = model.new_state();
    Ok(Loaded {
        model: Box::new(model),
        state,
    })
}

/// The audio thread's ends of the two rings.
pub struct AudioSide {
    /// New models arrive here.
    pub incoming: Consumer<Loaded>,
    /// Replaced models leave here.
    pub outgoing: Producer<Loaded>,
}

/// Starts loading `path` on a background thread; returns the audio thread's ends of the rings.
/// `log` reports success or the reason for keeping the embedded model.
pub fn spawn_loader(path: PathBuf, log: fn(&str)) -> AudioSide {
    let (mut to_audio, incoming) = RingBuffer::<Loaded>::new(1);
    let (outgoing, mut from_audio) = RingBuffer::<Loaded>::new(1);
    std::thread::spawn(move || {
        match load(&path) {
            Ok(loaded) => {
                log(&format!("Altus: using the model {}", path.display()));
                if to_audio.push(loaded).is_err() {
                    return;
                }
            }
            Err(e) => {
                log(&format!("Altus: keeping the embedded model; {e}"));
                return;
            }
        }
        // Wait (bounded) for the replaced model, then free it here, off the audio thread.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && !from_audio.is_abandoned() {
            if let Ok(old) = from_audio.pop() {
                drop(old);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    AudioSide { incoming, outgoing }
}
