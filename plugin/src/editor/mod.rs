//! The plug-in's editor (nice-plug-egui): the XY pad with the model's
//! landmarks, the warm ↔ bright slider, the live EQ curve with the bands'
//! handles and readouts, the output controls and the model's status.
//!
//! The window is resizable and laid out from its current size in logical
//! points, so it scales with the host's or the system's DPI factor. A frame
//! costs well under a millisecond (see the tests): the curves are recomputed
//! only when the EQ the audio thread publishes changes, and nothing repaints
//! while nothing moves.

mod controls;
mod curve;
mod live;
mod pad;
#[cfg(test)]
mod screenshot_test;
#[cfg(test)]
mod tests;
pub mod theme;

pub use curve::CurveCache;
pub use live::{LivePublisher, LiveView};

use crate::model_slot::ModelStatus;
use crate::params::{SemanticEqParams, format_x, format_y};
use crate::{SemanticEq, Task};
use controls::{Drag, Target};
use egui::{Align2, Pos2, Rect, Stroke, StrokeKind, Ui, vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp, RepaintNotifier,
    create_egui_editor,
};
use std::sync::{Arc, Mutex};

/// Default window size, logical points.
pub const DEFAULT_SIZE: (f32, f32) = (1080.0, 700.0);
/// Smallest size the layout still reads well at.
pub const MIN_SIZE: (f32, f32) = (880.0, 600.0);

/// Outer margin and the gap between cards.
const MARGIN: f32 = 16.0;
const GAP: f32 = 14.0;
/// Padding inside a card.
const CARD_PAD: f32 = 14.0;
/// Height of a card's title row.
const TITLE_H: f32 = 26.0;

/// A fresh editor state at the default size.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(LogicalSize::new(DEFAULT_SIZE.0, DEFAULT_SIZE.1), 1.0)
}

/// A pad point for the next editor window to move to (the standalone's
/// `--pad x,y`), as one gesture per axis.
static START_PAD: Mutex<Option<[f32; 2]>> = Mutex::new(None);

/// Makes the next editor that opens move the pad to (`x`, `y`), −1..1.
pub fn request_start_pad(x: f32, y: f32) {
    let clamp = |v: f32| {
        if v.is_finite() {
            v.clamp(-1.0, 1.0)
        } else {
            0.0
        }
    };
    *START_PAD.lock().unwrap_or_else(|e| e.into_inner()) = Some([clamp(x), clamp(y)]);
}

fn take_start_pad() -> Option<[f32; 2]> {
    START_PAD.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Builds the editor for the plug-in.
pub fn create(
    params: Arc<SemanticEqParams>,
    state: Arc<EguiEditorState>,
    repaint: RepaintNotifier,
    live: triple_buffer::Output<LiveView>,
    executor: AsyncExecutor<SemanticEq>,
) -> Option<EguiEditor<EditorApp>> {
    let settings = EguiNiceSettings::new()
        .with_tile("Semantic EQ")
        .with_resize_hint(
            ResizeHint::RESIZABLE.with_min_logical_size(LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1)),
        );
    create_egui_editor(
        state,
        repaint,
        settings,
        EditorApp::new(params, live, Some(executor)),
    )
}

/// What the editor knows about the model, refreshed when the slot's
/// generation changes.
struct ModelView {
    generation: u64,
    status: ModelStatus,
    /// The path field's text.
    path: String,
    /// A load was sent and has not reported back yet.
    loading: bool,
}

/// The editor's state between frames.
pub struct EditorApp {
    params: Arc<SemanticEqParams>,
    live: triple_buffer::Output<LiveView>,
    executor: Option<AsyncExecutor<SemanticEq>>,
    gui: Option<GuiContext>,
    curve: CurveCache,
    drag: Drag,
    model: ModelView,
    /// Where the pad was drawn last (for tests).
    pad_rect: Rect,
}

impl EditorApp {
    fn new(
        params: Arc<SemanticEqParams>,
        live: triple_buffer::Output<LiveView>,
        executor: Option<AsyncExecutor<SemanticEq>>,
    ) -> Self {
        let status = params.model.status();
        let generation = params.model.generation();
        Self {
            model: ModelView {
                generation,
                path: status.path.clone(),
                status,
                loading: false,
            },
            params,
            live,
            executor,
            gui: None,
            curve: CurveCache::default(),
            drag: Drag::default(),
            pad_rect: Rect::NOTHING,
        }
    }

