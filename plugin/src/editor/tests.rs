//! Headless editor tests: egui frames without a window, against a mock host
//! context that records parameter gestures.

use super::*;
use controls::FINE;
use egui::Vec2;
use nice_plug::context::PluginApi;
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::PluginState;
use semantic_eq_model::{BAND_COUNT, EqParams, PARAMS, cascade_magnitude_db};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq)]
enum Ev {
    Begin(String),
    Set(String, f32),
    End(String),
}

/// A host that records gestures and applies values at once.
struct Host {
    params: Arc<SemanticEqParams>,
    events: Mutex<Vec<Ev>>,
}

impl Host {
    fn id(&self, ptr: ParamPtr) -> String {
        self.params
            .param_map()
            .into_iter()
            .find(|(_, p, _)| *p == ptr)
            .map(|(id, _, _)| id)
            .expect("a parameter of ours")
    }
    fn take(&self) -> Vec<Ev> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

impl nice_plug::prelude::GuiContextInner for Host {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        let id = self.id(param);
        self.events.lock().unwrap().push(Ev::Begin(id));
    }
    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        let id = self.id(param);
        // SAFETY: `param` comes from the rig's parameters, which outlive
        // the editor that calls this.
        unsafe { param._internal_set_normalized_value(normalized) };
        self.events.lock().unwrap().push(Ev::Set(id, normalized));
    }
    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        let id = self.id(param);
        self.events.lock().unwrap().push(Ev::End(id));
    }
    fn get_state(&self) -> PluginState {
        unimplemented!("not used by the editor")
    }
    fn set_state(&self, _state: PluginState) {}
    fn request_restart(&self) {}
}

struct Rig {
    ctx: egui::Context,
    app: EditorApp,
    host: Arc<Host>,
    input: triple_buffer::Input<LiveView>,
    time: f64,
    pointer: Pos2,
    mods: egui::Modifiers,
    size: Vec2,
    /// Keep the last frame's shapes in `shapes` (off for the cost test).
    keep_shapes: bool,
    shapes: Vec<egui::epaint::ClippedShape>,
    /// The analyser's audio end, as the plug-in's `process()` holds it.
    tap: analyser::Tap,
}

impl Rig {
    fn new() -> Self {
        Self::with_params(Arc::new(SemanticEqParams::default()))
    }

    /// An editor whose plug-in keeps its words in `library`.
    fn with_library(library: &std::path::Path) -> Self {
        Self::with_params(Arc::new(SemanticEqParams::with_library(Some(
            library.to_path_buf(),
        ))))
    }

    fn with_params(params: Arc<SemanticEqParams>) -> Self {
        let (input, output) = triple_buffer::triple_buffer(&LiveView::default());
        let host = Arc::new(Host {
            params: params.clone(),
            events: Mutex::new(Vec::new()),
        });
        let (mut tap, an) = analyser::pair(default_state());
        tap.force_open = Some(true);
        let mut app = EditorApp::new(params, output, None).with_analyser(an);
        app.gui = Some(GuiContext::new(host.clone()));
        let ctx = egui::Context::default();
        theme::apply(&ctx);
        let mut rig = Self {
            ctx,
            app,
            host,
            input,
            time: 0.0,
            pointer: Pos2::ZERO,
            mods: egui::Modifiers::NONE,
            size: vec2(DEFAULT_SIZE.0, DEFAULT_SIZE.1),
            keep_shapes: true,
            shapes: Vec::new(),
            tap,
        };
        rig.run(vec![]);
        rig.run(vec![]);
        rig.host.take();
        rig
    }

    /// One frame with these input events; returns the tessellated output's
    /// primitive count (so the work is not optimised away).
    fn run(&mut self, events: Vec<egui::Event>) -> usize {
        self.time += 1.0 / 60.0;
        let raw = egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, self.size)),
            time: Some(self.time),
            events,
            ..Default::default()
        };
        let app = &mut self.app;
        let mut out = self.ctx.run_ui(raw, |ui| app.frame(ui));
        // No renderer here to upload the font atlas to.
        out.textures_delta.clear();
        if self.keep_shapes {
            self.shapes = out.shapes.clone();
        }
        self.ctx.tessellate(out.shapes, out.pixels_per_point).len()
    }

    fn move_to(&mut self, p: Pos2) {
        self.pointer = p;
        self.run(vec![egui::Event::PointerMoved(p)]);
    }

    fn button(&mut self, pressed: bool) {
        let pos = self.pointer;
        let modifiers = self.mods;
        self.run(vec![egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers,
        }]);
    }

    fn pad_point(&self, x: f32, y: f32) -> Pos2 {
        pad::to_screen(self.app.placed.pad, x, y)
    }

    fn set_mods(&mut self, mods: egui::Modifiers) {
        self.mods = mods;
        self.run(vec![egui::Event::ModifiersChanged(mods)]);
    }

    /// A click at `p`.
    fn click(&mut self, p: Pos2) {
        self.move_to(p);
        self.button(true);
        self.button(false);
        self.run(vec![]);
    }

    /// Press at `from`, move to `to` in `steps`, release.
    fn drag(&mut self, from: Pos2, to: Pos2, steps: usize) {
        self.move_to(from);
        self.button(true);
        for i in 1..=steps {
            let t = i as f32 / steps as f32;
            self.move_to(from + (to - from) * t);
        }
        self.button(false);
        self.run(vec![]);
    }

    /// Sets a parameter as the host would (outside any recorded gesture).
    fn set<P: Param>(&mut self, param: &P, plain: P::Plain) {
        let gui = self.app.gui.clone().unwrap();
        controls::gesture(&gui.param_setter(), param, plain);
        self.run(vec![]);
        self.run(vec![]);
        self.host.take();
    }

    fn set_mode(&mut self, mode: ModeChoice) {
        let params = self.app.params.clone();
        self.set(&params.mode, mode);
    }

    fn params(&self) -> Arc<SemanticEqParams> {
        self.app.params.clone()
    }

    /// The rectangles of the texts equal to `text` drawn in the last frame,
    /// in drawing order (popups come last).
    fn texts(&self, text: &str) -> Vec<Rect> {
        self.shapes
            .iter()
            .filter_map(|c| match &c.shape {
                egui::Shape::Text(t) if t.galley.text() == text => {
                    Some(t.galley.rect.translate(t.pos.to_vec2()))
                }
                _ => None,
            })
            .collect()
    }

    /// Whether any text drawn in the last frame contains `part`.
    fn shows_text(&self, part: &str) -> bool {
        self.shapes.iter().any(|c| match &c.shape {
            egui::Shape::Text(t) => t.galley.text().contains(part),
            _ => false,
        })
    }

    /// Line segments drawn in `colour` at `width` inside `within`.
    fn segments(&self, colour: egui::Color32, width: f32, within: Rect) -> Vec<[Pos2; 2]> {
        self.shapes
            .iter()
            .filter_map(|c| match &c.shape {
                egui::Shape::LineSegment { points, stroke }
                    if stroke.color == colour
                        && stroke.width == width
                        && within.expand(1.0).contains(points[0])
                        && within.expand(1.0).contains(points[1]) =>
                {
                    Some(*points)
                }
                _ => None,
            })
            .collect()
    }

    /// Writes a live view as the audio thread would.
    fn publish(&mut self, view: LiveView) {
        self.input.write(view);
        self.run(vec![]);
        self.run(vec![]);
    }
}

/// The pixel of `f` Hz, `db` dB on the curve's well, worked out here from
/// the plot's axes (20 Hz-20 kHz logarithmic, ±15 dB).
fn plot_px(plot: Rect, f: f64, db: f32) -> Pos2 {
    let t = ((f / 20.0).ln() / 1000f64.ln()) as f32;
    Pos2::new(
        plot.left() + t * plot.width(),
        plot.center().y - db / 15.0 * plot.height() / 2.0,
    )
}

