//! The plug-in's editor (nice-plug-egui): the mode selector, the XY pad
//! with the model's landmarks (and, in morph mode, the line between two
//! descriptors), the warm ↔ bright slider or the morph row, the EQ curve
//! with the bands' handles (draggable in manual mode) and readouts, "edit
//! this curve", the output controls and the model's status.
//!
//! The window is resizable and laid out from its current size in logical
//! points, so it scales with the host's or the system's DPI factor. A frame
//! costs well under a millisecond (see the tests): the curves are recomputed
//! only when the EQ they show changes, and nothing repaints while nothing
//! moves.

pub mod analyser;
pub(crate) mod controls;
mod curve;
mod live;
mod manual;
mod pad;
#[cfg(test)]
mod screenshot_test;
#[cfg(test)]
mod tests;
pub mod theme;
mod words;

pub use curve::CurveCache;
pub use live::{LivePublisher, LiveView};

use crate::model_slot::ModelStatus;
use crate::params::{Descriptor, ModeChoice, SemanticEqParams, format_morph, format_x, format_y};
use crate::{SemanticEq, Task, words_slot};
use controls::{Drag, MorphRow, Target, TypeIn, TypeKey};
use egui::{Align2, Color32, Pos2, Rect, Stroke, StrokeKind, Ui, vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp, RepaintNotifier,
    create_egui_editor,
};
use pad::{MorphLine, PadMode};
use semantic_eq_model::{BAND_COUNT, BANDS, EqParams, PARAMS};
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

/// How long a requested "edit this curve" waits for the audio thread to
/// reach the requested point before copying what it has, seconds.
const EDIT_WAIT_S: f64 = 10.0;

/// A fresh editor state at the default size.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(LogicalSize::new(DEFAULT_SIZE.0, DEFAULT_SIZE.1), 1.0)
}

/// What the next editor window does when it opens (the standalone's
/// `--pad`, `--mode`, `--from`, `--to`, `--morph`, `--edit-curve` and
/// `--bands-off`), each as a user's gesture would.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StartRequest {
    /// Move the pad to (x, y), −1..1 each.
    pub pad: Option<[f32; 2]>,
    /// The morph line's ends.
    pub from: Option<Descriptor>,
    pub to: Option<Descriptor>,
    /// Or one of the user's words at an end (put in a *user word* slot).
    pub from_word: Option<String>,
    pub to_word: Option<String>,
    /// Open the words panel.
    pub words_panel: bool,
    /// Position on the morph line, −0.5..1.5.
    pub morph: Option<f32>,
    /// Switch to this mode.
    pub mode: Option<ModeChoice>,
    /// Then, once the audio thread plays the requested point, press "edit
    /// this curve" (which switches to manual mode).
    pub edit_curve: bool,
    /// Then switch these manual bands off.
    pub bands_off: [bool; BAND_COUNT],
    /// What the analyser shows.
    pub analyser: Option<analyser::Show>,
    /// Last, hold all that as A, switch to B and move B's pad to (x, y).
    pub ab_b: Option<[f32; 2]>,
    /// Solo this band (0..5).
    pub solo: Option<usize>,
}

static START: Mutex<Option<StartRequest>> = Mutex::new(None);

/// Makes the next editor that opens apply `request`.
pub fn request_start(request: StartRequest) {
    let clamp = |v: f32, lo: f32, hi: f32| {
        if v.is_finite() { v.clamp(lo, hi) } else { 0.0 }
    };
    let request = StartRequest {
        pad: request.pad.map(|p| p.map(|v| clamp(v, -1.0, 1.0))),
        ab_b: request.ab_b.map(|p| p.map(|v| clamp(v, -1.0, 1.0))),
        morph: request.morph.map(|t| clamp(t, -0.5, 1.5)),
        ..request
    };
    *START.lock().unwrap_or_else(|e| e.into_inner()) = Some(request);
}

fn take_start() -> Option<StartRequest> {
    START.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Builds the editor for the plug-in.
pub fn create(
    params: Arc<SemanticEqParams>,
    state: Arc<EguiEditorState>,
    repaint: RepaintNotifier,
    live: triple_buffer::Output<LiveView>,
    analyser: analyser::Analyser,
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
        EditorApp::new(params, live, Some(executor)).with_analyser(analyser),
    )
}