    /// One frame, given the window's root `Ui`.
    fn frame(&mut self, ui: &mut Ui) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        let live = self.refresh();
        ResizableWindow::new("semantic-eq-window")
            .min_size(vec2(MIN_SIZE.0, MIN_SIZE.1))
            .show(ui, |ui| self.draw(ui, &setter, &live));
        self.finish_stale_drag(ui, &setter);
        if self.model.loading {
            // The background task wakes the window when it is done; poll
            // slowly as well in case the host drops the request.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    /// Picks up a new live value and a changed model status.
    fn refresh(&mut self) -> LiveView {
        let live = *self.live.read();
        self.curve.update(&live.eq, live.sample_rate);
        let generation = self.params.model.generation();
        if generation != self.model.generation {
            self.model.generation = generation;
            self.model.status = self.params.model.status();
            self.model.loading = false;
            if self.model.status.error.is_none() {
                self.model.path = self.model.status.path.clone();
            }
        }
        live
    }

    /// Asks the background task to load the path in the field.
    fn load_model(&mut self) {
        let Some(executor) = &self.executor else {
            return;
        };
        let path = self.model.path.trim().to_string();
        self.params.model.request(&path);
        self.model.loading = true;
        executor.execute_background(Task::LoadModel);
    }

    /// Ends a gesture whose control vanished or missed the release.
    fn finish_stale_drag(&mut self, ui: &Ui, setter: &ParamSetter) {
        let Some(target) = self.drag.target else {
            return;
        };
        if ui.input(|i| i.pointer.any_down()) {
            return;
        }
        let p = &self.params;
        match target {
            Target::Pad => {
                setter.end_set_parameter(&p.x);
                setter.end_set_parameter(&p.y);
            }
            Target::X => setter.end_set_parameter(&p.x),
            Target::Amount => setter.end_set_parameter(&p.amount),
            Target::Out => setter.end_set_parameter(&p.out),
            Target::Mix => setter.end_set_parameter(&p.mix),
        }
        self.drag.target = None;
    }

    /// The whole window.
    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter, live: &LiveView) {
        let full = ui.max_rect().shrink(MARGIN);
        let header = Rect::from_min_size(full.min, vec2(full.width(), 34.0));
        let footer_h = 64.0;
        let footer = Rect::from_min_max(
            Pos2::new(full.left(), full.bottom() - footer_h),
            full.right_bottom(),
        );
        let body = Rect::from_min_max(
            Pos2::new(full.left(), header.bottom() + GAP - 4.0),
            Pos2::new(full.right(), footer.top() - GAP),
        );
        self.header(ui, setter, header);

        // Left card: the pad and the slider under it. The pad is square;
        // the card is as wide as it needs.
        let axis_w = 26.0;
        let slider_h = 44.0;
        let inner_h = body.height() - 2.0 * CARD_PAD;
        let side = (inner_h - TITLE_H - 8.0 - slider_h)
            .min(body.width() * 0.42)
            .max(120.0);
        let left = Rect::from_min_size(
            body.min,
            vec2(side + axis_w + 2.0 * CARD_PAD, body.height()),
        );
        let right = Rect::from_min_max(
            Pos2::new(left.right() + GAP, body.top()),
            body.right_bottom(),
        );
        card(ui, left);
        card(ui, right);

        let li = left.shrink(CARD_PAD);
        let shown_x = self.drag_or(Target::Pad, 0, Target::X, &self.params.x);
        let shown_y = self.drag_or(Target::Pad, 1, Target::Pad, &self.params.y);
        title_row(
            ui,
            Rect::from_min_size(li.min, vec2(li.width(), TITLE_H)),
            "PAD",
            &format!(
                "{}  ·  {}",
                format_x(self.params.x.preview_plain(shown_x)),
                format_y(self.params.y.preview_plain(shown_y))
            ),
        );
        let pad_outer = Rect::from_min_size(
            Pos2::new(li.left(), li.top() + TITLE_H),
            vec2(side + axis_w, side),
        );
        let landmarks = &self.model.status.landmarks;
        self.pad_rect = pad::show(
            ui,
            pad_outer,
            setter,
            &mut self.drag,
            &self.params,
            landmarks,
            live.valid.then_some(live.pad),
        );
        let slider = Rect::from_min_size(
            Pos2::new(pad_outer.left() + axis_w, pad_outer.bottom() + 8.0),
            vec2(side, slider_h),
        );
        controls::x_slider(ui, setter, &mut self.drag, &self.params.x, slider);

        // Right card: curve, band readouts, output controls.
        let ri = right.shrink(CARD_PAD);
        title_row(
            ui,
            Rect::from_min_size(ri.min, vec2(ri.width(), TITLE_H)),
            "EQ CURVE",
            if !live.valid {
                "waiting for audio"
            } else if self.params.bypass.value() {
                "bypassed"
            } else {
                "20 Hz – 20 kHz  ·  ±15 dB"
            },
        );
        let controls_h = 50.0;
        let readouts_h = 88.0;
        let controls = Rect::from_min_max(
            Pos2::new(ri.left(), ri.bottom() - controls_h),
            ri.right_bottom(),
        );
        let readouts = Rect::from_min_max(
            Pos2::new(ri.left(), controls.top() - 14.0 - readouts_h),
            Pos2::new(ri.right(), controls.top() - 14.0),
        );
        let plot = Rect::from_min_max(
            Pos2::new(ri.left(), ri.top() + TITLE_H),
            Pos2::new(ri.right(), readouts.top() - 10.0),
        );
        curve::show_plot(ui, plot, &self.curve, self.params.bypass.value());
        curve::show_readouts(ui, readouts, &live.eq);
        self.controls_row(ui, setter, controls);

        self.footer(ui, footer);
    }

