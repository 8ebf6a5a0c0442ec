//! The plug-in's parameters: short, stable IDs (never rename one; hosts
//! store automation and presets under them), with ranges and formatters
//! shared with the editor. Names, ranges and defaults come from the
//! engine's control table ([`semantic_eq_dsp::controls::CONTROLS`]); the
//! IDs are written out here because nice-plug's derive needs literals, and
//! a test checks them against the table.
//!
//! Smoothing is declared in [`semantic_eq_dsp::controls::smoothing_ms`] and done
//! by the [`semantic_eq_dsp::Processor`], not by nice-plug's per-parameter
//! smoothers: those advance by `next_step(n)`, whose f32 result depends on
//! how the host cut the audio into blocks, and an offline bounce must equal
//! what was heard bit for bit. The processor's ramps are pure functions of
//! the sample position.

use crate::audition::Solo;
use crate::model_slot::ModelSlot;
use crate::words_slot::{USER_SLOTS, UserWords};
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use semantic_eq_dsp::Mode;
use semantic_eq_dsp::controls::{CONTROL_COUNT, CONTROLS, Control, ControlSpec};
use semantic_eq_model::Landmark;
use semantic_eq_model::decoder::RETIRED_LANDMARKS;
use semantic_eq_model::{BAND_COUNT, NUM_PARAMS, PARAMS, ParamScale};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// What the pad's y axis does, as shown on the parameter and the pad. In the
/// shipped model, y is body: y = −1 cuts the low shelf and the low bells by
/// up to 12 dB, y = +1 boosts them, and the landmarks agree ("thin" sits at
/// y −0.39; "boomy", "vocals" and "muddy" at +0.20..+0.34). See the README.
pub const Y_NAME: &str = "Thin ↔ Full";
/// Labels of the two ends of y, bottom first.
pub const Y_ENDS: (&str, &str) = ("thin", "full");

#[derive(Params)]
pub struct SemanticEqParams {
    /// Warm (−1) ↔ bright (+1): the pad's x axis.
    #[id = "x"]
    pub x: FloatParam,
    /// The pad's y axis, −1..+1 (see [`Y_NAME`]).
    #[id = "y"]
    pub y: FloatParam,
    /// Gain scale, 0..2 (shown as 0-200 %): 1 is the decoded EQ.
    #[id = "amount"]
    pub amount: FloatParam,
    /// Output gain after the EQ, dB.
    #[id = "out"]
    pub out: FloatParam,
    /// Auto-gain: keep pink-noise loudness constant as the EQ changes.
    #[id = "auto"]
    pub auto: BoolParam,
    /// Wet share, 0..1 (shown as a percentage).
    #[id = "mix"]
    pub mix: FloatParam,
    /// Host bypass, crossfaded.
    #[id = "bypass"]
    pub bypass: BoolParam,

    /// What the EQ follows: the pad, the morph line or the manual bands.
    #[id = "mode"]
    pub mode: EnumParam<ModeChoice>,
    /// Position on the morph line, −0.5..1.5 (shown as −50..150 %): 0 is
    /// the `from` landmark, 1 the `to` landmark.
    #[id = "morph"]
    pub morph: FloatParam,
    /// The morph line's start.
    #[id = "from"]
    pub from: EnumParam<Descriptor>,
    /// The morph line's end.
    #[id = "to"]
    pub to: EnumParam<Descriptor>,

    /// The 13 EQ parameters and the band switches of manual mode.
    #[nested(group = "Manual EQ")]
    pub manual: ManualParams,

    /// The model playing, persisted as its file path ("" = the embedded one).
    #[persist = "model"]
    pub model: ModelSlot,

    /// The word each *user word* slot of `from`/`to` plays, persisted by
    /// name; the library itself is the user's file, not the session's.
    #[persist = "user_words"]
    pub words: UserWords,

    /// A/B compare ([`crate::compare`]): whether B plays (false = A).
    #[persist = "ab_b"]
    pub ab_b: AtomicBool,
    /// The setting not playing, by parameter ID ([`crate::compare::Setting`];
    /// empty until the first switch or copy).
    #[persist = "ab_other"]
    pub ab_other: Mutex<BTreeMap<String, f32>>,

    /// The band being auditioned ([`crate::audition`]): a listening aid,
    /// never saved.
    pub solo: Solo,
}

