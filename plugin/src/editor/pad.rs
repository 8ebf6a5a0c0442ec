//! The XY pad: x warm ↔ bright, y the model's second axis, with the model's
//! landmarks as labelled dots.
//!
//! In pad mode the point is the pad's x and y. In morph mode the pad shows
//! the line from the `from` landmark to the `to` landmark (solid from 0 to
//! 100 %, dashed to −50 % and 150 %) with the morph point on it, and a drag
//! slides the point along the line (the `morph` parameter). In manual mode
//! the pad is dimmed; touching it switches back to pad mode (one gesture on
//! `mode`) and moves the point as in pad mode.

use super::controls::{Drag, FINE, Target, gesture};
use super::theme::{self, alpha};
use crate::params::{ModeChoice, SemanticEqParams, Y_ENDS, Y_NAME};
use egui::epaint::TextShape;
use egui::{Align2, CornerRadius, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};
use nice_plug::prelude::*;
use semantic_eq_model::{Density, Landmark};

/// Landmarks with fewer training examples than this are not drawn.
pub const MIN_LANDMARK_COUNT: usize = crate::words_slot::MIN_WORD_COUNT;

/// Strongest tint, over the cells with the most training rows, as the
/// alpha of [`theme::DATA`]; cells with none keep the dark well, so the
/// pad reads lighter where engineers' settings are and darker where the
/// model extrapolates.
pub const DENSITY_TINT: f32 = 0.16;

/// The tint of a cell with `share` (0..1) of the fullest cell's rows. The
/// square root lifts sparse cells, so that a handful of rows already reads
/// as "data here" next to the hundreds of warm and bright ones.
pub fn density_tint(share: f32) -> f32 {
    DENSITY_TINT * share.clamp(0.0, 1.0).sqrt()
}

/// Tints the pad by where the model's training rows are.
fn shade_density(painter: &egui::Painter, rect: Rect, d: &Density) {
    let n = d.n;
    let max = d.counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let (w, h) = (rect.width() / n as f32, rect.height() / n as f32);
    for iy in 0..n {
        for ix in 0..n {
            let a = density_tint(d.counts[iy * n + ix] as f32 / max);
            if a <= 0.0 {
                continue;
            }
            // Row 0 is y = −1, the bottom of the pad.
            let min = Pos2::new(
                rect.left() + ix as f32 * w,
                rect.bottom() - (iy + 1) as f32 * h,
            );
            painter.rect_filled(
                Rect::from_min_size(min, Vec2::new(w, h)),
                0.0,
                alpha(theme::DATA, a),
            );
        }
    }
}

/// Pad coordinates (−1..1, y up) → screen, clamped to the pad.
pub fn to_screen(rect: Rect, x: f32, y: f32) -> Pos2 {
    to_screen_free(rect, x.clamp(-1.0, 1.0), y.clamp(-1.0, 1.0))
}

/// Pad coordinates → screen, unclamped (the morph line may run past the
/// pad's edge: the decoder takes points up to ±2).
pub fn to_screen_free(rect: Rect, x: f32, y: f32) -> Pos2 {
    Pos2::new(
        rect.left() + (x + 1.0) * 0.5 * rect.width(),
        rect.bottom() - (y + 1.0) * 0.5 * rect.height(),
    )
}