    /// The normalised value to draw: the drag's while `drag` is active on
    /// `pad_or`/`target`, the parameter's otherwise.
    fn drag_or(&self, pad_or: Target, axis: usize, target: Target, param: &FloatParam) -> f32 {
        match self.drag.target {
            Some(t) if t == pad_or => self.drag.norm[axis],
            Some(t) if t == target => self.drag.norm[0],
            _ => param.unmodulated_normalized_value(),
        }
    }

    fn header(&mut self, ui: &mut Ui, setter: &ParamSetter, rect: Rect) {
        let painter = ui.painter_at(rect);
        let t = painter.text(
            Pos2::new(rect.left(), rect.center().y),
            Align2::LEFT_CENTER,
            "Semantic EQ",
            theme::font(theme::TITLE),
            theme::TEXT,
        );
        painter.text(
            Pos2::new(t.right() + 14.0, rect.center().y + 2.0),
            Align2::LEFT_CENTER,
            "five bands, steered from warm to bright",
            theme::font(theme::BODY),
            theme::TEXT_DIM,
        );
        let bypass = Rect::from_min_size(
            Pos2::new(rect.right() - 118.0, rect.top() + 2.0),
            vec2(118.0, 30.0),
        );
        controls::toggle(
            ui,
            setter,
            &self.params.bypass,
            "Bypass",
            bypass,
            theme::BYPASS_ON,
        );
    }

    fn controls_row(&mut self, ui: &mut Ui, setter: &ParamSetter, rect: Rect) {
        let gap = 14.0;
        let w = (rect.width() - 3.0 * gap) / 4.0;
        let cell = |i: usize| {
            Rect::from_min_size(
                Pos2::new(rect.left() + i as f32 * (w + gap), rect.top()),
                vec2(w, rect.height()),
            )
        };
        let p = self.params.clone();
        controls::value_bar(
            ui,
            setter,
            &mut self.drag,
            Target::Amount,
            &p.amount,
            "Amount",
            cell(0),
            false,
        );
        controls::value_bar(
            ui,
            setter,
            &mut self.drag,
            Target::Out,
            &p.out,
            "Output",
            cell(1),
            true,
        );
        controls::value_bar(
            ui,
            setter,
            &mut self.drag,
            Target::Mix,
            &p.mix,
            "Mix",
            cell(2),
            false,
        );
        let c = cell(3);
        ui.painter_at(c).text(
            c.left_top(),
            Align2::LEFT_TOP,
            "Loudness",
            theme::font(theme::SMALL),
            theme::TEXT_DIM,
        );
        let t = Rect::from_min_max(Pos2::new(c.left(), c.top() + 20.0), c.right_bottom());
        controls::toggle(ui, setter, &p.auto, "Auto-gain", t, theme::CURVE)
            .on_hover_text("Keep pink-noise loudness constant as the EQ changes");
    }

