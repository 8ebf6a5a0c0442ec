//! The live EQ curve: the summed magnitude response of the EQ the engine is
//! playing on a log-frequency axis, the five bands' own curves and their
//! handles, and the bands' readouts.

use super::theme::{self, alpha};
use egui::{Align2, CornerRadius, Pos2, Rect, Stroke, StrokeKind, Ui};
use semantic_eq_model::{BAND_COUNT, BANDS, EqParams};

/// Lowest frequency drawn, Hz.
pub const F_MIN: f64 = 20.0;
/// Highest frequency drawn, Hz.
pub const F_MAX: f64 = 20_000.0;
/// The plot shows ±this many dB.
pub const DB_RANGE: f32 = 15.0;
/// Points on each curve.
pub const POINTS: usize = 241;

/// Short names drawn on the handles.
const HANDLE_TAGS: [&str; BAND_COUNT] = ["L", "1", "2", "3", "H"];

/// The curves of one EQ, recomputed only when the EQ changes.
#[derive(Clone, Debug)]
pub struct CurveCache {
    key: Option<(EqParams, f32)>,
    /// Summed response at each point, dB.
    pub total: Vec<f32>,
    /// Each band's own response, dB.
    pub bands: [Vec<f32>; BAND_COUNT],
    /// Each band's handle: (frequency Hz, its own response there in dB).
    pub handles: [(f64, f32); BAND_COUNT],
}

impl Default for CurveCache {
    fn default() -> Self {
        Self {
            key: None,
            total: vec![0.0; POINTS],
            bands: std::array::from_fn(|_| vec![0.0; POINTS]),
            handles: [(1000.0, 0.0); BAND_COUNT],
        }
    }
}

/// Frequency of point `i`.
pub fn point_freq(i: usize) -> f64 {
    let t = i as f64 / (POINTS - 1) as f64;
    F_MIN * (F_MAX / F_MIN).powf(t)
}

/// Frequency → 0..1 across the plot.
pub fn freq_to_t(f: f64) -> f32 {
    ((f / F_MIN).ln() / (F_MAX / F_MIN).ln()) as f32
}

impl CurveCache {
    /// Recomputes the curves if `eq` or the sample rate changed. Returns
    /// whether it did.
    pub fn update(&mut self, eq: &EqParams, sample_rate: f32) -> bool {
        if self.key == Some((*eq, sample_rate)) {
            return false;
        }
        self.key = Some((*eq, sample_rate));
        let sr = f64::from(sample_rate);
        let coeffs = eq.coeffs(sr);
        let db = |m: f64| (20.0 * m.max(1e-9).log10()) as f32;
        for i in 0..POINTS {
            let f = point_freq(i).min(0.499 * sr);
            let mut sum = 0.0;
            for (b, c) in coeffs.iter().enumerate() {
                let v = db(c.magnitude(f, sr));
                self.bands[b][i] = v;
                sum += v;
            }
            self.total[i] = sum;
        }
        for (b, band) in eq.bands().iter().enumerate() {
            self.handles[b] = (band.freq_hz, db(coeffs[b].magnitude(band.freq_hz, sr)));
        }
        true
    }
}

/// "85 Hz", "1.20 kHz", "12.5 kHz".
pub fn format_freq(f: f64) -> String {
    if f < 1000.0 {
        format!("{f:.0} Hz")
    } else if f < 10_000.0 {
        format!("{:.2} kHz", f / 1000.0)
    } else {
        format!("{:.1} kHz", f / 1000.0)
    }
}

