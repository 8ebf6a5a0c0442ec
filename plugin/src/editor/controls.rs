//! Parameter gestures and the small controls: value bars, toggles, the
//! warm ↔ bright slider, the mode selector, the morph slider and the
//! descriptor choices.
//!
//! Every change from the editor is a host gesture: `begin_set_parameter`,
//! one or more `set_parameter`, `end_set_parameter`, so DAW automation
//! recording works. During a drag the editor draws the value it is sending
//! (the parameter itself only changes when the wrapper applies it).

use super::theme::{self, alpha};
use crate::audition::Solo;
use crate::compare::{self, Side};
use crate::params::{Descriptor, ModeChoice, SemanticEqParams, format_morph};
use crate::words_slot::{UserWords, WordsStatus};
use egui::{
    Align2, Color32, CornerRadius, Pos2, Rect, Response, RichText, Sense, Stroke, StrokeKind, Ui,
    vec2,
};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use semantic_eq_model::{BAND_COUNT, BANDS, BandKind};

/// A value the user can type (double-click on its readout or bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeKey {
    Amount,
    Out,
    Mix,
    /// A band's frequency (manual parameter).
    Freq(usize),
    /// A band's gain (manual parameter).
    Gain(usize),
    /// A bell's Q (manual parameter).
    Q(usize),
}

/// The type-in field, while one is open: which value, the text so far,
/// whether it has asked for keyboard focus yet, and whether the last Enter
/// was refused (the text did not parse).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeIn {
    pub key: Option<TypeKey>,
    pub text: String,
    pub focused: bool,
    pub refused: bool,
}

impl TypeIn {
    /// Opens the field for `key`, empty (the current value is its hint).
    pub fn open(&mut self, key: TypeKey) {
        *self = Self {
            key: Some(key),
            ..Self::default()
        };
    }

    pub fn close(&mut self) {
        *self = Self::default();
    }
}

/// The type-in field over `rect` if `state` is open for `key`. Enter
/// parses the text with the parameter's own string-to-value function
/// ("2.5k", "-3", "0.7", with or without the unit) and sets it as one
/// gesture; text that does not parse keeps the field open, marked. Escape,
/// or focus going elsewhere, closes it without a change. Returns whether
/// the field is shown.
pub fn type_in(
    ui: &mut Ui,
    setter: &ParamSetter,
    state: &mut TypeIn,
    key: TypeKey,
    param: &FloatParam,
    rect: Rect,
) -> bool {
    if state.key != Some(key) {
        return false;
    }
    let id = egui::Id::unique(("semantic-eq-type-in", key));
    let hint = param.normalized_value_to_string(param.unmodulated_normalized_value(), true);
    let edit = egui::TextEdit::singleline(&mut state.text)
        .id(id)
        .hint_text(hint)
        .font(theme::font(theme::BODY))
        .align(Align2::CENTER_CENTER)
        .margin(vec2(4.0, 2.0));
    let response = ui.put(rect, edit);
    if state.refused {
        ui.painter().rect_stroke(
            rect,
            4.0,
            Stroke::new(1.5, theme::ERROR),
            StrokeKind::Outside,
        );
    }
    if !state.focused {
        // Asks egui for the keys; with nice-plug-egui's
        // `keyboard_focus_workaround` the window also asks the host's OS
        // for keyboard focus while the field is open.
        response.request_focus();
        state.focused = true;
        return true;
    }
    let (enter, escape) = ui.input(|i| {
        (
            i.key_pressed(egui::Key::Enter),
            i.key_pressed(egui::Key::Escape),
        )
    });
    if escape {
        state.close();
    } else if enter {
        match param.string_to_normalized_value(state.text.trim()) {
            Some(norm) => {
                gesture(setter, param, param.preview_plain(norm));
                state.close();
            }
            None => {
                state.refused = true;
                response.request_focus();
            }
        }
    } else if response.lost_focus() || !response.has_focus() {
        state.close();
    }
    true
}

/// Pointer travel, as a share of the control's size, per pixel is divided
/// by this while shift is held.
pub const FINE: f32 = 10.0;

/// What is being dragged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The pad point (x and y).
    Pad,
    /// The pad in morph mode: the point slides along the morph line.
    Rail,
    X,
    /// The morph slider.
    Morph,
    Amount,
    Out,
    Mix,
    /// A band's handle on the curve (manual mode): frequency and gain.
    Band(usize),
    /// A bell's handle dragged with alt or ctrl: its Q.
    Q(usize),
}

