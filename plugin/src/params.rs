//! The plug-in's parameters: short, stable IDs (never rename one; hosts
//! store automation and presets under them), with ranges and formatters
//! shared with the editor.
//!
//! Smoothing is declared in [`crate::dsp::processor::smoothing_ms`] and done
//! by the [`crate::dsp::Processor`], not by nice-plug's per-parameter
//! smoothers: those advance by `next_step(n)`, whose f32 result depends on
//! how the host cut the audio into blocks, and an offline bounce must equal
//! what was heard bit for bit. The processor's ramps are pure functions of
//! the sample position.

use crate::model_slot::ModelSlot;
use nice_plug::prelude::*;
use std::sync::Arc;

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

    /// The model playing, persisted as its file path ("" = the embedded one).
    #[persist = "model"]
    pub model: ModelSlot,
}

/// "40 % warm", "centre", "65 % bright".
pub fn format_x(v: f32) -> String {
    let pct = (v.abs() * 100.0).round();
    if pct < 1.0 {
        "centre".to_string()
    } else if v < 0.0 {
        format!("{pct:.0} % warm")
    } else {
        format!("{pct:.0} % bright")
    }
}

/// Inverse of [`format_x`]; also takes plain numbers (−1..1).
pub fn parse_x(s: &str) -> Option<f32> {
    parse_bipolar(s, "warm", "bright")
}

/// "30 % thin", "centre", "30 % full".
pub fn format_y(v: f32) -> String {
    let pct = (v.abs() * 100.0).round();
    if pct < 1.0 {
        "centre".to_string()
    } else if v < 0.0 {
        format!("{pct:.0} % {}", Y_ENDS.0)
    } else {
        format!("{pct:.0} % {}", Y_ENDS.1)
    }
}

/// Inverse of [`format_y`].
pub fn parse_y(s: &str) -> Option<f32> {
    parse_bipolar(s, Y_ENDS.0, Y_ENDS.1)
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
        return t.parse::<f32>().ok().filter(|v| v.is_finite());
    };
    let n = num.trim().trim_end_matches('%').trim();
    let v = n.parse::<f32>().ok()? / 100.0 * sign;
    v.is_finite().then_some(v)
}

/// A factor shown as a whole percentage ("150 %").
pub fn format_percent(v: f32) -> String {
    format!("{:.0} %", v * 100.0)
}

/// "150 %", "150%" or "150" → 1.5.
pub fn parse_percent(s: &str) -> Option<f32> {
    let v = s.trim().trim_end_matches('%').trim().parse::<f32>().ok()? / 100.0;
    v.is_finite().then_some(v)
}

/// "+3.5 dB".
pub fn format_db(v: f32) -> String {
    format!("{v:+.1} dB")
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

impl Default for SemanticEqParams {
    fn default() -> Self {
        let bipolar = FloatRange::Linear {
            min: -1.0,
            max: 1.0,
        };
        Self {
            x: FloatParam::new("Warm ↔ Bright", 0.0, bipolar)
                .with_value_to_string(Arc::new(format_x))
                .with_string_to_value(Arc::new(parse_x)),
            y: FloatParam::new(Y_NAME, 0.0, bipolar)
                .with_value_to_string(Arc::new(format_y))
                .with_string_to_value(Arc::new(parse_y)),
            amount: FloatParam::new("Amount", 1.0, FloatRange::Linear { min: 0.0, max: 2.0 })
                .with_value_to_string(Arc::new(format_percent))
                .with_string_to_value(Arc::new(parse_percent)),
            out: FloatParam::new(
                "Output",
                0.0,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            )
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(parse_db)),
            auto: BoolParam::new("Auto-gain", false),
            mix: FloatParam::new("Mix", 1.0, FloatRange::Linear { min: 0.0, max: 1.0 })
                .with_value_to_string(Arc::new(format_percent))
                .with_string_to_value(Arc::new(parse_percent)),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            model: ModelSlot::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_reads_as_warm_or_bright() {
        assert_eq!(format_x(-0.4), "40 % warm");
        assert_eq!(format_x(0.0), "centre");
        assert_eq!(format_x(0.004), "centre");
        assert_eq!(format_x(0.65), "65 % bright");
        for v in [-1.0, -0.4, 0.0, 0.65, 1.0] {
            assert_eq!(parse_x(&format_x(v)), Some(v), "{v}");
        }
        assert_eq!(parse_x("25% Warm"), Some(-0.25));
        assert_eq!(parse_x("-0.5"), Some(-0.5));
        assert_eq!(parse_x("warmish"), None);
        assert_eq!(parse_x("NaN"), None);
    }

    #[test]
    fn y_percent_and_db_round_trip() {
        for v in [-1.0, -0.3, 0.0, 0.3, 1.0] {
            assert_eq!(parse_y(&format_y(v)), Some(v));
        }
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
        assert_eq!(ids, ["x", "y", "amount", "out", "auto", "mix", "bypass"]);
    }
}
