//! The evaluation plots (PNG, drawn with plotters), shared by `eval` and
//! `train`.
//!
//! * `<prefix>-latent.png`: every data row at its best-fit pad point (the
//!   point of the 101 × 101 coverage grid whose curve is closest to the
//!   row's, which is what coverage and warm/bright accuracy are computed
//!   from; the plain-Rust side has only the decoder, no encoder), coloured
//!   by descriptor, with the model's landmarks (mean encoder position of
//!   each descriptor, from the file's metadata) as labelled diamonds.
//! * `<prefix>-warm-bright.png`: the decoded magnitude responses along the
//!   warm → bright axis (y = 0, nine x from −1 to 1), dB against log
//!   frequency, 20 Hz–20 kHz.
//! * `<prefix>-pad-grid.png`: a 5 × 5 grid of decoded responses over the pad.
//!
//! Text is drawn by plotters' pure-Rust `ab_glyph` path with DejaVu Sans
//! compiled in (`cli/fonts/`), so no fontconfig, freetype or installed
//! font is needed at build or run time. Each file is drawn into a temporary
//! file in the destination folder and renamed into place, so a failure never
//! leaves a half-written PNG, and no plot may replace one of the inputs.

use anyhow::{Context, Result, anyhow, ensure};
use plotters::coord::Shift;
use plotters::prelude::*;
use semantic_eq_model::metrics::{self, linspace};
use semantic_eq_model::{Decoder, EqParams, cascade_magnitude_db};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// The font the plots are labelled with (Bitstream Vera licence, see
/// `cli/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// Family name the font is registered under (plotters' default family).
const FAMILY: &str = "sans-serif";

/// The three plots, as `(suffix, description)`.
pub const PLOTS: [(&str, &str); 3] = [
    (
        "latent",
        "data rows at their best-fit pad points, with landmarks",
    ),
    (
        "warm-bright",
        "decoded curves along the warm -> bright axis (y = 0)",
    ),
    ("pad-grid", "a 5 x 5 grid of decoded curves over the pad"),
];

/// Curves along the warm → bright axis.
pub const AXIS_CURVES: usize = 9;
/// Panels per side of the pad grid.
pub const GRID_PANELS: usize = 5;
/// Frequencies per drawn curve (log-spaced, 20 Hz–20 kHz).
const DRAW_POINTS: usize = 256;

/// One data row on the latent scatter.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterPoint {
    pub x: f64,
    pub y: f64,
    /// Normalised descriptor.
    pub descriptor: String,
}

/// What the plots are made of.
pub struct PlotInput<'a> {
    pub decoder: &'a Decoder,
    /// Shown in the titles: "embedded default model" or the file name.
    pub model_label: String,
    /// Shown in the scatter's title.
    pub data_label: String,
    pub points: &'a [ScatterPoint],
}

/// The path of plot `suffix` for `prefix` in `dir`.
pub fn plot_path(dir: &Path, prefix: &str, suffix: &str) -> PathBuf {
    dir.join(format!("{prefix}-{suffix}.png"))
}

/// Draws the three plots into `dir` as `<prefix>-<suffix>.png`, refusing
/// to replace any of `protect` (the inputs). Returns the paths written.
pub fn write_all(
    input: &PlotInput<'_>,
    dir: &Path,
    prefix: &str,
    protect: &[&Path],
) -> Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = PLOTS
        .iter()
        .map(|(suffix, _)| plot_path(dir, prefix, suffix))
        .collect();
    for p in &paths {
        for q in protect {
            ensure!(
                !same_file(p, q),
                "plot '{}' would overwrite the input '{}'",
                p.display(),
                q.display()
            );
        }
    }
    register_font()?;
    write_png(&paths[0], (1100, 860), |a| latent_scatter(a, input))?;
    write_png(&paths[1], (1100, 640), |a| warm_bright(a, input))?;
    write_png(&paths[2], (1100, 1040), |a| pad_grid(a, input))?;
    Ok(paths)
}

/// Whether `a` and `b` name the same existing file (through links too).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(ma), Ok(mb)) => crate::platform::same_file(&ma, &mb),
        _ => false,
    }
}