/// The gesture in progress, if any: which control and the normalised
/// value(s) it is sending.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drag {
    pub target: Option<Target>,
    pub norm: [f32; 2],
    /// Which of the target's two parameters have had their gesture begun
    /// (a handle begins a parameter's gesture when it first changes it).
    pub begun: [bool; 2],
    /// Handle drags: where the handle was (screen) when the pointer was at
    /// `base_ptr`; re-based whenever shift is pressed or released, so fine
    /// mode never makes the handle jump.
    pub base_at: Pos2,
    pub base_ptr: Pos2,
    /// Whether shift (fine) was held at the last re-base.
    pub fine: bool,
    /// Handle drags: plain values and screen position when the drag
    /// started (frequency, gain, x, y; a Q drag: Q, −, x, y).
    pub start: [f32; 4],
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

    /// Where the dragged handle is now: `base_at` plus the pointer's travel
    /// since `base_ptr`, a tenth of it while `fine`. Re-bases when `fine`
    /// changes.
    pub fn handle_at(&mut self, pointer: Pos2, fine: bool) -> Pos2 {
        let scale = |f: bool| if f { 1.0 / FINE } else { 1.0 };
        if fine != self.fine {
            self.base_at += (pointer - self.base_ptr) * scale(self.fine);
            self.base_ptr = pointer;
            self.fine = fine;
        }
        self.base_at + (pointer - self.base_ptr) * scale(fine)
    }
}

/// A whole gesture setting one parameter to `plain`.
pub fn gesture<P: Param>(setter: &ParamSetter, param: &P, plain: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, plain);
    setter.end_set_parameter(param);
}

/// The normalised value whose plain value is closest to `plain`: hosts
/// store normalised values, and the range's round trip can miss `plain`
/// by a few ulps; this searches the neighbouring normalised values.
pub fn exact_normalized(param: &FloatParam, plain: f32) -> f32 {
    let first = param.preview_normalized(plain);
    let err = |n: f32| (param.preview_plain(n) - plain).abs();
    let mut best = (err(first), first);
    for dir in [1.0f32, -1.0] {
        let mut n = first;
        for _ in 0..64 {
            if best.0 == 0.0 {
                return best.1;
            }
            n = if dir > 0.0 {
                n.next_up()
            } else {
                n.next_down()
            };
            if !(0.0..=1.0).contains(&n) {
                break;
            }
            let e = err(n);
            if e < best.0 {
                best = (e, n);
            }
        }
    }
    best.1
}

/// A whole gesture setting `param` to the plain value nearest `plain` that
/// the host can store ([`exact_normalized`]).
pub fn gesture_exact(setter: &ParamSetter, param: &FloatParam, plain: f32) {
    setter.begin_set_parameter(param);
    setter.set_parameter_normalized(param, exact_normalized(param, plain));
    setter.end_set_parameter(param);
}