/// The three ways in (flowEQ's traverse, semantic and manual modes).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeChoice {
    /// The XY pad (x, y).
    #[id = "pad"]
    #[name = "Pad"]
    Pad,
    /// The line between two descriptors' landmarks, at `morph`.
    #[id = "morph"]
    #[name = "Morph"]
    Morph,
    /// The 13 EQ parameters set directly.
    #[id = "manual"]
    #[name = "Manual"]
    Manual,
}

impl ModeChoice {
    /// The processor's mode.
    pub fn mode(self) -> Mode {
        match self {
            ModeChoice::Pad => Mode::Pad,
            ModeChoice::Morph => Mode::Morph,
            ModeChoice::Manual => Mode::Manual,
        }
    }
}

/// The descriptors a morph can start or end at: the shipped model's
/// landmarks (every descriptor with at least 5 training examples), warm and
/// bright first, then alphabetical.
///
/// Hosts store the choice by its ID, so this list only ever grows at the
/// end. A model loaded from a file may have other landmarks: a descriptor
/// it has no landmark for sits at the pad centre (the editor says so), and
/// its extra landmarks are reachable on the pad, where they are drawn.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Descriptor {
    #[id = "warm"]
    #[name = "warm"]
    Warm,
    #[id = "bright"]
    #[name = "bright"]
    Bright,
    #[id = "airy"]
    #[name = "airy"]
    Airy,
    #[id = "boomy"]
    #[name = "boomy"]
    Boomy,
    #[id = "clear"]
    #[name = "clear"]
    Clear,
    #[id = "muddy"]
    #[name = "muddy"]
    Muddy,
    /// Retired (a microphone, the Electro-Voice RE27, not a descriptor):
    /// plays [`Descriptor::Bright`].
    #[id = "re27"]
    #[name = "re27"]
    Re27,
    #[id = "thin"]
    #[name = "thin"]
    Thin,
    /// Retired (a source, not a descriptor): plays [`Descriptor::Clear`].
    #[id = "vocals"]
    #[name = "vocals"]
    Vocals,
    #[id = "full"]
    #[name = "full"]
    Full,
    /// The user's own words: each slot plays the word the state holds for
    /// it ([`crate::words_slot`]); hosts automate the slot, the state
    /// keeps its word.
    #[id = "user1"]
    #[name = "User word 1"]
    User1,
    #[id = "user2"]
    #[name = "User word 2"]
    User2,
    #[id = "user3"]
    #[name = "User word 3"]
    User3,
    #[id = "user4"]
    #[name = "User word 4"]
    User4,
    #[id = "user5"]
    #[name = "User word 5"]
    User5,
    #[id = "user6"]
    #[name = "User word 6"]
    User6,
    #[id = "user7"]
    #[name = "User word 7"]
    User7,
    #[id = "user8"]
    #[name = "User word 8"]
    User8,
}

/// Where the *user word* slots start in [`Descriptor`]'s list.
const FIRST_USER_SLOT: usize = Descriptor::User1 as usize;
const _: () = assert!(Descriptor::User8 as usize - FIRST_USER_SLOT + 1 == USER_SLOTS);

impl Descriptor {
    /// The landmark name in model files (normalised descriptor); for a
    /// *user word* slot, the slot's name ("User word 1").
    pub fn name(self) -> &'static str {
        Self::variants()[self.to_index()]
    }

    /// The *user word* slot this choice is (0-based), if it is one.
    pub fn user_slot(self) -> Option<usize> {
        self.to_index().checked_sub(FIRST_USER_SLOT)
    }

    /// The choice for *user word* slot `slot` (0-based).
    pub fn user(slot: usize) -> Self {
        Self::from_index(FIRST_USER_SLOT + slot.min(USER_SLOTS - 1))
    }

    /// The choice's index in the list: the value a CLAP host sends for it
    /// (a VST3 host sends index / (count − 1)).
    pub fn index(self) -> usize {
        self.to_index()
    }

    /// The model's descriptors (every choice but the user slots).
    pub fn model_choices() -> impl Iterator<Item = Self> {
        (0..FIRST_USER_SLOT).map(Self::from_index)
    }

    /// Where a retired choice goes: the nearest landmark that the
    /// vocabulary kept, by the pad positions of the model that had both
    /// (`re27` at (0.82, 0.36) → bright at (0.50, 0.00); `vocals` at
    /// (−0.07, 0.24) → clear at (−0.09, −0.03)). Sessions that stored a
    /// retired choice keep loading and play its replacement.
    pub fn retired_to(self) -> Option<Self> {
        RETIRED_LANDMARKS
            .iter()
            .find(|(old, _)| *old == self.name())
            .and_then(|(_, new)| Self::from_name(new))
    }

    /// The landmark this choice plays among `landmarks`: its own, else (for
    /// a retired choice) its replacement's; `None` if the model has neither.
    pub fn find_in(self, landmarks: &[Landmark]) -> Option<&Landmark> {
        let named = |d: Self| landmarks.iter().find(|l| l.name == d.name());
        named(self).or_else(|| self.retired_to().and_then(named))
    }

    /// The descriptor called `name`, if it is in the list.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::variants()
            .iter()
            .position(|v| *v == name)
            .map(Self::from_index)
    }
}