fn register_font() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut ok = true;
    ONCE.call_once(|| {
        ok = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, FONT).is_ok();
    });
    ensure!(ok, "the compiled-in plot font is unreadable");
    Ok(())
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type DrawResult = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Draws into a temporary `.png` next to `path`, then renames it into place.
fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".semantic-eq-plot-")
        .suffix(".png")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write to '{}'", dir.display()))?;
    {
        let root = BitMapBackend::new(tmp.path(), size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow!("{e}"))
            .and_then(|()| draw(&root).map_err(|e| anyhow!("{e}")))
            .and_then(|()| root.present().map_err(|e| anyhow!("{e}")))
            .with_context(|| format!("cannot draw '{}'", path.display()))?;
    }
    crate::platform::make_readable(tmp.as_file())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Colours and curves
// ---------------------------------------------------------------------------

const WARM: RGBColor = RGBColor(204, 68, 20);
const BRIGHT: RGBColor = RGBColor(25, 105, 200);
const GREY: RGBColor = RGBColor(150, 150, 150);
/// Colours for descriptors other than warm and bright, most frequent first.
const PALETTE: [RGBColor; 7] = [
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(227, 119, 194),
    RGBColor(140, 86, 75),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(214, 39, 40),
];

/// Colour of pad position `x`: warm red at −1, orange, neutral grey at 0,
/// teal, bright blue at +1 (piecewise linear).
fn x_colour(x: f64) -> RGBColor {
    const STOPS: [(f64, RGBColor); 5] = [
        (-1.0, RGBColor(200, 40, 30)),
        (-0.5, RGBColor(235, 130, 30)),
        (0.0, RGBColor(110, 110, 110)),
        (0.5, RGBColor(30, 165, 185)),
        (1.0, RGBColor(30, 70, 200)),
    ];
    let x = x.clamp(-1.0, 1.0);
    let k = STOPS
        .windows(2)
        .position(|w| x <= w[1].0)
        .unwrap_or(STOPS.len() - 2);
    let ((x0, a), (x1, b)) = (STOPS[k], STOPS[k + 1]);
    let t = (x - x0) / (x1 - x0);
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

fn draw_freqs() -> Vec<f64> {
    let (lo, hi) = (metrics::CURVE_F_MIN.ln(), metrics::CURVE_F_MAX.ln());
    (0..DRAW_POINTS)
        .map(|i| (lo + (hi - lo) * i as f64 / (DRAW_POINTS - 1) as f64).exp())
        .collect()
}

/// The response of `p` as `(Hz, dB)` points, at the metrics' 48 kHz.
fn response(p: &EqParams, freqs: &[f64]) -> Vec<(f64, f64)> {
    freqs
        .iter()
        .map(|&f| (f, cascade_magnitude_db(p, f, metrics::METRIC_SAMPLE_RATE)))
        .collect()
}

/// A symmetric dB range holding every curve, in steps of 3 dB, at least ±6.
fn db_limit(curves: &[Vec<(f64, f64)>]) -> f64 {
    let peak = curves
        .iter()
        .flatten()
        .map(|p| p.1.abs())
        .fold(0.0f64, f64::max);
    ((peak / 3.0).ceil() * 3.0).clamp(6.0, 30.0)
}

const FREQ_TICKS: [f64; 10] = [
    20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0,
];

fn hz_label(f: &f64) -> String {
    if *f >= 1000.0 {
        format!("{}k", f / 1000.0)
    } else {
        format!("{f}")
    }
}

/// A pad coordinate tick (no "-0.0").
fn tick(v: &f64) -> String {
    if v.abs() < 1e-9 {
        "0".to_string()
    } else {
        format!("{v:.1}")
    }
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().into()
}

// ---------------------------------------------------------------------------
// (a) latent scatter
// ---------------------------------------------------------------------------

fn latent_scatter(root: &Area<'_>, input: &PlotInput<'_>) -> DrawResult {
    let (plot, side) = root.split_horizontally(860);
    let title_style = font(21.0);
    let plot = plot.titled(
        &format!(
            "Pad positions of {} rows of {}",
            input.points.len(),
            input.data_label
        ),
        title_style,
    )?;
    let (note, plot) = plot.split_vertically(48);
    note.draw(&Text::new(
        "dots: each row's best-fit pad point (101 x 101 grid search, as the coverage",
        (20, 4),
        font(15.0).color(&RGBColor(70, 70, 70)),
    ))?;
    note.draw(&Text::new(
        "metric uses; the CLI has no encoder)   diamonds: landmarks from the model file",
        (20, 24),
        font(15.0).color(&RGBColor(70, 70, 70)),
    ))?;

    let landmarks = input.decoder.landmarks();
    let reach = landmarks
        .iter()
        .map(|l| f64::from(l.x.abs().max(l.y.abs())))
        .fold(1.0f64, f64::max);
    let lim = ((reach + 0.1) * 10.0).ceil() / 10.0;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(-lim..lim, -lim..lim)?;
    chart
        .configure_mesh()
        .x_desc("x   (warm ← → bright)")
        .y_desc("y")
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(font(15.0))
        .axis_desc_style(font(17.0))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    // The pad the plug-in exposes, when the view is larger.
    if lim > 1.0 {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(-1.0, 1.0), (1.0, -1.0)],
            RGBColor(120, 120, 120).stroke_width(1),
        )))?;
    }
    chart.draw_series(LineSeries::new(
        [(0.0, -lim), (0.0, lim)],
        RGBColor(200, 200, 200).stroke_width(1),
    ))?;

    // Colours: warm, bright, then the most frequent others, the rest grey.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in input.points {
        *counts.entry(p.descriptor.as_str()).or_default() += 1;
    }
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut colours: Vec<(String, RGBColor, usize)> = Vec::new();
    for (name, colour) in [("warm", WARM), ("bright", BRIGHT)] {
        if let Some(&(_, n)) = by_count.iter().find(|(d, _)| *d == name) {
            colours.push((name.to_string(), colour, n));
        }
    }
    let others = by_count
        .iter()
        .filter(|(d, n)| *d != "warm" && *d != "bright" && *n >= 2)
        .take(PALETTE.len());
    for ((name, n), colour) in others.zip(PALETTE) {
        colours.push((name.to_string(), colour, *n));
    }
    let colour_of = |d: &str| colours.iter().find(|c| c.0 == d).map(|c| c.1);
    let rest = input
        .points
        .iter()
        .filter(|p| colour_of(&p.descriptor).is_none())
        .count();

    // Grey first, then warm and bright, then the rarer named ones on top.
    let dots = |colour: RGBColor, alpha: f64, r: i32, pts: Vec<(f64, f64)>| {
        pts.into_iter()
            .map(move |(x, y)| Circle::new((x, y), r, colour.mix(alpha).filled()))
    };
    let grey: Vec<(f64, f64)> = input
        .points
        .iter()
        .filter(|p| colour_of(&p.descriptor).is_none())
        .map(|p| (p.x, p.y))
        .collect();
    chart.draw_series(dots(GREY, 0.5, 4, grey))?;
    for (name, colour, _) in &colours {
        let pts: Vec<(f64, f64)> = input
            .points
            .iter()
            .filter(|p| &p.descriptor == name)
            .map(|p| (p.x, p.y))
            .collect();
        let (alpha, r) = if name == "warm" || name == "bright" {
            (0.35, 4)
        } else {
            (0.9, 5)
        };
        chart.draw_series(dots(*colour, alpha, r, pts))?;
    }

    // Landmarks: diamonds with their names, placed where they do not collide.
    let mut taken: Vec<(i32, i32, i32, i32)> = Vec::new();
    for l in &landmarks {
        let (x, y) = (f64::from(l.x), f64::from(l.y));
        let (px, py) = chart.backend_coord(&(x, y));
        let fill = colour_of(&l.name).unwrap_or(WHITE);
        let d = 9;
        let diamond = vec![(px, py - d), (px + d, py), (px, py + d), (px - d, py)];
        root.draw(&Polygon::new(diamond.clone(), fill.filled()))?;
        let mut outline = diamond;
        outline.push((px, py - d));
        root.draw(&PathElement::new(outline, BLACK.stroke_width(2)))?;
        let label = format!("{} ({})", l.name, l.count);
        let style = font(15.0);
        let (w, h) = root.estimate_text_size(&label, &style)?;
        let (w, h) = (w as i32, h as i32);
        let candidates = [
            (px + d + 4, py - h / 2),
            (px - d - 4 - w, py - h / 2),
            (px - w / 2, py - d - 4 - h),
            (px - w / 2, py + d + 4),
            (px + d + 4, py - h - 6),
            (px + d + 4, py + 6),
        ];
        let overlaps = |(x0, y0): (i32, i32)| {
            taken
                .iter()
                .any(|&(a, b, c, e)| x0 < c && x0 + w > a && y0 < e && y0 + h > b)
        };
        let (tx, ty) = candidates
            .iter()
            .copied()
            .find(|&c| !overlaps(c))
            .unwrap_or(candidates[0]);
        taken.push((tx, ty, tx + w, ty + h));
        taken.push((px - d, py - d, px + d, py + d));
        root.draw(&Rectangle::new(
            [(tx - 2, ty - 1), (tx + w + 2, ty + h + 1)],
            WHITE.mix(0.8).filled(),
        ))?;
        root.draw(&Text::new(label, (tx, ty), style.color(&BLACK)))?;
    }

    // Legend in the side panel.
    let side = side.margin(110, 10, 4, 10);
    let mut y = 0;
    side.draw(&Text::new("descriptor (rows)", (0, y), font(16.0)))?;
    y += 30;
    let mut entries: Vec<(String, RGBColor)> = colours
        .iter()
        .map(|(n, c, k)| (format!("{n} ({k})"), *c))
        .collect();
    if rest > 0 {
        entries.push((format!("other ({rest})"), GREY));
    }
    for (text, colour) in entries {
        side.draw(&Circle::new((8, y + 8), 6, colour.filled()))?;
        side.draw(&Text::new(text, (22, y), font(15.0)))?;
        y += 24;
    }
    if !landmarks.is_empty() {
        y += 14;
        let d = 8;
        let diamond = vec![
            (8, y + 8 - d),
            (8 + d, y + 8),
            (8, y + 8 + d),
            (8 - d, y + 8),
        ];
        let mut outline = diamond.clone();
        outline.push(diamond[0]);
        side.draw(&Polygon::new(diamond, WHITE.filled()))?;
        side.draw(&PathElement::new(outline, BLACK.stroke_width(2)))?;
        side.draw(&Text::new("landmark: mean", (22, y), font(15.0)))?;
        side.draw(&Text::new("encoder position", (22, y + 18), font(15.0)))?;
        side.draw(&Text::new(
            "(name, training rows)",
            (22, y + 36),
            font(15.0),
        ))?;
    } else {
        y += 14;
        side.draw(&Text::new("(no landmarks", (0, y), font(15.0)))?;
        side.draw(&Text::new("in this model)", (0, y + 18), font(15.0)))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// (b) warm -> bright axis
// ---------------------------------------------------------------------------

fn warm_bright(root: &Area<'_>, input: &PlotInput<'_>) -> DrawResult {
    let (plot, side) = root.split_horizontally(880);
    let plot = plot.titled(
        &format!(
            "Decoded EQ along the warm → bright axis (y = 0), {}",
            input.model_label
        ),
        font(21.0),
    )?;
    let freqs = draw_freqs();
    let xs = linspace(AXIS_CURVES);
    let curves: Vec<Vec<(f64, f64)>> = xs
        .iter()
        .map(|&x| response(&input.decoder.decode(x as f32, 0.0).params, &freqs))
        .collect();
    let lim = db_limit(&curves);
    let mut chart = ChartBuilder::on(&plot)
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(
            (metrics::CURVE_F_MIN..metrics::CURVE_F_MAX)
                .log_scale()
                .with_key_points(FREQ_TICKS.to_vec()),
            -lim..lim,
        )?;
    chart
        .configure_mesh()
        .x_desc("frequency (Hz)")
        .y_desc("gain (dB)")
        .x_label_formatter(&hz_label)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(font(15.0))
        .axis_desc_style(font(17.0))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(metrics::CURVE_F_MIN, 0.0), (metrics::CURVE_F_MAX, 0.0)],
        RGBColor(170, 170, 170).stroke_width(1),
    ))?;
    for (x, c) in xs.iter().zip(&curves) {
        let width = if *x == 0.0 { 4 } else { 2 };
        chart.draw_series(LineSeries::new(
            c.iter().copied(),
            x_colour(*x).stroke_width(width),
        ))?;
    }

    let side = side.margin(90, 10, 4, 10);
    side.draw(&Text::new("pad x", (0, 0), font(16.0)))?;
    side.draw(&Text::new("(brightness)", (0, 20), font(15.0)))?;
    for (i, x) in xs.iter().enumerate().rev() {
        let y = 52 + 26 * (AXIS_CURVES - 1 - i) as i32;
        let b = metrics::brightness(&metrics::curve(
            &input.decoder.decode(*x as f32, 0.0).params,
        ));
        side.draw(&PathElement::new(
            vec![(0, y + 9), (26, y + 9)],
            x_colour(*x).stroke_width(if *x == 0.0 { 4 } else { 3 }),
        ))?;
        side.draw(&Text::new(
            format!("{x:+.2}  ({b:+.1} dB)"),
            (34, y),
            font(15.0),
        ))?;
    }
    let y = 52 + 26 * AXIS_CURVES as i32 + 10;
    for (i, line) in [
        "brightness: mean dB",
        "above 2 kHz minus",
        "mean dB below 300 Hz",
    ]
    .iter()
    .enumerate()
    {
        side.draw(&Text::new(
            *line,
            (0, y + 18 * i as i32),
            font(13.0).color(&RGBColor(90, 90, 90)),
        ))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// (c) pad grid
// ---------------------------------------------------------------------------

fn pad_grid(page: &Area<'_>, input: &PlotInput<'_>) -> DrawResult {
    let root = page.margin(6, 0, 0, 8).titled(
        &format!(
            "Decoded EQ over the pad ({GRID_PANELS} x {GRID_PANELS}), {}",
            input.model_label
        ),
        font(21.0),
    )?;
    let (left, rest) = root.split_horizontally(34);
    let (panels_area, bottom) = rest.split_vertically(rest.dim_in_pixel().1 - 34);
    let (lw, lh) = left.dim_in_pixel();
    left.draw(&Text::new(
        "y (down -1, up +1)",
        (8, (lh as i32 - 34) / 2 + 80),
        font(17.0).transform(FontTransform::Rotate270),
    ))?;
    let _ = lw;
    let (bw, _) = bottom.dim_in_pixel();
    let caption =
        "x   (warm ← → bright)      each panel: gain (dB) against log frequency, 20 Hz - 20 kHz";
    let style = font(17.0);
    let (tw, _) = bottom.estimate_text_size(caption, &style)?;
    bottom.draw(&Text::new(caption, ((bw as i32 - tw as i32) / 2, 8), style))?;

    let freqs = draw_freqs();
    let coords = linspace(GRID_PANELS);
    // Panel order: rows top to bottom are y = +1 … −1, columns x = −1 … +1.
    let mut curves = Vec::with_capacity(GRID_PANELS * GRID_PANELS);
    for &y in coords.iter().rev() {
        for &x in &coords {
            curves.push((
                x,
                y,
                response(&input.decoder.decode(x as f32, y as f32).params, &freqs),
            ));
        }
    }
    let all: Vec<Vec<(f64, f64)>> = curves.iter().map(|c| c.2.clone()).collect();
    let lim = db_limit(&all);
    for (i, (area, (x, y, c))) in panels_area
        .split_evenly((GRID_PANELS, GRID_PANELS))
        .iter()
        .zip(&curves)
        .enumerate()
    {
        let (row, col) = (i / GRID_PANELS, i % GRID_PANELS);
        let (first_col, last_row) = (col == 0, row == GRID_PANELS - 1);
        let mut chart = ChartBuilder::on(area)
            .margin(4)
            .margin_top(20)
            .x_label_area_size(20)
            .y_label_area_size(30)
            .build_cartesian_2d(
                (metrics::CURVE_F_MIN..metrics::CURVE_F_MAX)
                    .log_scale()
                    .with_key_points(vec![100.0, 1000.0, 10000.0]),
                -lim..lim,
            )?;
        // Tick labels on the outer panels only (key points ignore a label count).
        let x_fmt = |f: &f64| if last_row { hz_label(f) } else { String::new() };
        let y_fmt = |v: &f64| {
            if first_col {
                format!("{v:.0}")
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .label_style(font(12.0))
            .y_labels(5)
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(230, 230, 230))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(metrics::CURVE_F_MIN, 0.0), (metrics::CURVE_F_MAX, 0.0)],
            RGBColor(180, 180, 180).stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(
            c.iter().copied(),
            x_colour(*x).stroke_width(2),
        ))?;
        let (px, py) = chart.backend_coord(&(metrics::CURVE_F_MIN, lim));
        // The panel's pad position, in the margin above it.
        page.draw(&Text::new(
            format!("x {x:+.1}, y {y:+.1}"),
            (px + 2, py - 17),
            font(13.0).color(&RGBColor(60, 60, 60)),
        ))?;
    }
    Ok(())
}