/// One end of the morph line, as the editor draws it.
struct MorphEnd {
    at: [f32; 2],
    name: String,
    present: bool,
    user: bool,
    shown: bool,
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

/// Where the last frame put things (for the tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    /// The header's title and subtitle.
    pub title: Rect,
    /// The mode selector's segments: pad, morph, manual.
    pub modes: [Rect; 3],
    pub bypass: Rect,
    pub left: Rect,
    pub right: Rect,
    /// The pad's square.
    pub pad: Rect,
    /// Under the pad: the warm ↔ bright slider (pad and manual mode)…
    pub x_slider: Option<Rect>,
    /// … or the morph row (morph mode).
    pub morph: Option<MorphRow>,
    /// The curve's well.
    pub plot: Rect,
    /// "Edit this curve" (pad and morph mode).
    pub edit: Option<Rect>,
    /// The bands' readout cards.
    pub cards: [Rect; BAND_COUNT],
    /// Each card's frequency, gain and Q lines.
    pub readout_rows: [[Rect; 3]; BAND_COUNT],
    pub controls: Rect,
    /// The amount, output and mix bars.
    pub bars: [Rect; 3],
    /// The analyser's show button.
    pub analyser: Option<Rect>,
    /// The right edge of the analyser's buttons (the words line keeps
    /// clear of them).
    pub analyser_right: f32,
    /// The A/B segments and the copy button.
    pub ab: [Rect; 3],
    /// Each band card's solo button.
    pub solo: [Rect; BAND_COUNT],
    /// The curve → words line (once the audio reports the EQ).
    pub words: Option<Rect>,
    pub footer: Rect,
}

impl Default for Placed {
    fn default() -> Self {
        let r = Rect::NOTHING;
        Self {
            title: r,
            modes: [r; 3],
            bypass: r,
            left: r,
            right: r,
            pad: r,
            x_slider: None,
            morph: None,
            plot: r,
            edit: None,
            cards: [r; BAND_COUNT],
            readout_rows: [[r; 3]; BAND_COUNT],
            controls: r,
            bars: [r; 3],
            analyser: None,
            analyser_right: f32::NEG_INFINITY,
            ab: [r; 3],
            solo: [r; BAND_COUNT],
            words: None,
            footer: r,
        }
    }
}

/// An "edit this curve" waiting for the audio thread to reach the point
/// the start request asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PendingEdit {
    /// The requested pad point and mode, when given.
    pad: Option<[f32; 2]>,
    mode: Option<ModeChoice>,
    /// Bands to switch off after the copy.
    bands_off: [bool; BAND_COUNT],
    /// When the wait started (egui time), once a frame has run.
    since: Option<f64>,
}

/// The manual parameter behind a band's readout line (none for the
/// bars' keys, or a shelf's fixed Q).
fn typed_param(params: &SemanticEqParams, key: TypeKey) -> Option<&FloatParam> {
    let index = match key {
        TypeKey::Freq(b) => BANDS[b].freq_index,
        TypeKey::Gain(b) => BANDS[b].gain_index,
        TypeKey::Q(b) => BANDS[b].q_index?,
        TypeKey::Amount | TypeKey::Out | TypeKey::Mix => return None,
    };
    Some(params.manual.eq()[index])
}

