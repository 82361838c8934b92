//! Painting the editor: keyboard, piano roll, parameter groups, model panel, saving a take.

use super::roll;
use super::view::{self, Click};
use crate::models::Status;
use crate::monitor::{SHOWN, Snapshot};
use crate::params::AltusParams;
use egui::{Color32, Rect, Sense, Stroke, Ui, pos2, vec2};
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;

/// Soprano, alto, tenor, bass.
const COLOURS: [Color32; 4] = [
    Color32::from_rgb(220, 70, 70),
    Color32::from_rgb(70, 170, 90),
    Color32::from_rgb(70, 120, 220),
    Color32::from_rgb(230, 150, 40),
];

/// A piano keyboard, C2 to C6, each sounding key in its voice's colour.
pub fn keyboard(ui: &mut Ui, s: &Snapshot) {
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(vec2(width, 48.0), Sense::hover());
    let layout = view::keyboard_layout();
    let whites = layout.iter().filter(|k| !k.3).count() as f32;
    let unit = rect.width() / whites;
    let p = ui.painter_at(rect);
    // White keys first, black keys over them.
    for black in [false, true] {
        for &(k, x, w, _) in layout.iter().filter(|k| k.3 == black) {
            let h = if black {
                rect.height() * 0.6
            } else {
                rect.height()
            };
            let r = Rect::from_min_size(
                pos2(rect.left() + x * unit, rect.top()),
                vec2(w * unit - 1.0, h),
            );
            let fill = match view::key_voice(s, k) {
                Some(v) => COLOURS[v],
                None if black => Color32::from_gray(30),
                None => Color32::from_gray(235),
            };
            p.rect_filled(r, 1.0, fill);
        }
    }
}

/// The voices' colours with their names, and the notes sounding now.
pub fn legend(ui: &mut Ui, s: &Snapshot) {
    ui.horizontal(|ui| {
        for (name, c) in view::VOICES.iter().zip(COLOURS) {
            ui.colored_label(c, *name);
        }
        ui.separator();
        ui.label(view::sounding_line(s));
    });
}

/// The last two bars, `height` points tall: a column per 16th, the rows fitted to the voices'
/// range, each note a bar in its voice's colour with its name, the chords named along the top.
pub fn roll(ui: &mut Ui, s: &Snapshot, height: f32) {
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, 2.0, Color32::from_gray(24));
    // A strip on top for the chord names; the notes below.
    let names = Rect::from_min_max(rect.min, pos2(rect.right(), rect.top() + 18.0));
    let notes = Rect::from_min_max(pos2(rect.left(), names.bottom()), rect.max);
    let (lo, hi) = roll::range(s);
    let (cw, rh) = (
        notes.width() / SHOWN as f32,
        notes.height() / (hi - lo + 1) as f32,
    );
    let y_of = |pitch: u8| notes.bottom() - (pitch - lo + 1) as f32 * rh;
    // C rows a shade lighter, with their names, so the eye finds its octave.
    for pitch in (lo..=hi).filter(|p| p % 12 == 0) {
        let r = Rect::from_min_size(pos2(notes.left(), y_of(pitch)), vec2(notes.width(), rh));
        p.rect_filled(r, 0.0, Color32::from_gray(34));
        p.text(
            pos2(notes.left() + 2.0, r.center().y),
            egui::Align2::LEFT_CENTER,
            view::note_name(pitch),
            egui::FontId::proportional(10.0),
            Color32::from_gray(110),
        );
    }
    for beat in (0..SHOWN).step_by(4) {
        let x = rect.left() + beat as f32 * cw;
        let shade = if beat % 16 == 0 { 90 } else { 50 };
        p.line_segment(
            [pos2(x, rect.top()), pos2(x, rect.bottom())],
            Stroke::new(1.0, Color32::from_gray(shade)),
        );
    }
    let font = egui::FontId::proportional((rh * 1.1).clamp(8.0, 13.0));
    for b in roll::bars(s) {
        let r = Rect::from_min_max(
            pos2(notes.left() + b.start as f32 * cw + 1.0, y_of(b.pitch)),
            pos2(
                notes.left() + b.end as f32 * cw - 1.0,
                y_of(b.pitch) + rh.max(3.0),
            ),
        );
        p.rect_filled(r, 2.0, COLOURS[b.voice]);
        // A name where it fits: rows of 7 points and two 16ths or more.
        if rh >= 7.0 && b.end - b.start >= 2 {
            p.text(
                pos2(r.left() + 3.0, r.center().y),
                egui::Align2::LEFT_CENTER,
                &b.name,
                font.clone(),
                Color32::from_gray(15),
            );
        }
    }
    // Chord names where they change, skipping any that would overlap the one before.
    let mut free_from = f32::MIN;
    for (col, name) in roll::chords(s) {
        let x = names.left() + col as f32 * cw + 2.0;
        if x < free_from {
            continue;
        }
        let galley = p.layout_no_wrap(
            name,
            egui::FontId::proportional(13.0),
            Color32::from_gray(225),
        );
        free_from = x + galley.size().x + 6.0;
        p.galley(pos2(x, names.top() + 2.0), galley, Color32::from_gray(225));
    }
}