/// The pixel of pad point (x, y), worked out here (x right, y up, ±1).
fn pad_px(pad: Rect, x: f32, y: f32) -> Pos2 {
    Pos2::new(
        pad.left() + (x + 1.0) / 2.0 * pad.width(),
        pad.bottom() - (y + 1.0) / 2.0 * pad.height(),
    )
}

fn only_ids(events: &[Ev]) -> Vec<String> {
    let mut ids: Vec<String> = events
        .iter()
        .map(|e| match e {
            Ev::Begin(id) | Ev::End(id) | Ev::Set(id, _) => id.clone(),
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Every set happens between its parameter's begin and end, and every
/// begin has its end.
fn well_formed(events: &[Ev]) {
    let mut open: Vec<&str> = Vec::new();
    for e in events {
        match e {
            Ev::Begin(id) => {
                assert!(!open.contains(&id.as_str()), "{id} begun twice: {events:?}");
                open.push(id);
            }
            Ev::Set(id, _) => assert!(open.contains(&id.as_str()), "{id} set outside: {events:?}"),
            Ev::End(id) => {
                let i = open.iter().position(|o| o == id);
                assert!(i.is_some(), "{id} ended but not begun: {events:?}");
                open.remove(i.unwrap());
            }
        }
    }
    assert!(open.is_empty(), "gestures left open: {open:?}");
}

fn begins_ends(events: &[Ev]) -> (Vec<String>, Vec<String>) {
    let mut b = Vec::new();
    let mut e = Vec::new();
    for ev in events {
        match ev {
            Ev::Begin(id) => b.push(id.clone()),
            Ev::End(id) => e.push(id.clone()),
            Ev::Set(..) => {}
        }
    }
    (b, e)
}

#[test]
fn dragging_the_pad_is_one_gesture_per_axis_and_lands_under_the_pointer() {
    let mut rig = Rig::new();
    assert!(
        rig.app.placed.pad.width() > 300.0,
        "{:?}",
        rig.app.placed.pad
    );
    rig.move_to(rig.pad_point(0.0, 0.0));
    rig.button(true);
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        rig.move_to(rig.pad_point(-0.5 * t, 0.3 * t));
    }
    rig.button(false);
    let events = rig.host.take();
    let (b, e) = begins_ends(&events);
    assert_eq!(b, ["x", "y"], "{events:?}");
    assert_eq!(e, ["x", "y"], "{events:?}");
    // Every set happens inside the gesture.
    let first_end = events.iter().position(|e| matches!(e, Ev::End(_))).unwrap();
    assert!(
        events[first_end..]
            .iter()
            .all(|e| !matches!(e, Ev::Set(..)))
    );
    let p = &rig.app.params;
    assert!((p.x.value() + 0.5).abs() < 0.01, "x = {}", p.x.value());
    assert!((p.y.value() - 0.3).abs() < 0.01, "y = {}", p.y.value());
}

#[test]
fn shift_drag_moves_the_pad_finely_and_double_click_recentres() {
    let mut rig = Rig::new();
    let start = rig.pad_point(0.0, 0.0);
    rig.move_to(start);
    rig.mods = egui::Modifiers::SHIFT;
    rig.run(vec![egui::Event::ModifiersChanged(rig.mods)]);
    rig.button(true);
    let side = rig.app.placed.pad.width();
    // Half the pad's width with shift: a tenth of that in value.
    for i in 1..=10 {
        rig.move_to(start + vec2(side * 0.05 * i as f32, 0.0));
    }
    rig.button(false);
    rig.mods = egui::Modifiers::NONE;
    rig.run(vec![egui::Event::ModifiersChanged(rig.mods)]);
    let x = rig.app.params.x.value();
    assert!(x > 0.02 && x < 0.2, "fine move went to {x}");
    rig.host.take();

    // Double-click anywhere on the pad: back to the centre.
    rig.move_to(rig.pad_point(0.6, -0.6));
    for _ in 0..2 {
        rig.button(true);
        rig.button(false);
    }
    rig.run(vec![]);
    let p = &rig.app.params;
    assert_eq!((p.x.value(), p.y.value()), (0.0, 0.0));
    let events = rig.host.take();
    let (b, e) = begins_ends(&events);
    assert_eq!(b.len(), e.len(), "{events:?}");
}

#[test]
fn the_bypass_toggle_is_one_gesture() {
    let mut rig = Rig::new();
    // The bypass button sits at the header's right end.
    let bypass = Pos2::new(DEFAULT_SIZE.0 - MARGIN - 50.0, MARGIN + 17.0);
    rig.move_to(bypass);
    rig.button(true);
    rig.button(false);
    assert!(rig.app.params.bypass.value());
    let events = rig.host.take();
    assert_eq!(
        events,
        [
            Ev::Begin("bypass".into()),
            Ev::Set("bypass".into(), 1.0),
            Ev::End("bypass".into())
        ]
    );
}

#[test]
fn the_layout_fits_from_the_smallest_to_a_large_window() {
    let mut rig = Rig::new();
    for size in [
        vec2(MIN_SIZE.0, MIN_SIZE.1),
        vec2(1600.0, 1000.0),
        vec2(2400.0, 900.0),
    ] {
        rig.size = size;
        rig.run(vec![]);
        rig.run(vec![]);
        let pad = rig.app.placed.pad;
        let window = Rect::from_min_size(Pos2::ZERO, size);
        assert!(window.contains_rect(pad), "{size:?}: pad {pad:?}");
        assert!(
            (pad.width() - pad.height()).abs() < 0.5,
            "pad not square: {pad:?}"
        );
        assert!(
            pad.width() > 0.4 * size.y.min(size.x),
            "{size:?}: pad {pad:?}"
        );
    }
}

#[test]
fn the_curve_is_the_cascade_response() {
    let eq = EqParams {
        ls_gain_db: 4.0,
        b2_gain_db: -6.0,
        b2_q: 2.0,
        hs_gain_db: 3.0,
        ..EqParams::default()
    };
    let mut cache = CurveCache::default();
    let on = [true; BAND_COUNT];
    assert!(cache.update(&eq, on, 48_000.0));
    assert!(
        !cache.update(&eq, on, 48_000.0),
        "unchanged input is not recomputed"
    );
    for i in (0..curve::POINTS).step_by(20) {
        let f = curve::point_freq(i);
        let want = cascade_magnitude_db(&eq, f, 48_000.0) as f32;
        assert!(
            (cache.total[i] - want).abs() < 1e-3,
            "{f} Hz: {} vs {want}",
            cache.total[i]
        );
    }
    assert!((curve::point_freq(0) - 20.0).abs() < 1e-9);
    assert!((curve::point_freq(curve::POINTS - 1) - 20_000.0).abs() < 1e-6);
    // A bell's handle sits at its gain.
    assert!(
        (cache.handles[2].1 + 6.0).abs() < 0.01,
        "{:?}",
        cache.handles[2]
    );
}

#[test]
fn landmarks_with_five_or_more_examples_are_listed() {
    let rig = Rig::new();
    let lm = &rig.app.model.status.landmarks;
    assert!(lm.iter().any(|l| l.name == "warm"));
    assert!(lm.iter().any(|l| l.name == "bright"));
}

#[test]
fn a_rejected_model_shows_its_error_and_keeps_the_name() {
    let mut rig = Rig::new();
    let before = rig.app.model.status.name.clone();
    assert!(
        rig.app
            .params
            .model
            .load("/nonexistent/model.safetensors")
            .is_err()
    );
    rig.run(vec![]);
    let st = &rig.app.model.status;
    assert_eq!(st.name, before);
    let err = st.error.as_deref().expect("an error");
    assert!(err.contains("/nonexistent/model.safetensors"), "{err}");
    assert!(!err.contains('\n'));
}

/// CPU time this thread has run, ns (Linux's schedstat), if available.
#[cfg(target_os = "linux")]
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Elsewhere the frame-cost test falls back to wall-clock time.
#[cfg(not(target_os = "linux"))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

#[test]
fn a_frame_costs_well_under_two_milliseconds() {
    let mut rig = Rig::new();
    // A moving EQ (the curve is recomputed every frame) and a moving
    // pointer over the pad: the expensive case.
    let frames = 200;
    let frame = |rig: &mut Rig, i: u32| {
        let t = f64::from(i % 100) / 100.0;
        rig.input.write(LiveView {
            eq: EqParams {
                ls_gain_db: 6.0 * t - 3.0,
                b2_gain_db: -4.0 + 8.0 * t,
                hs_gain_db: 2.0,
                ..EqParams::default()
            },
            pad: [t as f32 - 0.5, 0.2],
            latent: [t as f32 - 0.5, 0.2],
            sample_rate: 48_000.0,
            valid: true,
            ..LiveView::default()
        });
        // A 60 Hz frame's worth of 48 kHz stereo audio, before and after:
        // the analyser transforms both spectra every frame.
        let mut l: Vec<f32> = (0..800)
            .map(|k| ((k as f32 + i as f32 * 800.0) * 0.37).sin() * 0.3)
            .collect();
        let mut r = l.clone();
        rig.tap.pre(&[&mut l[..], &mut r[..]]);
        rig.tap.post(&[&mut l[..], &mut r[..]]);
        let p = rig.pad_point(t as f32 - 0.5, 0.1);
        rig.run(vec![egui::Event::PointerMoved(p)])
    };
    rig.app.analyser.as_mut().unwrap().show = analyser::Show::Both;
    for i in 0..20 {
        frame(&mut rig, i);
    }
    // CPU time, not wall time: the test machine's cores are shared.
    let cpu0 = thread_cpu_ns();
    let wall0 = Instant::now();
    let mut prims = 0;
    for i in 0..frames {
        prims += frame(&mut rig, i);
    }
    let wall = wall0.elapsed() / frames;
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Duration::from_nanos((b - a) / u64::from(frames)),
        _ => wall,
    };
    eprintln!("editor frame: {cpu:?} CPU, {wall:?} wall ({prims} primitives)");
    assert!(
        cpu < Duration::from_millis(2),
        "a frame took {cpu:?} of CPU"
    );
}

#[test]
fn the_mode_selector_is_one_gesture_and_switches_the_view() {
    let mut rig = Rig::new();
    assert!(rig.app.placed.x_slider.is_some() && rig.app.placed.morph.is_none());
    let modes = rig.app.placed.modes;
    rig.click(modes[1].center());
    assert_eq!(rig.params().mode.value(), ModeChoice::Morph);
    assert_eq!(
        rig.host.take(),
        [
            Ev::Begin("mode".into()),
            Ev::Set("mode".into(), 0.5),
            Ev::End("mode".into())
        ]
    );
    assert!(rig.app.placed.morph.is_some() && rig.app.placed.x_slider.is_none());
    assert!(rig.shows_text("MORPH"));

    rig.click(modes[2].center());
    assert_eq!(rig.params().mode.value(), ModeChoice::Manual);
    assert_eq!(
        rig.host.take(),
        [
            Ev::Begin("mode".into()),
            Ev::Set("mode".into(), 1.0),
            Ev::End("mode".into())
        ]
    );
    assert!(
        rig.app.placed.edit.is_none(),
        "no 'edit this curve' in manual"
    );
    assert!(rig.shows_text("MANUAL EQ"));

    // The mode already chosen: nothing to tell the host.
    rig.click(modes[2].center());
    assert_eq!(rig.host.take(), []);
    rig.click(modes[0].center());
    assert_eq!(rig.params().mode.value(), ModeChoice::Pad);
    assert!(rig.app.placed.edit.is_some());
}

#[test]
fn the_morph_slider_is_one_gesture_and_lands_under_the_pointer() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Morph);
    let track = rig.app.placed.morph.unwrap().track;
    // −50 % at the left end, 150 % at the right: 50 % (the default) at
    // the middle, 100 % three quarters of the way.
    let at = |pct: f32| {
        Pos2::new(
            track.left() + (pct + 50.0) / 200.0 * track.width(),
            track.center().y,
        )
    };
    rig.drag(at(50.0), at(100.0), 10);
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(only_ids(&events), ["morph"], "{events:?}");
    let (b, _) = begins_ends(&events);
    assert_eq!(b, ["morph"]);
    let m = rig.params().morph.value();
    assert!((m - 1.0).abs() < 0.01, "morph = {m}");
    assert!(rig.shows_text("100 % from warm to bright"));

    // Double-click: back to 50 %.
    rig.move_to(at(120.0));
    for _ in 0..2 {
        rig.button(true);
        rig.button(false);
    }
    rig.run(vec![]);
    assert_eq!(rig.params().morph.value(), 0.5);
    well_formed(&rig.host.take());
}

