//! A/B compare: two complete settings, one playing, one held.
//!
//! The setting playing *is* the parameters; the other one is held as plain
//! values by parameter ID in [`SemanticEqParams::ab_other`], which is
//! persisted with the state, as is which side plays
//! ([`SemanticEqParams::ab_b`]). Switching writes the held values into the
//! parameters as ordinary host gestures, so a host records the switch like
//! any edit, an offline bounce replays it, and the audio thread never sees
//! A/B at all: the EQ moves from one setting to the other through the
//! processor's own smoothing (a change of mode through its crossfade, pad
//! and manual values through their glides), without a click.
//!
//! Bypass and auto-gain are shared by A and B, not part of either: a compare
//! must not switch bypass, and with auto-gain on both sides are heard at the
//! same loudness. The model file is shared too.
//!
//! A choice is held by its index, a number or switch by its normalised
//! value ([`snapshot`] says why).
//!
//! Everything here runs on the editor's thread.

use crate::params::SemanticEqParams;
use nice_plug::context::gui::GuiContext;
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// Parameter IDs that A and B share.
pub const SHARED: [&str; 2] = ["bypass", "auto"];

/// One complete setting by parameter ID: a choice's index, a number's or a
/// switch's normalised value.
pub type Setting = BTreeMap<String, f32>;

