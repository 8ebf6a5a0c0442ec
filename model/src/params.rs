//! The 13 parameters of the five-band EQ, in SAFE column order, with their
//! ranges and the normalisation the model and the smoothers work in.

use std::fmt;

/// Number of parameters in one EQ setting (SAFE columns 5..=17).
pub const NUM_PARAMS: usize = 13;
/// Low shelf, three bells, high shelf.
pub const BAND_COUNT: usize = 5;
/// The SAFE shelves have no Q control; the plug-in used this fixed value.
pub const SHELF_Q: f64 = 0.71;

/// The filter shape of one band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BandKind {
    LowShelf,
    Bell,
    HighShelf,
}

/// How a parameter maps onto `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamScale {
    /// Equal steps in the plain value (gains in dB already are perceptual).
    Linear,
    /// Equal steps in the logarithm (frequency and Q are heard in ratios).
    Log,
}

/// One of the 13 parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// Stable name used on the command line, in automation files and in model metadata.
    pub name: &'static str,
    /// Display unit ("dB", "Hz", "" for Q).
    pub unit: &'static str,
    /// Smallest valid plain value.
    pub min: f64,
    /// Largest valid plain value.
    pub max: f64,
    /// Value of a flat, neutral EQ.
    pub default: f64,
    /// Scale of the normalised value.
    pub scale: ParamScale,
}

impl ParamSpec {
    /// Maps a plain value onto `[0, 1]`, clamping out-of-range values.
    pub fn normalize(&self, plain: f64) -> f64 {
        let n = match self.scale {
            ParamScale::Linear => (plain - self.min) / (self.max - self.min),
            ParamScale::Log => (plain / self.min).ln() / (self.max / self.min).ln(),
        };
        if n.is_nan() { 0.0 } else { n.clamp(0.0, 1.0) }
    }

    /// Maps a normalised value back to the plain range; NaN goes to the default.
    pub fn denormalize(&self, normalized: f64) -> f64 {
        if normalized.is_nan() {
            return self.default;
        }
        let n = normalized.clamp(0.0, 1.0);
        let v = match self.scale {
            ParamScale::Linear => self.min + n * (self.max - self.min),
            ParamScale::Log => self.min * (self.max / self.min).powf(n),
        };
        // Rounding in powf must not step outside the range.
        v.clamp(self.min, self.max)
    }

    /// Whether `plain` is a finite value inside the range.
    pub fn contains(&self, plain: f64) -> bool {
        plain.is_finite() && plain >= self.min && plain <= self.max
    }
}

const fn gain(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        unit: "dB",
        min: -12.0,
        max: 12.0,
        default: 0.0,
        scale: ParamScale::Linear,
    }
}

const fn freq(name: &'static str, min: f64, max: f64, default: f64) -> ParamSpec {
    ParamSpec {
        name,
        unit: "Hz",
        min,
        max,
        default,
        scale: ParamScale::Log,
    }
}

const fn q(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        unit: "",
        min: 0.1,
        max: 10.0,
        default: 1.0,
        scale: ParamScale::Log,
    }
}

/// The 13 parameters in SAFE column order.
pub const PARAMS: [ParamSpec; NUM_PARAMS] = [
    gain("ls_gain_db"),
    freq("ls_freq_hz", 22.0, 1000.0, 100.0),
    gain("b1_gain_db"),
    freq("b1_freq_hz", 82.0, 3900.0, 250.0),
    q("b1_q"),
    gain("b2_gain_db"),
    freq("b2_freq_hz", 180.0, 4700.0, 1000.0),
    q("b2_q"),
    gain("b3_gain_db"),
    freq("b3_freq_hz", 220.0, 10000.0, 4000.0),
    q("b3_q"),
    gain("hs_gain_db"),
    freq("hs_freq_hz", 580.0, 20000.0, 8000.0),
];

