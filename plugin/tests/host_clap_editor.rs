//! The CLAP bundle's editor and model as a DAW sees them: the gui extension offers an editor
//! embedded in an X11 window, and the model file a project names survives a state save into a
//! new instance (a missing file leaves the built-in model playing); two editors open, close and
//! reopen while both instances play, and the audio thread never allocates.

mod common;

use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window};
use clack_extensions::state::PluginState;
use common::clap::{ClapHost, entry};
use common::{Host, HostTime, check_balanced, in_block, playing_at, unanswered};
use std::io::Write;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, ImageFormat, WindowClass};
use x11rb::rust_connection::RustConnection;

fn save(h: &mut ClapHost) -> String {
    let handle = h.instance.plugin_handle();
    let ext: PluginState = handle.get_extension().expect("state extension");
    let mut state = Vec::new();
    ext.save(&handle, &mut state).expect("save");
    // nice-plug writes the JSON's length (u64, little-endian), then the JSON.
    assert_eq!(
        u64::from_le_bytes(state[..8].try_into().unwrap()) as usize,
        state.len() - 8
    );
    String::from_utf8(state[8..].to_vec()).expect("nice-plug's state is JSON")
}

fn load(h: &mut ClapHost, state: &str) {
    let handle = h.instance.plugin_handle();
    let ext: PluginState = handle.get_extension().expect("state extension");
    let mut bytes = (state.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(state.as_bytes());
    ext.load(&handle, &mut bytes.as_slice()).expect("load");
}

/// The "model-path" field of a saved state (nice-plug stores each field as a JSON string).
fn model_path(state: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(state).unwrap();
    let field = v["fields"]["model-path"]
        .as_str()
        .expect("a model-path field");
    serde_json::from_str(field).unwrap()
}

/// Whether the instance answers a soprano note on the alto's channel.
fn answers(h: &mut ClapHost) -> bool {
    let t = HostTime {
        playing: true,
        bpm: 120.0,
        beats: 0.0,
    };
    h.block(&t, &[(0, 72, true)]);
    h.output().iter().any(|o| o.2 && o.3 == 1)
}

#[test]
fn the_editor_embeds_in_an_x11_window() {
    let e = entry();
    let mut h = ClapHost::start(&e, 64);
    let handle = h.instance.plugin_handle();
    let gui: PluginGui = handle.get_extension().expect("gui extension");
    let embedded = GuiConfiguration {
        api_type: GuiApiType::X11,
        is_floating: false,
    };
    assert!(gui.is_api_supported(&handle, embedded), "X11, embedded");
    h.stop();
}

#[test]
fn the_projects_model_file_survives_a_state_save_and_restore() {
    let dir = std::env::temp_dir().join(format!("altus-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mine.safetensors");
    std::fs::write(&file, altus_core::embedded::DEFAULT_HARMONY).unwrap();
    let e = entry();
    let mut a = ClapHost::start(&e, 64);
    assert_eq!(model_path(&save(&mut a)), serde_json::Value::Null);
    // Parameters the user changed travel with the project too.
    a.set_plain("Tenor low", 50.0);
    a.set_plain("Velocity", 99.0);
    a.params_block();
    let fresh = save(&mut a);
    a.stop();
    // A project that names the file, as the editor's "Load model…" leaves it.
    let mut v: serde_json::Value = serde_json::from_str(&fresh).unwrap();
    let named = serde_json::json!(file.display().to_string());
    v["fields"]["model-path"] = serde_json::json!(named.to_string());
    let project = v.to_string();
    let mut b = ClapHost::start(&e, 64);
    load(&mut b, &project);
    assert_eq!(
        model_path(&save(&mut b)),
        serde_json::json!(file.display().to_string())
    );
    for (name, plain) in [("Tenor low", 50.0), ("Velocity", 99.0)] {
        let id = b.param(name).id;
        let v = b.value(id);
        assert!(
            (v - plain).abs() < 1e-3,
            "{name} restored as {v}, saved as {plain}"
        );
    }
    assert!(answers(&mut b), "the project's model plays");
    // See `a_project_naming_a_special_file_never_stalls_the_host`.
    std::thread::sleep(std::time::Duration::from_millis(100));
    b.stop();
    // The file is gone: the path is kept (it plays again once the file is back), the built-in
    // model plays meanwhile.
    std::fs::remove_file(&file).unwrap();
    let mut c = ClapHost::start(&e, 64);
    load(&mut c, &project);
    assert_eq!(
        model_path(&save(&mut c)),
        serde_json::json!(file.display().to_string())
    );
    assert!(answers(&mut c), "the built-in model plays instead");
    std::thread::sleep(std::time::Duration::from_millis(100));
    c.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A restored project, or `$ALTUS_MODEL`, naming `/dev/zero`, a FIFO with no writer, a folder
/// or a sparse 8 GB file: the host's thread never waits on it (the state load, which re-activates
/// the plugin, returns at once), the built-in model answers from the first block, and the
/// project keeps its path.
#[test]
fn a_project_naming_a_special_file_never_stalls_the_host() {
    let dir = std::env::temp_dir().join(format!("altus-state-special-{}", std::process::id()));
    let e = entry();
    let mut a = ClapHost::start(&e, 64);
    let fresh = save(&mut a);
    a.stop();
    for (what, path) in testkit::special::special_files(&dir) {
        let mut v: serde_json::Value = serde_json::from_str(&fresh).unwrap();
        let named = serde_json::json!(path.display().to_string());
        v["fields"]["model-path"] = serde_json::json!(named.to_string());
        let mut h = ClapHost::start(&e, 64);
        let start = std::time::Instant::now();
        load(&mut h, &v.to_string());
        let took = start.elapsed();
        assert!(
            took.as_secs_f64() < 1.0,
            "{what}: the state load took {took:?}"
        );
        assert!(answers(&mut h), "{what}: the built-in model plays");
        for _ in 0..20 {
            h.params_block();
        }
        assert_eq!(model_path(&save(&mut h)), named, "{what}");
        // The load the first block asked for is done before the instance goes (nice-plug's
        // worker quits on a task that outlives its instance; a host waits as long between a
        // project's first block and closing it).
        std::thread::sleep(std::time::Duration::from_millis(100));
        h.stop();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `$ALTUS_MODEL` naming special files, each in a child process of this test binary (the
/// environment of a running test is never changed). Why each is refused is checked in
/// `editor::tasks`' unit test; here, that no thread of the host waits on it.
#[test]
fn altus_model_naming_a_special_file_never_stalls_the_host() {
    if let Some(what) = std::env::var_os("ALTUS_TEST_SPECIAL") {
        // The child: activation and the first blocks with `$ALTUS_MODEL` set by the parent.
        let e = entry();
        let start = std::time::Instant::now();
        let mut h = ClapHost::start(&e, 64);
        assert!(answers(&mut h), "{what:?}: the built-in model plays");
        let took = start.elapsed();
        assert!(
            took.as_secs_f64() < 1.0,
            "{what:?}: activation to first answer took {took:?}"
        );
        // Time for the background thread to refuse the file (`stop` destroys the instance, which
        // joins that thread: a read that hangs there fails the parent's deadline).
        std::thread::sleep(std::time::Duration::from_millis(300));
        for _ in 0..20 {
            h.params_block();
        }
        h.stop();
        return;
    }
    let dir = std::env::temp_dir().join(format!("altus-env-special-{}", std::process::id()));
    for (what, path) in testkit::special::special_files(&dir) {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "altus_model_naming_a_special_file_never_stalls_the_host",
            ])
            .args(["--nocapture", "--test-threads", "1"])
            .env("ALTUS_TEST_SPECIAL", what)
            .env("ALTUS_MODEL", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed().as_secs() > 20 {
                child.kill().unwrap();
                panic!("{what}: the host is stalled");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let out = child.wait_with_output().unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(status.success(), "{what}: {log}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A top-level X11 window to embed editors in, on `$DISPLAY`; `None` (after saying so) when
/// there is no display, unless `ALTUS_REQUIRE_DISPLAY=1` (as in `.ci/run`, which starts Xvfb).
fn parent_window(test: &str) -> Option<(RustConnection, u32)> {
    let made = x11rb::connect(None)
        .map_err(|e| e.to_string())
        .and_then(|(conn, screen)| {
            let root = conn.setup().roots[screen].root;
            let win = conn.generate_id().map_err(|e| e.to_string())?;
            let aux = CreateWindowAux::new().background_pixel(0);
            conn.create_window(
                0,
                win,
                root,
                0,
                0,
                1000,
                720,
                0,
                WindowClass::INPUT_OUTPUT,
                0,
                &aux,
            )
            .map_err(|e| e.to_string())?;
            conn.map_window(win).map_err(|e| e.to_string())?;
            conn.flush().map_err(|e| e.to_string())?;
            Ok((conn, win))
        });
    match made {
        Ok(w) => Some(w),
        Err(e) if std::env::var("ALTUS_REQUIRE_DISPLAY").as_deref() == Ok("1") => {
            panic!("{test}: no X display ({e}) and ALTUS_REQUIRE_DISPLAY=1")
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: no X display ({e})");
            None
        }
    }
}

/// Opens the instance's editor inside `win`.
fn open_editor(h: &mut ClapHost, win: u32) {
    let handle = h.instance.plugin_handle();
    let gui: PluginGui = handle.get_extension().expect("gui extension");
    let embedded = GuiConfiguration {
        api_type: GuiApiType::X11,
        is_floating: false,
    };
    gui.create(&handle, embedded).expect("create the editor");
    // SAFETY: `win` is a live X11 window of this process's connection, kept open until the
    // editor is destroyed.
    unsafe { gui.set_parent(&handle, Window::from_x11_handle(win as _)) }.expect("set_parent");
    gui.show(&handle).expect("show");
}

fn close_editor(h: &mut ClapHost) {
    let handle = h.instance.plugin_handle();
    let gui: PluginGui = handle.get_extension().unwrap();
    gui.destroy(&handle);
}

/// Distinct pixel values in the window: 1 for a blank window, hundreds for a drawn editor.
fn colours(conn: &RustConnection, win: u32) -> usize {
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, win, 0, 0, 980, 700, !0)
        .unwrap()
        .reply()
        .unwrap();
    let pixels: std::collections::HashSet<&[u8]> = image.data.chunks(4).collect();
    pixels.len()
}

/// Eighth notes up and down a C major scale from C5, at 120 bpm, from `from`.
fn scale(from: u64, notes: usize) -> Vec<(u64, u8, bool)> {
    const UP: [u8; 8] = [72, 74, 76, 77, 79, 77, 76, 74];
    let eighth = 12_000;
    (0..notes as u64)
        .flat_map(|i| {
            let (t, k) = (from + i * eighth, UP[i as usize % 8]);
            [(t, k, true), (t + eighth - 1, k, false)]
        })
        .collect()
}

/// Time between closing one editor and the next, as a user closes windows. Two Mesa GL windows
/// torn down at the same instant corrupted the heap about one run in thirty here (inside the
/// window threads' exit, below Altus); closed one after the other, 0 in 40.
const CLOSE_GAP: std::time::Duration = std::time::Duration::from_millis(250);

#[test]
fn two_editors_open_close_and_reopen_while_playing_without_allocating_on_the_audio_thread() {
    let test = "two_editors_open_close_and_reopen_while_playing";
    let Some((conn, win)) = parent_window(test) else {
        return;
    };
    let e = entry();
    let mut hosts = [ClapHost::start(&e, 64), ClapHost::start(&e, 64)];
    let mut onsets = Vec::new();
    for round in 0..2u64 {
        hosts.iter_mut().for_each(|h| open_editor(h, win));
        // A second of music (the debug bundle aborts on any allocation in `process`), in
        // about real time so the editors paint while the audio thread publishes.
        let events = scale(round * 48_000, 4);
        onsets.extend(events.iter().filter(|e| e.2).map(|e| e.0));
        while hosts[0].now() < (round + 1) * 48_000 {
            for h in &mut hosts {
                let notes = in_block(&events, h.now(), h.block_len());
                h.block(&playing_at(h.now(), 120.0), &notes);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let drawn = colours(&conn, win);
        assert!(
            drawn > 50,
            "round {round}: the editors drew {drawn} colours"
        );
        for h in &mut hosts {
            close_editor(h);
            std::thread::sleep(CLOSE_GAP);
        }
    }
    for mut h in hosts {
        let stop = HostTime {
            playing: false,
            ..playing_at(h.now(), 120.0)
        };
        h.block(&stop, &[]);
        let out = h.stop();
        check_balanced(&out).unwrap();
        assert_eq!(unanswered(&onsets, &out), Vec::<u64>::new());
    }
}
