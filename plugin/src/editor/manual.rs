//! Manual mode on the curve: drag a band's handle (frequency across, gain
//! up and down; shift for fine moves), turn the wheel or alt/ctrl-drag
//! vertically over a bell's handle for its Q, double-click a handle for
//! 0 dB, click a band's name on its card to switch the band on or off.
//!
//! Each drag is one host gesture per parameter it changes: a parameter's
//! gesture begins when the drag first moves it and every gesture ends when
//! the drag does. A wheel step and a click are one gesture each.

use super::controls::{Drag, Target, gesture};
use super::curve::{Axes, CurveCache};
use crate::params::ManualParams;
use egui::{Event, MouseWheelUnit, Pos2, Rect, Sense, Ui};
use nice_plug::prelude::*;
use semantic_eq_model::{BAND_COUNT, BANDS, BandKind, EqParams, NUM_PARAMS};

/// Pixels of vertical alt/ctrl-drag per doubling of Q (up is narrower).
pub const Q_PX_PER_OCTAVE: f32 = 40.0;
/// Wheel notches per doubling of Q (away from you is narrower).
pub const Q_NOTCHES_PER_OCTAVE: f32 = 6.0;
/// Points of smooth (trackpad) scrolling counted as one notch.
const POINTS_PER_NOTCH: f32 = 50.0;
/// A handle is grabbed within this distance of its centre, points.
pub const GRAB_RADIUS: f32 = 14.0;

/// How far a band's handle sits above 0 dB per dB of its gain (at amount
/// 100 %): a bell's own response at its centre is its gain; a shelf's at
/// its corner frequency is half its gain (RBJ shelves).
pub fn handle_ratio(band: usize) -> f32 {
    match BANDS[band].kind {
        BandKind::Bell => 1.0,
        BandKind::LowShelf | BandKind::HighShelf => 0.5,
    }
}

/// The EQ the manual controls set, with the drag in progress applied.
pub fn shown_eq(m: &ManualParams, drag: &Drag) -> EqParams {
    let eq = m.eq();
    let mut a: [f64; NUM_PARAMS] =
        std::array::from_fn(|i| f64::from(eq[i].unmodulated_plain_value()));
    match drag.target {
        Some(Target::Band(b)) => {
            let (f, g) = (BANDS[b].freq_index, BANDS[b].gain_index);
            a[f] = f64::from(eq[f].preview_plain(drag.norm[0]));
            a[g] = f64::from(eq[g].preview_plain(drag.norm[1]));
        }
        Some(Target::Q(b)) => {
            if let Some(q) = BANDS[b].q_index {
                a[q] = f64::from(eq[q].preview_plain(drag.norm[0]));
            }
        }
        _ => {}
    }
    EqParams::from_array(a)
}

/// Which bands are switched on.
pub fn switches(m: &ManualParams) -> [bool; BAND_COUNT] {
    m.on().map(|p| p.value())
}

/// The band whose handle is nearest `p`, within [`GRAB_RADIUS`].
pub fn handle_near(axes: &Axes, cache: &CurveCache, p: Pos2) -> Option<usize> {
    (0..BAND_COUNT)
        .map(|b| (b, axes.handle(cache, b).distance(p)))
        .filter(|&(_, d)| d <= GRAB_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(b, _)| b)
}

/// Ends the gestures a handle drag has begun.
pub fn end_drag(setter: &ParamSetter, drag: &mut Drag, m: &ManualParams) {
    let eq = m.eq();
    match drag.target {
        Some(Target::Band(b)) => {
            let params = [BANDS[b].freq_index, BANDS[b].gain_index];
            for (k, i) in params.into_iter().enumerate() {
                if drag.begun[k] {
                    setter.end_set_parameter(eq[i]);
                }
            }
        }
        Some(Target::Q(b)) => {
            if let Some(q) = BANDS[b].q_index
                && drag.begun[0]
            {
                setter.end_set_parameter(eq[q]);
            }
        }
        _ => return,
    }
    drag.target = None;
    drag.begun = [false; 2];
}

/// Sends `plain` for drag parameter `k` (0 or 1) if it changed, beginning
/// the parameter's gesture the first time.
fn send(setter: &ParamSetter, drag: &mut Drag, k: usize, param: &FloatParam, plain: f32) {
    if !drag.begun[k] && plain == drag.start[k] {
        return;
    }
    let norm = param.preview_normalized(plain);
    if norm == drag.norm[k] {
        return;
    }
    if !drag.begun[k] {
        setter.begin_set_parameter(param);
        drag.begun[k] = true;
    }
    setter.set_parameter_normalized(param, norm);
    drag.norm[k] = norm;
}

