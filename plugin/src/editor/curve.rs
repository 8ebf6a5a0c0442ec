//! The EQ curve: the summed magnitude response on a log-frequency axis, the
//! five bands' own curves and their handles, and the bands' readouts. In
//! pad and morph mode it is the EQ the engine is playing; in manual mode
//! the EQ the manual controls set (see `manual.rs`), bands switched off
//! greyed and left out of the sum.

use super::theme::{self, alpha};
use egui::{Align2, Color32, CornerRadius, Pos2, Rect, Stroke, StrokeKind, Ui};
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
    key: Option<(EqParams, [bool; BAND_COUNT], f32)>,
    /// Summed response of the bands that are on at each point, dB.
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
    /// Recomputes the curves if `eq`, the bands switched `on` or the
    /// sample rate changed. Returns whether it did. A band that is off
    /// keeps its own curve (drawn greyed) but is left out of the sum.
    pub fn update(&mut self, eq: &EqParams, on: [bool; BAND_COUNT], sample_rate: f32) -> bool {
        if self.key == Some((*eq, on, sample_rate)) {
            return false;
        }
        self.key = Some((*eq, on, sample_rate));
        let sr = f64::from(sample_rate);
        let coeffs = eq.coeffs(sr);
        let db = |m: f64| (20.0 * m.max(1e-9).log10()) as f32;
        for i in 0..POINTS {
            let f = point_freq(i).min(0.499 * sr);
            let mut sum = 0.0;
            for (b, c) in coeffs.iter().enumerate() {
                let v = db(c.magnitude(f, sr));
                self.bands[b][i] = v;
                if on[b] {
                    sum += v;
                }
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

/// The plot's well inside `outer` (which also holds the axis labels).
pub fn plot_rect(outer: Rect) -> Rect {
    let left_w = 34.0;
    let bottom_h = 20.0;
    Rect::from_min_max(
        Pos2::new(outer.left() + left_w, outer.top() + 6.0),
        Pos2::new(outer.right() - 6.0, outer.bottom() - bottom_h),
    )
}

/// The plot's axes: frequency (log) across, dB (±[`DB_RANGE`]) up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axes(pub Rect);

impl Axes {
    pub fn x_of(&self, f: f64) -> f32 {
        self.0.left() + freq_to_t(f) * self.0.width()
    }
    pub fn freq_at(&self, x: f32) -> f64 {
        let t = f64::from((x - self.0.left()) / self.0.width().max(1.0));
        F_MIN * (F_MAX / F_MIN).powf(t)
    }
    pub fn y_of(&self, db: f32) -> f32 {
        self.0.center().y - db / DB_RANGE * (self.0.height() * 0.5)
    }
    pub fn db_at(&self, y: f32) -> f32 {
        (self.0.center().y - y) / (self.0.height() * 0.5).max(1.0) * DB_RANGE
    }
    /// Where band `b`'s handle is drawn.
    pub fn handle(&self, cache: &CurveCache, b: usize) -> Pos2 {
        let (f, db) = cache.handles[b];
        Pos2::new(self.x_of(f), self.y_of(db.clamp(-DB_RANGE, DB_RANGE)))
    }
}

/// How the plot is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Look {
    /// Faded fill and line.
    pub bypassed: bool,
    /// Manual mode: handles are draggable (drawn with a ring).
    pub manual: bool,
    /// Bands switched off (greyed).
    pub off: [bool; BAND_COUNT],
    /// The handle under the pointer or being dragged.
    pub hot: Option<usize>,
}

/// The analyser's level that sits on the plot's 0 dB line, dB. The
/// analyser is drawn 1:1 on the curve's dB axis (only shifted), so a
/// +6 dB boost lifts the post spectrum 6 dB over the pre one, exactly where
/// the curve says +6; pink noise at −18 dBFS RMS lands near the 0 dB line.
pub const SPECTRUM_REF_DB: f32 = -40.0;

/// The spectra to draw behind the curve: `(freqs, level, peak, colour,
/// filled)` per spectrum.
pub type Spectra<'a> = &'a [(&'a [f64], &'a [f32], &'a [f32], Color32, bool)];

/// Draws the plot (axes labels included) in `outer`, the analyser's
/// `spectra` behind the curve; returns the well.
pub fn show_plot(ui: &Ui, outer: Rect, cache: &CurveCache, look: Look, spectra: Spectra) -> Rect {
    let painter = ui.painter_at(outer);
    let plot = plot_rect(outer);
    let axes = Axes(plot);
    let bypassed = look.bypassed;
    let radius = CornerRadius::same(6);
    painter.rect_filled(plot, radius, theme::WELL);
    let x_of = |f: f64| axes.x_of(f);
    let y_of = |db: f32| axes.y_of(db);
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
    for &(freqs, level, peak, colour, filled) in spectra {
        draw_spectrum(&clip, &axes, freqs, level, peak, colour, filled);
    }
    let points: Vec<Pos2> = (0..POINTS)
        .map(|i| Pos2::new(x_of(point_freq(i)), y_of(cache.total[i])))
        .collect();

    // Each band's own curve, faint; a band that is off, grey and dashed.
    for (b, values) in cache.bands.iter().enumerate() {
        let pts: Vec<Pos2> = (0..POINTS)
            .map(|i| Pos2::new(x_of(point_freq(i)), y_of(values[i])))
            .collect();
        if look.off[b] {
            clip.add(egui::Shape::dashed_line(
                &pts,
                Stroke::new(1.2, alpha(theme::BAND_OFF, 0.7)),
                5.0,
                4.0,
            ));
        } else {
            let a = if look.hot == Some(b) { 0.8 } else { 0.45 };
            clip.line(pts, Stroke::new(1.2, alpha(theme::BAND[b], a)));
        }
    }

    // The sum: a fill to 0 dB, then the line.
    let fill = alpha(theme::CURVE, if bypassed { 0.05 } else { 0.14 });
    clip.add(fill_down_to(&points, y_of(0.0), fill));
    let line = if bypassed {
        alpha(theme::CURVE, 0.4)
    } else {
        theme::CURVE
    };
    clip.line(points, Stroke::new(2.5, line));

    // Handles: in manual mode bigger, with a ring (they can be dragged),
    // the hot one highlighted.
    for (b, tag) in HANDLE_TAGS.iter().enumerate() {
        let p = axes.handle(cache, b);
        let fill = if look.off[b] {
            theme::BAND_OFF
        } else {
            theme::BAND[b]
        };
        if look.manual {
            let hot = look.hot == Some(b);
            if hot {
                clip.circle_filled(p, 16.0, alpha(fill, 0.22));
            }
            clip.circle(
                p,
                if hot { 11.0 } else { 10.0 },
                fill,
                Stroke::new(2.0, if hot { theme::TEXT } else { theme::WELL }),
            );
        } else {
            clip.circle(p, 8.5, fill, Stroke::new(2.0, theme::WELL));
        }
        clip.text(
            p,
            Align2::CENTER_CENTER,
            *tag,
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
    plot
}

/// The area between a polyline and the level `base_y`, as a triangle strip.
fn fill_down_to(points: &[Pos2], base_y: f32, fill: Color32) -> egui::Mesh {
    let mut mesh = egui::Mesh::default();
    for (i, p) in points.iter().enumerate() {
        mesh.colored_vertex(*p, fill);
        mesh.colored_vertex(Pos2::new(p.x, base_y), fill);
        if i > 0 {
            let k = 2 * i as u32;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k + 1, k);
        }
    }
    mesh
}

/// One analyser spectrum: a fill from the bottom (`filled`), its line,
/// and the peak line, faint.
fn draw_spectrum(
    painter: &egui::Painter,
    axes: &Axes,
    freqs: &[f64],
    level: &[f32],
    peak: &[f32],
    colour: Color32,
    filled: bool,
) {
    let y = |db: f32| axes.y_of((db - SPECTRUM_REF_DB).clamp(-DB_RANGE - 1.0, DB_RANGE + 1.0));
    let pts: Vec<Pos2> = freqs
        .iter()
        .zip(level)
        .map(|(&f, &db)| Pos2::new(axes.x_of(f), y(db)))
        .collect();
    if filled {
        painter.add(fill_down_to(&pts, axes.0.bottom(), alpha(colour, 0.22)));
    }
    painter.line(pts, Stroke::new(1.0, alpha(colour, 0.8)));
    let peaks: Vec<Pos2> = freqs
        .iter()
        .zip(peak)
        .map(|(&f, &db)| Pos2::new(axes.x_of(f), y(db)))
        .collect();
    painter.line(peaks, Stroke::new(1.0, alpha(colour, 0.35)));
}

/// The readout cards' places across `outer`, one per band.
pub fn readout_cards(outer: Rect) -> [Rect; BAND_COUNT] {
    let gap = 8.0;
    let w = (outer.width() - gap * (BAND_COUNT as f32 - 1.0)) / BAND_COUNT as f32;
    std::array::from_fn(|b| {
        Rect::from_min_size(
            Pos2::new(outer.left() + b as f32 * (w + gap), outer.top()),
            egui::vec2(w, outer.height()),
        )
    })
}

/// The five bands' frequency, gain and Q, one card each, across `outer`.
/// With `switches` (manual mode) each card also shows its band's switch,
/// `Some(hovered)` per band; a band that is off is greyed. Returns where
/// each card's frequency, gain and Q lines are (the type-in targets).
pub fn show_readouts(
    ui: &Ui,
    outer: Rect,
    eq: &EqParams,
    switches: Option<[(bool, bool); BAND_COUNT]>,
) -> [[Rect; 3]; BAND_COUNT] {
    let painter = ui.painter_at(outer);
    let cards = readout_cards(outer);
    let mut rows = [[Rect::NOTHING; 3]; BAND_COUNT];
    for (b, band) in eq.bands().iter().enumerate() {
        let card = cards[b];
        let (on, hovered) = switches.map_or((true, false), |s| s[b]);
        let colour = if on { theme::BAND[b] } else { theme::BAND_OFF };
        painter.rect_filled(
            card,
            6.0,
            if hovered {
                theme::mix(theme::WELL, theme::PANEL, 0.6)
            } else {
                theme::WELL
            },
        );
        painter.rect_stroke(
            card,
            6.0,
            Stroke::new(
                1.0,
                if hovered {
                    theme::TEXT_FAINT
                } else {
                    theme::BORDER
                },
            ),
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
            colour,
        );
        let x = card.left() + 13.0;
        let (text, dim) = if on {
            (theme::TEXT, theme::TEXT_DIM)
        } else {
            (theme::BAND_OFF, theme::BAND_OFF)
        };
        let lines = [
            (BANDS[b].label.to_string(), theme::SMALL, colour),
            (format_freq(band.freq_hz), theme::BODY, text),
            (format!("{:+.1} dB", band.gain_db), theme::BODY, text),
            // Shelves have a fixed Q (the SAFE plug-in's); shown all the same.
            (format!("Q {:.2}", band.q), theme::SMALL, dim),
        ];
        let mut y = card.top() + 7.0;
        for (i, (text, size, colour)) in lines.into_iter().enumerate() {
            let r = painter.text(
                Pos2::new(x, y),
                Align2::LEFT_TOP,
                text,
                theme::font(size),
                colour,
            );
            if i > 0 {
                // Most of the card's width, so a short value is easy to
                // hit, clear of the switch's lamp in the bottom right.
                rows[b][i - 1] = Rect::from_min_max(
                    Pos2::new(card.left() + 6.0, r.top() - 1.0),
                    Pos2::new(card.right() - 26.0, r.bottom() + 1.0),
                );
            }
            y = r.bottom() + 3.0;
        }
        if switches.is_some() {
            // The switch: a lamp in the card's bottom right, lit when on.
            let lamp = Pos2::new(card.right() - 13.0, card.bottom() - 13.0);
            painter.circle(
                lamp,
                5.0,
                if on { theme::BAND[b] } else { theme::WELL },
                Stroke::new(1.5, colour),
            );
        }
    }
    rows
}