    fn footer(&mut self, ui: &mut Ui, rect: Rect) {
        card(ui, rect);
        let inner = rect.shrink2(vec2(CARD_PAD, 8.0));
        let row = Rect::from_min_size(inner.min, vec2(inner.width(), 28.0));
        let painter = ui.painter_at(rect);
        let label = painter.text(
            Pos2::new(row.left(), row.center().y),
            Align2::LEFT_CENTER,
            "MODEL",
            theme::font(theme::HEADING),
            theme::TEXT_FAINT,
        );
        let status = &self.model.status;
        let shown = status
            .landmarks
            .iter()
            .filter(|l| l.count >= pad::MIN_LANDMARK_COUNT)
            .count();
        let name = painter.text(
            Pos2::new(label.right() + 12.0, row.center().y),
            Align2::LEFT_CENTER,
            &status.name,
            theme::font(theme::BODY + 1.0),
            theme::TEXT,
        );
        let info = painter.text(
            Pos2::new(name.right() + 10.0, row.center().y),
            Align2::LEFT_CENTER,
            format!("{shown} landmarks"),
            theme::font(theme::SMALL),
            theme::TEXT_DIM,
        );
        let button_w = 76.0;
        let load = Rect::from_min_size(
            Pos2::new(row.right() - button_w, row.top()),
            vec2(button_w, row.height()),
        );
        let field = Rect::from_min_max(
            Pos2::new((info.right() + 24.0).max(row.left() + 260.0), row.top()),
            Pos2::new(load.left() - 8.0, row.bottom()),
        );
        let edit = ui.put(
            field,
            egui::TextEdit::singleline(&mut self.model.path)
                .hint_text("model file (.safetensors); empty = built-in")
                .margin(vec2(8.0, 5.0))
                .align(Align2::LEFT_CENTER),
        );
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let clicked = ui
            .put(load, egui::Button::new("Load"))
            .on_hover_text(
                "Load this file on the background thread; a bad file keeps the current model",
            )
            .clicked();
        let load_now = (entered || clicked) && !self.model.loading;

        let line = Pos2::new(row.left(), row.bottom() + 13.0);
        let (text, colour) = if self.model.loading {
            ("Loading…".to_string(), theme::TEXT_DIM)
        } else if let Some(err) = &status.error {
            (format!("Not loaded: {err}"), theme::ERROR)
        } else if status.path.is_empty() {
            ("Playing the built-in model.".to_string(), theme::TEXT_FAINT)
        } else {
            (format!("Playing {}", status.path), theme::TEXT_FAINT)
        };
        let galley = painter.layout(text, theme::font(theme::SMALL), colour, inner.width());
        let clip = painter.with_clip_rect(inner);
        clip.galley(
            Pos2::new(line.x, line.y - galley.size().y * 0.5),
            galley,
            colour,
        );
        if load_now {
            self.load_model();
        }
    }
}

/// A card's background and outline.
fn card(ui: &Ui, rect: Rect) {
    let painter = ui.painter();
    painter.rect_filled(rect, 10.0, theme::PANEL);
    painter.rect_stroke(
        rect,
        10.0,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
}

/// A card's title on the left and a note on the right.
fn title_row(ui: &Ui, rect: Rect, title: &str, note: &str) {
    let painter = ui.painter_at(rect);
    painter.text(
        Pos2::new(rect.left(), rect.top() + 2.0),
        Align2::LEFT_TOP,
        title,
        theme::font(theme::HEADING),
        theme::TEXT_FAINT,
    );
    painter.text(
        Pos2::new(rect.right(), rect.top() + 2.0),
        Align2::RIGHT_TOP,
        note,
        theme::font(theme::SMALL + 1.0),
        theme::TEXT_DIM,
    );
}

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        if let Some([x, y]) = take_start_pad() {
            let setter = gui.param_setter();
            controls::gesture(&setter, &self.params.x, x);
            controls::gesture(&setter, &self.params.y, y);
        }
        self.gui = Some(gui);
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut Frame) {
        self.frame(ui);
    }
}