/// Manual mode: the 13 EQ parameters in SAFE order (plain units, the
/// foundation's ranges) and one on/off switch per band.
#[derive(Params)]
pub struct ManualParams {
    #[id = "ls_g"]
    pub ls_gain_db: FloatParam,
    #[id = "ls_f"]
    pub ls_freq_hz: FloatParam,
    #[id = "b1_g"]
    pub b1_gain_db: FloatParam,
    #[id = "b1_f"]
    pub b1_freq_hz: FloatParam,
    #[id = "b1_q"]
    pub b1_q: FloatParam,
    #[id = "b2_g"]
    pub b2_gain_db: FloatParam,
    #[id = "b2_f"]
    pub b2_freq_hz: FloatParam,
    #[id = "b2_q"]
    pub b2_q: FloatParam,
    #[id = "b3_g"]
    pub b3_gain_db: FloatParam,
    #[id = "b3_f"]
    pub b3_freq_hz: FloatParam,
    #[id = "b3_q"]
    pub b3_q: FloatParam,
    #[id = "hs_g"]
    pub hs_gain_db: FloatParam,
    #[id = "hs_f"]
    pub hs_freq_hz: FloatParam,
    /// Band switches: off is a 0 dB band (crossfaded).
    #[id = "ls_on"]
    pub ls_on: BoolParam,
    #[id = "b1_on"]
    pub b1_on: BoolParam,
    #[id = "b2_on"]
    pub b2_on: BoolParam,
    #[id = "b3_on"]
    pub b3_on: BoolParam,
    #[id = "hs_on"]
    pub hs_on: BoolParam,
}

impl ManualParams {
    /// The 13 EQ parameters, SAFE order.
    pub fn eq(&self) -> [&FloatParam; NUM_PARAMS] {
        [
            &self.ls_gain_db,
            &self.ls_freq_hz,
            &self.b1_gain_db,
            &self.b1_freq_hz,
            &self.b1_q,
            &self.b2_gain_db,
            &self.b2_freq_hz,
            &self.b2_q,
            &self.b3_gain_db,
            &self.b3_freq_hz,
            &self.b3_q,
            &self.hs_gain_db,
            &self.hs_freq_hz,
        ]
    }

    /// The band switches, in band order.
    pub fn on(&self) -> [&BoolParam; BAND_COUNT] {
        [
            &self.ls_on,
            &self.b1_on,
            &self.b2_on,
            &self.b3_on,
            &self.hs_on,
        ]
    }
}

/// A manual EQ parameter: its name, range and default from the control
/// table, its display from its unit. Frequency and Q are skewed like their
/// log scale ([`PARAMS`]), so a host's slider spends as much travel on
/// each octave.
pub fn manual_param(i: usize) -> FloatParam {
    let p = &PARAMS[i];
    let row = row(Control::Eq(i));
    let (min, max) = (row.min as f32, row.max as f32);
    let range = match p.scale {
        ParamScale::Linear => FloatRange::Linear { min, max },
        ParamScale::Log => FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(if p.unit == "Hz" { -2.0 } else { -1.5 }),
        },
    };
    let param = FloatParam::new(row.label, row.default as f32, range);
    match p.unit {
        "dB" => param
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(parse_db)),
        "Hz" => param
            .with_value_to_string(Arc::new(format_hz))
            .with_string_to_value(Arc::new(parse_hz)),
        _ => param
            .with_value_to_string(Arc::new(format_q))
            .with_string_to_value(Arc::new(parse_q)),
    }
}