/// Screen → normalised parameter values (0..1 each, y up).
fn to_norm(rect: Rect, p: Pos2) -> [f32; 2] {
    [
        ((p.x - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0),
        ((rect.bottom() - p.y) / rect.height().max(1.0)).clamp(0.0, 1.0),
    ]
}

/// The morph line: its two ends on the pad and whether the model has a
/// landmark for each (one it has none for sits at the centre).
#[derive(Clone, Debug, PartialEq)]
pub struct MorphLine {
    pub ends: [[f32; 2]; 2],
    /// The ends' descriptors, or the words of *user word* slots.
    pub names: [String; 2],
    pub present: [bool; 2],
    /// Whether each end is one of the user's words (a missing one is not
    /// in the library, rather than not in the model).
    pub user: [bool; 2],
    /// Whether each end's landmark is drawn (and labelled) as a dot.
    pub shown: [bool; 2],
}

impl MorphLine {
    /// The point at `t` (0 = from, 1 = to).
    pub fn at(&self, t: f32) -> [f32; 2] {
        let [a, b] = self.ends;
        [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    }
}

/// What the pad is showing.
#[derive(Clone, Debug, PartialEq)]
pub enum PadMode {
    Pad,
    Morph(MorphLine),
    Manual,
}

/// Handles the pad's gestures. Pad mode: click or drag moves the point
/// (both parameters in one gesture each), shift-drag moves it finely,
/// double-click puts it back in the centre. Morph mode: the same, along
/// the morph line, on `morph`. Manual mode: as pad mode, after switching
/// to it.
fn interact(
    ui: &Ui,
    rect: Rect,
    setter: &ParamSetter,
    drag: &mut Drag,
    params: &SemanticEqParams,
    mode: &PadMode,
) {
    let response = ui.interact(
        rect,
        egui::Id::unique("semantic-eq-pad"),
        Sense::click_and_drag(),
    );
    let hint = match mode {
        PadMode::Pad => {
            "Drag the point; shift-drag for fine moves; double-click to return to the centre"
        }
        PadMode::Morph(_) => {
            "Slide the point along the line; shift-drag for fine moves; double-click for 50 %"
        }
        PadMode::Manual => "Manual EQ: click or drag here to steer from the pad again",
    };
    // A drag in progress goes on the way it started, whatever the mode
    // reads meanwhile (the host applies the switch a little later).
    let rail = match (drag.target, mode) {
        (Some(Target::Pad), _) => None,
        (_, PadMode::Morph(line)) => Some(line),
        _ => None,
    };
    if let Some(line) = rail {
        interact_rail(ui, &response, rect, setter, drag, params, line);
    } else {
        let leave_manual = || {
            if *mode == PadMode::Manual {
                gesture(setter, &params.mode, ModeChoice::Pad);
            }
        };
        interact_point(ui, &response, rect, setter, drag, params, &leave_manual);
    }
    response.on_hover_text(hint);
}

fn interact_point(
    ui: &Ui,
    response: &egui::Response,
    rect: Rect,
    setter: &ParamSetter,
    drag: &mut Drag,
    params: &SemanticEqParams,
    before: &dyn Fn(),
) {
    let (px, py) = (&params.x, &params.y);
    let begin = |drag: &mut Drag| {
        before();
        setter.begin_set_parameter(px);
        setter.begin_set_parameter(py);
        drag.target = Some(Target::Pad);
        drag.norm = [
            px.unmodulated_normalized_value(),
            py.unmodulated_normalized_value(),
        ];
    };
    let end = |drag: &mut Drag| {
        setter.end_set_parameter(px);
        setter.end_set_parameter(py);
        drag.target = None;
    };
    let send = |norm: [f32; 2]| {
        setter.set_parameter(px, px.preview_plain(norm[0]));
        setter.set_parameter(py, py.preview_plain(norm[1]));
    };

    if response.double_clicked() {
        if drag.target != Some(Target::Pad) {
            begin(drag);
        }
        drag.norm = [px.default_normalized_value(), py.default_normalized_value()];
        send(drag.norm);
        end(drag);
        return;
    }
    if response.drag_started() && drag.target.is_none() {
        begin(drag);
    }
    if drag.target == Some(Target::Pad) {
        if response.dragged() {
            let old = drag.norm;
            if ui.input(|i| i.modifiers.shift) {
                let d = response.drag_delta();
                drag.norm[0] += d.x / rect.width().max(1.0) / FINE;
                drag.norm[1] -= d.y / rect.height().max(1.0) / FINE;
                drag.norm = drag.norm.map(|v| v.clamp(0.0, 1.0));
            } else if let Some(p) = response.interact_pointer_pos() {
                drag.norm = to_norm(rect, p);
            }
            if drag.norm != old {
                send(drag.norm);
            }
        }
        if response.drag_stopped() {
            end(drag);
        }
    } else if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        begin(drag);
        drag.norm = to_norm(rect, p);
        send(drag.norm);
        end(drag);
    }
}

/// The morph point dragged along `line`: the pointer's projection on it,
/// clamped to the morph range.
fn interact_rail(
    ui: &Ui,
    response: &egui::Response,
    rect: Rect,
    setter: &ParamSetter,
    drag: &mut Drag,
    params: &SemanticEqParams,
    line: &MorphLine,
) {
    let morph = &params.morph;
    let [a, b] = line.ends.map(|[x, y]| to_screen_free(rect, x, y));
    let ab = b - a;
    let len2 = ab.length_sq();
    // A line shorter than a few pixels has no direction to slide along.
    let t_at = |p: Pos2| (len2 >= 9.0).then(|| (p - a).dot(ab) / len2);
    let norm_of = |t: f32| morph.preview_normalized(t);

    if response.double_clicked() {
        if drag.target == Some(Target::Rail) {
            setter.end_set_parameter(morph);
            drag.target = None;
        }
        gesture(setter, morph, morph.default_plain_value());
        return;
    }
    if response.drag_started() && drag.target.is_none() {
        setter.begin_set_parameter(morph);
        drag.target = Some(Target::Rail);
        drag.norm[0] = morph.unmodulated_normalized_value();
    }
    if drag.target == Some(Target::Rail) {
        if response.dragged() {
            let old = drag.norm[0];
            if ui.input(|i| i.modifiers.shift) {
                if len2 >= 9.0 {
                    let t = morph.preview_plain(drag.norm[0])
                        + response.drag_delta().dot(ab) / len2 / FINE;
                    drag.norm[0] = norm_of(t);
                }
            } else if let Some(t) = response.interact_pointer_pos().and_then(t_at) {
                drag.norm[0] = norm_of(t);
            }
            if drag.norm[0] != old {
                setter.set_parameter(morph, morph.preview_plain(drag.norm[0]));
            }
        }
        if response.drag_stopped() {
            setter.end_set_parameter(morph);
            drag.target = None;
        }
    } else if response.clicked()
        && let Some(t) = response.interact_pointer_pos().and_then(t_at)
    {
        gesture(setter, morph, morph.preview_plain(norm_of(t)));
    }
}

/// Draws the pad in `outer` (axis name on the left, the square pad right of
/// it) and handles its input. `live` is the point the engine is decoding
/// (it glides behind the controls). Returns the pad's square.
#[allow(clippy::too_many_arguments)]
pub fn show(
    ui: &mut Ui,
    outer: Rect,
    setter: &ParamSetter,
    drag: &mut Drag,
    params: &SemanticEqParams,
    landmarks: &[Landmark],
    user: &[Landmark],
    density: Option<&Density>,
    live: Option<[f32; 2]>,
    mode: &PadMode,
) -> Rect {
    let axis_w = 26.0;
    let side = (outer.width() - axis_w).min(outer.height()).max(40.0);
    let rect = Rect::from_min_size(
        Pos2::new(outer.right() - side, outer.top()),
        Vec2::splat(side),
    );
    interact(ui, rect, setter, drag, params, mode);

    let painter = ui.painter_at(outer.expand(2.0));
    let radius = CornerRadius::same(8);

    // Background: a faint warm → bright wash over the well colour.
    painter.rect_filled(rect, radius, theme::WELL);
    let mut mesh = egui::Mesh::default();
    let steps: u32 = 16;
    let inner = rect.shrink(1.0);
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let x = inner.left() + t * inner.width();
        let c = theme::mix(theme::WARM, theme::BRIGHT, t);
        let w = (2.0 * t - 1.0).abs();
        let c = theme::mix(theme::WELL, c, 0.04 + 0.10 * w);
        mesh.colored_vertex(Pos2::new(x, inner.top()), c);
        mesh.colored_vertex(Pos2::new(x, inner.bottom()), c);
        if i > 0 {
            let k = 2 * i;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k + 1, k);
        }
    }
    painter.add(mesh);
    if let Some(d) = density {
        shade_density(&painter, inner, d);
    }

    // Grid: quarters, and a stronger centre cross.
    for q in [-0.5f32, 0.5] {
        let a = to_screen(rect, q, 0.0).x;
        painter.vline(a, rect.y_range(), Stroke::new(1.0, theme::GRID));
        let b = to_screen(rect, 0.0, q).y;
        painter.hline(rect.x_range(), b, Stroke::new(1.0, theme::GRID));
    }
    let c = rect.center();
    painter.vline(c.x, rect.y_range(), Stroke::new(1.0, theme::GRID_STRONG));
    painter.hline(rect.x_range(), c.y, Stroke::new(1.0, theme::GRID_STRONG));

    // The four ends, just inside the edges.
    let small = theme::font(theme::SMALL);
    let m = 8.0;
    let mut taken = Vec::with_capacity(16);
    taken.push(painter.text(
        Pos2::new(rect.left() + m, c.y - 4.0),
        Align2::LEFT_BOTTOM,
        "warm",
        small.clone(),
        theme::WARM,
    ));
    taken.push(painter.text(
        Pos2::new(rect.right() - m, c.y - 4.0),
        Align2::RIGHT_BOTTOM,
        "bright",
        small.clone(),
        theme::BRIGHT,
    ));
    taken.push(painter.text(
        Pos2::new(c.x + 6.0, rect.top() + m - 2.0),
        Align2::LEFT_TOP,
        Y_ENDS.1,
        small.clone(),
        theme::TEXT_DIM,
    ));
    taken.push(painter.text(
        Pos2::new(c.x + 6.0, rect.bottom() - m + 2.0),
        Align2::LEFT_BOTTOM,
        Y_ENDS.0,
        small.clone(),
        theme::TEXT_DIM,
    ));

    // The y axis's name, reading upwards, centred on the pad's left.
    let (low, high) = Y_NAME.split_once('↔').unwrap_or((Y_ENDS.0, Y_ENDS.1));
    arrow_label(
        &painter,
        Pos2::new(rect.left() - axis_w * 0.5 - 2.0, c.y),
        -std::f32::consts::FRAC_PI_2,
        (low.trim(), high.trim()),
        theme::font(theme::BODY),
        theme::TEXT_DIM,
    );

    match mode {
        PadMode::Morph(line) => {
            // The point where the controls (or the drag) put it.
            let norm = match drag.target {
                Some(Target::Rail | Target::Morph) => drag.norm[0],
                _ => params.morph.unmodulated_normalized_value(),
            };
            let [x, y] = line.at(params.morph.preview_plain(norm));
            let target = to_screen(rect, x, y);
            // The line under the labels (their halos keep them legible),
            // the rings on the ends over them; labels keep clear of those.
            morph_line_layer(&painter, rect, line);
            let rings = line.ends.map(|[x, y]| to_screen_free(rect, x, y));
            landmarks_layer(&painter, rect, landmarks, user, target, taken, &rings);
            morph_ends_layer(&painter, rect, line);
            live_and_point(&painter, rect, live, target);
        }
        PadMode::Pad | PadMode::Manual => {
            // The point the parameters (or the drag) are at.
            let norm = if drag.target == Some(Target::Pad) {
                drag.norm
            } else {
                [
                    params.x.unmodulated_normalized_value(),
                    params.y.unmodulated_normalized_value(),
                ]
            };
            let target = to_screen(rect, norm[0] * 2.0 - 1.0, norm[1] * 2.0 - 1.0);
            landmarks_layer(&painter, rect, landmarks, user, target, taken, &[]);
            // Cross-hairs from the point to the edges.
            let hair = Stroke::new(1.0, alpha(theme::ACCENT, 0.35));
            painter.vline(target.x, rect.y_range(), hair);
            painter.hline(rect.x_range(), target.y, hair);
            let live = if *mode == PadMode::Manual { None } else { live };
            live_and_point(&painter, rect, live, target);
            if *mode == PadMode::Manual {
                manual_veil(&painter, rect);
            }
        }
    }

    painter.rect_stroke(
        rect,
        radius,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    rect
}

