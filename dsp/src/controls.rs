//! The one table of everything that can be set: [`CONTROLS`].
//!
//! Each row says what a control is called (the plug-in's stable parameter
//! ID, the command line's automation name, the name hosts show), its unit,
//! range, default and stepping, how long a change takes to arrive, and how
//! its value reaches the engine ([`Map`]). The plug-in builds its
//! parameters and the list of values it follows from it, the CLI its
//! flags, automation names and ranges, and the [`crate::Processor`] its
//! smoothing slots, so adding a control is one row here plus what the
//! processor does with it ([`Control`]).
//!
//! Values in the table are in the processor's *plain* units: amount and mix
//! are factors (1 = 100 %), frequencies Hz, gains dB. The command line shows
//! percentages as percentages ([`ControlSpec::cli_scale`]).

use crate::consts::{AMOUNT_RANGE, OUTPUT_DB_RANGE};
use semantic_eq_model::{BAND_COUNT, LATENT_BOX, NUM_PARAMS, PARAMS, ParamSpec};

/// Range of [`Control::Morph`]: the line is followed a half beyond either
/// landmark ("beyond warm"); the decoder clamps to its input box anyway.
pub const MORPH_RANGE: (f64, f64) = (-0.5, 1.5);

/// The decoder's input box as f64: the morph line's ends lie inside it.
const LATENT_BOX_F64: f64 = LATENT_BOX as f64;

/// Everything the processor can be told, in plain units (see [`CONTROLS`]
/// for ranges and [`Control::row`] for where each sits in the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Pad x, −1 (warm) .. +1 (bright).
    X,
    /// Pad y, −1 .. +1.
    Y,
    /// Gain scale, a factor (1 = the decoded EQ).
    Amount,
    /// Output gain, dB.
    OutDb,
    /// Auto-gain, 0 = off, 1 = on.
    Auto,
    /// Wet share, 0..=1.
    Mix,
    /// 1 = bypassed (dry), 0 = processing.
    Bypass,
    /// [`crate::Mode::value`]: 0 = pad, 1 = morph, 2 = manual (nearest).
    Mode,
    /// Position on the morph line, 0 = the `from` landmark, 1 = `to`
    /// ([`MORPH_RANGE`]).
    Morph,
    /// The morph line's start on the pad (x), within the decoder's box.
    FromX,
    /// The morph line's start (y).
    FromY,
    /// The morph line's end (x).
    ToX,
    /// The morph line's end (y).
    ToY,
    /// One of the 13 manual EQ parameters (SAFE order, plain units).
    Eq(usize),
    /// Manual band on (1) or off (0), band 0..5.
    BandOn(usize),
}

/// How a control's plain value becomes the value the processor smooths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Map {
    /// Clamped to the range and smoothed as it is.
    Clamp,
    /// A manual EQ parameter: clamped, then normalised to [0, 1] by its
    /// [`ParamSpec`] (gain linear in dB, frequency and Q logarithmic, as
    /// they are heard).
    Normalize,
    /// On (≥ 0.5, smoothed as 1) or off (0); a change crossfades.
    Switch,
    /// One of a few choices: rounded to the nearest whole number in range.
    Choice,
}

/// Smoothing times, ms: how long a change of each kind takes to arrive.
pub mod smoothing_ms {
    /// Pad position: long enough to glide, short enough to follow a hand.
    pub const PAD: f64 = 20.0;
    /// Amount and the manual EQ parameters.
    pub const EQ: f64 = 20.0;
    /// Output gain.
    pub const OUT: f64 = 20.0;
    /// Mix.
    pub const MIX: f64 = 20.0;
    /// Switches (auto-gain, bypass, mode, band on/off, morph landmarks)
    /// crossfade over this.
    pub const SWITCH: f64 = 30.0;
}

