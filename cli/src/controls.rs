//! Everything the command line and automation files can set, in one table.
//!
//! A *control* is a named, ranged number: the 13 EQ parameters (plain
//! units, manual mode), `amount` (percent), `out_db`, the pad's `x` and `y`,
//! `mix` (percent), and the switches `auto` and `bypass` (0 or 1). Static
//! flags fill a [`ControlValues`], automation overrides some of its entries
//! over time, and [`processor_control`] / [`processor_plain`] say what each
//! one means to the [`semantic_eq_dsp::Processor`], which the plug-in drives too.
//! Adding a control means adding a row to [`CONTROLS`] and a case to those
//! two functions; the automation parser picks it up by name.

use semantic_eq_dsp::engine::{AMOUNT_RANGE, OUTPUT_DB_RANGE};
use semantic_eq_dsp::processor::MORPH_RANGE;
use semantic_eq_dsp::{Control, Targets};
use semantic_eq_model::{BAND_COUNT, EqParams, NUM_PARAMS, PARAMS};

/// One automatable / settable value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlSpec {
    /// Name used in automation headers.
    pub name: &'static str,
    /// Display unit ("dB", "Hz", "%", "" for Q).
    pub unit: &'static str,
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
    /// Value used when nothing sets it.
    pub default: f64,
    /// A switch: automation steps instead of interpolating.
    pub stepped: bool,
}

impl ControlSpec {
    /// Whether `v` is a finite value inside the range.
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && v >= self.min && v <= self.max
    }
}

/// Number of controls.
pub const CONTROL_COUNT: usize = NUM_PARAMS + 9 + BAND_COUNT;
/// Index of `amount` (percent, 0..=200) in [`CONTROLS`].
pub const AMOUNT: usize = NUM_PARAMS;
/// Index of `out_db` (dB) in [`CONTROLS`].
pub const OUT_DB: usize = NUM_PARAMS + 1;
/// Index of `x` (pad, −1 warm .. +1 bright) in [`CONTROLS`].
pub const X: usize = NUM_PARAMS + 2;
/// Index of `y` (pad, −1..+1) in [`CONTROLS`].
pub const Y: usize = NUM_PARAMS + 3;
/// Index of `mix` (percent, 0..=100) in [`CONTROLS`].
pub const MIX: usize = NUM_PARAMS + 4;
/// Index of `auto` (auto-gain, 0 or 1) in [`CONTROLS`].
pub const AUTO: usize = NUM_PARAMS + 5;
/// Index of `bypass` (0 or 1) in [`CONTROLS`].
pub const BYPASS: usize = NUM_PARAMS + 6;
/// Index of `morph` (percent along the `--from`/`--to` line, −50..150).
pub const MORPH: usize = NUM_PARAMS + 7;
/// Index of `mode` (0 = pad, 1 = morph, 2 = manual) in [`CONTROLS`].
pub const MODE: usize = NUM_PARAMS + 8;
/// Index of the first band switch (`ls_on`, then `b1_on` … `hs_on`; 1 = on).
pub const BAND_ON: usize = NUM_PARAMS + 9;

/// All controls: the 13 EQ parameters in SAFE order, then `amount`,
/// `out_db`, `x`, `y`, `mix`, `auto`, `bypass`, `morph`, `mode` and the
/// five band switches.
pub const CONTROLS: [ControlSpec; CONTROL_COUNT] = build_controls();

const fn build_controls() -> [ControlSpec; CONTROL_COUNT] {
    let mut out = [ControlSpec {
        name: "",
        unit: "",
        min: 0.0,
        max: 0.0,
        default: 0.0,
        stepped: false,
    }; CONTROL_COUNT];
    let mut i = 0;
    while i < NUM_PARAMS {
        let p = &PARAMS[i];
        out[i] = ControlSpec {
            name: p.name,
            unit: p.unit,
            min: p.min,
            max: p.max,
            default: p.default,
            stepped: false,
        };
        i += 1;
    }
    out[AMOUNT] = ControlSpec {
        name: "amount",
        unit: "%",
        min: AMOUNT_RANGE.0 * 100.0,
        max: AMOUNT_RANGE.1 * 100.0,
        default: 100.0,
        stepped: false,
    };
    out[OUT_DB] = ControlSpec {
        name: "out_db",
        unit: "dB",
        min: OUTPUT_DB_RANGE.0,
        max: OUTPUT_DB_RANGE.1,
        default: 0.0,
        stepped: false,
    };
    out[X] = pad("x");
    out[Y] = pad("y");
    out[MIX] = ControlSpec {
        name: "mix",
        unit: "%",
        min: 0.0,
        max: 100.0,
        default: 100.0,
        stepped: false,
    };
    out[AUTO] = switch("auto");
    out[BYPASS] = switch("bypass");
    out[MORPH] = ControlSpec {
        name: "morph",
        unit: "%",
        min: MORPH_RANGE.0 * 100.0,
        max: MORPH_RANGE.1 * 100.0,
        default: 0.0,
        stepped: false,
    };
    out[MODE] = ControlSpec {
        name: "mode",
        unit: "",
        min: 0.0,
        max: 2.0,
        default: 0.0,
        stepped: true,
    };
    let mut b = 0;
    while b < BAND_COUNT {
        out[BAND_ON + b] = ControlSpec {
            default: 1.0,
            ..switch(BAND_ON_NAMES[b])
        };
        b += 1;
    }
    out
}