/// The ring where the engine is (when it trails the point) and the point.
fn live_and_point(painter: &egui::Painter, rect: Rect, live: Option<[f32; 2]>, target: Pos2) {
    if let Some([lx, ly]) = live {
        let p = to_screen(rect, lx, ly);
        if p.distance(target) > 3.0 {
            painter.circle_stroke(p, 5.0, Stroke::new(1.5, alpha(theme::ACCENT, 0.6)));
        }
    }
    painter.circle_filled(target, 13.0, alpha(theme::ACCENT, 0.18));
    painter.circle(target, 8.0, theme::TEXT, Stroke::new(3.0, theme::ACCENT));
}

/// Manual mode: the pad is not playing; a veil and a note say so.
fn manual_veil(painter: &egui::Painter, rect: Rect) {
    painter.rect_filled(rect, 8.0, alpha(theme::WELL, 0.6));
    let c = rect.center();
    let title = painter.layout_no_wrap(
        "Manual EQ".to_string(),
        theme::font(theme::BODY + 2.0),
        theme::TEXT,
    );
    let note = painter.layout_no_wrap(
        "click or drag to steer from the pad again".to_string(),
        theme::font(theme::SMALL),
        theme::TEXT_DIM,
    );
    let w = title.size().x.max(note.size().x) + 28.0;
    let h = title.size().y + note.size().y + 20.0;
    let bubble = Rect::from_center_size(c, egui::vec2(w, h));
    painter.rect_filled(bubble, 8.0, alpha(theme::PANEL, 0.92));
    painter.rect_stroke(
        bubble,
        8.0,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    let top = bubble.top() + 8.0;
    painter.galley(
        Pos2::new(c.x - title.size().x * 0.5, top),
        title.clone(),
        theme::TEXT,
    );
    painter.galley(
        Pos2::new(c.x - note.size().x * 0.5, top + title.size().y + 4.0),
        note,
        theme::TEXT_DIM,
    );
}

/// The morph line: solid between the landmarks, dashed on to −50 % and
/// 150 %, with short ticks across its ends.
fn morph_line_layer(painter: &egui::Painter, rect: Rect, line: &MorphLine) {
    let clip = painter.with_clip_rect(rect.shrink(1.0));
    let [a, b] = line.ends.map(|[x, y]| to_screen_free(rect, x, y));
    let [lo, hi] = [line.at(-0.5), line.at(1.5)].map(|[x, y]| to_screen_free(rect, x, y));
    let faint = Stroke::new(2.0, alpha(theme::MORPH_LINE, 0.5));
    if a.distance(b) > 1.0 {
        for seg in [[lo, a], [b, hi]] {
            clip.add(egui::Shape::dashed_line(&seg, faint, 6.0, 4.0));
        }
        let dir = (b - a).normalized();
        let across = egui::vec2(-dir.y, dir.x) * 5.0;
        for p in [lo, hi] {
            clip.line_segment([p - across, p + across], faint);
        }
    }
    clip.line_segment([a, b], Stroke::new(3.0, theme::MORPH_LINE));
}

/// Rings on the morph line's ends, and a label for an end whose landmark
/// is not drawn: "(not in this model)" for one the model lacks (it sits at
/// the centre).
fn morph_ends_layer(painter: &egui::Painter, rect: Rect, line: &MorphLine) {
    let clip = painter.with_clip_rect(rect.shrink(1.0));
    let ends = line.ends.map(|[x, y]| to_screen_free(rect, x, y));
    for (i, p) in ends.into_iter().enumerate() {
        clip.circle_stroke(p, RING, Stroke::new(2.0, theme::MORPH_LINE));
        if line.shown[i] {
            continue;
        }
        let lacks = if line.user[i] {
            "not in your words"
        } else {
            "not in this model"
        };
        let (text, colour) = if line.present[i] {
            (line.names[i].clone(), theme::TEXT_DIM)
        } else {
            (format!("{} ({lacks})", line.names[i]), theme::ERROR)
        };
        let g = painter.layout_no_wrap(text, theme::font(theme::SMALL), colour);
        let at = Pos2::new(
            p.x - g.size().x * 0.5,
            p.y + if i == 0 { 14.0 } else { -14.0 - g.size().y },
        );
        let r = Rect::from_min_size(at, g.size());
        painter.rect_filled(
            r.expand2(egui::vec2(3.0, 0.0)),
            3.0,
            alpha(theme::WELL, 0.85),
        );
        painter.galley(at, g, colour);
    }
}

/// Radius of the rings on the morph line's ends.
const RING: f32 = 9.0;

/// "a ⟷ b" centred on `centre` along `angle` (radians, 0 = left to right):
/// the default fonts have no arrows, so the arrow is drawn.
pub fn arrow_label(
    painter: &egui::Painter,
    centre: Pos2,
    angle: f32,
    (a, b): (&str, &str),
    font: egui::FontId,
    colour: egui::Color32,
) {
    let ga = painter.layout_no_wrap(a.to_string(), font.clone(), colour);
    let gb = painter.layout_no_wrap(b.to_string(), font, colour);
    let h = ga.size().y;
    let (gap, arrow) = (7.0, 22.0);
    let total = ga.size().x + gap + arrow + gap + gb.size().x;
    let dir = Vec2::angled(angle);
    // The galley's own "down", which rotates with it.
    let perp = Vec2::new(-angle.sin(), angle.cos());
    let origin = centre - dir * (total * 0.5);
    let text_at = |s: f32| origin + dir * s - perp * (h * 0.5);
    let s_arrow = ga.size().x + gap;
    let s_b = s_arrow + arrow + gap;
    painter.add(TextShape::new(text_at(0.0), ga, colour).with_angle(angle));
    painter.add(TextShape::new(text_at(s_b), gb, colour).with_angle(angle));
    let stroke = Stroke::new(1.3, colour);
    let p0 = origin + dir * s_arrow;
    let p1 = origin + dir * (s_arrow + arrow);
    painter.line_segment([p0, p1], stroke);
    let head = 4.0;
    for (tip, back) in [(p0, dir), (p1, -dir)] {
        painter.line_segment([tip, tip + back * head + perp * head], stroke);
        painter.line_segment([tip, tip + back * head - perp * head], stroke);
    }
}

/// Dots sized by how many examples they stand for, labels placed where they
/// collide with nothing drawn before them. The user's words are diamonds in
/// their own colour, labelled after the model's landmarks.
/// `rings` are the morph line's ends: a landmark there is ringed, so its
/// label keeps further away.
fn landmarks_layer(
    painter: &egui::Painter,
    rect: Rect,
    landmarks: &[Landmark],
    user: &[Landmark],
    point: Pos2,
    mut taken: Vec<Rect>,
    rings: &[Pos2],
) {
    let mut shown: Vec<&Landmark> = landmarks
        .iter()
        .filter(|l| l.count >= MIN_LANDMARK_COUNT)
        .collect();
    // Most-used first: they get the best label positions.
    shown.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    let max = shown.first().map_or(1, |l| l.count).max(1) as f32;
    taken.push(Rect::from_center_size(point, Vec2::splat(26.0)));
    let dots: Vec<(Pos2, f32)> = shown
        .iter()
        .map(|l| {
            let r = 3.0 + 3.0 * ((l.count as f32).ln() / max.ln().max(1.0)).clamp(0.0, 1.0);
            (to_screen(rect, l.x, l.y), r)
        })
        .collect();
    let diamonds: Vec<Pos2> = user.iter().map(|l| to_screen(rect, l.x, l.y)).collect();
    for &(p, r) in &dots {
        taken.push(Rect::from_center_size(p, Vec2::splat(2.0 * r + 2.0)));
    }
    for &p in &diamonds {
        taken.push(Rect::from_center_size(
            p,
            Vec2::splat(2.0 * USER_MARK + 2.0),
        ));
    }
    for &p in rings {
        taken.push(Rect::from_center_size(p, Vec2::splat(2.0 * RING + 4.0)));
    }
    for (l, &(p, r)) in shown.iter().zip(&dots) {
        let major = l.count as f32 >= 0.2 * max;
        let colour = if major { theme::TEXT } else { theme::TEXT_DIM };
        painter.circle(p, r, alpha(colour, 0.9), Stroke::new(1.5, theme::WELL));
        let font = theme::font(if major { theme::BODY } else { theme::SMALL });
        label(
            painter, rect, &mut taken, rings, p, r, &l.name, font, colour,
        );
    }
    for (l, &p) in user.iter().zip(&diamonds) {
        let d = USER_MARK;
        diamond(painter, p, d, Stroke::new(1.5, theme::WELL));
        let font = theme::font(theme::BODY);
        label(
            painter,
            rect,
            &mut taken,
            rings,
            p,
            d,
            &l.name,
            font,
            theme::USER_WORD,
        );
    }
}

/// A user word's mark: a diamond in its colour around `p`, `d` points from
/// the centre to each corner.
pub fn diamond(painter: &egui::Painter, p: Pos2, d: f32, stroke: Stroke) {
    painter.add(egui::Shape::convex_polygon(
        vec![
            p + Vec2::new(0.0, -d),
            p + Vec2::new(d, 0.0),
            p + Vec2::new(0.0, d),
            p + Vec2::new(-d, 0.0),
        ],
        theme::USER_WORD,
        stroke,
    ));
}

/// Half the diagonal of a user word's diamond, points.
pub const USER_MARK: f32 = 5.5;

/// A landmark's label beside its mark at `p` (radius `r`): the first of
/// eight places that stays inside the pad and clear of everything in
/// `taken` (then the first inside the pad), on a dark halo.
#[allow(clippy::too_many_arguments)]
fn label(
    painter: &egui::Painter,
    rect: Rect,
    taken: &mut Vec<Rect>,
    rings: &[Pos2],
    p: Pos2,
    r: f32,
    name: &str,
    font: egui::FontId,
    colour: egui::Color32,
) {
    let galley = painter.layout_no_wrap(name.to_string(), font, colour);
    let size = galley.size();
    let ringed = rings.iter().any(|q| q.distance(p) < 1.0);
    let gap = if ringed { RING + 5.0 } else { r + 4.0 };
    let candidates = [
        Rect::from_min_size(Pos2::new(p.x + gap, p.y - size.y * 0.5), size),
        Rect::from_min_size(Pos2::new(p.x - gap - size.x, p.y - size.y * 0.5), size),
        Rect::from_min_size(Pos2::new(p.x - size.x * 0.5, p.y - gap - size.y), size),
        Rect::from_min_size(Pos2::new(p.x - size.x * 0.5, p.y + gap), size),
        Rect::from_min_size(Pos2::new(p.x + gap * 0.7, p.y - gap * 0.7 - size.y), size),
        Rect::from_min_size(Pos2::new(p.x + gap * 0.7, p.y + gap * 0.7), size),
        Rect::from_min_size(
            Pos2::new(p.x - gap * 0.7 - size.x, p.y - gap * 0.7 - size.y),
            size,
        ),
        Rect::from_min_size(Pos2::new(p.x - gap * 0.7 - size.x, p.y + gap * 0.7), size),
    ];
    let inside = rect.shrink(2.0);
    let fits = |c: &Rect| inside.contains_rect(*c) && !taken.iter().any(|t| t.intersects(*c));
    let place = candidates
        .iter()
        .find(|c| fits(c))
        .or_else(|| candidates.iter().find(|c| inside.contains_rect(**c)))
        .copied()
        .unwrap_or(candidates[0]);
    taken.push(place);
    // A dark halo keeps labels legible over the grid and the wash.
    painter.rect_filled(
        place.expand2(egui::vec2(3.0, 0.0)),
        3.0,
        alpha(theme::WELL, 0.75),
    );
    painter.galley(place.min, galley, colour);
}
