//! Parameter gestures and the small controls: value bars, toggles and the
//! warm ↔ bright slider.
//!
//! Every change from the editor is a host gesture: `begin_set_parameter`,
//! one or more `set_parameter`, `end_set_parameter`, so DAW automation
//! recording works. During a drag the editor draws the value it is sending
//! (the parameter itself only changes when the audio thread applies it).

use super::theme::{self, alpha};
use egui::{Align2, Color32, CornerRadius, Pos2, Rect, Response, Sense, Stroke, StrokeKind, Ui};
use nice_plug::prelude::*;

/// Pointer travel, as a share of the control's size, per pixel is divided
/// by this while shift is held.
pub const FINE: f32 = 10.0;

/// What is being dragged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Pad,
    X,
    Amount,
    Out,
    Mix,
}

/// The gesture in progress, if any: which control and the normalised
/// value(s) it is sending.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drag {
    pub target: Option<Target>,
    pub norm: [f32; 2],
}

impl Drag {
    /// The value to draw for `target`'s first parameter.
    pub fn shown(&self, target: Target, param: &impl Param) -> f32 {
        if self.target == Some(target) {
            self.norm[0]
        } else {
            param.unmodulated_normalized_value()
        }
    }
}

/// A whole gesture setting one parameter to `plain`.
pub fn gesture<P: Param>(setter: &ParamSetter, param: &P, plain: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, plain);
    setter.end_set_parameter(param);
}

/// Drives one parameter from a horizontal control occupying `track`:
/// click or drag sets it from the pointer, shift-drag moves it finely,
/// double-click resets it. Returns true while it is being dragged.
pub fn drive_1d(
    ui: &Ui,
    response: &Response,
    setter: &ParamSetter,
    drag: &mut Drag,
    target: Target,
    param: &FloatParam,
    track: Rect,
) {
    let at = |p: Pos2| emath_remap(p.x, track.left(), track.right());
    if response.double_clicked() {
        if drag.target == Some(target) {
            setter.end_set_parameter(param);
            drag.target = None;
        }
        gesture(setter, param, param.default_plain_value());
        return;
    }
    if response.drag_started() && drag.target.is_none() {
        setter.begin_set_parameter(param);
        drag.target = Some(target);
        drag.norm[0] = param.unmodulated_normalized_value();
    }
    if drag.target == Some(target) {
        if response.dragged() {
            let fine = ui.input(|i| i.modifiers.shift);
            let old = drag.norm[0];
            if fine {
                drag.norm[0] += response.drag_delta().x / track.width().max(1.0) / FINE;
            } else if let Some(p) = response.interact_pointer_pos() {
                drag.norm[0] = at(p);
            }
            drag.norm[0] = drag.norm[0].clamp(0.0, 1.0);
            if drag.norm[0] != old {
                setter.set_parameter(param, param.preview_plain(drag.norm[0]));
            }
        }
        if response.drag_stopped() {
            setter.end_set_parameter(param);
            drag.target = None;
        }
    } else if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        gesture(setter, param, param.preview_plain(at(p)));
    }
}