/// One band: its shape, its name and where its parameters sit in the 13-vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandSpec {
    /// Short stable name ("ls", "b1", "b2", "b3", "hs").
    pub name: &'static str,
    /// Human-readable name.
    pub label: &'static str,
    pub kind: BandKind,
    /// Index of the gain in [`PARAMS`].
    pub gain_index: usize,
    /// Index of the frequency in [`PARAMS`].
    pub freq_index: usize,
    /// Index of the Q in [`PARAMS`]; shelves use [`SHELF_Q`].
    pub q_index: Option<usize>,
}

/// The five bands in processing order.
pub const BANDS: [BandSpec; BAND_COUNT] = [
    BandSpec {
        name: "ls",
        label: "Low shelf",
        kind: BandKind::LowShelf,
        gain_index: 0,
        freq_index: 1,
        q_index: None,
    },
    BandSpec {
        name: "b1",
        label: "Bell 1",
        kind: BandKind::Bell,
        gain_index: 2,
        freq_index: 3,
        q_index: Some(4),
    },
    BandSpec {
        name: "b2",
        label: "Bell 2",
        kind: BandKind::Bell,
        gain_index: 5,
        freq_index: 6,
        q_index: Some(7),
    },
    BandSpec {
        name: "b3",
        label: "Bell 3",
        kind: BandKind::Bell,
        gain_index: 8,
        freq_index: 9,
        q_index: Some(10),
    },
    BandSpec {
        name: "hs",
        label: "High shelf",
        kind: BandKind::HighShelf,
        gain_index: 11,
        freq_index: 12,
        q_index: None,
    },
];

/// One band's plain settings, as the filter formulas want them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub kind: BandKind,
    /// Boost (+) or cut (−) in dB.
    pub gain_db: f64,
    /// Corner (shelf) or centre (bell) frequency in Hz.
    pub freq_hz: f64,
    /// Quality factor; [`SHELF_Q`] for shelves.
    pub q: f64,
}

/// Why an EQ setting was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("{name} = {value} is not a finite number")]
    NotFinite { name: &'static str, value: f64 },
    #[error("{name} = {value} is outside {min}..{max}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("expected {expected} comma-separated numbers, got {got}")]
    WrongCount { expected: usize, got: usize },
    #[error("'{text}' is not a number")]
    NotANumber { text: String },
    #[error("unknown parameter '{0}'")]
    UnknownName(String),
}

/// A complete five-band EQ setting in plain units.
///
/// Field order is SAFE column order; [`EqParams::to_array`] and
/// [`PARAMS`] follow it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EqParams {
    /// Low shelf gain, dB.
    pub ls_gain_db: f64,
    /// Low shelf corner, Hz.
    pub ls_freq_hz: f64,
    /// Bell 1 gain, dB.
    pub b1_gain_db: f64,
    /// Bell 1 centre, Hz.
    pub b1_freq_hz: f64,
    /// Bell 1 quality factor.
    pub b1_q: f64,
    /// Bell 2 gain, dB.
    pub b2_gain_db: f64,
    /// Bell 2 centre, Hz.
    pub b2_freq_hz: f64,
    /// Bell 2 quality factor.
    pub b2_q: f64,
    /// Bell 3 gain, dB.
    pub b3_gain_db: f64,
    /// Bell 3 centre, Hz.
    pub b3_freq_hz: f64,
    /// Bell 3 quality factor.
    pub b3_q: f64,
    /// High shelf gain, dB.
    pub hs_gain_db: f64,
    /// High shelf corner, Hz.
    pub hs_freq_hz: f64,
}

impl Default for EqParams {
    fn default() -> Self {
        Self::from_array(PARAMS.map(|p| p.default))
    }
}

impl EqParams {
    /// The parameters in SAFE column order.
    pub fn to_array(&self) -> [f64; NUM_PARAMS] {
        [
            self.ls_gain_db,
            self.ls_freq_hz,
            self.b1_gain_db,
            self.b1_freq_hz,
            self.b1_q,
            self.b2_gain_db,
            self.b2_freq_hz,
            self.b2_q,
            self.b3_gain_db,
            self.b3_freq_hz,
            self.b3_q,
            self.hs_gain_db,
            self.hs_freq_hz,
        ]
    }

