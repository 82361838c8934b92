//! `loss.png`: training and validation loss, and validation accuracy, per epoch.
//! Drawn with plotters' pure-Rust font path and an embedded ASCII subset of DejaVu Sans
//! (assets/, licence beside it), so no system font libraries are needed.

use crate::train::EpochReport;
use plotters::prelude::*;
use std::path::Path;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// Draws the chart to `path` (PNG, 1000×600).
pub fn loss_chart(path: &Path, reports: &[EpochReport]) -> anyhow::Result<()> {
    // Registering twice is harmless; the font is static.
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow::anyhow!("embedded font is invalid"))?;
    let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(520);
    let n = reports.len().max(2) as f64;
    let max_loss = reports
        .iter()
        .flat_map(|r| [r.train_loss, r.valid_loss])
        .fold(0.1, f64::max)
        * 1.05;
    let mut c = ChartBuilder::on(&left)
        .caption("loss per step", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(1f64..n, 0f64..max_loss)?;
    c.configure_mesh()
        .x_desc("epoch")
        .y_desc("cross-entropy")
        .draw()?;
    let series = |f: fn(&EpochReport) -> f64| {
        reports
            .iter()
            .map(move |r| (r.epoch as f64, f(r)))
            .collect::<Vec<_>>()
    };
    c.draw_series(LineSeries::new(
        series(|r| r.train_loss),
        BLUE.stroke_width(2),
    ))?
    .label("train")
    .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLUE));
    c.draw_series(LineSeries::new(
        series(|r| r.valid_loss),
        RED.stroke_width(2),
    ))?
    .label("validation")
    .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], RED));
    c.configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    let mut a = ChartBuilder::on(&right)
        .caption("validation accuracy", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(1f64..n, 0f64..1f64)?;
    a.configure_mesh()
        .x_desc("epoch")
        .y_desc("share of steps")
        .draw()?;
    a.draw_series(LineSeries::new(
        series(|r| r.valid_acc),
        RED.stroke_width(2),
    ))?
    .label("teacher-forced")
    .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], RED));
    a.draw_series(LineSeries::new(
        series(|r| r.valid_free),
        GREEN.stroke_width(2),
    ))?
    .label("free-running")
    .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREEN));
    a.draw_series(LineSeries::new(
        series(|r| r.train_acc),
        BLUE.stroke_width(1),
    ))?
    .label("train (teacher-forced)")
    .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLUE));
    a.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