/// Drives one parameter from a horizontal control occupying `track`:
/// click or drag sets it from the pointer, shift-drag moves it finely,
/// double-click resets it. `before` runs before each new gesture (the
/// warm ↔ bright slider switches back to pad mode there).
#[allow(clippy::too_many_arguments)]
pub fn drive_1d(
    ui: &Ui,
    response: &Response,
    setter: &ParamSetter,
    drag: &mut Drag,
    target: Target,
    param: &FloatParam,
    track: Rect,
    before: &dyn Fn(),
) {
    let at = |p: Pos2| emath_remap(p.x, track.left(), track.right());
    if response.double_clicked() {
        if drag.target == Some(target) {
            setter.end_set_parameter(param);
            drag.target = None;
        }
        before();
        gesture(setter, param, param.default_plain_value());
        return;
    }
    if response.drag_started() && drag.target.is_none() {
        before();
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
        before();
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
///
/// Drag to set (shift-drag finely); a click alone does not move it.
/// Double-click opens a field to type the value ([`type_in`]);
/// ctrl-, ⌘- or alt-click resets it to its default.
#[allow(clippy::too_many_arguments)]
pub fn value_bar(
    ui: &mut Ui,
    setter: &ParamSetter,
    drag: &mut Drag,
    typing: &mut TypeIn,
    key: TypeKey,
    target: Target,
    param: &FloatParam,
    label: &str,
    rect: Rect,
    bipolar: bool,
) -> Rect {
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
    let id = egui::Id::unique(("semantic-eq-bar", label));
    let response = ui.interact(bar, id, Sense::click_and_drag());
    let reset = ui.input(|i| i.modifiers.command || i.modifiers.ctrl || i.modifiers.alt);
    if response.double_clicked() {
        if drag.target == Some(target) {
            setter.end_set_parameter(param);
            drag.target = None;
        }
        typing.open(key);
    } else if response.clicked() && reset {
        gesture(setter, param, param.default_plain_value());
    } else if !reset && !response.clicked() {
        // Drags only: a click (the first of a double-click, say) must not
        // move the value.
        drive_1d(ui, &response, setter, drag, target, param, bar, &|| {});
    }
    if type_in(ui, setter, typing, key, param, bar) {
        return bar;
    }

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
    response.on_hover_text(
        "Drag to set, shift-drag for fine steps, double-click to type a value, \
         ctrl/⌘/alt-click to reset",
    );
    bar
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
/// `before` runs before each gesture; `dim` draws it faded (not playing).
pub fn x_slider(
    ui: &mut Ui,
    setter: &ParamSetter,
    drag: &mut Drag,
    param: &FloatParam,
    rect: Rect,
    before: &dyn Fn(),
    dim: bool,
) {
    let mut painter = ui.painter_at(rect.expand(2.0));
    if dim {
        painter.set_opacity(0.4);
    }
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
    drive_1d(ui, &response, setter, drag, Target::X, param, track, before);

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

/// The mode selector: three segments (pad, morph, manual) in `rect`; a
/// click on another mode is one gesture on `mode`. Returns the segments.
pub fn mode_selector(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<ModeChoice>,
    rect: Rect,
) -> [Rect; 3] {
    const HINTS: [&str; 3] = [
        "Pad: the EQ is decoded from the pad point",
        "Morph: the EQ is decoded along the line from one descriptor to another",
        "Manual: set the five bands yourself, by dragging their handles on the curve",
    ];
    let w = rect.width() / 3.0;
    let cells: [Rect; 3] = std::array::from_fn(|i| {
        Rect::from_min_size(
            Pos2::new(rect.left() + i as f32 * w, rect.top()),
            vec2(w, rect.height()),
        )
    });
    let current = param.value();
    let painter = ui.painter_at(rect.expand(2.0));
    let radius = CornerRadius::same(6);
    painter.rect_filled(rect, radius, theme::WELL);
    for (i, cell) in cells.iter().enumerate() {
        let choice = ModeChoice::from_index(i);
        let response = ui.interact(
            *cell,
            egui::Id::unique(("semantic-eq-mode", i)),
            Sense::click(),
        );
        if response.clicked() && choice != current {
            gesture(setter, param, choice);
        }
        let on = choice == param.value();
        if on {
            painter.rect_filled(cell.shrink(2.0), 5.0, alpha(theme::ACCENT, 0.22));
            painter.rect_stroke(
                cell.shrink(2.0),
                5.0,
                Stroke::new(1.0, alpha(theme::ACCENT, 0.8)),
                StrokeKind::Inside,
            );
        } else if response.hovered() {
            painter.rect_filled(cell.shrink(2.0), 5.0, theme::FILL);
        }
        if i > 0 && !on && current.to_index() != i - 1 {
            painter.vline(
                cell.left(),
                cell.y_range().shrink(7.0),
                Stroke::new(1.0, theme::BORDER),
            );
        }
        painter.text(
            cell.center(),
            Align2::CENTER_CENTER,
            ModeChoice::variants()[i],
            theme::font(theme::BODY),
            if on { theme::TEXT } else { theme::TEXT_DIM },
        );
        response.on_hover_text(HINTS[i]);
    }
    painter.rect_stroke(
        rect,
        radius,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    cells
}

/// Where the morph row put its parts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorphRow {
    pub from: Rect,
    pub to: Rect,
    /// The slider's track: −50 % at its left end, 150 % at its right.
    pub track: Rect,
}

/// The morph row, filling `rect`: the `from` choice on the left, the morph
/// slider (−50 … 150 %, the line between the landmarks drawn solid from 0
/// to 100 %) and the `to` choice on the right. `present` says whether the
/// model has a landmark for a descriptor (or the library a slot's word).
#[allow(clippy::too_many_arguments)]
pub fn morph_row(
    ui: &mut Ui,
    setter: &ParamSetter,
    drag: &mut Drag,
    morph: &FloatParam,
    from: &EnumParam<Descriptor>,
    to: &EnumParam<Descriptor>,
    rect: Rect,
    present: &dyn Fn(Descriptor) -> bool,
    words: &UserWords,
    status: &WordsStatus,
) -> MorphRow {
    let combo_w = (rect.width() * 0.27).clamp(70.0, 104.0);
    let combo_h = 26.0;
    let cy = rect.center().y - 5.0;
    let from_rect = Rect::from_min_size(
        Pos2::new(rect.left(), cy - combo_h * 0.5),
        vec2(combo_w, combo_h),
    );
    let to_rect = Rect::from_min_size(
        Pos2::new(rect.right() - combo_w, cy - combo_h * 0.5),
        vec2(combo_w, combo_h),
    );
    let in_use = [from.value().user_slot(), to.value().user_slot()];
    let user = UserChoices {
        words,
        status,
        in_use,
    };
    descriptor_combo(
        ui,
        setter,
        from,
        from_rect,
        "semantic-eq-from",
        present,
        &user,
    )
    .on_hover_text("Morph from this descriptor's landmark (0 %)");
    descriptor_combo(ui, setter, to, to_rect, "semantic-eq-to", present, &user)
        .on_hover_text("… to this one's (100 %)");

    let pad_x = 14.0;
    let track = Rect::from_min_max(
        Pos2::new(from_rect.right() + pad_x, cy - 4.0),
        Pos2::new(to_rect.left() - pad_x, cy + 4.0),
    );
    let hit = track.expand2(vec2(10.0, 12.0));
    let response = ui.interact(
        hit,
        egui::Id::unique("semantic-eq-morph-slider"),
        Sense::click_and_drag(),
    );
    drive_1d(
        ui,
        &response,
        setter,
        drag,
        Target::Morph,
        morph,
        track,
        &|| {},
    );

    let painter = ui.painter_at(rect.expand(4.0));
    let x = |n: f32| track.left() + n * track.width();
    let (n0, n1) = (morph.preview_normalized(0.0), morph.preview_normalized(1.0));
    painter.rect_filled(track, 4.0, theme::WELL);
    painter.rect_stroke(
        track,
        4.0,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    let y = track.center().y;
    let faint = Stroke::new(2.0, alpha(theme::MORPH_LINE, 0.45));
    painter.add(egui::Shape::dashed_line(
        &[Pos2::new(x(0.0) + 3.0, y), Pos2::new(x(n0), y)],
        faint,
        4.0,
        3.0,
    ));
    painter.add(egui::Shape::dashed_line(
        &[Pos2::new(x(n1), y), Pos2::new(x(1.0) - 3.0, y)],
        faint,
        4.0,
        3.0,
    ));
    painter.line_segment(
        [Pos2::new(x(n0), y), Pos2::new(x(n1), y)],
        Stroke::new(3.0, theme::MORPH_LINE),
    );
    let small = theme::font(theme::SMALL);
    for (n, label) in [(n0, "0 %"), (n1, "100 %")] {
        painter.vline(
            x(n),
            egui::Rangef::new(y - 7.0, y + 7.0),
            Stroke::new(1.5, theme::MORPH_LINE),
        );
        painter.text(
            Pos2::new(x(n), track.bottom() + 6.0),
            Align2::CENTER_TOP,
            label,
            small.clone(),
            theme::TEXT_FAINT,
        );
    }
    let norm = drag.shown(Target::Morph, morph);
    let hot = response.hovered() || drag.target == Some(Target::Morph);
    painter.circle(
        Pos2::new(x(norm), y),
        if hot { 9.0 } else { 8.0 },
        theme::TEXT,
        Stroke::new(2.5, theme::ACCENT),
    );
    response.on_hover_text(format!(
        "Position on the line, now {}: drag, shift-drag for fine steps, double-click for 50 %",
        format_morph(morph.preview_plain(norm))
    ));
    MorphRow {
        from: from_rect,
        to: to_rect,
        track,
    }
}

/// The user's words a descriptor choice offers.
pub struct UserChoices<'a> {
    pub words: &'a UserWords,
    pub status: &'a WordsStatus,
    /// The slots `from` and `to` play now (a word picked goes elsewhere).
    pub in_use: [Option<usize>; 2],
}

/// A choice of descriptor in `rect`; choices the model has no landmark
/// for are marked in the list, and in red when chosen. Below them, the
/// user's words: picking one puts it in a *user word* slot
/// ([`UserWords::assign`]) and chooses that slot. Picking another is one
/// gesture.
pub fn descriptor_combo(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<Descriptor>,
    rect: Rect,
    id: &str,
    present: &dyn Fn(Descriptor) -> bool,
    user: &UserChoices,
) -> Response {
    let current = param.value();
    let slot_word = |d: Descriptor| d.user_slot().map(|k| user.status.slots[k].as_str());
    let name = match slot_word(current) {
        Some("") => format!("{} (empty)", current.name()),
        Some(w) => w.to_string(),
        None => current.name().to_string(),
    };
    let mut selected = RichText::new(name);
    if !present(current) {
        selected = selected.color(theme::ERROR);
    } else if current.user_slot().is_some() {
        selected = selected.color(theme::USER_WORD);
    }
    let mut chosen = None;
    let mut word_chosen = None;
    let inner = ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
        |ui| {
            egui::ComboBox::from_id_salt(id)
                .width(rect.width())
                .height(400.0)
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    for d in Descriptor::model_choices() {
                        let name = d.name();
                        let label = if present(d) {
                            RichText::new(name)
                        } else {
                            RichText::new(format!("{name}  (not in this model)"))
                                .color(theme::TEXT_FAINT)
                        };
                        if ui.selectable_label(d == current, label).clicked() {
                            chosen = Some(d);
                        }
                    }
                    if !user.status.words.is_empty() {
                        ui.separator();
                        ui.label(RichText::new("your words").color(theme::TEXT_FAINT));
                    }
                    for (word, _) in &user.status.words {
                        let on = slot_word(current) == Some(word.as_str());
                        let label = RichText::new(word).color(theme::USER_WORD);
                        if ui.selectable_label(on, label).clicked() {
                            word_chosen = Some(word.clone());
                        }
                    }
                })
                .response
        },
    );
    if let Some(word) = word_chosen
        && let Some(slot) = user.words.assign(&word, user.in_use)
    {
        chosen = Some(Descriptor::user(slot));
    }
    if let Some(d) = chosen
        && d != current
    {
        gesture(setter, param, d);
    }
    inner.inner
}

/// A plain button in `rect`, greyed and inert unless `enabled`.
pub fn button(ui: &mut Ui, rect: Rect, text: &str, enabled: bool) -> Response {
    ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
        ui.add_enabled(enabled, egui::Button::new(text).min_size(rect.size()))
    })
    .inner
}