fn emath_remap(v: f32, lo: f32, hi: f32) -> f32 {
    if hi > lo {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// A labelled value bar for a float parameter, filling `rect`: the label
/// above, the bar below with the formatted value on it. `bipolar` fills from
/// the default (centre) instead of from the left.
#[allow(clippy::too_many_arguments)]
pub fn value_bar(
    ui: &mut Ui,
    setter: &ParamSetter,
    drag: &mut Drag,
    target: Target,
    param: &FloatParam,
    label: &str,
    rect: Rect,
    bipolar: bool,
) {
    let painter = ui.painter_at(rect.expand(2.0));
    painter.text(
        rect.left_top(),
        Align2::LEFT_TOP,
        label,
        theme::font(theme::SMALL),
        theme::TEXT_DIM,
    );
    let bar = Rect::from_min_max(
        Pos2::new(rect.left(), rect.top() + 20.0),
        rect.right_bottom(),
    );
    let id = egui::Id::unique(("semantic-eq-bar", target as u8));
    let response = ui.interact(bar, id, Sense::click_and_drag());
    drive_1d(ui, &response, setter, drag, target, param, bar);

    let norm = drag.shown(target, param);
    let active = response.hovered() || drag.target == Some(target);
    let radius = CornerRadius::same(5);
    painter.rect_filled(bar, radius, theme::WELL);
    let from = if bipolar {
        param.default_normalized_value()
    } else {
        0.0
    };
    let (a, b) = if norm < from {
        (norm, from)
    } else {
        (from, norm)
    };
    let x = |n: f32| bar.left() + n * bar.width();
    let fill = Rect::from_min_max(Pos2::new(x(a), bar.top()), Pos2::new(x(b), bar.bottom()));
    let fill_colour = if active { theme::FILL_HOT } else { theme::FILL };
    if fill.width() > 0.5 {
        painter.rect_filled(fill, radius, fill_colour);
    }
    // The value's position: ticks at both edges, clear of the text.
    let tick = Stroke::new(2.0, theme::ACCENT);
    let xv = x(norm).clamp(bar.left() + 1.0, bar.right() - 1.0);
    painter.vline(xv, egui::Rangef::new(bar.top(), bar.top() + 7.0), tick);
    painter.vline(
        xv,
        egui::Rangef::new(bar.bottom() - 7.0, bar.bottom()),
        tick,
    );
    let stroke = if active {
        Stroke::new(1.0, theme::TEXT_FAINT)
    } else {
        Stroke::new(1.0, theme::BORDER)
    };
    painter.rect_stroke(bar, radius, stroke, StrokeKind::Inside);
    painter.text(
        bar.center(),
        Align2::CENTER_CENTER,
        param.normalized_value_to_string(norm, true),
        theme::font(theme::BODY),
        theme::TEXT,
    );
    response.on_hover_text("Drag to set, shift-drag for fine steps, double-click to reset");
}

/// A toggle for a bool parameter: one click is one gesture.
pub fn toggle(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &BoolParam,
    label: &str,
    rect: Rect,
    on_colour: Color32,
) -> Response {
    let id = egui::Id::unique(("semantic-eq-toggle", label));
    let response = ui.interact(rect, id, Sense::click());
    if response.clicked() {
        gesture(setter, param, !param.value());
    }
    let on = param.value();
    let painter = ui.painter_at(rect.expand(2.0));
    let radius = CornerRadius::same(6);
    let fill = if on {
        alpha(on_colour, 0.28)
    } else if response.hovered() {
        Color32::from_rgb(0x26, 0x2b, 0x33)
    } else {
        theme::WELL
    };
    painter.rect_filled(rect, radius, fill);
    painter.rect_stroke(
        rect,
        radius,
        Stroke::new(1.0, if on { on_colour } else { theme::BORDER }),
        StrokeKind::Inside,
    );
    // A lamp, then the label.
    let lamp = Pos2::new(rect.left() + 16.0, rect.center().y);
    painter.circle_filled(lamp, 4.5, if on { on_colour } else { theme::GRID_STRONG });
    painter.text(
        Pos2::new(lamp.x + 12.0, lamp.y),
        Align2::LEFT_CENTER,
        label,
        theme::font(theme::BODY),
        if on { theme::TEXT } else { theme::TEXT_DIM },
    );
    response
}

/// The warm ↔ bright slider: a gradient track from the warm to the bright
/// colour, with the end names at its ends and the value over its thumb.
pub fn x_slider(
    ui: &mut Ui,
    setter: &ParamSetter,
    drag: &mut Drag,
    param: &FloatParam,
    rect: Rect,
) {
    let painter = ui.painter_at(rect.expand(2.0));
    let label_w = 54.0;
    let track = Rect::from_min_max(
        Pos2::new(rect.left() + label_w, rect.center().y - 4.0),
        Pos2::new(rect.right() - label_w, rect.center().y + 4.0),
    );
    painter.text(
        Pos2::new(rect.left(), rect.center().y),
        Align2::LEFT_CENTER,
        "warm",
        theme::font(theme::BODY),
        theme::WARM,
    );
    painter.text(
        Pos2::new(rect.right(), rect.center().y),
        Align2::RIGHT_CENTER,
        "bright",
        theme::font(theme::BODY),
        theme::BRIGHT,
    );
    let hit = track.expand2(egui::vec2(10.0, 12.0));
    let response = ui.interact(
        hit,
        egui::Id::unique("semantic-eq-x-slider"),
        Sense::click_and_drag(),
    );
    drive_1d(ui, &response, setter, drag, Target::X, param, track);

    // Gradient track: a strip of quads.
    let mut mesh = egui::Mesh::default();
    let steps = 24;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let x = track.left() + t * track.width();
        let c = theme::mix(theme::WARM, theme::BRIGHT, t);
        let c = theme::mix(theme::WELL, c, 0.75);
        mesh.colored_vertex(Pos2::new(x, track.top()), c);
        mesh.colored_vertex(Pos2::new(x, track.bottom()), c);
        if i > 0 {
            let k = 2 * i;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k + 1, k);
        }
    }
    painter.add(mesh);
    painter.vline(
        track.center().x,
        track.y_range().expand(4.0),
        Stroke::new(1.0, theme::TEXT_FAINT),
    );
    let norm = drag.shown(Target::X, param);
    let cx = track.left() + norm * track.width();
    let thumb = Pos2::new(cx, track.center().y);
    let hot = response.hovered() || drag.target == Some(Target::X);
    painter.circle(
        thumb,
        if hot { 10.0 } else { 9.0 },
        theme::TEXT,
        Stroke::new(2.5, theme::mix(theme::WARM, theme::BRIGHT, norm)),
    );
    response.on_hover_text(
        "From warm to bright: drag, shift-drag for fine steps, double-click for the centre",
    );
}
