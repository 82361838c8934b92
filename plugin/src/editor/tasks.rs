//! The plugin's slow work, on nice-plug's background thread: reading and validating a model
//! file (the one an activation wants, or the editor's choice), then handing it to the audio
//! thread; or going back to the embedded model.

use crate::Task;
use crate::models::{self, Slot, Status};
use crate::params::AltusParams;
use std::path::{Path, PathBuf};

/// Runs one task (background thread; never the audio thread nor the host's).
pub fn run(task: Task, slot: &Slot, params: &AltusParams) {
    match task {
        Task::LoadWanted => {
            let project = params
                .model_path
                .lock()
                .ok()
                .and_then(|p| p.clone())
                .map(PathBuf::from);
            if let Some(path) = models::wanted(project.as_deref()) {
                // The user's own file is not written into the project; the project's already is.
                load_and_play(slot, params, &path, project.is_some());
            }
        }
        Task::LoadPending => {
            let Some(path) = slot.take_request() else {
                return;
            };
            load_and_play(slot, params, &path, true);
        }
        Task::UseBuiltIn => {
            let (loaded, info) = models::embedded();
            hand_over(slot, params, loaded, info, true);
        }
    }
    nice_plug::nice_log!("{}", slot.status().line());
}

/// Reads and checks `path`, then plays it; a refused file keeps the model playing and the
/// status says why.
fn load_and_play(slot: &Slot, params: &AltusParams, path: &Path, remember: bool) {
    match models::load(path) {
        Ok((loaded, info)) => hand_over(slot, params, loaded, info, remember),
        Err(e) => {
            let mut s = slot.status();
            s.error = Some(e);
            s.loading = None;
            slot.set_status(s);
        }
    }
}

/// Sends the model to the audio thread and records it; with `remember`, the project keeps its
/// path.
fn hand_over(
    slot: &Slot,
    params: &AltusParams,
    loaded: models::Loaded,
    info: models::ModelInfo,
    remember: bool,
) {
    if !slot.send(loaded) {
        let mut s = slot.status();
        s.error = Some("too many models waiting for the audio thread; try again".into());
        s.loading = None;
        slot.set_status(s);
        return;
    }
    if remember && let Ok(mut p) = params.model_path.lock() {
        *p = info.path.as_ref().map(|p| p.display().to_string());
    }
    let (error, loading) = (None, None);
    slot.set_status(Status {
        info,
        error,
        loading,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_file_keeps_the_model_and_a_good_one_plays_and_is_remembered() {
        let dir = std::env::temp_dir().join(format!("altus-tasks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (bad, good) = (dir.join("bad.safetensors"), dir.join("good.safetensors"));
        std::fs::write(&bad, b"not a model").unwrap();
        std::fs::write(&good, altus_core::embedded::DEFAULT_HARMONY).unwrap();
        let (slot, mut audio) = Slot::new();
        let params = AltusParams::default();

        slot.request(bad.clone());
        run(Task::LoadPending, &slot, &params);
        let s = slot.status();
        assert_eq!(s.info.path, None, "the built-in model still plays");
        assert!(
            s.error
                .as_deref()
                .is_some_and(|e| e.contains("bad.safetensors")),
            "{s:?}"
        );
        assert!(
            audio.incoming.pop().is_err(),
            "nothing sent to the audio thread"
        );
        assert_eq!(*params.model_path.lock().unwrap(), None);

        slot.request(good.clone());
        run(Task::LoadPending, &slot, &params);
        let s = slot.status();
        assert_eq!((s.info.path.as_ref(), s.error), (Some(&good), None));
        assert!(
            audio.incoming.pop().is_ok(),
            "the model went to the audio thread"
        );
        let saved = params.model_path.lock().unwrap().clone();
        assert_eq!(
            saved,
            Some(good.display().to_string()),
            "the project remembers it"
        );

        run(Task::UseBuiltIn, &slot, &params);
        assert_eq!(slot.status().info.path, None);
        assert!(audio.incoming.pop().is_ok());
        assert_eq!(*params.model_path.lock().unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_project_naming_a_special_file_is_refused_at_once_and_the_embedded_model_plays() {
        let dir = std::env::temp_dir().join(format!("altus-tasks-special-{}", std::process::id()));
        for (what, path) in testkit::special::special_files(&dir) {
            let (slot, mut audio) = Slot::new();
            let slot = std::sync::Arc::new(slot);
            let params = std::sync::Arc::new(AltusParams::default());
            *params.model_path.lock().unwrap() = Some(path.display().to_string());
            let (tx, rx) = std::sync::mpsc::channel();
            let (s2, p2) = (slot.clone(), params.clone());
            let start = std::time::Instant::now();
            std::thread::spawn(move || {
                run(Task::LoadWanted, &s2, &p2);
                let _ = tx.send(());
            });
            rx.recv_timeout(std::time::Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("{what}: the loader blocked"));
            assert!(
                start.elapsed().as_secs_f64() < 1.0,
                "{what}: {:?}",
                start.elapsed()
            );
            let s = slot.status();
            let e = s.error.unwrap_or_default();
            assert!(e.contains(&path.display().to_string()), "{what}: {e}");
            assert!(
                e.contains("not a regular file") || e.contains("more than the"),
                "{what}: {e}"
            );
            assert!(audio.incoming.pop().is_err(), "{what}: nothing sent");
            assert_eq!(
                *params.model_path.lock().unwrap(),
                Some(path.display().to_string()),
                "{what}: the project keeps its path"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