#[test]
fn the_descriptor_choices_say_what_the_model_lacks_and_pick_with_one_gesture() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Morph);
    // A model with no "muddy" landmark.
    rig.app
        .model
        .status
        .landmarks
        .retain(|l| l.name != Descriptor::Muddy.name());
    let row = rig.app.placed.morph.unwrap();
    rig.click(row.from.center());
    rig.run(vec![]);
    assert!(
        rig.shows_text("muddy  (not in this model)"),
        "the list marks the missing descriptor"
    );
    assert!(!rig.shows_text("thin  (not in this model)"));
    // The list is drawn after everything else: its "thin" is the last one.
    let thin = *rig.texts("thin").last().expect("thin in the list");
    rig.click(thin.center());
    assert_eq!(rig.params().from.value(), Descriptor::Thin);
    let events = rig.host.take();
    let idx = Descriptor::Thin.to_index() as f32 / (Descriptor::variants().len() - 1) as f32;
    assert_eq!(
        events,
        [
            Ev::Begin("from".into()),
            Ev::Set("from".into(), idx),
            Ev::End("from".into())
        ]
    );

    // Choosing the missing one: the editor says it sits at the centre.
    let params = rig.params();
    rig.set(&params.to, Descriptor::Muddy);
    assert!(rig.shows_text("muddy not in this model: at the centre"));
    assert!(
        rig.shows_text("muddy (not in this model)"),
        "labelled on the pad"
    );
    let pad = rig.app.placed.pad;
    let line = rig.segments(theme::MORPH_LINE, 3.0, pad);
    assert_eq!(line.len(), 1, "{line:?}");
    assert!(line[0][1].distance(pad.center()) < 0.5, "{line:?}");
}

/// A session that stored a retired choice (`re27`, a microphone) loads
/// and plays its replacement's landmark, and the editor does not call it
/// missing.
#[test]
fn a_retired_choice_plays_its_replacement() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Morph);
    let params = rig.params();
    rig.set(&params.to, Descriptor::Re27);
    assert!(!rig.shows_text("not in this model"));
    let bright = rig
        .app
        .model
        .status
        .landmarks
        .iter()
        .find(|l| l.name == "bright")
        .cloned()
        .expect("bright is shipped");
    let pad = rig.app.placed.pad;
    let line = rig.segments(theme::MORPH_LINE, 3.0, pad);
    assert_eq!(line.len(), 1, "{line:?}");
    let end = rig.pad_point(bright.x, bright.y);
    assert!(line[0][1].distance(end) < 0.5, "{line:?} vs {end:?}");
}

