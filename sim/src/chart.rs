//! SVG charts of a run with `plotters` (SVG backend only, so no system fonts are
//! needed: text is written as SVG `<text>` and the viewer renders it): each strategy's
//! profit per epoch, each strategy's reputation, and the community pool.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::{Report, SimError, Strategy};

const COLORS: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
    RGBColor(140, 86, 75),
    RGBColor(127, 127, 127),
];

fn chart_err(e: impl std::fmt::Display) -> SimError {
    SimError::Chart(e.to_string())
}

/// One line of a chart.
struct Line {
    name: String,
    color: RGBColor,
    points: Vec<(f64, f64)>,
}

fn draw(path: &Path, title: &str, y_desc: &str, lines: &[Line]) -> Result<(), SimError> {
    let xs: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    let ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .collect();
    // Epochs: from the first plotted (0 or 1) to the last.
    let x_min = xs.iter().copied().fold(1.0f64, f64::min).max(0.0);
    let x_max = xs.iter().copied().fold(x_min + 1.0, f64::max);
    let (mut y_lo, mut y_hi) = ys
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), y| (lo.min(*y), hi.max(*y)));
    if y_hi - y_lo < 1.0 {
        y_hi += 1.0;
        y_lo -= 1.0;
    }
    let pad = (y_hi - y_lo) * 0.05;
    let root = SVGBackend::new(path, (900, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(chart_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(100)
        .build_cartesian_2d(x_min..x_max, (y_lo - pad)..(y_hi + pad))
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_labels(((x_max - x_min) as usize + 1).min(25))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(chart_err)?;
    for l in lines {
        let color = l.color;
        chart
            .draw_series(LineSeries::new(
                l.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(chart_err)?
            .label(l.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(chart_err)?;
    root.present().map_err(chart_err)?;
    Ok(())
}

fn per_strategy(report: &Report, from: u64, value: impl Fn(&crate::Row) -> f64) -> Vec<Line> {
    Strategy::ALL
        .iter()
        .enumerate()
        .filter(|(_, st)| report.last(**st).is_some_and(|r| r.agents > 0))
        .map(|(i, st)| Line {
            name: st.name().into(),
            color: COLORS[i % COLORS.len()],
            points: report
                .rows
                .iter()
                .filter(|r| r.strategy == *st && r.epoch >= from)
                .map(|r| (r.epoch as f64, value(r)))
                .collect(),
        })
        .collect()
}

/// Writes `<name>-profit.svg` (each strategy's profit per epoch, per agent),
/// `<name>-reputation.svg` and `<name>-pool.svg` into `dir`; returns their paths.
pub fn write_charts(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, SimError> {
    let name = &report.name;
    let profit = dir.join(format!("{name}-profit.svg"));
    draw(
        &profit,
        &format!("{name}: profit per epoch, per agent of each strategy"),
        "uweave per agent",
        &per_strategy(report, 1, |r| {
            r.profit_epoch as f64 / r.agents.max(1) as f64
        }),
    )?;
    let reputation = dir.join(format!("{name}-reputation.svg"));
    let seeding: Vec<Line> =
        per_strategy(report, 0, |r| r.reputation as f64 / r.agents.max(1) as f64)
            .into_iter()
            .filter(|l| {
                Strategy::ALL
                    .iter()
                    .any(|s| s.name() == l.name && s.seeds())
            })
            .collect();
    draw(
        &reputation,
        &format!("{name}: reputation per seeder of each strategy"),
        "reputation",
        &seeding,
    )?;
    let pool = dir.join(format!("{name}-pool.svg"));
    let points = report
        .rows
        .iter()
        .filter(|r| r.strategy == Strategy::Creator)
        .map(|r| (r.epoch as f64, r.community_pool as f64))
        .collect();
    draw(
        &pool,
        &format!("{name}: community pool"),
        "uweave",
        &[Line {
            name: "community pool".into(),
            color: COLORS[0],
            points,
        }],
    )?;
    Ok(vec![profit, reputation, pool])
}
