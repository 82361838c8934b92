//! Which model plays, and how another one reaches the audio thread.
//!
//! An instance starts with, in order: the model file its project names (the editor's "Load
//! model…", stored in the plugin state), the file at `$ALTUS_MODEL`, the user config folder's
//! (`$XDG_CONFIG_HOME/altus/harmony.safetensors`, else `~/.config/altus/…` on Linux;
//! `~/Library/Application Support/Altus/harmony.safetensors` on macOS;
//! `%APPDATA%\Altus\harmony.safetensors` on Windows), else the embedded model. The embedded
//! model plays from the first block; a file is read and validated on nice-plug's background
//! thread (asked for by the first block after an activation, or by the editor), never on the
//! host's thread, so a path naming a pipe or a device cannot stall the host; a bad or missing
//! file leaves the embedded model playing and the status says why. A new model travels to the
//! audio thread through a wait-free ring and the old one comes back through another, to be freed
//! off the audio thread.

use altus_core::harmony::format::WeightsMeta;
use altus_core::harmony::model::{HarmonyModel, ModelState};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Models in flight to (and back from) the audio thread.
const RING: usize = 4;

/// A model with its state, ready for the audio thread.
pub struct Loaded {
    /// The model.
    pub model: Box<HarmonyModel>,
    /// A state sized for it.
    pub state: ModelState,
}

/// What the editor shows about the model playing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelInfo {
    /// The file it came from (`None`: the embedded model).
    pub path: Option<PathBuf>,
    /// Cell, layers, hidden size and weight count, e.g. "LSTM 1 × 192, 397,614 weights".
    pub shape: String,
    /// Free-running validation agreement of alto, tenor and bass from the file's card.
    pub agreement: Option<[f64; 3]>,
}

/// Which model plays and why, for the editor and the log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// The model playing.
    pub info: ModelInfo,
    /// Why a requested file is not playing, if it is not.
    pub error: Option<String>,
    /// A file being read and checked, to play once it is.
    pub loading: Option<PathBuf>,
}

impl Status {
    /// One line for the log.
    pub fn line(&self) -> String {
        let what = match &self.info.path {
            Some(p) => format!("Altus: using the model {}", p.display()),
            None => "Altus: the embedded model plays".into(),
        };
        match (&self.error, &self.loading) {
            (Some(e), _) => format!("{what}; {e}"),
            (None, Some(p)) => format!("{what}; loading {}", p.display()),
            (None, None) => what,
        }
    }
}

fn describe(model: &HarmonyModel, meta: Option<&WeightsMeta>, path: Option<&Path>) -> ModelInfo {
    let c = model.config;
    let agreement = meta.and_then(|m| {
        let v = &m.info["validation"];
        let get = |voice: &str| v[voice]["free_running_agreement"].as_f64();
        Some([get("alto")?, get("tenor")?, get("bass")?])
    });
    ModelInfo {
        path: path.map(Path::to_path_buf),
        shape: format!(
            "{} {} × {}, {} weights",
            c.cell.name().to_uppercase(),
            c.layers,
            c.hidden,
            model.num_params()
        ),
        agreement,
    }
}

fn ready(model: HarmonyModel) -> Loaded {
    let state = model.new_state();
    Loaded {
        model: Box::new(model),
        state,
    }
}

/// Where a user model is looked for outside a project, if anywhere.
pub fn user_model_path() -> Option<PathBuf> {
    user_model_path_in(&|name| std::env::var_os(name))
}

/// [`user_model_path`] in the environment `env` gives (tests pass their own rather than
/// changing the process's).
pub fn user_model_path_in(env: &dyn Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(p) = env("ALTUS_MODEL") {
        return Some(PathBuf::from(p));
    }
    let home = env("HOME").map(PathBuf::from);
    let dir = if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support/Altus"))
    } else if cfg!(windows) {
        env("APPDATA").map(|a| PathBuf::from(a).join("Altus"))
    } else {
        env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or(home.map(|h| h.join(".config")))
            .map(|c| c.join("altus"))
    };
    dir.map(|d| d.join("harmony.safetensors"))
        .filter(|p| p.exists())
}