    /// Builds a setting from values in SAFE column order (not validated).
    pub fn from_array(a: [f64; NUM_PARAMS]) -> Self {
        Self {
            ls_gain_db: a[0],
            ls_freq_hz: a[1],
            b1_gain_db: a[2],
            b1_freq_hz: a[3],
            b1_q: a[4],
            b2_gain_db: a[5],
            b2_freq_hz: a[6],
            b2_q: a[7],
            b3_gain_db: a[8],
            b3_freq_hz: a[9],
            b3_q: a[10],
            hs_gain_db: a[11],
            hs_freq_hz: a[12],
        }
    }

    /// Index of a parameter by its stable name.
    pub fn index_of(name: &str) -> Option<usize> {
        PARAMS.iter().position(|p| p.name == name)
    }

    /// Parses 13 comma-separated numbers (the `--eq` syntax) and validates them.
    pub fn parse_list(text: &str) -> Result<Self, ParamError> {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if fields.len() != NUM_PARAMS {
            return Err(ParamError::WrongCount {
                expected: NUM_PARAMS,
                got: fields.len(),
            });
        }
        let mut a = [0.0; NUM_PARAMS];
        for (slot, field) in a.iter_mut().zip(&fields) {
            *slot = field.parse::<f64>().map_err(|_| ParamError::NotANumber {
                text: (*field).to_string(),
            })?;
        }
        let p = Self::from_array(a);
        p.validate()?;
        Ok(p)
    }

    /// Checks every value is finite and inside its range.
    pub fn validate(&self) -> Result<(), ParamError> {
        for (spec, value) in PARAMS.iter().zip(self.to_array()) {
            if !value.is_finite() {
                return Err(ParamError::NotFinite {
                    name: spec.name,
                    value,
                });
            }
            if !spec.contains(value) {
                return Err(ParamError::OutOfRange {
                    name: spec.name,
                    value,
                    min: spec.min,
                    max: spec.max,
                });
            }
        }
        Ok(())
    }

    /// The nearest valid setting: values clamped into range, NaN replaced by the default.
    pub fn clamped(&self) -> Self {
        let mut a = self.to_array();
        for (v, spec) in a.iter_mut().zip(&PARAMS) {
            *v = if v.is_nan() {
                spec.default
            } else {
                v.clamp(spec.min, spec.max)
            };
        }
        Self::from_array(a)
    }

    /// Each parameter mapped onto `[0, 1]` (gains linear, frequency and Q logarithmic).
    pub fn to_normalized(&self) -> [f64; NUM_PARAMS] {
        let a = self.to_array();
        std::array::from_fn(|i| PARAMS[i].normalize(a[i]))
    }

    /// The inverse of [`EqParams::to_normalized`]; always yields a valid setting.
    pub fn from_normalized(n: &[f64; NUM_PARAMS]) -> Self {
        Self::from_array(std::array::from_fn(|i| PARAMS[i].denormalize(n[i])))
    }

    /// One band's settings.
    pub fn band(&self, index: usize) -> Band {
        let spec = &BANDS[index];
        let a = self.to_array();
        Band {
            kind: spec.kind,
            gain_db: a[spec.gain_index],
            freq_hz: a[spec.freq_index],
            q: spec.q_index.map_or(SHELF_Q, |i| a[i]),
        }
    }

    /// All five bands in processing order.
    pub fn bands(&self) -> [Band; BAND_COUNT] {
        std::array::from_fn(|i| self.band(i))
    }

    /// The same curve with every gain multiplied by `amount` (1.0 = as set).
    ///
    /// The result may exceed ±12 dB for `amount > 1`; that is intended
    /// ("exaggerate"), so it is not validated.
    pub fn scaled_gains(&self, amount: f64) -> Self {
        let mut a = self.to_array();
        for b in &BANDS {
            a[b.gain_index] *= amount;
        }
        Self::from_array(a)
    }
}

