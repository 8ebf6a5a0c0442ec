//! Everything the command line and automation files can set: the first
//! [`CONTROL_COUNT`] rows of the engine's control table
//! ([`semantic_eq_dsp::controls::CONTROLS`]), in this tool's units.
//!
//! A *control* is a named, ranged number: the 13 EQ parameters (plain
//! units, manual mode), `amount` (percent), `out_db`, the pad's `x` and `y`,
//! `mix` (percent), `morph` (percent), `mode`, and the switches `auto`,
//! `bypass` and the band switches (0 or 1). Static flags fill a
//! [`ControlValues`], automation overrides some of its entries over time,
//! and [`processor_control`] / [`processor_plain`] say what each one means
//! to the [`semantic_eq_dsp::Processor`], which the plug-in drives too.
//! Names, ranges and stepping all come from the table, so a control added
//! there is picked up here and by the automation parser by name.

use semantic_eq_dsp::Targets;
use semantic_eq_dsp::controls::{self as table, CLI_COUNT, Control};
use semantic_eq_model::{BAND_COUNT, EqParams, NUM_PARAMS, PARAMS};

/// One automatable / settable value, in this tool's units.
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
pub const CONTROL_COUNT: usize = CLI_COUNT;
/// Index of `amount` (percent, 0..=200) in [`CONTROLS`].
pub const AMOUNT: usize = Control::Amount.index();
/// Index of `out_db` (dB) in [`CONTROLS`].
pub const OUT_DB: usize = Control::OutDb.index();
/// Index of `x` (pad, −1 warm .. +1 bright) in [`CONTROLS`].
pub const X: usize = Control::X.index();
/// Index of `y` (pad, −1..+1) in [`CONTROLS`].
pub const Y: usize = Control::Y.index();
/// Index of `mix` (percent, 0..=100) in [`CONTROLS`].
pub const MIX: usize = Control::Mix.index();
/// Index of `auto` (auto-gain, 0 or 1) in [`CONTROLS`].
pub const AUTO: usize = Control::Auto.index();
/// Index of `bypass` (0 or 1) in [`CONTROLS`].
pub const BYPASS: usize = Control::Bypass.index();
/// Index of `morph` (percent along the `--from`/`--to` line, −50..150).
pub const MORPH: usize = Control::Morph.index();
/// Index of `mode` (0 = pad, 1 = morph, 2 = manual) in [`CONTROLS`].
pub const MODE: usize = Control::Mode.index();
/// Index of the first band switch (`ls_on`, then `b1_on` … `hs_on`; 1 = on).
pub const BAND_ON: usize = Control::BandOn(0).index();

/// All controls, in the table's order: the 13 EQ parameters in SAFE order,
/// then `amount`, `out_db`, `x`, `y`, `mix`, `auto`, `bypass`, `morph`,
/// `mode` and the five band switches.
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
    while i < CONTROL_COUNT {
        let c = &table::CONTROLS[i];
        out[i] = ControlSpec {
            name: c.name,
            unit: c.unit,
            min: c.min * c.cli_scale,
            max: c.max * c.cli_scale,
            default: c.default * c.cli_scale,
            stepped: c.stepped(),
        };
        i += 1;
    }
    // `--morph` starts at the `--from` end (as `--help` says); the plug-in
    // opens halfway along the line.
    out[MORPH].default = 0.0;
    out
}

/// Names of the band switches, in band order (the plug-in's IDs too).
pub const BAND_ON_NAMES: [&str; BAND_COUNT] = {
    let mut names = [""; BAND_COUNT];
    let mut b = 0;
    while b < BAND_COUNT {
        names[b] = table::CONTROLS[BAND_ON + b].name;
        b += 1;
    }
    names
};

/// Index of a control by name.
pub fn control_index(name: &str) -> Option<usize> {
    CONTROLS.iter().position(|c| c.name == name)
}

/// What control `i` of [`CONTROLS`] is to the processor.
pub fn processor_control(i: usize) -> Control {
    table::CONTROLS[i].control
}

/// `v` (this table's units) in the processor's plain units: percentages
/// become factors, the rest is unchanged.
pub fn processor_plain(i: usize, v: f64) -> f64 {
    match table::CONTROLS[i].cli_scale {
        1.0 => v,
        scale => v / scale,
    }
}

/// `v` (plain units) in the processor's smoothing units: EQ parameters
/// normalised to [0, 1] (so frequency and Q move on a log scale), `amount`
/// and `mix` as factors, the rest unchanged.
pub fn to_engine_unit(control: usize, v: f64) -> f64 {
    match control {
        i if i < NUM_PARAMS => PARAMS[i].normalize(v),
        i => processor_plain(i, v),
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

    /// Every row of the engine's table a user may set is a control here,
    /// under the table's name, with its range (in percent where the table
    /// says so), and an automation file naming it at either end of the
    /// range reaches the processor as the table's plain range.
    #[test]
    fn controls_are_the_engine_table() {
        let settable: Vec<_> = table::CONTROLS
            .iter()
            .filter(|c| !c.name.is_empty())
            .collect();
        assert_eq!(settable.len(), CONTROL_COUNT);
        for (i, row) in settable.iter().enumerate() {
            assert_eq!(control_index(row.name), Some(i));
            assert_eq!(processor_control(i), row.control);
            let c = &CONTROLS[i];
            assert_eq!(
                (c.name, c.unit, c.stepped),
                (row.name, row.unit, row.stepped())
            );
            assert_eq!(processor_plain(i, c.min), row.min, "{}", row.name);
            assert_eq!(processor_plain(i, c.max), row.max, "{}", row.name);
            if i != MORPH {
                assert_eq!(processor_plain(i, c.default), row.default, "{}", row.name);
            }
            let csv = format!("time_s,{}\n0,{}\n1,{}\n", row.name, c.min, c.max);
            let a = crate::automation::parse(&csv).unwrap();
            assert_eq!(a.columns(), [i]);
        }
        assert_eq!(CONTROLS[AMOUNT].max, 200.0);
        assert_eq!(CONTROLS[OUT_DB].max, 24.0);
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