#[test]
fn in_morph_mode_the_pad_draws_the_line_between_the_landmarks_and_slides_along_it() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Morph);
    let params = rig.params();
    let landmarks = rig.app.model.status.landmarks.clone();
    let landmark = |name: &str| {
        let l = landmarks.iter().find(|l| l.name == name).unwrap();
        (l.x, l.y)
    };
    for (from, to) in [
        (Descriptor::Warm, Descriptor::Bright),
        (Descriptor::Boomy, Descriptor::Thin),
    ] {
        rig.set(&params.from, from);
        rig.set(&params.to, to);
        let pad = rig.app.placed.pad;
        let (a, b) = (landmark(from.name()), landmark(to.name()));
        let (pa, pb) = (pad_px(pad, a.0, a.1), pad_px(pad, b.0, b.1));
        let line = rig.segments(theme::MORPH_LINE, 3.0, pad);
        assert_eq!(line.len(), 1, "one solid line on the pad: {line:?}");
        assert!(line[0][0].distance(pa) < 0.5, "{:?} vs {pa:?}", line[0]);
        assert!(line[0][1].distance(pb) < 0.5, "{:?} vs {pb:?}", line[0]);
    }

    // Boomy → thin, at 50 %: the point is half-way. Drag it to thin's dot,
    // then past the pad's corner (the morph stops at 150 %).
    let pad = rig.app.placed.pad;
    let (a, b) = (landmark("boomy"), landmark("thin"));
    let mid = pad_px(pad, (a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    rig.drag(mid, pad_px(pad, b.0, b.1), 10);
    let m = params.morph.value();
    assert!((m - 1.0).abs() < 0.01, "morph = {m}");
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(only_ids(&events), ["morph"]);
    assert_eq!(
        params.mode.value(),
        ModeChoice::Morph,
        "the pad stays in morph mode"
    );
    rig.drag(
        pad_px(pad, b.0, b.1),
        pad.right_bottom() - vec2(2.0, 2.0),
        10,
    );
    assert_eq!(params.morph.value(), 1.5);
    // The point drawn where the live view says the engine is decoding.
    rig.publish(LiveView {
        latent: [0.1, -0.1],
        valid: true,
        ..LiveView::default()
    });
    assert!(rig.app.placed.pad.contains(pad_px(pad, 0.1, -0.1)));
}

#[test]
fn touching_the_pad_in_manual_mode_switches_back_to_pad_mode() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Manual);
    assert!(
        rig.shows_text("Manual EQ"),
        "the pad says it is not playing"
    );
    rig.click(rig.pad_point(0.3, -0.2));
    let events = rig.host.take();
    assert_eq!(
        events[..3],
        [
            Ev::Begin("mode".into()),
            Ev::Set("mode".into(), 0.0),
            Ev::End("mode".into())
        ],
        "{events:?}"
    );
    well_formed(&events);
    assert_eq!(only_ids(&events), ["mode", "x", "y"]);
    let p = rig.params();
    assert_eq!(p.mode.value(), ModeChoice::Pad);
    assert!((p.x.value() - 0.3).abs() < 0.01 && (p.y.value() + 0.2).abs() < 0.01);

    // The warm ↔ bright slider too.
    rig.set_mode(ModeChoice::Manual);
    let slider = rig.app.placed.x_slider.unwrap();
    rig.click(Pos2::new(slider.center().x + 40.0, slider.center().y));
    assert_eq!(p.mode.value(), ModeChoice::Pad);
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(only_ids(&events), ["mode", "x"]);
}

#[test]
fn dragging_a_bell_handle_sets_its_frequency_and_gain_under_the_pointer() {
    let mut rig = Rig::new();
    let p = rig.params();
    rig.set(&p.manual.b2_freq_hz, 400.0);
    rig.set(&p.manual.b2_gain_db, -3.0);
    rig.set_mode(ModeChoice::Manual);
    let plot = rig.app.placed.plot;
    rig.drag(plot_px(plot, 400.0, -3.0), plot_px(plot, 1000.0, 6.0), 12);
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(only_ids(&events), ["b2_f", "b2_g"], "{events:?}");
    let (b, e) = begins_ends(&events);
    assert_eq!((b.len(), e.len()), (2, 2), "one gesture per parameter");
    let (f, g) = (p.manual.b2_freq_hz.value(), p.manual.b2_gain_db.value());
    assert!((f - 1000.0).abs() < 5.0, "freq {f}");
    assert!((g - 6.0).abs() < 0.05, "gain {g}");
    // The handle is drawn where it was dropped.
    let handle = curve::Axes(plot).handle(&rig.app.curve, 2);
    assert!(
        handle.distance(plot_px(plot, 1000.0, 6.0)) < 1.0,
        "{handle:?}"
    );

    // A shelf's handle sits on its curve at the corner, half its gain:
    // dragged to +3 dB there, the shelf gains 6 dB.
    let ls = plot_px(plot, 100.0, 0.0);
    rig.drag(ls, plot_px(plot, 100.0, 3.0), 8);
    let g = p.manual.ls_gain_db.value();
    assert!((g - 6.0).abs() < 0.05, "shelf gain {g}");
    assert!((p.manual.ls_freq_hz.value() - 100.0).abs() < 0.5);
    let (_, db) = rig.app.curve.handles[0];
    assert!((db - 3.0).abs() < 0.05, "shelf handle at {db} dB");
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(
        only_ids(&events),
        ["ls_g"],
        "a vertical drag touches the gain only"
    );

    // Shift: a tenth of the travel.
    rig.set_mods(egui::Modifiers::SHIFT);
    let start = curve::Axes(plot).handle(&rig.app.curve, 2);
    rig.drag(start, start + vec2(0.0, -100.0), 10);
    rig.set_mods(egui::Modifiers::NONE);
    let g = p.manual.b2_gain_db.value();
    let want = 6.0 + 100.0 / FINE / (plot.height() / 2.0) * 15.0;
    assert!((g - want).abs() < 0.05, "fine gain {g}, want {want}");

    // Double-click on a handle: 0 dB.
    let h = curve::Axes(plot).handle(&rig.app.curve, 2);
    rig.move_to(h);
    for _ in 0..2 {
        rig.button(true);
        rig.button(false);
    }
    rig.run(vec![]);
    assert_eq!(p.manual.b2_gain_db.value(), 0.0);
}

#[test]
fn the_wheel_or_an_alt_drag_over_a_bell_sets_its_q() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Manual);
    let p = rig.params();
    let plot = rig.app.placed.plot;
    let wheel = |lines: f32| egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: vec2(0.0, lines),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    };
    // Bell 1 at 250 Hz, Q 1.
    rig.move_to(plot_px(plot, 250.0, 0.0));
    rig.run(vec![wheel(1.0)]);
    let q = p.manual.b1_q.value();
    let want = 2f32.powf(1.0 / manual::Q_NOTCHES_PER_OCTAVE);
    assert!((q - want).abs() < 1e-3, "Q {q}, want {want}");
    assert_eq!(
        rig.host.take(),
        [
            Ev::Begin("b1_q".into()),
            Ev::Set("b1_q".into(), p.manual.b1_q.preview_normalized(q)),
            Ev::End("b1_q".into())
        ]
    );
    rig.run(vec![wheel(-2.0)]);
    let q2 = p.manual.b1_q.value();
    assert!((q2 - q / want / want).abs() < 1e-3, "Q {q2}");
    rig.host.take();
    // Over a shelf: its Q is fixed, nothing happens.
    rig.move_to(plot_px(plot, 100.0, 0.0));
    rig.run(vec![wheel(1.0)]);
    assert_eq!(rig.host.take(), []);
    // Away from the handles: nothing either.
    rig.move_to(plot_px(plot, 600.0, -10.0));
    rig.run(vec![wheel(1.0)]);
    assert_eq!(rig.host.take(), []);

    // Alt-drag up by one octave's worth of pixels on bell 3 (4 kHz, Q 1):
    // Q doubles, frequency and gain stay.
    rig.set_mods(egui::Modifiers::ALT);
    let h = plot_px(plot, 4000.0, 0.0);
    rig.drag(h, h - vec2(6.0, manual::Q_PX_PER_OCTAVE), 8);
    rig.set_mods(egui::Modifiers::NONE);
    let q = p.manual.b3_q.value();
    assert!((q - 2.0).abs() < 0.01, "Q {q}");
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(only_ids(&events), ["b3_q"]);
    assert_eq!(p.manual.b3_freq_hz.value(), 4000.0);
    assert_eq!(p.manual.b3_gain_db.value(), 0.0);
}

