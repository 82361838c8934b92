//! The editor (nice-plug-egui, resizable): the key Altus writes in, the chord sounding now, the
//! notes sounding and the last two bars of every voice on a piano roll fitted to their range
//! ([`roll`]), every parameter in groups, and the model — its card, "Load model…" and
//! "Use built-in model", and "Save what you played…" (the last performance as MIDI or MusicXML,
//! from the [`Take`]). It reads the audio thread's [`Monitor`] and never blocks it; model
//! files are read on nice-plug's background task ([`tasks`]). What it shows and sends is plain
//! data in [`view`]; [`draw`] paints it.

pub mod draw;
mod gl;
pub mod roll;
pub mod tasks;
pub mod view;

use crate::Altus;
use crate::models::Slot;
use crate::monitor::{Monitor, Snapshot};
use crate::params::AltusParams;
use crate::take::Take;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier};
use std::sync::Arc;

/// The editor's size in logical pixels when first opened (it can be resized from its corner).
const SIZE: (f64, f64) = (980.0, 900.0);
/// The smallest size it can be dragged to.
const MIN_SIZE: (f32, f32) = (900.0, 680.0);
/// Room the editor needs below the piano roll (parameters and model panel); the roll takes the
/// rest of the window's height.
const BELOW_ROLL: f32 = 450.0;

/// The editor's window state (size, open or not): one per plugin instance.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(
        nice_plug::editor::dpi::LogicalSize::new(SIZE.0, SIZE.1),
        1.0,
    )
}

/// The editor for a plugin instance.
pub fn create(state: Arc<EguiEditorState>, app: App) -> Option<EguiEditor<App>> {
    gl::keep_libgl();
    let settings = EguiNiceSettings::default().with_tile("Altus");
    nice_plug_egui::create_egui_editor(state, RepaintNotifier::new(), settings, app)
}

/// The editor's state between frames.
pub struct App {
    params: Arc<AltusParams>,
    monitor: Arc<Monitor>,
    take: Arc<Take>,
    slot: Arc<Slot>,
    executor: AsyncExecutor<Altus>,
    gui: Option<GuiContext>,
    dialog: Option<egui_file::FileDialog>,
    /// "Save what you played…": its dialog and the last save's outcome.
    save_dialog: Option<egui_file::FileDialog>,
    saved: Option<Result<String, String>>,
}

impl App {
    /// An editor reading `monitor` and `take` and steering `params` and `slot`.
    pub fn new(
        params: Arc<AltusParams>,
        monitor: Arc<Monitor>,
        take: Arc<Take>,
        slot: Arc<Slot>,
        executor: AsyncExecutor<Altus>,
    ) -> App {
        App {
            params,
            monitor,
            take,
            slot,
            executor,
            gui: None,
            dialog: None,
            save_dialog: None,
            saved: None,
        }
    }

    /// Saves the last performance to `path` (a few kilobytes: written here, atomically).
    fn save_take(&mut self, path: &std::path::Path, snap: &Snapshot) {
        let (rate, tempo) = self.take.rate_and_tempo();
        let layout = crate::take::file::Layout {
            channels: crate::settings::settings(&self.params).channels,
            rate,
            tempo,
        };
        let events = self.take.last_performance();
        self.saved = Some(crate::take::file::save(&events, layout, snap.key, path));
    }

    /// Everything the editor shows, top down.
    fn content(&mut self, ui: &mut egui::Ui, snap: &Snapshot, setter: &ParamSetter) {
        ui.horizontal(|ui| {
            ui.heading("Altus");
            ui.add_space(12.0);
            ui.label(
                egui::RichText::new(view::key_line(snap))
                    .size(16.0)
                    .strong(),
            );
            // The chord sounding now, large, with its numeral.
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let chord = view::chord_line(snap).unwrap_or_default();
                ui.label(egui::RichText::new(chord).size(28.0).strong());
            });
        });
        draw::legend(ui, snap);
        draw::keyboard(ui, snap);
        let roll_height = (ui.available_height() - BELOW_ROLL).max(160.0);
        draw::roll(ui, snap, roll_height);
        if let Some(path) = draw::take_row(ui, &mut self.save_dialog, self.saved.as_ref()) {
            self.save_take(&path, snap);
        }
        ui.separator();
        ui.columns(3, |cols| {
            draw::harmony_group(&mut cols[0], &self.params, setter);
            draw::voices_group(&mut cols[1], &self.params, setter);
            draw::timing_group(&mut cols[2], &self.params, setter);
        });
        ui.separator();
        if let Some(click) = draw::model_panel(ui, &self.slot.status(), &mut self.dialog) {
            self.send(click);
        }
    }

    /// Sends a click's task to the background thread.
    fn send(&self, c: view::Click) {
        self.executor.execute_background(view::click(c, &self.slot));
    }
}

impl NiceEguiApp for App {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.gui = Some(gui);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        // The window's GL context is current by now: keep its libraries loaded (see `gl`).
        gl::keep_loaded();
        let setter = gui.param_setter();
        let snap = self.monitor.snapshot();
        nice_plug_egui::resizable_window::ResizableWindow::new("altus")
            .min_size(egui::vec2(MIN_SIZE.0, MIN_SIZE.1))
            .show(ui, |ui| {
                egui::Frame::new()
                    .inner_margin(egui::Margin::same(10))
                    .show(ui, |ui| self.content(ui, &snap, &setter));
            });
        // The notes move with the music: repaint about 30 times a second.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
    }

    fn editor_closed(&mut self) {
        self.dialog = None;
        self.save_dialog = None;
    }
}
