//! The editor's slow work, on nice-plug's background thread: reading and validating a model
//! file, then handing it to the audio thread; or going back to the embedded model.

use crate::Task;
use crate::models::{self, Slot, Status};
use crate::params::AltusParams;

/// Runs one task (background thread; never the audio thread).
pub fn run(task: Task, slot: &Slot, params: &AltusParams) {
    match task {
        Task::LoadPending => {
            let Some(path) = slot.pending.lock().ok().and_then(|mut p| p.take()) else {
                return;
            };
            match models::load(&path) {
                Ok((loaded, info)) => hand_over(slot, params, loaded, info),
                Err(e) => {
                    // The model playing stays; the editor says why the file was refused.
                    let mut s = slot.status();
                    s.error = Some(e);
                    slot.set_status(s);
                }
            }
        }
        Task::UseBuiltIn => {
            let (loaded, info) = models::embedded();
            hand_over(slot, params, loaded, info);
        }
    }
}

/// Sends the model to the audio thread and records it: the project remembers its path.
fn hand_over(slot: &Slot, params: &AltusParams, loaded: models::Loaded, info: models::ModelInfo) {
    if !slot.send(loaded) {
        let mut s = slot.status();
        s.error = Some("too many models waiting for the audio thread; try again".into());
        slot.set_status(s);
        return;
    }
    if let Ok(mut p) = params.model_path.lock() {
        *p = info.path.as_ref().map(|p| p.display().to_string());
    }
    slot.set_status(Status { info, error: None });
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

        *slot.pending.lock().unwrap() = Some(bad.clone());
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

        *slot.pending.lock().unwrap() = Some(good.clone());
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
}
