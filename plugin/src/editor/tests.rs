//! Headless editor tests: egui frames without a window, against a mock host
//! context that records parameter gestures.

use super::*;
use egui::Vec2;
use nice_plug::context::PluginApi;
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::PluginState;
use semantic_eq_model::{EqParams, cascade_magnitude_db};
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
}

impl Rig {
    fn new() -> Self {
        let params = Arc::new(SemanticEqParams::default());
        let (input, output) = triple_buffer::triple_buffer(&LiveView::default());
        let host = Arc::new(Host {
            params: params.clone(),
            events: Mutex::new(Vec::new()),
        });
        let mut app = EditorApp::new(params, output, None);
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
        pad::to_screen(self.app.pad_rect, x, y)
    }
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
    assert!(rig.app.pad_rect.width() > 300.0, "{:?}", rig.app.pad_rect);
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
    let side = rig.app.pad_rect.width();
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
        let pad = rig.app.pad_rect;
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
    assert!(cache.update(&eq, 48_000.0));
    assert!(
        !cache.update(&eq, 48_000.0),
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
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
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
            sample_rate: 48_000.0,
            valid: true,
        });
        let p = rig.pad_point(t as f32 - 0.5, 0.1);
        rig.run(vec![egui::Event::PointerMoved(p)])
    };
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