/// The plain value manual EQ parameter `i` takes at host-normalised
/// `normalized`, exactly as the plug-in computes it (for tests and tools
/// that reproduce a host's automation).
pub fn manual_plain(i: usize, normalized: f32) -> f32 {
    manual_param(i).preview_plain(normalized)
}

impl Default for ManualParams {
    fn default() -> Self {
        let on = |b: usize| switch(Control::BandOn(b));
        Self {
            ls_gain_db: manual_param(0),
            ls_freq_hz: manual_param(1),
            b1_gain_db: manual_param(2),
            b1_freq_hz: manual_param(3),
            b1_q: manual_param(4),
            b2_gain_db: manual_param(5),
            b2_freq_hz: manual_param(6),
            b2_q: manual_param(7),
            b3_gain_db: manual_param(8),
            b3_freq_hz: manual_param(9),
            b3_q: manual_param(10),
            hs_gain_db: manual_param(11),
            hs_freq_hz: manual_param(12),
            ls_on: on(0),
            b1_on: on(1),
            b2_on: on(2),
            b3_on: on(3),
            hs_on: on(4),
        }
    }
}

// Value texts. Hosts show them and parse typed values back with the
// `parse_*` functions. pedalboard (and scripts like it) decides from the
// texts whether a parameter is a number: each text must read as a number,
// optionally followed by a common unit ("%", "dB", "Hz", "kHz"), with any
// word in the parameter's unit label. A non-finite value (a host may ask
// for the text of NaN) shows as a number too, never as "NaN".

/// `v`, or 0 for NaN; infinities stay, for the callers to clamp.
fn finite_or_zero(v: f32) -> f32 {
    if v.is_nan() { 0.0 } else { v }
}

/// "85 Hz", "1.25 kHz".
pub fn format_hz(v: f32) -> String {
    let v = finite_or_zero(v).clamp(0.0, 1.0e6);
    if v < 1000.0 {
        format!("{v:.0} Hz")
    } else {
        format!("{:.2} kHz", v / 1000.0)
    }
}

/// "85 Hz", "85", "1.25 kHz", "1.25k" → Hz.
pub fn parse_hz(s: &str) -> Option<f32> {
    let t = s.trim().to_lowercase();
    let t = t.strip_suffix("hz").unwrap_or(&t).trim();
    let (num, scale) = match t.strip_suffix('k') {
        Some(n) => (n, 1000.0),
        None => (t, 1.0),
    };
    let v = num.trim().parse::<f32>().ok()? * scale;
    v.is_finite().then_some(v)
}

/// "0.71".
pub fn format_q(v: f32) -> String {
    format!("{:.2}", finite_or_zero(v).clamp(0.0, 1.0e3))
}

/// "0.71", "Q 0.71" → Q.
pub fn parse_q(s: &str) -> Option<f32> {
    let t = s.trim();
    let t = t
        .strip_prefix('Q')
        .or_else(|| t.strip_prefix('q'))
        .unwrap_or(t);
    let v = t.trim().parse::<f32>().ok()?;
    v.is_finite().then_some(v)
}

/// "+30 %", "−50 %": a morph position as a percentage of the line.
pub fn format_morph(v: f32) -> String {
    format_percent(v)
}

/// The host-facing names of x and y (from the control table, which says
/// why they hold only the axes' first ends).
pub const X_HOST_NAME: &str = CONTROLS[Control::X.index()].label;
/// See [`X_HOST_NAME`].
pub const Y_HOST_NAME: &str = CONTROLS[Control::Y.index()].label;

/// The unit label of the warm ↔ bright parameter: its text is a signed
/// percentage towards bright ("+30", "-30"), which a host shows as
/// "+30 % bright" and "-30 % bright" (30 % warm).
pub const X_UNIT: &str = " % bright";
/// The unit label of the y parameter (see [`X_UNIT`]).
pub const Y_UNIT: &str = " % full";

/// A bipolar −1..1 value as a signed whole percentage, the text hosts show
/// in front of [`X_UNIT`] or [`Y_UNIT`]: "+30", "0", "-100".
pub fn format_signed_percent(v: f32) -> String {
    let pct = (finite_or_zero(v).clamp(-1.0, 1.0) * 100.0).round();
    if pct == 0.0 {
        "0".to_string()
    } else {
        format!("{pct:+.0}")
    }
}

/// "40 % warm", "centre", "65 % bright": the editor's words for x.
pub fn format_x(v: f32) -> String {
    format_bipolar_words(v, "warm", "bright")
}

