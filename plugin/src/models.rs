//! User models: a `.safetensors` from `altus train`, found at `$ALTUS_MODEL` or in the user
//! config folder (`$XDG_CONFIG_HOME/altus/harmony.safetensors`, else `~/.config/altus/…` on Linux;
//! `~/Library/Application Support/Altus/harmony.safetensors` on macOS;
//! `%APPDATA%\Altus\harmony.safetensors` on Windows). It is read and validated once per plugin
//! instance, at the first activation, so it plays from the first block; a bad file leaves the
//! embedded model playing and the note (logged) says why.

use altus_core::harmony::model::{HarmonyModel, ModelState};
use std::path::{Path, PathBuf};

/// A model with its state, ready for the audio thread.
pub struct Loaded {
    /// The model.
    pub model: Box<HarmonyModel>,
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
    dir.map(|d| d.join("harmony.safetensors"))
        .filter(|p| p.exists())
}

/// Loads and validates a weight file (off the audio thread).
pub fn load(path: &Path) -> Result<Loaded, String> {
    let (model, _) = altus_core::harmony::format::load(path).map_err(|e| e.to_string())?;
    Ok(ready(model))
}

/// Validates a weight file's bytes (off the audio thread).
pub fn load_bytes(bytes: &[u8]) -> Result<Loaded, String> {
    let (model, _) = altus_core::harmony::format::from_bytes(bytes).map_err(|e| e.to_string())?;
    Ok(ready(model))
}

fn ready(model: HarmonyModel) -> Loaded {
    let state = model.new_state();
    Loaded {
        model: Box::new(model),
        state,
    }
}

/// The model an instance starts with, and a line saying which and why: the user model when one
/// is found and valid, else the embedded one.
pub fn initial_model() -> (Box<HarmonyModel>, String) {
    let embedded = || Box::new(altus_core::embedded::default_harmony().0);
    match user_model_path() {
        None => (embedded(), "Altus: the embedded model plays".into()),
        Some(p) => match load(&p) {
            Ok(l) => (l.model, format!("Altus: using the model {}", p.display())),
            Err(e) => (
                embedded(),
                format!("Altus: keeping the embedded model; {e}"),
            ),
        },
    }
}