/// One row of [`CONTROLS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlSpec {
    /// What the processor does with the value.
    pub control: Control,
    /// The plug-in parameter's ID: short and never renamed, since hosts
    /// store automation and presets under it. Empty for a control the
    /// plug-in derives from other parameters (the morph line's ends).
    pub id: &'static str,
    /// Name on the command line and in automation files (stable too:
    /// users' files use it). Empty for a control they cannot set.
    pub name: &'static str,
    /// The name hosts show.
    pub label: &'static str,
    /// Unit of the command line's value ("dB", "Hz", "%", "" for Q,
    /// switches and the pad).
    pub unit: &'static str,
    /// Smallest value, plain units.
    pub min: f64,
    /// Largest value, plain units.
    pub max: f64,
    /// Value when nothing sets it, plain units.
    pub default: f64,
    /// The command line's value is the plain value times this (100 for a
    /// factor shown as a percentage, else 1).
    pub cli_scale: f64,
    /// How the value reaches the engine; switches and choices step where
    /// automation would otherwise interpolate.
    pub map: Map,
    /// Time a change takes to arrive, ms.
    pub smoothing_ms: f64,
}

impl ControlSpec {
    /// A switch or a choice: automation steps instead of interpolating.
    pub const fn stepped(&self) -> bool {
        matches!(self.map, Map::Switch | Map::Choice)
    }

    /// Whether `v` (plain units) is a finite value inside the range.
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && v >= self.min && v <= self.max
    }

    /// `v` (plain units) in the domain the processor smooths in; `None`
    /// for NaN. Out-of-range values are clamped.
    pub fn unit_value(&self, v: f64) -> Option<f64> {
        if v.is_nan() {
            return None;
        }
        Some(match (self.map, self.control) {
            (Map::Switch, _) => f64::from(u8::from(v >= 0.5)),
            (Map::Choice, _) => v.round().clamp(self.min, self.max),
            (Map::Normalize, Control::Eq(i)) => PARAMS[i].normalize(v.clamp(self.min, self.max)),
            _ => v.clamp(self.min, self.max),
        })
    }

    /// The range of [`ControlSpec::unit_value`].
    pub fn unit_range(&self) -> (f64, f64) {
        match self.map {
            Map::Clamp => (self.min, self.max),
            // Choices are set, never ramped through: the ramped path keeps
            // the range the processor always gave it.
            Map::Normalize | Map::Switch | Map::Choice => (0.0, 1.0),
        }
    }
}

/// Number of rows in [`CONTROLS`].
pub const CONTROL_COUNT: usize = NUM_PARAMS + 9 + BAND_COUNT + 4;

impl Control {
    /// This control's row in [`CONTROLS`] (a test checks that the row holds
    /// this control); `None` for an EQ parameter or band past the last.
    pub const fn row(self) -> Option<usize> {
        const AFTER_EQ: usize = NUM_PARAMS;
        const AFTER_ON: usize = NUM_PARAMS + 9 + BAND_COUNT;
        Some(match self {
            Control::Eq(i) if i < NUM_PARAMS => i,
            Control::Amount => AFTER_EQ,
            Control::OutDb => AFTER_EQ + 1,
            Control::X => AFTER_EQ + 2,
            Control::Y => AFTER_EQ + 3,
            Control::Mix => AFTER_EQ + 4,
            Control::Auto => AFTER_EQ + 5,
            Control::Bypass => AFTER_EQ + 6,
            Control::Morph => AFTER_EQ + 7,
            Control::Mode => AFTER_EQ + 8,
            Control::BandOn(b) if b < BAND_COUNT => AFTER_EQ + 9 + b,
            Control::FromX => AFTER_ON,
            Control::FromY => AFTER_ON + 1,
            Control::ToX => AFTER_ON + 2,
            Control::ToY => AFTER_ON + 3,
            Control::Eq(_) | Control::BandOn(_) => return None,
        })
    }

    /// The row of a control that has one (for constants).
    pub const fn index(self) -> usize {
        match self.row() {
            Some(r) => r,
            None => panic!("no such control"),
        }
    }

    /// This control's row.
    pub fn spec(self) -> Option<&'static ControlSpec> {
        self.row().map(|r| &CONTROLS[r])
    }
}