/// A host's text for x back to x: "+30", "-30 % bright", "30 % warm",
/// "30% bright", "centre". A bare number is a percentage, as the text
/// shows it.
pub fn parse_x(s: &str) -> Option<f32> {
    parse_bipolar(s, "warm", "bright")
}

/// "30 % thin", "centre", "30 % full": the editor's words for y.
pub fn format_y(v: f32) -> String {
    format_bipolar_words(v, Y_ENDS.0, Y_ENDS.1)
}

/// Inverse of [`format_signed_percent`] with [`Y_UNIT`], as [`parse_x`].
pub fn parse_y(s: &str) -> Option<f32> {
    parse_bipolar(s, Y_ENDS.0, Y_ENDS.1)
}

fn format_bipolar_words(v: f32, neg: &str, pos: &str) -> String {
    let v = finite_or_zero(v).clamp(-1.0, 1.0);
    let pct = (v.abs() * 100.0).round();
    if pct < 1.0 {
        "centre".to_string()
    } else if v < 0.0 {
        format!("{pct:.0} % {neg}")
    } else {
        format!("{pct:.0} % {pos}")
    }
}

fn parse_bipolar(s: &str, neg: &str, pos: &str) -> Option<f32> {
    let t = s.trim().to_lowercase();
    if t == "centre" || t == "center" {
        return Some(0.0);
    }
    let (num, sign) = if let Some(n) = t.strip_suffix(neg) {
        (n, -1.0)
    } else if let Some(n) = t.strip_suffix(pos) {
        (n, 1.0)
    } else {
        (t.as_str(), 1.0)
    };
    let n = num.trim().trim_end_matches('%').trim();
    let v = n.parse::<f32>().ok()? / 100.0 * sign;
    v.is_finite().then_some(v)
}

/// A factor shown as a whole percentage ("150 %").
pub fn format_percent(v: f32) -> String {
    format!("{:.0} %", finite_or_zero(v).clamp(-1.0e3, 1.0e3) * 100.0)
}

/// "150 %", "150%" or "150" → 1.5.
pub fn parse_percent(s: &str) -> Option<f32> {
    let v = s.trim().trim_end_matches('%').trim().parse::<f32>().ok()? / 100.0;
    v.is_finite().then_some(v)
}

/// "+3.5 dB".
pub fn format_db(v: f32) -> String {
    format!("{:+.1} dB", finite_or_zero(v).clamp(-1.0e3, 1.0e3))
}

/// "+3.5 dB", "-2", "4dB" → dB.
pub fn parse_db(s: &str) -> Option<f32> {
    let t = s.trim();
    let t = t
        .strip_suffix("dB")
        .or_else(|| t.strip_suffix("db"))
        .unwrap_or(t);
    let v = t.trim().parse::<f32>().ok()?;
    v.is_finite().then_some(v)
}

/// The control table's row for `c`.
fn row(c: Control) -> &'static ControlSpec {
    &CONTROLS[c.index()]
}

/// A linear plug-in parameter with the table's name, range and default.
fn linear(c: Control) -> FloatParam {
    let r = row(c);
    let range = FloatRange::Linear {
        min: r.min as f32,
        max: r.max as f32,
    };
    FloatParam::new(r.label, r.default as f32, range)
}

/// An on/off parameter with the table's name and default.
fn switch(c: Control) -> BoolParam {
    let r = row(c);
    BoolParam::new(r.label, r.default >= 0.5)
}

impl Default for SemanticEqParams {
    fn default() -> Self {
        Self::with_library(UserWords::default_path())
    }
}