/// A band card's name line: the switch's place (the value lines below
/// take double-clicks to type).
fn card_name(rig: &Rig, b: usize) -> Pos2 {
    let c = rig.app.placed.cards[b];
    Pos2::new(c.center().x, c.top() + 12.0)
}

#[test]
fn clicking_a_band_card_switches_the_band_and_greys_it() {
    let mut rig = Rig::new();
    let p = rig.params();
    rig.set(&p.manual.b2_gain_db, 6.0);
    // In pad mode the cards are read-outs only.
    rig.click(card_name(&rig, 2));
    assert_eq!(rig.host.take(), []);
    rig.set_mode(ModeChoice::Manual);
    rig.click(card_name(&rig, 2));
    assert!(!p.manual.b2_on.value());
    assert_eq!(
        rig.host.take(),
        [
            Ev::Begin("b2_on".into()),
            Ev::Set("b2_on".into(), 0.0),
            Ev::End("b2_on".into())
        ]
    );
    // The sum leaves the band out; its own curve is still there (greyed).
    let flat = EqParams::default();
    for i in (0..curve::POINTS).step_by(30) {
        let f = curve::point_freq(i);
        let want = cascade_magnitude_db(&flat, f, 48_000.0) as f32;
        assert!((rig.app.curve.total[i] - want).abs() < 1e-3, "{f} Hz");
    }
    assert!(rig.app.curve.handles[2].1 > 5.9);
    rig.click(card_name(&rig, 2));
    assert!(p.manual.b2_on.value());
}

/// A decoded EQ with nothing round about it.
fn decoded(x: f32, y: f32) -> EqParams {
    let d = semantic_eq_model::Decoder::embedded();
    let n = d.decode_normalized(x, y).map(f64::from);
    EqParams::from_normalized(&n)
}

#[test]
fn edit_this_curve_copies_the_decoded_eq_exactly_and_switches_to_manual() {
    let mut rig = Rig::new();
    let p = rig.params();
    rig.set(&p.manual.b3_on, false);
    let source = decoded(-0.48, 0.12);
    // Before audio: the button is there but does nothing.
    rig.click(rig.app.placed.edit.unwrap().center());
    assert_eq!(rig.host.take(), []);
    rig.publish(LiveView {
        eq: source.scaled_gains(1.0),
        source_eq: source,
        valid: true,
        ..LiveView::default()
    });
    rig.click(rig.app.placed.edit.unwrap().center());
    assert_eq!(p.mode.value(), ModeChoice::Manual);
    // Hosts store normalised f32 values: equal to that precision (a
    // millionth of the range), and the nearest value the host can hold.
    for (i, (param, want)) in p.manual.eq().into_iter().zip(source.to_array()).enumerate() {
        let (spec, got) = (&PARAMS[i], param.value());
        let tol = 1e-6 * (spec.max - spec.min) as f32;
        assert!(
            (got - want as f32).abs() <= tol,
            "{}: {got} vs {want}",
            spec.name
        );
        let nearest = [-1.0f32, 1.0].iter().all(|&d| {
            let n = param.unmodulated_normalized_value();
            let other = param.preview_plain(if d > 0.0 { n.next_up() } else { n.next_down() });
            (other - want as f32).abs() >= (got - want as f32).abs()
        });
        assert!(nearest, "{}: {got} is not the nearest to {want}", spec.name);
    }
    assert!(p.manual.on().iter().all(|b| b.value()));
    let events = rig.host.take();
    well_formed(&events);
    // The 13 in SAFE order, the switch that was off, the mode last.
    let (b, _) = begins_ends(&events);
    let mut want: Vec<String> = p
        .param_map()
        .into_iter()
        .map(|(id, _, _)| id)
        .filter(|id| id.ends_with("_g") || id.ends_with("_f") || id.ends_with("_q"))
        .collect();
    want.push("b3_on".into());
    want.push("mode".into());
    assert_eq!(b, want);
}

#[test]
fn edit_this_curve_does_not_move_the_sound() {
    use semantic_eq_dsp::{Control, Kernel, Processor, Settings};
    let settings = Settings {
        sample_rate: 48_000.0,
        channels: 1,
        kernel: Kernel::detect(),
    };
    let mut proc =
        Processor::new(&settings, Box::new(semantic_eq_model::Decoder::embedded())).unwrap();
    proc.set(Control::X, -0.55);
    proc.set(Control::Y, 0.3);
    proc.reset();
    let mut buf = vec![0.0f32; 4800];
    proc.process_planar(&mut [&mut buf[..]]);
    let before = LiveView::of(&proc);

    let mut rig = Rig::new();
    rig.publish(before);
    rig.click(rig.app.placed.edit.unwrap().center());
    let p = rig.params();
    assert_eq!(p.mode.value(), ModeChoice::Manual);
    // What the plug-in passes on: the 13 values, then the mode.
    for (i, param) in p.manual.eq().into_iter().enumerate() {
        proc.set(Control::Eq(i), f64::from(param.value()));
    }
    proc.set(Control::Mode, p.mode.value().mode().value());
    for _ in 0..4 {
        proc.process_planar(&mut [&mut buf[..]]);
        let now = proc.current_eq().to_array();
        for (i, (a, b)) in now.iter().zip(before.eq.to_array()).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{}: {a} vs {b}",
                PARAMS[i].name
            );
        }
    }
}

#[test]
fn a_start_request_edits_the_curve_once_the_audio_reaches_the_point() {
    let mut rig = Rig::new();
    let gui = rig.app.gui.clone().unwrap();
    rig.app.apply_start(
        &gui.param_setter(),
        StartRequest {
            pad: Some([-0.5, 0.2]),
            edit_curve: true,
            bands_off: [false, false, false, true, false],
            ..StartRequest::default()
        },
    );
    let p = rig.params();
    assert!((p.x.value() + 0.5).abs() < 1e-6 && (p.y.value() - 0.2).abs() < 1e-6);
    // Still gliding there: wait.
    rig.publish(LiveView {
        latent: [-0.3, 0.1],
        source_eq: decoded(-0.3, 0.1),
        valid: true,
        ..LiveView::default()
    });
    assert_eq!(p.mode.value(), ModeChoice::Pad);
    let source = decoded(-0.5, 0.2);
    rig.publish(LiveView {
        latent: [-0.5, 0.2],
        source_eq: source,
        valid: true,
        ..LiveView::default()
    });
    assert_eq!(p.mode.value(), ModeChoice::Manual);
    let got = p.manual.ls_gain_db.value();
    assert!((got - source.ls_gain_db as f32).abs() < 24e-6, "{got}");
    assert!(rig.app.pending_edit.is_none());
    assert_eq!(manual::switches(&p.manual), [true, true, true, false, true]);
}