/// The handles' pointer input over the plot well `plot`, in manual mode.
/// `amount` scales the gains drawn (the handle of a band of gain g sits at
/// `amount * handle_ratio * g` dB). Returns the handle under the pointer
/// or being dragged.
pub fn interact(
    ui: &Ui,
    plot: Rect,
    cache: &CurveCache,
    setter: &ParamSetter,
    drag: &mut Drag,
    m: &ManualParams,
    amount: f32,
) -> Option<usize> {
    let response = ui.interact(
        plot,
        egui::Id::unique("semantic-eq-handles"),
        Sense::click_and_drag(),
    );
    let axes = Axes(plot);
    let eq = m.eq();
    let (mods, origin) = ui.input(|i| (i.modifiers, i.pointer.press_origin()));

    if response.double_clicked()
        && let Some(b) = response
            .interact_pointer_pos()
            .and_then(|p| handle_near(&axes, cache, p))
    {
        gesture(setter, eq[BANDS[b].gain_index], 0.0);
    }

    if response.drag_started()
        && drag.target.is_none()
        && let Some(o) = origin
        && let Some(b) = handle_near(&axes, cache, o)
    {
        let spec = &BANDS[b];
        let q_drag = (mods.alt || mods.ctrl || mods.command) && spec.q_index.is_some();
        let handle = axes.handle(cache, b);
        *drag = Drag {
            base_at: handle,
            base_ptr: o,
            fine: mods.shift,
            ..Drag::default()
        };
        if let (true, Some(q)) = (q_drag, spec.q_index) {
            drag.target = Some(Target::Q(b));
            drag.norm[0] = eq[q].unmodulated_normalized_value();
            drag.start = [eq[q].unmodulated_plain_value(), 0.0, handle.x, handle.y];
        } else {
            let (f, g) = (eq[spec.freq_index], eq[spec.gain_index]);
            drag.target = Some(Target::Band(b));
            drag.norm = [
                f.unmodulated_normalized_value(),
                g.unmodulated_normalized_value(),
            ];
            drag.start = [
                f.unmodulated_plain_value(),
                g.unmodulated_plain_value(),
                handle.x,
                handle.y,
            ];
        }
    }

    match drag.target {
        Some(Target::Band(b)) => {
            if response.dragged()
                && let Some(p) = response.interact_pointer_pos()
            {
                let spec = &BANDS[b];
                let at = drag.handle_at(p, mods.shift);
                let (fp, gp) = (eq[spec.freq_index], eq[spec.gain_index]);
                let (lo, hi) = (fp.preview_plain(0.0), fp.preview_plain(1.0));
                // Both relative to where the drag started, so a move
                // along one axis leaves the other parameter exactly as is.
                let octaves = axes.freq_at(at.x).log2() - axes.freq_at(drag.start[2]).log2();
                let freq = (drag.start[0] * (octaves as f32).exp2()).clamp(lo, hi);
                let per_db = (handle_ratio(b) * amount).max(0.05);
                let gain = drag.start[1] + (axes.db_at(at.y) - axes.db_at(drag.start[3])) / per_db;
                let gain = gain.clamp(gp.preview_plain(0.0), gp.preview_plain(1.0));
                send(setter, drag, 0, fp, freq);
                send(setter, drag, 1, gp, gain);
            }
            if response.drag_stopped() {
                end_drag(setter, drag, m);
            }
        }
        Some(Target::Q(b)) => {
            if response.dragged()
                && let Some(p) = response.interact_pointer_pos()
                && let Some(q) = BANDS[b].q_index
            {
                let at = drag.handle_at(p, mods.shift);
                let octaves = (drag.start[3] - at.y) / Q_PX_PER_OCTAVE;
                let (lo, hi) = (eq[q].preview_plain(0.0), eq[q].preview_plain(1.0));
                let value = (drag.start[0] * octaves.exp2()).clamp(lo, hi);
                send(setter, drag, 0, eq[q], value);
            }
            if response.drag_stopped() {
                end_drag(setter, drag, m);
            }
        }
        _ => {}
    }

    let hover = response.hover_pos();
    let hot = match drag.target {
        Some(Target::Band(b) | Target::Q(b)) => Some(b),
        _ => hover.and_then(|p| handle_near(&axes, cache, p)),
    };

    // The wheel over a bell's handle: its Q, one gesture per frame.
    if drag.target.is_none()
        && let Some(b) = hot
        && let Some(q) = BANDS[b].q_index
    {
        let notches: f32 = ui.input(|i| {
            i.events
                .iter()
                .map(|e| match e {
                    Event::MouseWheel { unit, delta, .. } => match unit {
                        MouseWheelUnit::Line => delta.y,
                        MouseWheelUnit::Point => delta.y / POINTS_PER_NOTCH,
                        MouseWheelUnit::Page => delta.y * 3.0,
                    },
                    _ => 0.0,
                })
                .sum()
        });
        if notches != 0.0 {
            let (lo, hi) = (eq[q].preview_plain(0.0), eq[q].preview_plain(1.0));
            let now = eq[q].unmodulated_plain_value();
            let value = (now * (notches / Q_NOTCHES_PER_OCTAVE).exp2()).clamp(lo, hi);
            if value != now {
                gesture(setter, eq[q], value);
            }
        }
    }

    let hint = match hot {
        Some(b) if BANDS[b].q_index.is_some() => format!(
            "{}: drag for frequency and gain (shift: fine), wheel or alt-drag for Q, double-click for 0 dB",
            BANDS[b].label
        ),
        Some(b) => format!(
            "{}: drag for frequency and gain (shift: fine), double-click for 0 dB; a shelf's Q is fixed",
            BANDS[b].label
        ),
        None => "Drag a band's handle; wheel or alt-drag over a bell for its Q".to_string(),
    };
    response.on_hover_text(hint);
    hot
}

/// The readout cards as the bands' switches: a click on a card is one
/// gesture on its band's switch. Returns each band's (on, hovered).
pub fn band_switches(
    ui: &Ui,
    cards: [Rect; BAND_COUNT],
    setter: &ParamSetter,
    m: &ManualParams,
) -> [(bool, bool); BAND_COUNT] {
    let on = m.on();
    std::array::from_fn(|b| {
        let response = ui.interact(
            cards[b],
            egui::Id::unique(("semantic-eq-band-on", b)),
            Sense::click(),
        );
        // Alt-click is the card's solo (controls::solo_buttons), not its
        // switch.
        if response.clicked() && !ui.input(|i| i.modifiers.alt) {
            gesture(setter, on[b], !on[b].value());
        }
        let hovered = response.hovered();
        let now = on[b].value();
        response.on_hover_text(format!(
            "{} is {}: click to switch it {}",
            BANDS[b].label,
            if now { "on" } else { "off" },
            if now { "off" } else { "on" }
        ));
        (now, hovered)
    })
}