/// The solo button's square in a band card's top right.
pub fn solo_rect(card: Rect) -> Rect {
    Rect::from_min_size(
        Pos2::new(card.right() - 24.0, card.top() + 5.0),
        vec2(19.0, 17.0),
    )
}

/// Each band card's solo button ("S", lit while soloed); alt-click on a
/// card solos it too. A click solos the band, or unsolos it if it was
/// soloed; soloing another band moves the solo there. Returns the
/// buttons' squares.
pub fn solo_buttons(ui: &Ui, cards: [Rect; BAND_COUNT], solo: &Solo) -> [Rect; BAND_COUNT] {
    let alt = ui.input(|i| i.modifiers.alt);
    std::array::from_fn(|b| {
        let rect = solo_rect(cards[b]);
        let response = ui.interact(
            rect,
            egui::Id::unique(("semantic-eq-solo", b)),
            Sense::click(),
        );
        let card_alt_click = alt
            && ui.input(|i| i.pointer.primary_clicked())
            && ui
                .input(|i| i.pointer.interact_pos())
                .is_some_and(|p| cards[b].contains(p))
            && !response.clicked();
        if response.clicked() || card_alt_click {
            solo.toggle(b);
        }
        let on = solo.get() == Some(b);
        let painter = ui.painter_at(rect.expand(1.0));
        let fill = if on {
            theme::SOLO
        } else if response.hovered() {
            theme::FILL_HOT
        } else {
            theme::PANEL
        };
        painter.rect_filled(rect, 4.0, fill);
        painter.rect_stroke(
            rect,
            4.0,
            Stroke::new(1.0, if on { theme::SOLO } else { theme::BORDER }),
            StrokeKind::Inside,
        );
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "S",
            theme::font(theme::SMALL),
            if on { theme::WELL } else { theme::TEXT_DIM },
        );
        response.on_hover_text(format!(
            "Solo {}: hear only its region (a band-pass at its frequency and Q{}); \
             alt-click the card does the same. Not saved; cleared when the window closes",
            BANDS[b].label,
            match BANDS[b].kind {
                BandKind::LowShelf => ", everything below for the shelf",
                BandKind::HighShelf => ", everything above for the shelf",
                BandKind::Bell => "",
            }
        ));
        rect
    })
}

