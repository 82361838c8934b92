//! The editor (nice-plug-egui): the key Altus writes in, the notes sounding and the last two
//! bars of every voice, every parameter in groups, and the model — its card, "Load model…" and
//! "Use built-in model". It reads the audio thread's [`Monitor`] and never blocks it; model
//! files are read on nice-plug's background task ([`tasks`]). What it shows and sends is plain
//! data in [`view`]; [`draw`] paints it.

pub mod draw;
mod gl;
pub mod tasks;
pub mod view;

use crate::Altus;
use crate::models::Slot;
use crate::monitor::{Monitor, Snapshot};
use crate::params::AltusParams;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier};
use std::sync::Arc;

/// The editor's size in logical pixels.
const SIZE: (f64, f64) = (980.0, 700.0);

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
    slot: Arc<Slot>,
    executor: AsyncExecutor<Altus>,
    gui: Option<GuiContext>,
    dialog: Option<egui_file::FileDialog>,
}

impl App {
    /// An editor reading `monitor` and steering `params` and `slot`.
    pub fn new(
        params: Arc<AltusParams>,
        monitor: Arc<Monitor>,
        slot: Arc<Slot>,
        executor: AsyncExecutor<Altus>,
    ) -> App {
        App {
            params,
            monitor,
            slot,
            executor,
            gui: None,
            dialog: None,
        }
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
        draw::roll(ui, snap);
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
        egui::Frame::new()
            .inner_margin(egui::Margin::same(10))
            .show(ui, |ui| self.content(ui, &snap, &setter));
        // The notes move with the music: repaint about 30 times a second.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
    }

    fn editor_closed(&mut self) {
        self.dialog = None;
    }
}