impl SemanticEqParams {
    /// The parameters with the user's words read from `library`
    /// (`None`: no words).
    pub fn with_library(library: Option<std::path::PathBuf>) -> Self {
        let words = UserWords::new(library);
        let mode = row(Control::Mode);
        Self {
            x: linear(Control::X)
                .with_unit(X_UNIT)
                .with_value_to_string(Arc::new(format_signed_percent))
                .with_string_to_value(Arc::new(parse_x)),
            y: linear(Control::Y)
                .with_unit(Y_UNIT)
                .with_value_to_string(Arc::new(format_signed_percent))
                .with_string_to_value(Arc::new(parse_y)),
            amount: linear(Control::Amount)
                .with_value_to_string(Arc::new(format_percent))
                .with_string_to_value(Arc::new(parse_percent)),
            out: linear(Control::OutDb)
                .with_value_to_string(Arc::new(format_db))
                .with_string_to_value(Arc::new(parse_db)),
            auto: switch(Control::Auto),
            mix: linear(Control::Mix)
                .with_value_to_string(Arc::new(format_percent))
                .with_string_to_value(Arc::new(parse_percent)),
            bypass: switch(Control::Bypass).make_bypass(),
            mode: EnumParam::new(mode.label, ModeChoice::from_index(mode.default as usize)),
            morph: linear(Control::Morph)
                .with_value_to_string(Arc::new(format_morph))
                .with_string_to_value(Arc::new(parse_percent)),
            from: EnumParam::new("Morph from", Descriptor::Warm),
            to: EnumParam::new("Morph to", Descriptor::Bright),
            manual: ManualParams::default(),
            model: ModelSlot::new(words.clone()),
            words,
            ab_b: AtomicBool::new(false),
            ab_other: Mutex::new(BTreeMap::new()),
            solo: Solo::default(),
        }
    }