#[test]
fn every_mode_lays_out_without_overlaps_at_the_smallest_and_default_sizes() {
    let mut rig = Rig::new();
    for size in [
        vec2(MIN_SIZE.0, MIN_SIZE.1),
        vec2(DEFAULT_SIZE.0, DEFAULT_SIZE.1),
    ] {
        for mode in [ModeChoice::Pad, ModeChoice::Morph, ModeChoice::Manual] {
            rig.size = size;
            rig.set_mode(mode);
            let at = &rig.app.placed;
            let window = Rect::from_min_size(Pos2::ZERO, size).shrink(MARGIN - 0.5);
            let what = format!("{size:?} {mode:?}");
            // The header: title, mode selector, bypass side by side.
            assert!(
                window.contains_rect(at.title),
                "{what}: title {:?}",
                at.title
            );
            let modes = at.modes[0].union(at.modes[2]);
            assert!(
                at.title.right() < modes.left(),
                "{what}: title over the modes"
            );
            assert!(
                modes.right() < at.bypass.left(),
                "{what}: modes over bypass"
            );
            assert!(window.contains_rect(at.bypass));
            // The left card holds the pad and what is under it.
            assert!(at.left.contains_rect(at.pad), "{what}");
            match mode {
                ModeChoice::Morph => {
                    let row = at.morph.expect("the morph row");
                    for r in [row.from, row.to, row.track] {
                        assert!(at.left.shrink(4.0).contains_rect(r), "{what}: {r:?}");
                        assert!(r.top() > at.pad.bottom(), "{what}: {r:?} over the pad");
                    }
                    assert!(row.from.right() + 8.0 < row.track.left(), "{what}");
                    assert!(row.track.right() + 8.0 < row.to.left(), "{what}");
                    assert!(row.track.width() > 100.0, "{what}: {:?}", row.track);
                }
                _ => {
                    let s = at.x_slider.expect("the slider");
                    assert!(
                        at.left.contains_rect(s) && s.top() > at.pad.bottom(),
                        "{what}"
                    );
                }
            }
            // The right card: the button in its title row, above the plot.
            assert!(at.right.contains_rect(at.plot), "{what}");
            if let Some(edit) = at.edit {
                assert!(at.right.shrink(4.0).contains_rect(edit), "{what}: {edit:?}");
                assert!(
                    edit.bottom() < at.plot.top(),
                    "{what}: button over the plot"
                );
            } else {
                assert_eq!(mode, ModeChoice::Manual);
            }
            for c in at.cards {
                assert!(at.right.contains_rect(c), "{what}: {c:?}");
                assert!(c.top() > at.plot.bottom() && c.bottom() < at.controls.top());
            }
            assert!(at.left.bottom() < at.footer.top() && at.right.bottom() < at.footer.top());
            assert!(window.contains_rect(at.footer), "{what}");
        }
    }
}

#[test]
fn a_manual_frame_with_a_moving_handle_costs_well_under_two_milliseconds() {
    let mut rig = Rig::new();
    rig.keep_shapes = false;
    rig.set_mode(ModeChoice::Manual);
    let plot = rig.app.placed.plot;
    rig.move_to(plot_px(plot, 1000.0, 0.0));
    rig.button(true);
    let frames = 200u32;
    let frame = |rig: &mut Rig, i: u32| {
        let t = (i % 50) as f32 / 50.0;
        let p = plot_px(plot, 300.0 + 3000.0 * f64::from(t), 8.0 * t - 4.0);
        rig.pointer = p;
        rig.run(vec![egui::Event::PointerMoved(p)])
    };
    for i in 0..10 {
        frame(&mut rig, i);
    }
    let cpu0 = thread_cpu_ns();
    let wall0 = Instant::now();
    for i in 0..frames {
        frame(&mut rig, i);
    }
    let wall = wall0.elapsed() / frames;
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Duration::from_nanos((b - a) / u64::from(frames)),
        _ => wall,
    };
    rig.button(false);
    eprintln!("manual frame: {cpu:?} CPU, {wall:?} wall");
    assert!(rig.app.drag.target.is_none());
    let f = rig.params().manual.b2_freq_hz.value();
    assert!(f != 1000.0, "the drag moved bell 2 ({f} Hz)");
    assert!(
        cpu < Duration::from_millis(2),
        "a frame took {cpu:?} of CPU"
    );
}

/// The pad is tinted over exactly the cells where the model's training
/// rows are, more where there are more, and not at all for a model file
/// without a density grid.
#[test]
fn pad_is_shaded_by_the_models_data_density() {
    let mut rig = Rig::new();
    // A known grid: a dense cell, a sparse one, the rest empty.
    let mut counts = vec![0u32; 16];
    counts[0] = 100; // (−1, −1) corner
    counts[15] = 4; // (+1, +1) corner
    rig.app.model.status.density = Some(semantic_eq_model::Density { n: 4, counts });
    rig.run(vec![]);
    let pad = rig.app.placed.pad.shrink(1.0);
    let cell = pad.width() / 4.0;
    let tints: Vec<(Rect, egui::Color32)> = rig
        .shapes
        .iter()
        .filter_map(|c| match &c.shape {
            egui::Shape::Rect(r)
                if (r.rect.width() - cell).abs() < 0.01
                    && (r.rect.height() - cell).abs() < 0.01
                    && pad.expand(0.5).contains_rect(r.rect) =>
            {
                Some((r.rect, r.fill))
            }
            _ => None,
        })
        .collect();
    assert_eq!(tints.len(), 2, "{tints:?}");
    let at = |x: f32, y: f32| {
        let p = rig.pad_point(x, y);
        tints.iter().find(|(r, _)| r.contains(p)).map(|t| t.1)
    };
    let dense = at(-0.9, -0.9).expect("the dense cell is tinted");
    let sparse = at(0.9, 0.9).expect("the sparse cell is tinted");
    assert!(dense.a() > sparse.a(), "{dense:?} vs {sparse:?}");
    assert_eq!(dense, theme::alpha(theme::DATA, pad::density_tint(1.0)));
    assert_eq!(sparse, theme::alpha(theme::DATA, pad::density_tint(0.04)));
    assert!(at(0.1, -0.6).is_none(), "an empty cell stays dark");
    // No grid in the file: no shading.
    rig.app.model.status.density = None;
    rig.run(vec![]);
    let any = rig.shapes.iter().any(|c| {
        matches!(&c.shape, egui::Shape::Rect(r)
            if (r.rect.width() - cell).abs() < 0.01 && pad.expand(0.5).contains_rect(r.rect))
    });
    assert!(!any);
}

impl Rig {
    /// Types `text` and presses `key` (as a host that passes keys on).
    fn type_text(&mut self, text: &str, key: egui::Key) {
        self.run(vec![egui::Event::Text(text.to_string())]);
        let press = |pressed| egui::Event::Key {
            key,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        };
        self.run(vec![press(true)]);
        self.run(vec![press(false)]);
        self.run(vec![]);
    }

    /// Two clicks at `p`, a second after anything before (so that an
    /// earlier click does not pair with the first).
    fn double_click(&mut self, p: Pos2) {
        self.time += 1.0;
        self.click(p);
        self.click(p);
    }
}