impl fmt::Display for EqParams {
    /// The `--eq` syntax, so a printed setting can be pasted back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.to_array().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn names_follow_safe_column_order() {
        let names: Vec<_> = PARAMS.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "ls_gain_db",
                "ls_freq_hz",
                "b1_gain_db",
                "b1_freq_hz",
                "b1_q",
                "b2_gain_db",
                "b2_freq_hz",
                "b2_q",
                "b3_gain_db",
                "b3_freq_hz",
                "b3_q",
                "hs_gain_db",
                "hs_freq_hz"
            ]
        );
        // Band index tables agree with the names.
        for b in &BANDS {
            assert!(PARAMS[b.gain_index].name.starts_with(b.name));
            assert!(PARAMS[b.gain_index].name.ends_with("gain_db"));
            assert!(PARAMS[b.freq_index].name.ends_with("freq_hz"));
            if let Some(q) = b.q_index {
                assert_eq!(PARAMS[q].name, format!("{}_q", b.name));
            }
        }
    }

    #[test]
    fn normalisation_is_log_for_frequency_and_q() {
        let p = &PARAMS[3]; // b1_freq_hz 82..3900
        let geometric_mid = (82.0f64 * 3900.0).sqrt();
        assert!((p.normalize(geometric_mid) - 0.5).abs() < 1e-12);
        let q = &PARAMS[4];
        assert!((q.normalize(1.0) - 0.5).abs() < 1e-12); // 1 is the geometric mean of 0.1 and 10
        let g = &PARAMS[0];
        assert!((g.normalize(6.0) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn normalisation_round_trips_and_stays_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..10_000 {
            let n: [f64; NUM_PARAMS] = std::array::from_fn(|_| rng.random_range(-0.5..1.5));
            let p = EqParams::from_normalized(&n);
            p.validate().unwrap();
            let back = p.to_normalized();
            for i in 0..NUM_PARAMS {
                assert!((back[i] - n[i].clamp(0.0, 1.0)).abs() < 1e-12, "param {i}");
            }
        }
        let nan = EqParams::from_normalized(&[f64::NAN; NUM_PARAMS]);
        assert_eq!(nan, EqParams::default());
    }

    #[test]
    fn validation_names_the_bad_parameter() {
        let mut p = EqParams {
            hs_freq_hz: 1.6e6,
            ..Default::default()
        };
        let err = p.validate().unwrap_err().to_string();
        assert!(
            err.contains("hs_freq_hz") && err.contains("outside"),
            "{err}"
        );
        p.hs_freq_hz = f64::NAN;
        assert!(matches!(
            p.validate(),
            Err(ParamError::NotFinite {
                name: "hs_freq_hz",
                ..
            })
        ));
        assert_eq!(p.clamped().hs_freq_hz, PARAMS[12].default);
        p.hs_freq_hz = 1.6e6;
        assert_eq!(p.clamped().hs_freq_hz, 20000.0);
    }

    #[test]
    fn parse_list_round_trips_display() {
        let p = EqParams::parse_list("3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000").unwrap();
        assert_eq!(p.b3_gain_db, -4.0);
        assert_eq!(p.hs_freq_hz, 9000.0);
        assert_eq!(EqParams::parse_list(&p.to_string()).unwrap(), p);
        assert!(matches!(
            EqParams::parse_list("1,2,3"),
            Err(ParamError::WrongCount { got: 3, .. })
        ));
        assert!(matches!(
            EqParams::parse_list("x,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000"),
            Err(ParamError::NotANumber { .. })
        ));
        assert!(EqParams::parse_list("0,10,0,400,0.7,0,1500,2,0,6000,3,0,9000").is_err());
    }

    #[test]
    fn amount_scales_only_gains() {
        let p = EqParams::parse_list("3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000").unwrap();
        let s = p.scaled_gains(2.0);
        assert_eq!(s.ls_gain_db, 6.0);
        assert_eq!(s.b3_gain_db, -8.0);
        assert_eq!(s.b1_freq_hz, 400.0);
        assert_eq!(s.b2_q, 2.0);
    }
}