/// The editor's state between frames.
pub struct EditorApp {
    params: Arc<SemanticEqParams>,
    live: triple_buffer::Output<LiveView>,
    executor: Option<AsyncExecutor<SemanticEq>>,
    gui: Option<GuiContext>,
    curve: CurveCache,
    drag: Drag,
    /// The value being typed, if a field is open.
    typing: TypeIn,
    /// The spectrum analyser's editor end (absent in tests that do not
    /// need one).
    analyser: Option<analyser::Analyser>,
    model: ModelView,
    /// The user's words and the panel's state.
    words: words::WordsView,
    placed: Placed,
    pending_edit: Option<PendingEdit>,
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
            words: words::WordsView::new(&params.words),
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
            typing: TypeIn::default(),
            analyser: None,
            placed: Placed::default(),
            pending_edit: None,
        }
    }

    /// The editor with its analyser.
    pub fn with_analyser(mut self, analyser: analyser::Analyser) -> Self {
        self.analyser = Some(analyser);
        self
    }

    /// The curve's plot with the analyser's spectra behind it (after taking
    /// what the audio thread sent since the last frame) and its buttons;
    /// sets `placed.plot`.
    fn plot(&mut self, ui: &mut Ui, outer: Rect, look: curve::Look, sample_rate: f32) {
        use analyser::Show;
        let dt = ui.input(|i| i.stable_dt).min(0.25);
        let mut spectra = Vec::with_capacity(2);
        if let Some(an) = self.analyser.as_mut() {
            an.update(sample_rate, dt);
            if an.show != Show::Off {
                // The audio keeps coming whether or not the curve moves.
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(33));
            }
        }
        if let Some(an) = self.analyser.as_ref() {
            // Post filled, pre as a line over it (filled when alone).
            if matches!(an.show, Show::Post | Show::Both) {
                spectra.push((
                    an.freqs(),
                    an.level(false),
                    an.peak(false),
                    theme::SPECTRUM_POST,
                    true,
                ));
            }
            if matches!(an.show, Show::Pre | Show::Both) {
                spectra.push((
                    an.freqs(),
                    an.level(true),
                    an.peak(true),
                    theme::SPECTRUM_PRE,
                    an.show == Show::Pre,
                ));
            }
        }
        self.placed.plot = curve::show_plot(ui, outer, &self.curve, look, &spectra);
        self.analyser_buttons(ui, self.placed.plot);
    }

    /// The analyser's two buttons in the plot's top-left corner: what it
    /// shows (off, post, pre, both) and its slope.
    fn analyser_buttons(&mut self, ui: &mut Ui, plot: Rect) {
        let Some(an) = self.analyser.as_mut() else {
            return;
        };
        let show = Rect::from_min_size(plot.min + vec2(8.0, 6.0), vec2(150.0, 20.0));
        if controls::button(ui, show, an.show.label(), true)
            .on_hover_text("What the analyser shows: the audio after the EQ, before it, or both")
            .clicked()
        {
            an.show = an.show.next();
        }
        let slope = Rect::from_min_size(show.right_top() + vec2(6.0, 0.0), vec2(84.0, 20.0));
        let label = format!("{:.1} dB/oct", an.slope_db_per_oct);
        if an.show != analyser::Show::Off
            && controls::button(ui, slope, &label, true)
                .on_hover_text(
                    "Slope added to the spectrum: 3 dB/oct shows pink noise flat, \
                     4.5 dB/oct (Pro-Q's default) typical music",
                )
                .clicked()
        {
            an.slope_db_per_oct = if an.slope_db_per_oct == analyser::DEFAULT_SLOPE_DB_PER_OCT {
                analyser::PRO_Q_SLOPE_DB_PER_OCT
            } else {
                analyser::DEFAULT_SLOPE_DB_PER_OCT
            };
        }
        self.placed.analyser = Some(show);
        self.placed.analyser_right = if an.show != analyser::Show::Off {
            slope.right()
        } else {
            show.right()
        };
    }

    /// One frame, given the window's root `Ui`.
    fn frame(&mut self, ui: &mut Ui) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        let live = self.refresh();
        self.run_pending_edit(ui, &setter, &live);
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

    /// Applies a start request's gestures (the window just opened).
    fn apply_start(&mut self, setter: &ParamSetter, request: StartRequest) {
        let p = &self.params;
        if let Some([x, y]) = request.pad {
            controls::gesture_exact(setter, &p.x, x);
            controls::gesture_exact(setter, &p.y, y);
        }
        if let Some(d) = request.from {
            controls::gesture(setter, &p.from, d);
        }
        if let Some(d) = request.to {
            controls::gesture(setter, &p.to, d);
        }
        for (word, param, other) in [
            (&request.from_word, &p.from, &p.to),
            (&request.to_word, &p.to, &p.from),
        ] {
            let Some(word) = word else { continue };
            match p.words.assign(word, [other.value().user_slot(), None]) {
                Some(slot) => controls::gesture(setter, param, Descriptor::user(slot)),
                None => nice_error!("\u{201c}{word}\u{201d} is not in your words"),
            }
        }
        self.words.open = request.words_panel;
        if let Some(t) = request.morph {
            controls::gesture_exact(setter, &p.morph, t);
        }
        if let Some(m) = request.mode {
            controls::gesture(setter, &p.mode, m);
        }
        if let (Some(show), Some(an)) = (request.analyser, self.analyser.as_mut()) {
            an.show = show;
        }
        if request.edit_curve {
            self.pending_edit = Some(PendingEdit {
                pad: request.pad,
                mode: request.mode,
                bands_off: request.bands_off,
                since: None,
            });
        } else {
            self.switch_off(setter, request.bands_off);
        }
        if let (Some([x, y]), Some(gui)) = (request.ab_b, self.gui.clone()) {
            crate::compare::switch(p, &gui);
            controls::gesture_exact(setter, &p.x, x);
            controls::gesture_exact(setter, &p.y, y);
        }
        p.solo.set(request.solo);
    }

    /// Switches the manual bands marked in `off` off, a gesture each.
    fn switch_off(&self, setter: &ParamSetter, off: [bool; BAND_COUNT]) {
        for (on, off) in self.params.manual.on().into_iter().zip(off) {
            if off && on.value() {
                controls::gesture(setter, on, false);
            }
        }
    }

    /// Runs a requested "edit this curve" once the audio thread decodes the
    /// requested point (or after [`EDIT_WAIT_S`]).
    fn run_pending_edit(&mut self, ui: &Ui, setter: &ParamSetter, live: &LiveView) {
        let Some(mut pending) = self.pending_edit else {
            return;
        };
        let now = ui.input(|i| i.time);
        let since = *pending.since.get_or_insert(now);
        self.pending_edit = Some(pending);
        let p = &self.params;
        let mode = pending.mode.unwrap_or_else(|| p.mode.value());
        let expect = match mode {
            ModeChoice::Morph => {
                let line = self.morph_line();
                Some(line.at(p.morph.value()))
            }
            ModeChoice::Pad => Some(pending.pad.unwrap_or([p.x.value(), p.y.value()])),
            ModeChoice::Manual => None,
        };
        let reached = live.valid
            && expect.is_none_or(|[x, y]| {
                (live.latent[0] - x).abs() < 1e-5 && (live.latent[1] - y).abs() < 1e-5
            });
        if reached || now - since > EDIT_WAIT_S {
            let off = pending.bands_off;
            self.pending_edit = None;
            if live.valid {
                self.edit_curve(setter, &live.source_eq);
            }
            self.switch_off(setter, off);
        } else {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    /// Double-click on a band's frequency, gain or Q line opens a field to
    /// type it. Outside manual mode (`source` is the EQ playing) it first
    /// does "Edit this curve", so the value typed lands on the manual band
    /// that now holds what was playing.
    fn readout_type_ins(
        &mut self,
        ui: &mut Ui,
        setter: &ParamSetter,
        rows: [[Rect; 3]; BAND_COUNT],
        source: Option<&EqParams>,
    ) {
        self.placed.readout_rows = rows;
        let manual = self.params.mode.value() == ModeChoice::Manual;
        for (b, lines) in rows.iter().enumerate() {
            let keys = [TypeKey::Freq(b), TypeKey::Gain(b), TypeKey::Q(b)];
            for (&rect, key) in lines.iter().zip(keys) {
                if typed_param(&self.params, key).is_none() || rect == Rect::NOTHING {
                    continue;
                }
                let response = ui.interact(
                    rect,
                    egui::Id::unique(("semantic-eq-readout", key)),
                    egui::Sense::click(),
                );
                if response.double_clicked() {
                    if !manual && let Some(eq) = source {
                        self.edit_curve(setter, eq);
                    }
                    if manual || source.is_some() {
                        self.typing.open(key);
                    }
                }
                response.on_hover_text("Double-click to type a value");
                let params = self.params.clone();
                if let Some(param) = typed_param(&params, key) {
                    controls::type_in(ui, setter, &mut self.typing, key, param, rect);
                }
            }
        }
    }

    /// "Edit this curve": the EQ the controls stand for (before amount)
    /// into the 13 manual parameters, every band switched on, then manual
    /// mode, each a gesture. The parameters go first, so the switch to
    /// manual (which the engine crossfades) finds them in place: the sound
    /// does not jump.
    fn edit_curve(&self, setter: &ParamSetter, source: &EqParams) {
        let m = &self.params.manual;
        for ((param, spec), v) in m.eq().into_iter().zip(&PARAMS).zip(source.to_array()) {
            let v = (v as f32).clamp(spec.min as f32, spec.max as f32);
            controls::gesture_exact(setter, param, v);
        }
        for on in m.on() {
            if !on.value() {
                controls::gesture(setter, on, true);
            }
        }
        controls::gesture(setter, &self.params.mode, ModeChoice::Manual);
    }

    /// Picks up a new live value and a changed model status.
    fn refresh(&mut self) -> LiveView {
        let live = *self.live.read();
        let generation = self.params.model.generation();
        if generation != self.model.generation {
            self.model.generation = generation;
            self.model.status = self.params.model.status();
            self.model.loading = false;
            if self.model.status.error.is_none() {
                self.model.path = self.model.status.path.clone();
            }
        }
        self.words.refresh(&self.params.words);
        live
    }

    /// The morph line of the model playing: the `from` and `to`
    /// landmarks (for a *user word* slot, its word's landmark), the centre
    /// for a descriptor the model has none for or a word the library
    /// lacks (as the plug-in does).
    fn morph_line(&self) -> MorphLine {
        let (from, to) = (self.params.from.value(), self.params.to.value());
        let (a, b) = (self.morph_end(from), self.morph_end(to));
        MorphLine {
            ends: [a.at, b.at],
            names: [a.name, b.name],
            present: [a.present, b.present],
            user: [a.user, b.user],
            shown: [a.shown, b.shown],
        }
    }

    /// Where a `from`/`to` choice puts its end of the morph line.
    fn morph_end(&self, d: Descriptor) -> MorphEnd {
        match d.user_slot() {
            Some(slot) => {
                let word = &self.words.status.slots[slot];
                let mark = self
                    .words
                    .status
                    .landmarks
                    .iter()
                    .find(|l| !word.is_empty() && l.name == *word);
                MorphEnd {
                    at: mark.map_or([0.0, 0.0], |l| [l.x, l.y]),
                    name: if word.is_empty() {
                        format!("{} (empty)", d.name())
                    } else {
                        word.clone()
                    },
                    present: mark.is_some(),
                    user: true,
                    shown: mark.is_some(),
                }
            }
            None => {
                let mark = d.find_in(&self.model.status.landmarks);
                MorphEnd {
                    at: mark.map_or([0.0, 0.0], |l| [l.x, l.y]),
                    name: d.name().to_string(),
                    present: mark.is_some(),
                    user: false,
                    shown: mark.is_some_and(|l| l.count >= pad::MIN_LANDMARK_COUNT),
                }
            }
        }
    }

    /// Sends a change of the user's words to the background task (done
    /// here when there is none: the tests).
    fn words_request(&mut self, request: words_slot::WordRequest) {
        self.params.words.request(request);
        match &self.executor {
            Some(executor) => executor.execute_background(Task::Words),
            None => self.params.words.run_requested(),
        }
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
            Target::Rail | Target::Morph => setter.end_set_parameter(&p.morph),
            Target::Amount => setter.end_set_parameter(&p.amount),
            Target::Out => setter.end_set_parameter(&p.out),
            Target::Mix => setter.end_set_parameter(&p.mix),
            Target::Band(_) | Target::Q(_) => manual::end_drag(setter, &mut self.drag, &p.manual),
        }
        self.drag.target = None;
    }

    /// The whole window.
    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter, live: &LiveView) {
        let mode = self.params.mode.value();
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

        // Left card: the pad and, under it, the slider or the morph row.
        // The pad is square; the card is as wide as it needs.
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
        self.placed.left = left;
        self.placed.right = right;

        let li = left.shrink(CARD_PAD);
        let title = Rect::from_min_size(li.min, vec2(li.width(), TITLE_H));
        let line = self.morph_line();
        match mode {
            ModeChoice::Pad | ModeChoice::Manual => {
                let shown_x = self.drag_or(Target::Pad, 0, Target::X, &self.params.x);
                let shown_y = self.drag_or(Target::Pad, 1, Target::Pad, &self.params.y);
                let note = if mode == ModeChoice::Manual {
                    "not playing: manual EQ".to_string()
                } else {
                    format!(
                        "{}  ·  {}",
                        format_x(self.params.x.preview_plain(shown_x)),
                        format_y(self.params.y.preview_plain(shown_y))
                    )
                };
                title_row(ui, title, "PAD", &note, theme::TEXT_DIM);
            }
            ModeChoice::Morph => {
                let norm = match self.drag.target {
                    Some(Target::Rail | Target::Morph) => self.drag.norm[0],
                    _ => self.params.morph.unmodulated_normalized_value(),
                };
                let missing: Vec<String> = (0..2)
                    .filter(|&i| !line.present[i])
                    .map(|i| {
                        let lacks = if line.user[i] {
                            "not in your words"
                        } else {
                            "not in this model"
                        };
                        format!("{} {lacks}", line.names[i])
                    })
                    .collect();
                let (note, colour) = if missing.is_empty() {
                    (
                        format!(
                            "{} from {} to {}",
                            format_morph(self.params.morph.preview_plain(norm)),
                            line.names[0],
                            line.names[1]
                        ),
                        theme::TEXT_DIM,
                    )
                } else {
                    (
                        format!("{}: at the centre", missing.join(", ")),
                        theme::ERROR,
                    )
                };
                title_row(ui, title, "MORPH", &note, colour);
            }
        }
        let pad_outer = Rect::from_min_size(
            Pos2::new(li.left(), li.top() + TITLE_H),
            vec2(side + axis_w, side),
        );
        let pad_mode = match mode {
            ModeChoice::Pad => PadMode::Pad,
            ModeChoice::Morph => PadMode::Morph(line.clone()),
            ModeChoice::Manual => PadMode::Manual,
        };
        let landmarks = &self.model.status.landmarks;
        self.placed.pad = pad::show(
            ui,
            pad_outer,
            setter,
            &mut self.drag,
            &self.params,
            landmarks,
            &self.words.status.landmarks,
            self.model.status.density.as_ref(),
            live.valid.then_some(live.latent),
            &pad_mode,
        );
        let under = Rect::from_min_size(
            Pos2::new(pad_outer.left() + axis_w, pad_outer.bottom() + 8.0),
            vec2(side, slider_h),
        );
        let p = self.params.clone();
        if mode == ModeChoice::Morph {
            let presence: Vec<bool> = (0..Descriptor::variants().len())
                .map(|i| self.morph_end(Descriptor::from_index(i)).present)
                .collect();
            let present = |d: Descriptor| presence[d.to_index()];
            let status = &self.words.status;
            let row = controls::morph_row(
                ui,
                setter,
                &mut self.drag,
                &p.morph,
                &p.from,
                &p.to,
                under,
                &present,
                &p.words,
                status,
            );
            self.placed.morph = Some(row);
            self.placed.x_slider = None;
        } else {
            let leave_manual = || {
                if mode == ModeChoice::Manual {
                    controls::gesture(setter, &p.mode, ModeChoice::Pad);
                }
            };
            controls::x_slider(
                ui,
                setter,
                &mut self.drag,
                &p.x,
                under,
                &leave_manual,
                mode == ModeChoice::Manual,
            );
            self.placed.x_slider = Some(under);
            self.placed.morph = None;
        }

        // Right card: curve, band readouts, output controls.
        let ri = right.shrink(CARD_PAD);
        let title = Rect::from_min_size(ri.min, vec2(ri.width(), TITLE_H));
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
        let plot_outer = Rect::from_min_max(
            Pos2::new(ri.left(), ri.top() + TITLE_H),
            Pos2::new(ri.right(), readouts.top() - 10.0),
        );
        let plot = curve::plot_rect(plot_outer);
        let cards = curve::readout_cards(readouts);
        let bypassed = self.params.bypass.value();
        if mode == ModeChoice::Manual {
            self.placed.edit = None;
            let hint = [
                "drag a handle  ·  wheel or alt-drag: Q  ·  click a band's name: on/off",
                "drag handles  ·  wheel: Q  ·  click a band: on/off",
                "drag the handles",
            ];
            title_row_fit(ui, title, "MANUAL EQ", &hint, theme::TEXT_DIM);
            let m = &p.manual;
            let amount = p
                .amount
                .preview_plain(self.drag.shown(Target::Amount, &p.amount));
            let on = manual::switches(m);
            let sr = live.sample_rate;
            let eq = manual::shown_eq(m, &self.drag);
            self.curve
                .update(&eq.scaled_gains(f64::from(amount)), on, sr);
            let hot = manual::interact(ui, plot, &self.curve, setter, &mut self.drag, m, amount);
            let switches = manual::band_switches(ui, cards, setter, m);
            let on = switches.map(|s| s.0);
            let eq = manual::shown_eq(m, &self.drag);
            self.curve
                .update(&eq.scaled_gains(f64::from(amount)), on, sr);
            let look = curve::Look {
                bypassed,
                manual: true,
                off: on.map(|o| !o),
                hot,
            };
            self.plot(ui, plot_outer, look, live.sample_rate);
            let rows = curve::show_readouts(ui, readouts, &eq, Some(switches));
            self.readout_type_ins(ui, setter, rows, None);
        } else {
            let button_w = 128.0;
            let edit = Rect::from_min_size(
                Pos2::new(title.right() - button_w, title.top() - 1.0),
                vec2(button_w, 24.0),
            );
            let note_rect =
                Rect::from_min_max(title.min, Pos2::new(edit.left() - 12.0, title.bottom()));
            let note = if !live.valid {
                "waiting for audio"
            } else if bypassed {
                "bypassed"
            } else {
                "20 Hz – 20 kHz  ·  ±15 dB"
            };
            title_row(ui, note_rect, "EQ CURVE", note, theme::TEXT_DIM);
            let clicked = controls::button(ui, edit, "Edit this curve", live.valid)
                .on_hover_text(
                    "Copy the EQ playing (before amount) into the manual bands and switch to \
                     manual mode, to fine-tune it band by band",
                )
                .on_disabled_hover_text("Waiting for the audio thread to report the EQ")
                .clicked();
            if clicked && live.valid {
                self.edit_curve(setter, &live.source_eq);
            }
            self.placed.edit = Some(edit);
            ui.interact(
                plot,
                egui::Id::unique("semantic-eq-plot-hint"),
                egui::Sense::hover(),
            )
            .on_hover_text(
                "The EQ playing. To move its bands: \"Edit this curve\" (or the Manual mode)",
            );
            self.curve
                .update(&live.eq, [true; BAND_COUNT], live.sample_rate);
            let look = curve::Look {
                bypassed,
                ..curve::Look::default()
            };
            self.plot(ui, plot_outer, look, live.sample_rate);
            let rows = curve::show_readouts(ui, readouts, &live.eq, None);
            let source = live.valid.then_some(live.source_eq);
            self.readout_type_ins(ui, setter, rows, source.as_ref());
        }
        self.placed.solo = controls::solo_buttons(ui, cards, &self.params.solo);
        self.placed.words = live
            .valid
            .then(|| self.words_line(ui, plot, &live.source_eq));
        self.placed.cards = cards;
        self.placed.controls = controls;
        self.controls_row(ui, setter, controls);

        self.placed.footer = footer;
        self.footer(ui, footer);

        // Last, so that it lies over everything else.
        let source = live.valid.then_some(live.source_eq);
        if let Some(request) = self.words.panel(ui, source.as_ref()) {
            self.words_request(request);
        }
    }

    /// The curve → words line in the plot's top right: the three
    /// descriptors whose curves are nearest to the EQ playing (before
    /// amount, in any mode), the user's words among them, e.g. "warm
    /// 1.2 dB · crispy 2.8 dB · boomy 3.1 dB". Each candidate's curve is
    /// worked out when the model or the library changes
    /// ([`words_slot::WordsStatus::candidates`]); this is a few hundred
    /// curves' worth of subtractions per frame at most. The user's words
    /// are in their own colour.
    fn words_line(&self, ui: &Ui, plot: Rect, eq: &EqParams) -> Rect {
        let near = semantic_eq_model::words::nearest_of(&self.words.status.candidates, eq, 3);
        let font = theme::font(theme::SMALL);
        let mut job = egui::text::LayoutJob::default();
        let mut add = |text: &str, colour: Color32| {
            job.append(
                text,
                0.0,
                egui::TextFormat {
                    font_id: font.clone(),
                    color: colour,
                    ..Default::default()
                },
            );
        };
        if near.is_empty() {
            add("no landmarks in this model", theme::TEXT_DIM);
        } else {
            add("≈ ", theme::TEXT_DIM);
            for (i, n) in near.iter().enumerate() {
                if i > 0 {
                    add(" · ", theme::TEXT_DIM);
                }
                let c = if n.user {
                    theme::USER_WORD
                } else {
                    theme::TEXT_DIM
                };
                add(&n.name, c);
                add(&format!(" {:.1} dB", n.distance_db), theme::TEXT_DIM);
            }
        }
        let painter = ui.painter_at(plot);
        let galley = painter.layout_job(job);
        let mut at = Pos2::new(plot.right() - 8.0 - galley.size().x, plot.top() + 8.0);
        // Beside the analyser's buttons where it fits, else under them.
        if at.x - 6.0 < self.placed.analyser_right + 8.0 {
            at.y += 26.0;
        }
        let rect = Rect::from_min_size(at, galley.size()).expand2(vec2(6.0, 3.0));
        painter.rect_filled(rect, 4.0, theme::alpha(theme::WELL, 0.85));
        painter.galley(at, galley, theme::TEXT_DIM);
        ui.interact(
            rect,
            egui::Id::unique("semantic-eq-words"),
            egui::Sense::hover(),
        )
        .on_hover_text(
            "The descriptors nearest to the EQ playing (before amount), your own words \
             (in colour) among them: each one's curve is the model's EQ at its landmark; \
             the distance is the mean difference of the two curves, 20 Hz – 20 kHz",
        );
        rect
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
        let bypass = Rect::from_min_size(
            Pos2::new(rect.right() - 118.0, rect.top() + 2.0),
            vec2(118.0, 30.0),
        );
        let modes = Rect::from_min_size(
            Pos2::new(bypass.left() - 16.0 - 3.0 * 78.0, rect.top() + 2.0),
            vec2(3.0 * 78.0, 30.0),
        );
        let ab = Rect::from_min_size(
            Pos2::new(modes.left() - 16.0 - 112.0, rect.top() + 2.0),
            vec2(112.0, 30.0),
        );
        let words = Rect::from_min_size(
            Pos2::new(ab.left() - 16.0 - 104.0, rect.top() + 2.0),
            vec2(104.0, 30.0),
        );
        let t = painter.text(
            Pos2::new(rect.left(), rect.center().y),
            Align2::LEFT_CENTER,
            "Semantic EQ",
            theme::font(theme::TITLE),
            theme::TEXT,
        );
        // The subtitle, where it fits.
        let sub = painter.layout_no_wrap(
            "five bands, steered from warm to bright".to_string(),
            theme::font(theme::BODY),
            theme::TEXT_DIM,
        );
        let sub_at = Pos2::new(t.right() + 14.0, rect.center().y + 2.0 - sub.size().y * 0.5);
        let mut title = t;
        if sub_at.x + sub.size().x + 16.0 <= words.left() {
            title = title.union(Rect::from_min_size(sub_at, sub.size()));
            painter.galley(sub_at, sub, theme::TEXT_DIM);
        }
        self.placed.title = title;
        self.placed.modes = controls::mode_selector(ui, setter, &self.params.mode, modes);
        self.words.button(ui, words);
        if let Some(gui) = self.gui.clone() {
            self.placed.ab = controls::ab_compare(ui, &gui, &self.params, ab);
        }
        self.placed.bypass = bypass;
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
        self.placed.bars[0] = controls::value_bar(
            ui,
            setter,
            &mut self.drag,
            &mut self.typing,
            TypeKey::Amount,
            Target::Amount,
            &p.amount,
            "Amount",
            cell(0),
            false,
        );
        self.placed.bars[1] = controls::value_bar(
            ui,
            setter,
            &mut self.drag,
            &mut self.typing,
            TypeKey::Out,
            Target::Out,
            &p.out,
            "Output",
            cell(1),
            true,
        );
        self.placed.bars[2] = controls::value_bar(
            ui,
            setter,
            &mut self.drag,
            &mut self.typing,
            TypeKey::Mix,
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
fn title_row(ui: &Ui, rect: Rect, title: &str, note: &str, colour: Color32) {
    title_row_fit(ui, rect, title, &[note], colour);
}

/// A card's title on the left and, on the right, the first of `notes` that
/// fits beside it (the last one, clipped, if none does).
fn title_row_fit(ui: &Ui, rect: Rect, title: &str, notes: &[&str], colour: Color32) {
    let painter = ui.painter_at(rect);
    let t = painter.text(
        Pos2::new(rect.left(), rect.top() + 2.0),
        Align2::LEFT_TOP,
        title,
        theme::font(theme::HEADING),
        theme::TEXT_FAINT,
    );
    let room = rect.right() - t.right() - 16.0;
    let font = theme::font(theme::SMALL + 1.0);
    let mut chosen = None;
    for note in notes {
        let g = painter.layout_no_wrap((*note).to_string(), font.clone(), colour);
        if g.size().x <= room {
            chosen = Some(g);
            break;
        }
    }
    let g = chosen.unwrap_or_else(|| {
        let last = notes.last().copied().unwrap_or("");
        painter.layout_no_wrap(last.to_string(), font, colour)
    });
    painter.galley(
        Pos2::new(rect.right() - g.size().x, rect.top() + 3.0),
        g,
        colour,
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
        // Before the start request: its A/B switch needs the context.
        self.gui = Some(gui.clone());
        if let Some(request) = take_start() {
            self.apply_start(&gui.param_setter(), request);
        }
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut Frame) {
        self.frame(ui);
    }
}