/// The A/B compare: two segments (the side playing lit; a click on the
/// other switches to it) and a copy button (the side playing onto the
/// other). Returns the segments' and the copy button's rectangles.
pub fn ab_compare(
    ui: &mut Ui,
    gui: &GuiContext,
    params: &SemanticEqParams,
    rect: Rect,
) -> [Rect; 3] {
    let seg_w = 30.0;
    let cells = [
        Rect::from_min_size(rect.min, vec2(seg_w, rect.height())),
        Rect::from_min_size(
            Pos2::new(rect.left() + seg_w, rect.top()),
            vec2(seg_w, rect.height()),
        ),
    ];
    let copy = Rect::from_min_max(
        Pos2::new(cells[1].right() + 6.0, rect.top()),
        rect.right_bottom(),
    );
    let playing = compare::playing(params);
    let painter = ui.painter_at(rect.expand(2.0));
    let radius = CornerRadius::same(6);
    painter.rect_filled(cells[0].union(cells[1]), radius, theme::WELL);
    for (i, side) in [Side::A, Side::B].into_iter().enumerate() {
        let response = ui.interact(
            cells[i],
            egui::Id::unique(("semantic-eq-ab", i)),
            Sense::click(),
        );
        if response.clicked() && side != compare::playing(params) {
            compare::switch(params, gui);
        }
        let on = side == compare::playing(params);
        if on {
            painter.rect_filled(cells[i].shrink(2.0), 5.0, alpha(theme::SOLO, 0.22));
            painter.rect_stroke(
                cells[i].shrink(2.0),
                5.0,
                Stroke::new(1.0, alpha(theme::SOLO, 0.8)),
                StrokeKind::Inside,
            );
        }
        painter.text(
            cells[i].center(),
            Align2::CENTER_CENTER,
            side.letter(),
            theme::font(theme::BODY),
            if on { theme::TEXT } else { theme::TEXT_DIM },
        );
        response.on_hover_text(if on {
            format!("Setting {} is playing", side.letter())
        } else {
            format!(
                "Switch to setting {} (bypass and auto-gain are shared, so with auto-gain on \
                 both are heard at the same loudness)",
                side.letter()
            )
        });
    }
    painter.rect_stroke(
        cells[0].union(cells[1]),
        radius,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    // "A → B", the arrow drawn (the editor's font has no arrow glyph).
    let response = ui.interact(
        copy,
        egui::Id::unique("semantic-eq-ab-copy"),
        Sense::click(),
    );
    let fill = if response.hovered() {
        theme::FILL_HOT
    } else {
        theme::WELL
    };
    painter.rect_filled(copy, radius, fill);
    painter.rect_stroke(
        copy,
        radius,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    let c = copy.center();
    let ink = theme::TEXT_DIM;
    for (letter, dx) in [(playing.letter(), -13.0), (playing.other().letter(), 13.0)] {
        painter.text(
            Pos2::new(c.x + dx, c.y),
            Align2::CENTER_CENTER,
            letter,
            theme::font(theme::BODY),
            ink,
        );
    }
    painter.arrow(
        Pos2::new(c.x - 6.0, c.y),
        vec2(12.0, 0.0),
        Stroke::new(1.5, ink),
    );
    if response
        .on_hover_text(format!(
            "Copy setting {} onto {}",
            playing.letter(),
            playing.other().letter()
        ))
        .clicked()
    {
        compare::copy_to_other(params);
    }
    [cells[0], cells[1], copy]
}