    /// Where each row of the control table lives among these parameters
    /// (by its ID), for the plug-in to follow; `None` for the rows it
    /// derives itself (the morph line's ends, from `from` and `to`).
    pub fn followed(&self) -> [Option<ParamPtr>; CONTROL_COUNT] {
        let map = self.param_map();
        std::array::from_fn(|i| {
            let id = CONTROLS[i].id;
            map.iter()
                .find(|(pid, _, _)| !id.is_empty() && pid == id)
                .map(|(_, ptr, _)| *ptr)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plug-in's parameters are the control table's rows: same IDs,
    /// names, ranges and defaults; the only others are the morph line's
    /// two landmark choices, from which the plug-in derives the table's
    /// line-end rows.
    #[test]
    fn parameters_are_the_control_table() {
        use semantic_eq_dsp::controls::by_id;
        let params = SemanticEqParams::default();
        let map = params.param_map();
        for (id, ptr, _) in &map {
            let Some(row) = by_id(id) else {
                assert!(
                    ["from", "to"].contains(&id.as_str()),
                    "{id} is not in the table"
                );
                continue;
            };
            // SAFETY: `ptr` points into `params`, alive for the whole test.
            let name = unsafe { ptr.name() };
            assert_eq!(name, row.label, "{id}");
            match *ptr {
                ParamPtr::FloatParam(p) => {
                    // SAFETY: as above.
                    let p = unsafe { &*p };
                    let range = (p.preview_plain(0.0), p.preview_plain(1.0));
                    assert_eq!(range, (row.min as f32, row.max as f32), "{id}");
                    assert_eq!(p.default_plain_value(), row.default as f32, "{id}");
                    assert!(!row.stepped(), "{id}");
                }
                ParamPtr::BoolParam(p) => {
                    // SAFETY: as above.
                    let p = unsafe { &*p };
                    assert_eq!(p.default_plain_value(), row.default == 1.0, "{id}");
                    assert_eq!((row.min, row.max), (0.0, 1.0), "{id}");
                    assert!(row.stepped(), "{id}");
                }
                ParamPtr::EnumParam(p) => {
                    // SAFETY: as above.
                    let p = unsafe { &*p };
                    assert_eq!(p.default_plain_value(), row.default as i32, "{id}");
                    assert_eq!((row.min, row.max), (0.0, (p.len() - 1) as f64), "{id}");
                    assert!(row.stepped(), "{id}");
                }
                ParamPtr::IntParam(_) => panic!("{id}: no integer parameters"),
            }
        }
        let followed = params.followed();
        for (row, ptr) in CONTROLS.iter().zip(followed) {
            assert_eq!(row.id.is_empty(), ptr.is_none(), "{}", row.label);
        }
        // The mode's index is the value the processor takes.
        for m in [ModeChoice::Pad, ModeChoice::Morph, ModeChoice::Manual] {
            assert_eq!(m.to_index() as f64, m.mode().value());
        }
    }

    #[test]
    fn x_reads_as_warm_or_bright_in_the_editor() {
        assert_eq!(format_x(-0.4), "40 % warm");
        assert_eq!(format_x(0.0), "centre");
        assert_eq!(format_x(0.004), "centre");
        assert_eq!(format_x(0.65), "65 % bright");
        assert_eq!(format_x(f32::NAN), "centre");
        for v in [-1.0, -0.4, 0.0, 0.65, 1.0] {
            assert_eq!(parse_x(&format_x(v)), Some(v), "{v}");
        }
        assert_eq!(parse_x("25% Warm"), Some(-0.25));
        assert_eq!(parse_x("warmish"), None);
        assert_eq!(parse_x("NaN"), None);
    }

    #[test]
    fn host_texts_of_x_and_y_are_signed_percentages_with_a_unit() {
        let p = SemanticEqParams::default();
        // What a host shows: the text, then the unit label.
        assert_eq!(p.x.normalized_value_to_string(0.65, true), "+30 % bright");
        assert_eq!(p.x.normalized_value_to_string(0.35, false), "-30");
        assert_eq!(p.x.normalized_value_to_string(0.5, false), "0");
        assert_eq!(p.y.normalized_value_to_string(1.0, true), "+100 % full");
        // Typed back in any of the forms a host or a script may send:
        // the full text, the number alone (a percentage, as shown), or
        // the editor's words.
        for (typed, x) in [
            ("+30 % bright", 0.3),
            ("30 % bright", 0.3),
            ("30% bright", 0.3),
            ("30", 0.3),
            ("30.0", 0.3),
            ("-30", -0.3),
            ("30 % warm", -0.3),
            ("centre", 0.0),
            ("0.3", 0.003),
        ] {
            let n = p.x.string_to_normalized_value(typed).unwrap();
            assert!((p.x.preview_plain(n) - x).abs() < 1e-6, "{typed}");
        }
        assert_eq!(p.y.string_to_normalized_value("-50 % full"), Some(0.25));
        assert_eq!(p.y.string_to_normalized_value("50 % thin"), Some(0.25));
        for v in [-1.0, -0.37, 0.0, 0.42, 1.0] {
            let shown = format_signed_percent(v);
            assert_eq!(parse_x(&shown), Some(v), "{shown}");
        }
    }

    #[test]
    fn no_text_shows_nan_or_infinity() {
        for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            for text in [
                format_signed_percent(v),
                format_x(v),
                format_y(v),
                format_db(v),
                format_hz(v),
                format_q(v),
                format_percent(v),
                format_morph(v),
            ] {
                let t = text.to_lowercase();
                assert!(!t.contains("nan") && !t.contains("inf"), "{v}: {text}");
            }
        }
        assert_eq!(format_signed_percent(f32::NAN), "0");
        assert_eq!(format_signed_percent(f32::INFINITY), "+100");
        assert_eq!(format_db(f32::NAN), "+0.0 dB");
    }

    /// pedalboard's rule (`looks_like_float` in its `_pedalboard.py`): a
    /// parameter is a number if every text, with common unit suffixes
    /// stripped, parses as a float. Checked on the texts of 1001 evenly
    /// spaced values, as pedalboard samples them.
    #[test]
    fn every_continuous_parameter_reads_as_a_number() {
        fn looks_like_float(text: &str) -> bool {
            let mut t = text.trim().to_lowercase();
            if let Some(k) = t.strip_suffix("khz") {
                return k.trim().parse::<f64>().is_ok();
            }
            loop {
                let before = t.len();
                for suffix in ["%", "x", "*", ",", ".", "hz", "ms", "db", "sec"] {
                    if let Some(rest) = t.strip_suffix(suffix) {
                        t = rest.trim().to_string();
                    }
                }
                if t.len() == before {
                    break;
                }
            }
            t.parse::<f64>().is_ok()
        }
        let p = SemanticEqParams::default();
        let mut checked = 0;
        for (id, ptr, _) in p.param_map() {
            use nice_plug::params::internals::ParamPtr;
            if !matches!(ptr, ParamPtr::FloatParam(_)) {
                continue;
            }
            for i in 0..=1000 {
                // SAFETY: `ptr` points into `p`, which is alive.
                let text = unsafe { ptr.normalized_value_to_string(i as f32 / 1000.0, false) };
                assert!(looks_like_float(&text), "{id}: {text:?}");
            }
            checked += 1;
        }
        assert_eq!(
            checked,
            6 + 13,
            "x, y, amount, out, mix, morph and the 13 manual ones"
        );
    }

    #[test]
    fn percent_and_db_round_trip() {
        assert_eq!(format_percent(1.5), "150 %");
        assert_eq!(parse_percent("150 %"), Some(1.5));
        assert_eq!(format_db(-3.25), "-3.2 dB");
        assert_eq!(parse_db("+4.5 dB"), Some(4.5));
        assert_eq!(parse_db("inf"), None);
    }

    #[test]
    fn ids_are_stable_and_unique() {
        let p = SemanticEqParams::default();
        let ids: Vec<String> = p.param_map().into_iter().map(|(id, _, _)| id).collect();
        assert_eq!(
            ids,
            [
                "x", "y", "amount", "out", "auto", "mix", "bypass", "mode", "morph", "from", "to",
                "ls_g", "ls_f", "b1_g", "b1_f", "b1_q", "b2_g", "b2_f", "b2_q", "b3_g", "b3_f",
                "b3_q", "hs_g", "hs_f", "ls_on", "b1_on", "b2_on", "b3_on", "hs_on"
            ]
        );
        // Enum choices are stored by ID: the descriptor list only grows at
        // the end, and the model descriptors' IDs are the landmark names.
        assert_eq!(
            Descriptor::ids().unwrap(),
            [
                "warm", "bright", "airy", "boomy", "clear", "muddy", "re27", "thin", "vocals",
                "full", "user1", "user2", "user3", "user4", "user5", "user6", "user7", "user8"
            ]
        );
        let model: Vec<&str> = Descriptor::model_choices().map(Descriptor::name).collect();
        assert_eq!(model, Descriptor::ids().unwrap()[..model.len()]);
        for k in 0..USER_SLOTS {
            let d = Descriptor::user(k);
            assert_eq!(d.user_slot(), Some(k));
            assert_eq!(d.name(), format!("User word {}", k + 1));
            assert_eq!(
                Descriptor::ids().unwrap()[d.to_index()],
                format!("user{}", k + 1)
            );
        }
        assert!(Descriptor::model_choices().all(|d| d.user_slot().is_none()));
        assert_eq!(ModeChoice::ids().unwrap(), ["pad", "morph", "manual"]);
    }

    #[test]
    fn manual_params_follow_the_parameter_space() {
        let m = ManualParams::default();
        for (i, (param, spec)) in m.eq().into_iter().zip(&PARAMS).enumerate() {
            assert_eq!(f64::from(param.default_plain_value()), spec.default, "{i}");
            assert_eq!(f64::from(param.preview_plain(0.0)), spec.min as f32 as f64);
            assert_eq!(f64::from(param.preview_plain(1.0)), spec.max as f32 as f64);
            // The display parses back to the same value (to its precision).
            let shown = param.normalized_value_to_string(0.37, true);
            let back = param.string_to_normalized_value(&shown).unwrap();
            let (a, b) = (param.preview_plain(0.37), param.preview_plain(back));
            assert!(
                (a - b).abs() <= 0.01 * a.abs().max(1.0),
                "{shown}: {a} vs {b}"
            );
        }
        assert_eq!(m.b2_freq_hz.name(), "Bell 2 freq");
        assert_eq!(m.ls_gain_db.name(), "Low shelf gain");
        assert_eq!(m.b3_q.name(), "Bell 3 Q");
        assert_eq!(parse_hz("1.25 kHz"), Some(1250.0));
        assert_eq!(parse_hz("85"), Some(85.0));
        assert_eq!(format_hz(1250.0), "1.25 kHz");
        assert_eq!(parse_q("Q 0.7"), Some(0.7));
        assert_eq!(Descriptor::from_name("bright"), Some(Descriptor::Bright));
        assert_eq!(Descriptor::Thin.name(), "thin");
        assert_eq!(Descriptor::from_name("shiny"), None);
    }

    #[test]
    fn every_shipped_landmark_is_a_choice() {
        let decoder = semantic_eq_model::Decoder::embedded();
        let landmarks = decoder.landmarks();
        let names: Vec<String> = landmarks.iter().map(|l| l.name.clone()).collect();
        let mut kept: Vec<&str> = Descriptor::model_choices()
            .filter(|d| d.retired_to().is_none())
            .map(Descriptor::name)
            .collect();
        kept.sort_unstable();
        assert_eq!(names, kept);
        // A retired choice plays its replacement, which the model has.
        for d in [Descriptor::Re27, Descriptor::Vocals] {
            let to = d.retired_to().unwrap();
            assert!(to.retired_to().is_none());
            assert_eq!(d.find_in(&landmarks).unwrap().name, to.name());
        }
    }
}