/// Double-click on the output bar opens a field; "-3" and Enter set
/// −3 dB as one gesture, parsed by the parameter's own function.
#[test]
fn a_typed_value_is_one_gesture_with_the_parameters_parser() {
    let mut rig = Rig::new();
    let out_bar = rig.app.placed.bars[1];
    rig.double_click(out_bar.center());
    assert!(rig.app.typing.key.is_some(), "the field opened");
    rig.host.take();
    rig.type_text("-3", egui::Key::Enter);
    assert_eq!(rig.params().out.value(), -3.0);
    assert!(rig.app.typing.key.is_none(), "closed after Enter");
    let events = rig.host.take();
    well_formed(&events);
    assert_eq!(only_ids(&events), ["out"]);
    assert_eq!(events.len(), 3, "one begin, one set, one end: {events:?}");

    // Amount in percent, with its unit.
    let amount_bar = rig.app.placed.bars[0];
    rig.double_click(amount_bar.center());
    rig.type_text("150 %", egui::Key::Enter);
    assert!(
        (rig.params().amount.value() - 1.5).abs() < 1e-6,
        "{}",
        rig.params().amount.value()
    );
}

/// Text that does not parse is refused and the field stays open; Escape
/// closes it with nothing sent.
#[test]
fn a_bad_typed_value_changes_nothing() {
    let mut rig = Rig::new();
    let mix_bar = rig.app.placed.bars[2];
    let before = rig.params().mix.value();
    rig.double_click(mix_bar.center());
    rig.host.take();
    rig.type_text("loud", egui::Key::Enter);
    assert!(rig.app.typing.refused, "marked as refused");
    assert_eq!(rig.app.typing.key, Some(controls::TypeKey::Mix));
    rig.run(vec![egui::Event::Key {
        key: egui::Key::Escape,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    }]);
    rig.run(vec![]);
    assert!(rig.app.typing.key.is_none());
    assert_eq!(rig.params().mix.value(), before);
    assert!(rig.host.take().is_empty());
}

/// In manual mode, a band's frequency and Q readouts take typed values
/// ("2.5k", "0.7"); in pad mode a readout first copies the EQ playing into
/// the manual bands ("Edit this curve"), then takes the value.
#[test]
fn readouts_take_typed_frequency_gain_and_q() {
    let mut rig = Rig::new();
    rig.set_mode(ModeChoice::Manual);
    let [freq, _, q] = rig.app.placed.readout_rows[2];
    rig.double_click(freq.center());
    rig.type_text("2.5k", egui::Key::Enter);
    assert!((rig.params().manual.b2_freq_hz.value() - 2500.0).abs() < 0.5);
    rig.double_click(q.center());
    rig.type_text("0.7", egui::Key::Enter);
    assert!((rig.params().manual.b2_q.value() - 0.7).abs() < 1e-3);
    // A shelf's Q is fixed: no field.
    let [_, _, shelf_q] = rig.app.placed.readout_rows[0];
    rig.double_click(shelf_q.center());
    assert!(rig.app.typing.key.is_none());

    // Pad mode: the decoded EQ goes to the manual bands, then −3 dB on bell 1.
    rig.set_mode(ModeChoice::Pad);
    let eq = EqParams::default();
    rig.publish(LiveView {
        valid: true,
        source_eq: eq,
        eq,
        ..LiveView::default()
    });
    let [_, gain, _] = rig.app.placed.readout_rows[1];
    rig.double_click(gain.center());
    assert_eq!(rig.params().mode.value(), ModeChoice::Manual);
    rig.type_text("-3", egui::Key::Enter);
    assert_eq!(rig.params().manual.b1_gain_db.value(), -3.0);
}

#[test]
fn a_cards_solo_button_solos_that_band_in_every_mode_and_alt_click_does_too() {
    let mut rig = Rig::new();
    let p = rig.params();
    for mode in [ModeChoice::Pad, ModeChoice::Manual] {
        rig.set_mode(mode);
        rig.click(rig.app.placed.solo[3].center());
        assert_eq!(p.solo.get(), Some(3), "{mode:?}");
        // Another band's button moves the solo; its own clears it.
        rig.click(rig.app.placed.solo[0].center());
        assert_eq!(p.solo.get(), Some(0));
        rig.click(rig.app.placed.solo[0].center());
        assert_eq!(p.solo.get(), None);
        // Solo is no parameter: no gesture reached the host.
        assert_eq!(rig.host.take(), []);
        // The buttons sit inside their cards, clear of the name line.
        for b in 0..BAND_COUNT {
            let s = rig.app.placed.solo[b];
            assert!(rig.app.placed.cards[b].contains_rect(s));
            assert!(!s.contains(card_name(&rig, b)));
        }
    }
    // In manual mode an alt-click on a card solos it and leaves its
    // switch alone.
    rig.set_mods(egui::Modifiers::ALT);
    rig.click(card_name(&rig, 2));
    rig.set_mods(egui::Modifiers::NONE);
    assert_eq!(p.solo.get(), Some(2));
    assert!(p.manual.b2_on.value());
    assert_eq!(rig.host.take(), []);
    // A lit button is drawn in the solo colour.
    assert!(rig.shapes.iter().any(|s| matches!(&s.shape,
        egui::Shape::Rect(r) if r.fill == theme::SOLO && rig.app.placed.solo[2].contains_rect(r.rect))));
}

#[test]
fn a_b_switches_complete_settings_with_gestures_and_copies() {
    let mut rig = Rig::new();
    let p = rig.params();
    rig.set(&p.x, -0.5);
    rig.set(&p.amount, 1.5);
    let [a, b, copy] = rig.app.placed.ab;
    assert!(rig.shows_text("A"));
    // To B (a copy of A at first): nothing moves, B is lit.
    rig.click(b.center());
    assert_eq!(crate::compare::playing(&p), crate::compare::Side::B);
    assert_eq!(rig.host.take(), []);
    rig.set(&p.x, 0.7);
    rig.set_mode(ModeChoice::Manual);
    // Back to A: one gesture per parameter that differs, and A's values.
    rig.click(a.center());
    assert_eq!(crate::compare::playing(&p), crate::compare::Side::A);
    let events = rig.host.take();
    let set: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Ev::Set(id, _) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(set, ["x", "mode"], "{events:?}");
    assert_eq!(events.len(), 6, "begin, set and end each: {events:?}");
    assert_eq!((p.x.value(), p.mode.value()), (-0.5, ModeChoice::Pad));
    // Clicking the side playing does nothing.
    rig.click(a.center());
    assert_eq!(rig.host.take(), []);
    // Copy A→B, then B is A.
    rig.click(copy.center());
    rig.click(b.center());
    assert_eq!(rig.host.take(), []);
    assert_eq!((p.x.value(), p.mode.value()), (-0.5, ModeChoice::Pad));
}

#[test]
fn the_eq_playing_reads_back_as_its_nearest_words_in_every_mode() {
    let mut rig = Rig::new();
    assert_eq!(rig.app.placed.words, None, "nothing before audio");
    let d = semantic_eq_model::Decoder::embedded();
    for name in ["warm", "bright"] {
        let l = d.landmark(name).unwrap();
        let at = decoded(l.x, l.y);
        for mode in [ModeChoice::Pad, ModeChoice::Manual] {
            rig.set_mode(mode);
            rig.publish(LiveView {
                eq: at.scaled_gains(0.5),
                source_eq: at,
                valid: true,
                ..LiveView::default()
            });
            // Before amount: at 50 % it still reads as the landmark, 0 dB.
            let want = format!("≈ {name} 0.0 dB · ");
            let line = rig
                .shapes
                .iter()
                .find_map(|s| match &s.shape {
                    egui::Shape::Text(t) if t.galley.text().starts_with("≈ ") => {
                        Some(t.galley.text().to_string())
                    }
                    _ => None,
                })
                .expect("the words line");
            assert!(line.starts_with(&want), "{mode:?}: {line}");
            assert_eq!(line.matches(" dB").count(), 3, "{line}");
            let r = rig.app.placed.words.unwrap();
            assert!(rig.app.placed.plot.contains_rect(r), "{r:?} in the plot");
        }
    }
    // Clear of the analyser's buttons, both shown, at either size.
    rig.app.analyser.as_mut().unwrap().show = analyser::Show::Both;
    for size in [
        vec2(MIN_SIZE.0, MIN_SIZE.1),
        vec2(DEFAULT_SIZE.0, DEFAULT_SIZE.1),
    ] {
        rig.size = size;
        rig.run(vec![]);
        rig.run(vec![]);
        let show = rig.app.placed.analyser.unwrap();
        let buttons = Rect::from_min_max(
            show.min,
            Pos2::new(rig.app.placed.analyser_right, show.bottom()),
        );
        let r = rig.app.placed.words.unwrap();
        assert!(buttons.width() > 200.0, "{buttons:?}");
        assert!(!r.intersects(buttons), "{size:?}: {r:?} over {buttons:?}");
        assert!(rig.app.placed.plot.contains_rect(r), "{r:?} in the plot");
    }
}

