//! `loss.png`: training and validation loss, and validation accuracy, per epoch.
//! Drawn with plotters' pure-Rust font path and an embedded ASCII subset of DejaVu Sans
//! (assets/, licence beside it), so no system font libraries are needed.

use crate::harmony::train::EpochReport;
use plotters::prelude::*;
use std::path::Path;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// One line of a panel: label, points, colour, width.
pub type Line<'a> = (&'a str, Vec<(f64, f64)>, RGBColor, u32);

fn font() -> anyhow::Result<()> {
    // Registering twice is harmless; the font is static.
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow::anyhow!("embedded font is invalid"))
}

/// A panel of lines against the epoch, `y` from 0 to `y_max`, legend at `legend`.
pub fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
    y_desc: &str,
    (epochs, y_max): (f64, f64),
    lines: Vec<Line>,
    legend: SeriesLabelPosition,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let mut c = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(1f64..epochs, 0f64..y_max)?;
    c.configure_mesh().x_desc("epoch").y_desc(y_desc).draw()?;
    for (label, points, colour, width) in lines {
        c.draw_series(LineSeries::new(points, colour.stroke_width(width)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour));
    }
    c.configure_series_labels()
        .position(legend)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    Ok(())
}

/// Draws the chart to `path` (PNG, 1000×600).
pub(crate) fn loss_chart(path: &Path, reports: &[EpochReport]) -> anyhow::Result<()> {
    font()?;
    let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(520);
    let n = reports.len().max(2) as f64;
    let max_loss = reports
        .iter()
        .flat_map(|r| [r.train_loss, r.select_loss])
        .fold(0.1, f64::max)
        * 1.05;
    let series = |f: fn(&EpochReport) -> f64| {
        reports
            .iter()
            .map(move |r| (r.epoch as f64, f(r)))
            .collect::<Vec<_>>()
    };
    // A refit on every training file has no selection split: its series are left out.
    let selected = reports.iter().any(|r| r.select_loss > 0.0);
    let mut losses = vec![("train", series(|r| r.train_loss), BLUE, 2)];
    if selected {
        losses.push(("selection", series(|r| r.select_loss), RED, 2));
    }
    let upper = SeriesLabelPosition::UpperRight;
    panel(
        &left,
        "loss per step",
        "cross-entropy",
        (n, max_loss),
        losses,
        upper,
    )?;
    let mut accuracy = vec![("train (teacher-forced)", series(|r| r.train_acc), BLUE, 1)];
    if selected {
        accuracy.insert(0, ("free-running", series(|r| r.select_free), GREEN, 2));
        accuracy.insert(0, ("teacher-forced", series(|r| r.select_acc), RED, 2));
    }
    let lower = SeriesLabelPosition::LowerRight;
    panel(
        &right,
        if selected {
            "selection split: agreement"
        } else {
            "agreement (refit: no selection split)"
        },
        "share of steps",
        (n, 1.0),
        accuracy,
        lower,
    )?;
    root.present()?;
    Ok(())
}

/// `latent.png`: code means projected to their first two principal components, coloured by mode.
pub(crate) fn latent_chart(
    path: &Path,
    points: &[(Vec<f32>, altus_core::Mode)],
) -> anyhow::Result<()> {
    font()?;
    anyhow::ensure!(!points.is_empty(), "no codes to draw");
    let xy = project(points);
    let (min_x, max_x) = xy
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = xy
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let root = BitMapBackend::new(path, (800, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(
            "VAE code means of validation windows (PCA)",
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(min_x - 0.1..max_x + 0.1, min_y - 0.1..max_y + 0.1)?;
    c.configure_mesh().x_desc("PC 1").y_desc("PC 2").draw()?;
    for (mode, colour, label) in [
        (altus_core::Mode::Major, BLUE, "major"),
        (altus_core::Mode::Minor, RED, "minor"),
    ] {
        c.draw_series(
            xy.iter()
                .filter(|p| p.2 == mode)
                .map(|p| Circle::new((p.0, p.1), 3, colour.filled())),
        )?
        .label(label)
        .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
    }
    c.configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The points centred and projected to their first two principal components.
fn project(points: &[(Vec<f32>, altus_core::Mode)]) -> Vec<(f32, f32, altus_core::Mode)> {
    let l = points[0].0.len();
    let n = points.len() as f32;
    let mean: Vec<f32> = (0..l)
        .map(|j| points.iter().map(|p| p.0[j]).sum::<f32>() / n)
        .collect();
    let centred: Vec<Vec<f32>> = points
        .iter()
        .map(|p| p.0.iter().zip(&mean).map(|(x, m)| x - m).collect())
        .collect();
    let mut cov = vec![0f32; l * l];
    for v in &centred {
        for i in 0..l {
            for j in 0..l {
                cov[i * l + j] += v[i] * v[j] / n;
            }
        }
    }
    let pcs = principal_components(&mut cov, l, 2);
    let dot = |v: &[f32], pc: &[f32]| v.iter().zip(pc).map(|(a, b)| a * b).sum();
    centred
        .iter()
        .zip(points)
        .map(|(v, p)| (dot(v, &pcs[0]), dot(v, &pcs[1]), p.1))
        .collect()
}

/// Top `k` eigenvectors of a symmetric `l × l` matrix by power iteration with deflation.
fn principal_components(m: &mut [f32], l: usize, k: usize) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    for c in 0..k {
        let mut v: Vec<f32> = (0..l).map(|i| if i == c % l { 1.0 } else { 0.1 }).collect();
        let mut lambda = 0.0;
        for _ in 0..300 {
            let w: Vec<f32> = (0..l)
                .map(|i| (0..l).map(|j| m[i * l + j] * v[j]).sum())
                .collect();
            lambda = w.iter().map(|x| x * x).sum::<f32>().sqrt();
            if lambda == 0.0 {
                break;
            }
            v = w.iter().map(|x| x / lambda).collect();
        }
        for i in 0..l {
            for j in 0..l {
                m[i * l + j] -= lambda * v[i] * v[j];
            }
        }
        out.push(v);
    }
    out
}