/// One grid row: the parameter's name, its slider and value.
fn slider<P: Param>(ui: &mut Ui, label: &str, param: &P, setter: &ParamSetter) {
    ui.label(label);
    ui.add(ParamSlider::for_param(param, setter).with_width(100.0));
    ui.end_row();
}

/// A titled two-column grid of sliders.
fn group(ui: &mut Ui, title: &str, rows: impl FnOnce(&mut Ui)) {
    ui.strong(title);
    egui::Grid::new(title)
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, rows);
}

/// Harmony: key, mode, voices, temperature.
pub fn harmony_group(ui: &mut Ui, p: &AltusParams, setter: &ParamSetter) {
    group(ui, "Harmony", |ui| {
        slider(ui, "Key", &p.key, setter);
        slider(ui, "Mode", &p.mode, setter);
        slider(ui, "Voices", &p.voices, setter);
        slider(ui, "Temperature", &p.temperature, setter);
    });
}

/// Voices: ranges and channels of alto, tenor and bass; velocity.
pub fn voices_group(ui: &mut Ui, p: &AltusParams, setter: &ParamSetter) {
    group(ui, "Voices", |ui| {
        for (name, lo, hi, ch) in [
            ("Alto", &p.low, &p.high, &p.channel),
            ("Tenor", &p.tenor_low, &p.tenor_high, &p.tenor_channel),
            ("Bass", &p.bass_low, &p.bass_high, &p.bass_channel),
        ] {
            slider(ui, &format!("{name} low"), lo, setter);
            slider(ui, &format!("{name} high"), hi, setter);
            slider(ui, &format!("{name} channel"), ch, setter);
        }
        slider(ui, "Velocity mode", &p.velocity_mode, setter);
        slider(ui, "Velocity", &p.velocity, setter);
    });
}

/// Timing and pass-through: the tempo used without a host tempo, the soprano passed through.
pub fn timing_group(ui: &mut Ui, p: &AltusParams, setter: &ParamSetter) {
    group(ui, "Timing", |ui| {
        slider(ui, "Tempo (no host tempo)", &p.tempo, setter);
        slider(ui, "Soprano through", &p.pass_through, setter);
    });
}

/// The model: what plays, its card, the buttons and the file dialog; returns a click to send.
pub fn model_panel(
    ui: &mut Ui,
    status: &Status,
    dialog: &mut Option<egui_file::FileDialog>,
) -> Option<Click> {
    for (i, line) in view::model_lines(status).iter().enumerate() {
        if line.starts_with("Error") {
            ui.colored_label(Color32::from_rgb(230, 80, 80), line);
        } else if i == 0 {
            ui.strong(line);
        } else {
            ui.label(line);
        }
    }
    let mut click = None;
    ui.horizontal(|ui| {
        if ui.button("Load model…").clicked() {
            let mut d = egui_file::FileDialog::open_file().title("Load an Altus model");
            if let Some(dir) = status.info.path.as_ref().and_then(|p| p.parent()) {
                d = d.initial_path(dir);
            }
            d.open();
            *dialog = Some(d);
        }
        if ui.button("Use built-in model").clicked() {
            click = Some(Click::BuiltIn);
        }
    });
    if let Some(d) = dialog.as_mut()
        && d.show(ui.ctx()).selected()
    {
        click = d.path().map(|p| Click::Load(p.to_path_buf()));
        *dialog = None;
    }
    click
}

/// "Save what you played…" with its file dialog and the last save's outcome; returns the path
/// chosen.
pub fn take_row(
    ui: &mut Ui,
    dialog: &mut Option<egui_file::FileDialog>,
    saved: Option<&Result<String, String>>,
) -> Option<std::path::PathBuf> {
    ui.horizontal(|ui| {
        if ui
            .button("Save what you played…")
            .on_hover_text(
                "The last performance (after 3 s of silence): .mid, or .musicxml for a score",
            )
            .clicked()
        {
            let mut d = egui_file::FileDialog::save_file()
                .title("Save the performance (.mid or .musicxml)")
                .default_filename("altus-take.mid");
            d.open();
            *dialog = Some(d);
        }
        match saved {
            Some(Ok(line)) => {
                ui.label(line);
            }
            Some(Err(e)) => {
                ui.colored_label(Color32::from_rgb(230, 80, 80), format!("Not saved: {e}"));
            }
            None => {}
        }
    });
    let d = dialog.as_mut()?;
    if !d.show(ui.ctx()).selected() {
        return None;
    }
    let path = d.path().map(|p| p.to_path_buf());
    *dialog = None;
    path
}