/// Whether a user word's diamond (filled in its colour) is drawn inside
/// `within` near `at`.
fn diamond_near(rig: &Rig, within: Rect, at: Pos2) -> bool {
    rig.shapes.iter().any(|c| match &c.shape {
        egui::Shape::Path(p) => {
            p.fill == theme::USER_WORD && p.points.len() == 4 && within.contains(p.points[0]) && {
                let centre = (p.points[0].to_vec2() + p.points[2].to_vec2()) * 0.5;
                centre.to_pos2().distance(at) < 1.0
            }
        }
        _ => false,
    })
}

/// The words line's text, if drawn.
fn words_line(rig: &Rig) -> Option<String> {
    rig.shapes.iter().find_map(|s| match &s.shape {
        egui::Shape::Text(t) if t.galley.text().starts_with("≈ ") => {
            Some(t.galley.text().to_string())
        }
        _ => None,
    })
}

/// *Save as word* in the words panel stores the EQ playing (before
/// amount) in the library file, exactly; the word then sits on the pad as
/// a diamond at its best-fit point, is listed, and reads back first in the
/// words line. Teaching is the same in every mode: manual mode here.
#[test]
fn save_as_word_stores_the_eq_playing_and_shows_it_on_the_pad_list_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.csv");
    let mut rig = Rig::with_library(&path);
    rig.set_mode(ModeChoice::Manual);
    let source = decoded(0.4, -0.3);
    rig.publish(LiveView {
        eq: source.scaled_gains(0.5),
        source_eq: source,
        valid: true,
        ..LiveView::default()
    });
    assert!(rig.app.words.placed.panel.is_none());
    rig.click(rig.app.words.placed.button.center());
    let panel = rig.app.words.placed.panel.expect("the panel opens");
    assert!(rig.shows_text("No words yet."));
    rig.click(rig.app.words.placed.field.center());
    rig.type_text("Crispy", egui::Key::Enter);

    let lib = semantic_eq_model::words::load(&path).unwrap();
    assert_eq!(lib.rows.len(), 1, "one row in the file");
    assert_eq!(lib.rows[0].descriptor.as_str(), "crispy");
    assert_eq!(
        lib.rows[0].params.to_array(),
        source.to_array(),
        "before amount"
    );
    rig.run(vec![]);
    assert!(rig.shows_text("saved \u{201c}crispy\u{201d}"));
    assert!(rig.texts("crispy").iter().any(|r| panel.contains_rect(*r)));
    assert!(rig.shows_text("1 setting"));

    let mark = rig.app.words.status.landmarks[0].clone();
    assert_eq!(mark.name, "crispy");
    let pad = rig.app.placed.pad;
    assert!(
        diamond_near(&rig, pad, rig.pad_point(mark.x, mark.y)),
        "a diamond at the word's landmark"
    );
    // Its landmark's curve is the EQ playing: the line names it first.
    let line = words_line(&rig).expect("the words line");
    assert!(line.starts_with("≈ crispy 0.0 dB · "), "{line}");

    // A click elsewhere closes the panel; the word stays on the pad.
    rig.click(rig.app.placed.footer.center());
    assert!(rig.app.words.placed.panel.is_none());
    assert!(diamond_near(&rig, pad, rig.pad_point(mark.x, mark.y)));
}

/// *Remove* asks once more, then takes the word out of the file.
#[test]
fn removing_a_word_asks_once_more_then_takes_it_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.csv");
    let mut lib = semantic_eq_model::words::Loaded::default();
    lib.teach("crispy", &decoded(0.5, 0.0)).unwrap();
    lib.teach("boxy", &decoded(-0.2, 0.4)).unwrap();
    semantic_eq_model::words::write_atomic(&path, lib.to_csv(None).as_bytes()).unwrap();
    let mut rig = Rig::with_library(&path);
    rig.click(rig.app.words.placed.button.center());
    let remove = |rig: &Rig, w: &str| {
        rig.app
            .words
            .placed
            .remove
            .iter()
            .find(|(n, _)| n == w)
            .map(|(_, r)| *r)
    };
    let r = remove(&rig, "crispy").expect("listed");
    rig.click(r.center());
    assert!(rig.shows_text("Sure?"));
    assert_eq!(semantic_eq_model::words::load(&path).unwrap().rows.len(), 2);
    rig.click(r.center());
    let left = semantic_eq_model::words::load(&path).unwrap();
    assert_eq!(left.words(), [("boxy".to_string(), 1)]);
    rig.run(vec![]);
    assert!(remove(&rig, "crispy").is_none());
    assert!(remove(&rig, "boxy").is_some());
}

/// The morph's choices list the user's words; picking one is one gesture
/// on a *user word* slot, and the line ends at the word's landmark. A
/// session naming a word this library lacks says so and sits at the
/// centre.
#[test]
fn a_user_word_is_a_morph_end_and_a_missing_one_sits_at_the_centre() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.csv");
    let mut lib = semantic_eq_model::words::Loaded::default();
    lib.teach("crispy", &decoded(0.6, -0.5)).unwrap();
    semantic_eq_model::words::write_atomic(&path, lib.to_csv(None).as_bytes()).unwrap();
    let mut rig = Rig::with_library(&path);
    rig.set_mode(ModeChoice::Morph);
    let row = rig.app.placed.morph.unwrap();
    rig.click(row.to.center());
    rig.run(vec![]);
    assert!(rig.shows_text("your words"));
    let item = *rig.texts("crispy").last().expect("crispy in the list");
    rig.click(item.center());
    let params = rig.params();
    assert_eq!(params.to.value(), Descriptor::user(0));
    let idx = Descriptor::user(0).to_index() as f32 / (Descriptor::variants().len() - 1) as f32;
    assert_eq!(
        rig.host.take(),
        [
            Ev::Begin("to".into()),
            Ev::Set("to".into(), idx),
            Ev::End("to".into())
        ]
    );
    rig.run(vec![]);
    let mark = rig.app.words.status.landmarks[0].clone();
    let pad = rig.app.placed.pad;
    let line = rig.segments(theme::MORPH_LINE, 3.0, pad);
    assert_eq!(line.len(), 1, "{line:?}");
    assert!(line[0][1].distance(rig.pad_point(mark.x, mark.y)) < 0.5);
    assert!(!rig.shows_text("not in your words"));
    assert_eq!(params.words.end(0), Some((mark.x, mark.y)));

    // A session from another machine: slot 2 holds a word not here.
    nice_plug::params::persist::PersistentField::set(
        &params.words,
        vec!["crispy".to_string(), "ghost".to_string()],
    );
    rig.set(&params.to, Descriptor::user(1));
    assert!(rig.shows_text("ghost not in your words: at the centre"));
    let line = rig.segments(theme::MORPH_LINE, 3.0, pad);
    assert!(line[0][1].distance(pad.center()) < 0.5, "{line:?}");
    assert_eq!(params.words.end(1), None);
}