/// Draws the plot (axes labels included) in `outer`.
pub fn show_plot(ui: &Ui, outer: Rect, cache: &CurveCache, bypassed: bool) {
    let painter = ui.painter_at(outer);
    let left_w = 34.0;
    let bottom_h = 20.0;
    let plot = Rect::from_min_max(
        Pos2::new(outer.left() + left_w, outer.top() + 6.0),
        Pos2::new(outer.right() - 6.0, outer.bottom() - bottom_h),
    );
    let radius = CornerRadius::same(6);
    painter.rect_filled(plot, radius, theme::WELL);
    let x_of = |f: f64| plot.left() + freq_to_t(f) * plot.width();
    let y_of = |db: f32| plot.center().y - db / DB_RANGE * (plot.height() * 0.5);
    let tick_font = theme::font(theme::SMALL);

    // Frequency grid: 1-2-5 labelled, the other integers faint.
    let mut decade = 10.0;
    while decade <= 10_000.0 {
        for m in 1..=9 {
            let f = decade * f64::from(m);
            if !(F_MIN..=F_MAX).contains(&f) {
                continue;
            }
            let labelled = matches!(m, 1 | 2 | 5);
            let colour = if labelled {
                theme::GRID
            } else {
                alpha(theme::GRID, 0.5)
            };
            painter.vline(x_of(f), plot.y_range(), Stroke::new(1.0, colour));
        }
        decade *= 10.0;
    }
    for (f, label) in [
        (20.0, "20"),
        (50.0, "50"),
        (100.0, "100"),
        (200.0, "200"),
        (500.0, "500"),
        (1000.0, "1k"),
        (2000.0, "2k"),
        (5000.0, "5k"),
        (10_000.0, "10k"),
        (20_000.0, "20k"),
    ] {
        let x = x_of(f).clamp(plot.left() + 8.0, plot.right() - 10.0);
        painter.text(
            Pos2::new(x, plot.bottom() + 4.0),
            Align2::CENTER_TOP,
            label,
            tick_font.clone(),
            theme::TEXT_FAINT,
        );
    }
    // Level grid every 5 dB.
    for k in -3..=3 {
        let db = k as f32 * 5.0;
        let y = y_of(db);
        let colour = if k == 0 {
            theme::GRID_STRONG
        } else {
            theme::GRID
        };
        painter.hline(plot.x_range(), y, Stroke::new(1.0, colour));
        let label = match k {
            0 => "0 dB".to_string(),
            k if k > 0 => format!("+{}", k * 5),
            k => format!("−{}", -k * 5),
        };
        painter.text(
            Pos2::new(plot.left() - 6.0, y),
            Align2::RIGHT_CENTER,
            label,
            tick_font.clone(),
            theme::TEXT_FAINT,
        );
    }

    let clip = painter.with_clip_rect(plot.shrink(1.0));
    let points: Vec<Pos2> = (0..POINTS)
        .map(|i| Pos2::new(x_of(point_freq(i)), y_of(cache.total[i])))
        .collect();

    // Each band's own curve, faint.
    for (b, values) in cache.bands.iter().enumerate() {
        let pts: Vec<Pos2> = (0..POINTS)
            .map(|i| Pos2::new(x_of(point_freq(i)), y_of(values[i])))
            .collect();
        clip.line(pts, Stroke::new(1.2, alpha(theme::BAND[b], 0.45)));
    }

    // The sum: a fill to 0 dB, then the line.
    let zero = y_of(0.0);
    let fill = alpha(theme::CURVE, if bypassed { 0.05 } else { 0.14 });
    let mut mesh = egui::Mesh::default();
    for (i, p) in points.iter().enumerate() {
        mesh.colored_vertex(*p, fill);
        mesh.colored_vertex(Pos2::new(p.x, zero), fill);
        if i > 0 {
            let k = 2 * i as u32;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k + 1, k);
        }
    }
    clip.add(mesh);
    let line = if bypassed {
        alpha(theme::CURVE, 0.4)
    } else {
        theme::CURVE
    };
    clip.line(points, Stroke::new(2.5, line));

    // Handles.
    for (b, &(f, db)) in cache.handles.iter().enumerate() {
        let p = Pos2::new(x_of(f), y_of(db.clamp(-DB_RANGE, DB_RANGE)));
        clip.circle(p, 8.5, theme::BAND[b], Stroke::new(2.0, theme::WELL));
        clip.text(
            p,
            Align2::CENTER_CENTER,
            HANDLE_TAGS[b],
            theme::font(11.0),
            theme::WELL,
        );
    }
    painter.rect_stroke(
        plot,
        radius,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
}

/// The five bands' frequency, gain and Q, one card each, across `outer`.
pub fn show_readouts(ui: &Ui, outer: Rect, eq: &EqParams) {
    let painter = ui.painter_at(outer);
    let gap = 8.0;
    let w = (outer.width() - gap * (BAND_COUNT as f32 - 1.0)) / BAND_COUNT as f32;
    for (b, band) in eq.bands().iter().enumerate() {
        let card = Rect::from_min_size(
            Pos2::new(outer.left() + b as f32 * (w + gap), outer.top()),
            egui::vec2(w, outer.height()),
        );
        painter.rect_filled(card, 6.0, theme::WELL);
        painter.rect_stroke(
            card,
            6.0,
            Stroke::new(1.0, theme::BORDER),
            StrokeKind::Inside,
        );
        let stripe = Rect::from_min_size(card.min, egui::vec2(4.0, card.height()));
        painter.rect_filled(
            stripe,
            CornerRadius {
                nw: 6,
                sw: 6,
                ne: 0,
                se: 0,
            },
            theme::BAND[b],
        );
        let x = card.left() + 13.0;
        let lines = [
            (BANDS[b].label.to_string(), theme::SMALL, theme::BAND[b]),
            (format_freq(band.freq_hz), theme::BODY, theme::TEXT),
            (format!("{:+.1} dB", band.gain_db), theme::BODY, theme::TEXT),
            // Shelves have a fixed Q (the SAFE plug-in's); shown all the same.
            (format!("Q {:.2}", band.q), theme::SMALL, theme::TEXT_DIM),
        ];
        let mut y = card.top() + 7.0;
        for (text, size, colour) in lines {
            let r = painter.text(
                Pos2::new(x, y),
                Align2::LEFT_TOP,
                text,
                theme::font(size),
                colour,
            );
            y = r.bottom() + 3.0;
        }
    }
}