/// Loads and validates a weight file (off the audio thread). A lookahead model is refused: it
/// needs the soprano's future, which a live performance does not have.
pub fn load(path: &Path) -> Result<(Loaded, ModelInfo), String> {
    let (model, meta) = altus_core::harmony::format::load(path).map_err(|e| e.to_string())?;
    if model.config.inputs.lookahead {
        return Err(format!(
            "{}: a lookahead model (for altus harmonize --lookahead) needs the whole melody; the plugin plays causal models only",
            path.display()
        ));
    }
    let info = describe(&model, Some(&meta), Some(path));
    Ok((ready(model), info))
}

/// The embedded model, ready to play, and its description.
pub fn embedded() -> (Loaded, ModelInfo) {
    let (model, meta) = altus_core::embedded::default_harmony();
    let info = describe(&model, Some(&meta), None);
    (ready(model), info)
}

/// The file an instance should play (see the module doc): the project's, else the user's.
pub fn wanted(project: Option<&Path>) -> Option<PathBuf> {
    project.map(Path::to_path_buf).or_else(user_model_path)
}

/// The non-real-time side of the model handover: what the editor asked for, what plays, and the
/// rings' ends that are not the audio thread's. Locked only by the editor and the background
/// task, never by the audio thread.
pub struct Slot {
    /// What plays and why.
    pub status: Mutex<Status>,
    /// Files chosen in the editor, on their way to the background task.
    requests: (
        crossbeam_channel::Sender<PathBuf>,
        crossbeam_channel::Receiver<PathBuf>,
    ),
    to_audio: Mutex<rtrb::Producer<Loaded>>,
    back: Mutex<rtrb::Consumer<Loaded>>,
}

/// The audio thread's ends of the rings.
pub struct AudioEnds {
    /// New models to play.
    pub incoming: rtrb::Consumer<Loaded>,
    /// Old models to free elsewhere.
    pub outgoing: rtrb::Producer<Loaded>,
}

impl Slot {
    /// A slot and the audio thread's ends of its rings.
    pub fn new() -> (Slot, AudioEnds) {
        let (to_audio, incoming) = rtrb::RingBuffer::new(RING);
        let (outgoing, back) = rtrb::RingBuffer::new(RING);
        let slot = Slot {
            status: Mutex::new(Status::default()),
            requests: crossbeam_channel::bounded(RING),
            to_audio: Mutex::new(to_audio),
            back: Mutex::new(back),
        };
        (slot, AudioEnds { incoming, outgoing })
    }

    /// Asks for `path` to be loaded (the editor; then [`crate::Task::LoadPending`]). `false`
    /// when requests are piling up (the loader is behind).
    pub fn request(&self, path: PathBuf) -> bool {
        self.requests.0.try_send(path).is_ok()
    }

    /// The latest file asked for, if any (the loader; older requests are superseded).
    pub fn take_request(&self) -> Option<PathBuf> {
        self.requests.1.try_iter().last()
    }

    /// Frees the models the audio thread has handed back.
    pub fn collect(&self) {
        if let Ok(mut back) = self.back.lock() {
            while back.pop().is_ok() {}
        }
    }

    /// Sends a model to the audio thread (it plays from the next block); `false` when the ring
    /// is full (the audio thread is not running).
    pub fn send(&self, l: Loaded) -> bool {
        self.collect();
        self.to_audio.lock().is_ok_and(|mut p| p.push(l).is_ok())
    }

    /// The status now.
    pub fn status(&self) -> Status {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Replaces the status.
    pub fn set_status(&self, s: Status) {
        if let Ok(mut st) = self.status.lock() {
            *st = s;
        }
    }
}