/// Every control: the 13 EQ parameters in SAFE order, then amount, output,
/// x, y, mix, auto-gain, bypass, morph, mode, the five band switches, and
/// last the morph line's ends, which the plug-in and the CLI derive from
/// the chosen landmarks. Rows with a command-line name come first, so the
/// CLI's controls are `CONTROLS[..CLI_COUNT]`.
pub static CONTROLS: [ControlSpec; CONTROL_COUNT] = [
    eq(0, "ls_g", "Low shelf gain"),
    eq(1, "ls_f", "Low shelf freq"),
    eq(2, "b1_g", "Bell 1 gain"),
    eq(3, "b1_f", "Bell 1 freq"),
    eq(4, "b1_q", "Bell 1 Q"),
    eq(5, "b2_g", "Bell 2 gain"),
    eq(6, "b2_f", "Bell 2 freq"),
    eq(7, "b2_q", "Bell 2 Q"),
    eq(8, "b3_g", "Bell 3 gain"),
    eq(9, "b3_f", "Bell 3 freq"),
    eq(10, "b3_q", "Bell 3 Q"),
    eq(11, "hs_g", "High shelf gain"),
    eq(12, "hs_f", "High shelf freq"),
    ControlSpec {
        control: Control::Amount,
        id: "amount",
        name: "amount",
        label: "Amount",
        unit: "%",
        min: AMOUNT_RANGE.0,
        max: AMOUNT_RANGE.1,
        default: 1.0,
        cli_scale: 100.0,
        map: Map::Clamp,
        smoothing_ms: smoothing_ms::EQ,
    },
    ControlSpec {
        control: Control::OutDb,
        id: "out",
        name: "out_db",
        label: "Output",
        unit: "dB",
        min: OUTPUT_DB_RANGE.0,
        max: OUTPUT_DB_RANGE.1,
        default: 0.0,
        cli_scale: 1.0,
        map: Map::Clamp,
        smoothing_ms: smoothing_ms::OUT,
    },
    // Hosts show name, value and unit together ("Warm ↔ +30 % bright"),
    // and pedalboard names a parameter from name and unit (`warm_bright`),
    // so the name holds the axis's first end and the plug-in's unit the
    // second.
    pad_axis(Control::X, "x", "Warm ↔"),
    pad_axis(Control::Y, "y", "Thin ↔"),
    ControlSpec {
        control: Control::Mix,
        id: "mix",
        name: "mix",
        label: "Mix",
        unit: "%",
        min: 0.0,
        max: 1.0,
        default: 1.0,
        cli_scale: 100.0,
        map: Map::Clamp,
        smoothing_ms: smoothing_ms::MIX,
    },
    switch(Control::Auto, "auto", "auto", "Auto-gain", 0.0),
    switch(Control::Bypass, "bypass", "bypass", "Bypass", 0.0),
    ControlSpec {
        control: Control::Morph,
        id: "morph",
        name: "morph",
        label: "Morph",
        unit: "%",
        min: MORPH_RANGE.0,
        max: MORPH_RANGE.1,
        // The plug-in opens halfway along the line; the CLI starts at its
        // `--from` end (its own default, see `semantic_eq_cli::controls`).
        default: 0.5,
        cli_scale: 100.0,
        map: Map::Clamp,
        smoothing_ms: smoothing_ms::PAD,
    },
    ControlSpec {
        control: Control::Mode,
        id: "mode",
        name: "mode",
        label: "Mode",
        unit: "",
        min: 0.0,
        max: 2.0,
        default: 0.0,
        cli_scale: 1.0,
        map: Map::Choice,
        smoothing_ms: smoothing_ms::SWITCH,
    },
    switch(Control::BandOn(0), "ls_on", "ls_on", "Low shelf on", 1.0),
    switch(Control::BandOn(1), "b1_on", "b1_on", "Bell 1 on", 1.0),
    switch(Control::BandOn(2), "b2_on", "b2_on", "Bell 2 on", 1.0),
    switch(Control::BandOn(3), "b3_on", "b3_on", "Bell 3 on", 1.0),
    switch(Control::BandOn(4), "hs_on", "hs_on", "High shelf on", 1.0),
    line_end(Control::FromX, "Morph from x"),
    line_end(Control::FromY, "Morph from y"),
    line_end(Control::ToX, "Morph to x"),
    line_end(Control::ToY, "Morph to y"),
];

/// Rows the command line and automation files can set: the first ones.
pub const CLI_COUNT: usize = NUM_PARAMS + 9 + BAND_COUNT;

/// Manual EQ parameter `i`: range and default from the parameter space.
const fn eq(i: usize, id: &'static str, label: &'static str) -> ControlSpec {
    let p: &ParamSpec = &PARAMS[i];
    ControlSpec {
        control: Control::Eq(i),
        id,
        name: p.name,
        label,
        unit: p.unit,
        min: p.min,
        max: p.max,
        default: p.default,
        cli_scale: 1.0,
        map: Map::Normalize,
        smoothing_ms: smoothing_ms::EQ,
    }
}