/// Which setting plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    /// The side's letter, as the editor shows it.
    pub fn letter(self) -> &'static str {
        match self {
            Side::A => "A",
            Side::B => "B",
        }
    }

    /// The other side.
    pub fn other(self) -> Self {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// The side playing.
pub fn playing(params: &SemanticEqParams) -> Side {
    if params.ab_b.load(Ordering::Relaxed) {
        Side::B
    } else {
        Side::A
    }
}

/// The parameters A/B covers: every one but [`SHARED`].
fn compared(params: &SemanticEqParams) -> Vec<(String, ParamPtr)> {
    params
        .param_map()
        .into_iter()
        .filter(|(id, _, _)| !SHARED.contains(&id.as_str()))
        .map(|(id, ptr, _)| (id, ptr))
        .collect()
}

/// The setting playing now.
pub fn snapshot(params: &SemanticEqParams) -> Setting {
    compared(params)
        .into_iter()
        // SAFETY: `ptr` points into `params`, borrowed for this call.
        .map(|(id, ptr)| (id, unsafe { held_value(ptr) }))
        .collect()
}

/// How a setting holds a parameter's value: a choice by its index, which
/// stays put when its list grows at the end (the morph landmarks did, which
/// moved every normalised value); a number or a switch by its normalised
/// value, as hosts hold it, which is the only form that every value a
/// parameter can take round-trips through exactly (a skewed range has
/// plain values, its default among them, that no normalised value maps
/// back to).
///
/// # Safety
/// `ptr` must point to a live parameter.
unsafe fn held_value(ptr: ParamPtr) -> f32 {
    // SAFETY: the caller keeps the parameter alive.
    unsafe {
        match ptr {
            ParamPtr::EnumParam(_) | ParamPtr::IntParam(_) => ptr.unmodulated_plain_value(),
            ParamPtr::FloatParam(_) | ParamPtr::BoolParam(_) => ptr.unmodulated_normalized_value(),
        }
    }
}

/// The normalised value a held value stands for, clamped to the
/// parameter's range; `None` for a value no parameter could have held (not
/// finite).
///
/// # Safety
/// `ptr` must point to a live parameter.
unsafe fn normalized_for(ptr: ParamPtr, held: f32) -> Option<f32> {
    if !held.is_finite() {
        return None;
    }
    Some(match ptr {
        // SAFETY: the caller keeps the parameter alive.
        ParamPtr::EnumParam(_) | ParamPtr::IntParam(_) => unsafe { ptr.preview_normalized(held) },
        ParamPtr::FloatParam(_) | ParamPtr::BoolParam(_) => held.clamp(0.0, 1.0),
    })
}

/// Makes `setting` play: one gesture for each parameter whose value
/// differs. A parameter the setting lacks (a setting saved by an older
/// version) keeps its value.
pub fn apply(params: &SemanticEqParams, gui: &GuiContext, setting: &Setting) {
    for (id, ptr) in compared(params) {
        let Some(&held) = setting.get(&id) else {
            continue;
        };
        // SAFETY: `ptr` points into `params`, borrowed for this call.
        if unsafe { held_value(ptr) } == held {
            continue;
        }
        // SAFETY: as above.
        let Some(norm) = (unsafe { normalized_for(ptr, held) }) else {
            continue;
        };
        // SAFETY: `ptr` is one of the plug-in's own parameters (from its
        // `param_map`), as the host context requires.
        unsafe {
            gui.raw_begin_set_parameter(ptr);
            gui.raw_set_parameter_normalized(ptr, norm);
            gui.raw_end_set_parameter(ptr);
        }
    }
}

/// Switches to the other side: the setting playing is held, the held one
/// plays. The first switch, with nothing held yet, starts the other side as
/// a copy of this one.
pub fn switch(params: &SemanticEqParams, gui: &GuiContext) -> Side {
    let now = snapshot(params);
    let held = {
        let mut other = lock(params);
        std::mem::replace(&mut *other, now.clone())
    };
    if !held.is_empty() {
        apply(params, gui, &held);
    }
    let side = playing(params).other();
    params.ab_b.store(side == Side::B, Ordering::Relaxed);
    side
}

/// Copies the setting playing onto the other side (A→B while A plays).
pub fn copy_to_other(params: &SemanticEqParams) {
    *lock(params) = snapshot(params);
}

/// The held setting (a copy), for tests and the editor.
pub fn held(params: &SemanticEqParams) -> Setting {
    lock(params).clone()
}

fn lock(params: &SemanticEqParams) -> std::sync::MutexGuard<'_, Setting> {
    // A panic while holding it cannot leave the map half-written (each
    // write is one assignment), so a poisoned lock is still good.
    params
        .ab_other
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SemanticEq;
    use crate::params::ModeChoice;
    use crate::test_signal::Pink;
    use nice_plug::context::PluginApi;
    use nice_plug::plugin::PluginState;
    use semantic_eq_dsp::{Kernel, Processor, Settings};
    use semantic_eq_model::Decoder;
    use std::sync::Arc;

    /// A host that applies every value at once and counts gestures.
    struct Host {
        gestures: std::sync::atomic::AtomicUsize,
    }

    impl GuiContextInner for Host {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {
            self.gestures.fetch_add(1, Ordering::Relaxed);
        }
        unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
            // SAFETY: the tests' parameters outlive every call.
            unsafe { param._internal_set_normalized_value(normalized) };
        }
        unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {}
        fn get_state(&self) -> PluginState {
            unimplemented!("not used")
        }
        fn set_state(&self, _state: PluginState) {}
        fn request_restart(&self) {}
    }

    fn gui() -> (GuiContext, Arc<Host>) {
        let host = Arc::new(Host {
            gestures: Default::default(),
        });
        (GuiContext::new(host.clone()), host)
    }

    /// Sets a parameter as the editor would (exact plain value).
    fn set<P: Param>(gui: &GuiContext, p: &P, plain: P::Plain) {
        let setter = gui.param_setter();
        setter.begin_set_parameter(p);
        setter.set_parameter(p, plain);
        setter.end_set_parameter(p);
    }

    #[test]
    fn switching_swaps_complete_settings_and_copy_copies() {
        let params = SemanticEqParams::default();
        let (gui, host) = gui();
        set(&gui, &params.x, -0.6);
        set(&gui, &params.mode, ModeChoice::Morph);
        set(&gui, &params.from, crate::params::Descriptor::Boomy);
        set(&gui, &params.manual.b2_gain_db, 4.5);
        set(&gui, &params.auto, true);
        let a = snapshot(&params);
        assert!(!a.contains_key("auto") && !a.contains_key("bypass"));
        assert_eq!(a.len(), params.param_map().len() - SHARED.len());

        // The first switch: B starts as a copy of A, and nothing moves.
        let before = host.gestures.load(Ordering::Relaxed);
        assert_eq!(switch(&params, &gui), Side::B);
        assert_eq!(host.gestures.load(Ordering::Relaxed), before);
        assert_eq!(snapshot(&params), a);
        // B's own edits, then back to A: every value is A's again, exactly.
        set(&gui, &params.x, 0.8);
        set(&gui, &params.mode, ModeChoice::Manual);
        set(&gui, &params.manual.b2_freq_hz, 3210.0);
        set(&gui, &params.bypass, true);
        let b = snapshot(&params);
        assert_eq!(switch(&params, &gui), Side::A);
        assert_eq!(snapshot(&params), a);
        assert_eq!(held(&params), b);
        // Shared: bypass and auto-gain stay as they were set last.
        assert!(params.bypass.value() && params.auto.value());
        // To B again: B exactly.
        assert_eq!(switch(&params, &gui), Side::B);
        assert_eq!(snapshot(&params), b);
        // Copy B onto A: both are B.
        copy_to_other(&params);
        assert_eq!(switch(&params, &gui), Side::A);
        assert_eq!(snapshot(&params), b);
    }

    #[test]
    fn both_settings_are_in_the_saved_state() {
        let params = SemanticEqParams::default();
        let (gui, _) = gui();
        set(&gui, &params.x, -0.6);
        switch(&params, &gui);
        set(&gui, &params.x, 0.9);
        set(&gui, &params.manual.hs_gain_db, -7.0);
        let a = held(&params);
        let b = snapshot(&params);
        // What nice-plug saves beside the parameters, into a fresh instance
        // (parameters restored as plain values, as the state holds them).
        let fields = params.serialize_fields();
        let values: Vec<(String, f32)> = params
            .param_map()
            .into_iter()
            // SAFETY: `ptr` points into `params`, alive here.
            .map(|(id, ptr, _)| (id, unsafe { ptr.unmodulated_normalized_value() }))
            .collect();
        let fresh = SemanticEqParams::default();
        fresh.deserialize_fields(&fields);
        for (id, ptr, _) in fresh.param_map() {
            let v = values.iter().find(|(i, _)| *i == id).unwrap().1;
            // SAFETY: as above, for `fresh`.
            unsafe { ptr._internal_set_normalized_value(v) };
        }
        assert_eq!(playing(&fresh), Side::B);
        assert_eq!(snapshot(&fresh), b);
        assert_eq!(held(&fresh), a);
        // And switching there gives A back.
        let (gui2, _) = self::gui();
        switch(&fresh, &gui2);
        assert_eq!(snapshot(&fresh), a);
    }

    #[test]
    fn a_held_setting_with_bad_or_unknown_values_applies_the_rest() {
        let params = SemanticEqParams::default();
        let (gui, _) = gui();
        let mut bad = snapshot(&params);
        bad.insert("x".into(), f32::INFINITY);
        bad.insert("no_such_param".into(), 1.0);
        bad.insert("y".into(), 7.0); // outside 0..1 normalised: clamped
        bad.insert("amount".into(), 0.75);
        bad.insert("from".into(), 99.0); // no such choice: the last
        apply(&params, &gui, &bad);
        assert_eq!(params.x.value(), 0.0);
        assert_eq!(params.y.value(), 1.0);
        assert_eq!(params.amount.value(), 1.5);
        assert_eq!(params.from.value(), crate::params::Descriptor::User8);
    }

    /// The plug-in's parameters to processor path with a processor of its
    /// own, as `activate` builds it; renders `blocks` blocks of pink noise,
    /// calling `at(block)` before each (which may switch A/B).
    fn render(
        plug: &mut SemanticEq,
        blocks: usize,
        mut at: impl FnMut(&SemanticEq, usize),
    ) -> (Vec<f32>, Vec<f64>) {
        let settings = Settings {
            sample_rate: 48_000.0,
            channels: 1,
            kernel: Kernel::detect(),
        };
        plug.processor =
            Some(Processor::new(&settings, Box::new(Decoder::embedded())).expect("a processor"));
        plug.last = [u32::MAX; crate::FOLLOWED];
        plug.sync();
        plug.processor.as_mut().unwrap().reset();
        let mut pink = Pink::default();
        let (mut out, mut gains) = (Vec::new(), Vec::new());
        for block in 0..blocks {
            at(plug, block);
            plug.sync();
            let p = plug.processor.as_mut().unwrap();
            let mut x: Vec<f32> = (0..BLOCK).map(|_| pink.sample()).collect();
            p.process_planar(&mut [&mut x]);
            out.extend_from_slice(&x);
            // The low shelf's gain as the engine plays it, per block.
            gains.push(p.current_eq().ls_gain_db);
        }
        (out, gains)
    }

    const BLOCK: usize = 64;

    fn loudness(x: &[f32]) -> f64 {
        let mut m = ebur128::EbuR128::new(1, 48_000, ebur128::Mode::I).unwrap();
        m.add_frames_f32(x).unwrap();
        m.loudness_global().unwrap()
    }

    /// A: the pad at warm, 200 %; B: manual, a +9 dB low shelf and +6 dB
    /// bell. Switching A→B at block 750 (1 s), over the mode crossfade.
    fn a_then_b(auto: bool) -> (Vec<f32>, Vec<f64>) {
        let mut plug = SemanticEq::default();
        let params = plug.params.clone();
        let (gui, _) = gui();
        set(&gui, &params.auto, auto);
        set(&gui, &params.x, -1.0);
        set(&gui, &params.amount, 2.0);
        switch(&params, &gui);
        set(&gui, &params.mode, ModeChoice::Manual);
        set(&gui, &params.amount, 1.0);
        set(&gui, &params.manual.ls_gain_db, 9.0);
        set(&gui, &params.manual.b2_gain_db, 6.0);
        switch(&params, &gui);
        assert_eq!(playing(&params), Side::A);
        render(&mut plug, 1500, |plug, block| {
            if block == 750 {
                switch(&plug.params, &gui);
            }
        })
    }

    #[test]
    fn switching_glides_and_is_loudness_fair_with_auto_gain() {
        let (out, gains) = a_then_b(true);
        let (off, _) = a_then_b(false);
        let half = 750 * BLOCK;
        // Skip 0.25 s after the start and the switch (auto-gain settles).
        let settle = 12_000;
        let (la, lb) = (
            loudness(&out[settle..half]),
            loudness(&out[half + settle..]),
        );
        let (oa, ob) = (
            loudness(&off[settle..half]),
            loudness(&off[half + settle..]),
        );
        assert!(
            (la - lb).abs() < 1.0,
            "auto-gain on: A {la:.2} LUFS, B {lb:.2} LUFS"
        );
        println!("auto on: A {la:.2} B {lb:.2} LUFS; off: A {oa:.2} B {ob:.2}");
        // Without auto-gain the two really differ (so the above has teeth).
        assert!((oa - ob).abs() > 3.0, "auto-gain off: A {oa:.2}, B {ob:.2}");
        // The EQ crossfades: the low shelf moves from A's to B's over the
        // 30 ms mode crossfade, no block taking more than a fifth of the
        // way (64-sample blocks: about 22 of them).
        let (from, to) = (gains[749], gains[1499]);
        assert!((to - from).abs() > 3.0, "{from} -> {to}");
        let largest = gains[749..]
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f64::max);
        assert!(
            largest < 0.2 * (to - from).abs(),
            "largest step {largest:.2} dB of {:.2}",
            (to - from).abs()
        );
        let moving = gains[749..].windows(2).filter(|w| w[1] != w[0]).count();
        assert!(moving * BLOCK >= 1440, "moved over {moving} blocks");
    }
}