/// Names of the band switches, in band order (the plug-in's IDs too).
pub const BAND_ON_NAMES: [&str; BAND_COUNT] = ["ls_on", "b1_on", "b2_on", "b3_on", "hs_on"];

const fn pad(name: &'static str) -> ControlSpec {
    ControlSpec {
        name,
        unit: "",
        min: -1.0,
        max: 1.0,
        default: 0.0,
        stepped: false,
    }
}

/// A 0/1 switch, off by default.
const fn switch(name: &'static str) -> ControlSpec {
    ControlSpec {
        name,
        unit: "",
        min: 0.0,
        max: 1.0,
        default: 0.0,
        stepped: true,
    }
}

/// Index of a control by name.
pub fn control_index(name: &str) -> Option<usize> {
    CONTROLS.iter().position(|c| c.name == name)
}

/// What control `i` of [`CONTROLS`] is to the processor.
pub fn processor_control(i: usize) -> Control {
    match i {
        AMOUNT => Control::Amount,
        OUT_DB => Control::OutDb,
        X => Control::X,
        Y => Control::Y,
        MIX => Control::Mix,
        AUTO => Control::Auto,
        BYPASS => Control::Bypass,
        MORPH => Control::Morph,
        MODE => Control::Mode,
        i if i >= BAND_ON => Control::BandOn(i - BAND_ON),
        i => Control::Eq(i),
    }
}

/// `v` (this table's units) in the processor's plain units: percentages
/// become factors, the rest is unchanged.
pub fn processor_plain(i: usize, v: f64) -> f64 {
    match i {
        AMOUNT | MIX | MORPH => v / 100.0,
        _ => v,
    }
}

/// `v` (plain units) in the processor's smoothing units: EQ parameters
/// normalised to [0, 1] (so frequency and Q move on a log scale), `amount`
/// and `mix` as factors, the rest unchanged.
pub fn to_engine_unit(control: usize, v: f64) -> f64 {
    match control {
        AMOUNT | MIX | MORPH => v / 100.0,
        i if i < NUM_PARAMS => PARAMS[i].normalize(v),
        _ => v,
    }
}

/// A value for every control.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlValues(pub [f64; CONTROL_COUNT]);

impl Default for ControlValues {
    fn default() -> Self {
        Self(CONTROLS.map(|c| c.default))
    }
}

impl ControlValues {
    /// Sets the 13 EQ parameters.
    pub fn set_eq(&mut self, eq: &EqParams) {
        self.0[..NUM_PARAMS].copy_from_slice(&eq.to_array());
    }

    /// These values in engine units (see [`to_engine_unit`]).
    pub fn to_engine_units(&self) -> [f64; CONTROL_COUNT] {
        std::array::from_fn(|i| to_engine_unit(i, self.0[i]))
    }

    /// The engine targets these values stand for.
    pub fn to_targets(&self) -> Targets {
        let mut eq = [0.0; NUM_PARAMS];
        eq.copy_from_slice(&self.0[..NUM_PARAMS]);
        Targets {
            eq: EqParams::from_array(eq),
            amount: self.0[AMOUNT] / 100.0,
            output_db: self.0[OUT_DB],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_model_and_engine() {
        for (c, p) in CONTROLS.iter().zip(&PARAMS) {
            assert_eq!(
                (c.name, c.min, c.max, c.default),
                (p.name, p.min, p.max, p.default)
            );
        }
        assert_eq!(control_index("amount"), Some(AMOUNT));
        assert_eq!(control_index("out_db"), Some(OUT_DB));
        assert_eq!(control_index("b2_q"), Some(7));
        assert_eq!(control_index("time_s"), None);
        let t = ControlValues::default().to_targets();
        assert_eq!(t, Targets::default());
        let u = ControlValues::default().to_engine_units();
        let n = Targets::default().normalized();
        assert_eq!(
            (&u[..NUM_PARAMS], u[AMOUNT], u[OUT_DB]),
            (&n.eq[..], n.amount, n.output_db)
        );
        for name in ["x", "y", "mix", "auto", "bypass"] {
            let i = control_index(name).unwrap();
            assert!(CONTROLS[i].contains(CONTROLS[i].default));
        }
        assert_eq!(processor_control(X), Control::X);
        assert_eq!(processor_control(3), Control::Eq(3));
        assert_eq!(processor_plain(MIX, 50.0), 0.5);
        assert_eq!(processor_control(MODE), Control::Mode);
        assert_eq!(control_index("b2_on"), Some(BAND_ON + 2));
        assert_eq!(processor_control(BAND_ON + 4), Control::BandOn(4));
        assert!(CONTROLS[BAND_ON + 1].stepped && CONTROLS[MODE].stepped);
        assert_eq!(CONTROLS[BAND_ON + 3].default, 1.0);
        let names: Vec<&str> = CONTROLS.iter().map(|c| c.name).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!n.is_empty() && !names[..i].contains(n), "{n}");
        }
    }

    #[test]
    fn amount_is_a_percentage() {
        let mut v = ControlValues::default();
        v.0[AMOUNT] = 50.0;
        v.0[OUT_DB] = -3.0;
        let t = v.to_targets();
        assert_eq!(t.amount, 0.5);
        assert_eq!(t.output_db, -3.0);
        assert!(CONTROLS[AMOUNT].contains(200.0) && !CONTROLS[AMOUNT].contains(200.1));
    }
}