const fn pad_axis(control: Control, id: &'static str, label: &'static str) -> ControlSpec {
    ControlSpec {
        control,
        id,
        name: id,
        label,
        unit: "",
        min: -1.0,
        max: 1.0,
        default: 0.0,
        cli_scale: 1.0,
        map: Map::Clamp,
        smoothing_ms: smoothing_ms::PAD,
    }
}

const fn switch(
    control: Control,
    id: &'static str,
    name: &'static str,
    label: &'static str,
    default: f64,
) -> ControlSpec {
    ControlSpec {
        control,
        id,
        name,
        label,
        unit: "",
        min: 0.0,
        max: 1.0,
        default,
        cli_scale: 1.0,
        map: Map::Switch,
        smoothing_ms: smoothing_ms::SWITCH,
    }
}

/// A coordinate of the morph line's start or end: set by the plug-in and
/// the CLI from a landmark, never by a user directly.
const fn line_end(control: Control, label: &'static str) -> ControlSpec {
    ControlSpec {
        control,
        id: "",
        name: "",
        label,
        unit: "",
        min: -LATENT_BOX_F64,
        max: LATENT_BOX_F64,
        default: 0.0,
        cli_scale: 1.0,
        map: Map::Clamp,
        smoothing_ms: smoothing_ms::SWITCH,
    }
}

/// The row named `name` on the command line.
pub fn by_name(name: &str) -> Option<&'static ControlSpec> {
    CONTROLS[..CLI_COUNT].iter().find(|c| c.name == name)
}

/// The row with plug-in parameter ID `id`.
pub fn by_id(id: &str) -> Option<&'static ControlSpec> {
    CONTROLS.iter().find(|c| !c.id.is_empty() && c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_holds_the_control_that_points_to_it() {
        for (r, c) in CONTROLS.iter().enumerate() {
            assert_eq!(c.control.row(), Some(r), "{c:?}");
        }
        assert_eq!(Control::Eq(NUM_PARAMS).row(), None);
        assert_eq!(Control::BandOn(BAND_COUNT).row(), None);
    }

    #[test]
    fn names_and_ids_are_unique_and_cli_rows_come_first() {
        for (r, c) in CONTROLS.iter().enumerate() {
            assert_eq!(!c.name.is_empty(), r < CLI_COUNT, "{c:?}");
            for other in &CONTROLS[..r] {
                assert!(c.name.is_empty() || c.name != other.name, "{}", c.name);
                assert!(c.id.is_empty() || c.id != other.id, "{}", c.id);
                assert_ne!(c.label, other.label);
            }
            assert!(c.min < c.max && c.contains(c.default), "{c:?}");
            assert!(c.smoothing_ms > 0.0);
        }
    }

    #[test]
    fn eq_rows_are_the_parameter_space() {
        for (i, p) in PARAMS.iter().enumerate() {
            let c = &CONTROLS[i];
            assert_eq!(
                (c.name, c.unit, c.min, c.max, c.default),
                (p.name, p.unit, p.min, p.max, p.default)
            );
            assert_eq!(c.unit_value(p.max), Some(1.0));
            assert_eq!(c.unit_value(p.min - (p.max - p.min)), Some(0.0));
        }
    }

    #[test]
    fn unit_values_follow_the_map() {
        let auto = Control::Auto.spec().unwrap();
        assert_eq!(auto.unit_value(0.49), Some(0.0));
        assert_eq!(auto.unit_value(0.5), Some(1.0));
        let mode = Control::Mode.spec().unwrap();
        assert_eq!(mode.unit_value(1.6), Some(2.0));
        assert_eq!(mode.unit_value(-3.0), Some(0.0));
        let out = Control::OutDb.spec().unwrap();
        assert_eq!(out.unit_value(1e9), Some(OUTPUT_DB_RANGE.1));
        assert_eq!(out.unit_value(f64::NAN), None);
        assert_eq!(by_name("out_db").map(|c| c.control), Some(Control::OutDb));
        assert_eq!(by_id("out").map(|c| c.control), Some(Control::OutDb));
        assert!(by_name("").is_none() && by_id("").is_none());
    }
}
