//! How a pad decoder is judged (issue 3), in plain f64 Rust, no candle.
//!
//! Everything works on any pad decoder `Fn(x, y) -> EqParams` (see
//! [`Pad::decode`]) or on a [`Decoder`] ([`Pad::from_decoder`]).
//!
//! * **Curve**: the dB magnitude of the RBJ five-band cascade
//!   ([`crate::cascade_magnitude_db`]) at [`METRIC_SAMPLE_RATE`] on
//!   [`CURVE_POINTS`] log-spaced frequencies from 20 Hz to 20 kHz, both ends
//!   included ([`curve_frequencies`]); shelves use [`crate::SHELF_Q`].
//! * **Curve error**: the mean absolute dB difference of two curves.
//! * **Coverage**: for each held-out setting, the smallest curve error over
//!   the decoded pad, searched on a dense `linspace(-1, 1, n)²` grid
//!   ([`COVERAGE_GRID`] = 101, steps of 1 % of the pad width); the mean over
//!   the settings.
//! * **Warm/bright accuracy**: the fraction of held-out warm and bright
//!   settings whose best-fit grid point has the right sign of x (warm x < 0,
//!   bright x > 0; x = 0 counts as wrong).
//! * **Brightness**: mean dB of the curve points above 2 kHz minus the mean
//!   of those below 300 Hz.
//! * **Gates** ([`Gates`]), on the 101 × 101 grid (adjacent points are 1 %
//!   of the pad width apart):
//!   - *smoothness*: the curve error between horizontally or vertically
//!     adjacent points is ≤ [`MAX_STEP_DB`] everywhere;
//!   - *monotonicity*: along every row (fixed y) brightness never falls by
//!     more than [`MAX_REVERSAL_DB`] from one point to the next;
//!   - *span*: brightness at (1, 0) minus brightness at (−1, 0) is
//!     ≥ [`MIN_SPAN_DB`];
//!   - *diversity*: the mean curve error over all pairs of points of a
//!     [`DIVERSITY_GRID`]² sub-grid of the pad is ≥ [`MIN_DIVERSITY_DB`].
//! * **Validity**: the fraction of decoded grid points that pass
//!   [`EqParams::validate`].
//! * **Plausibility** ([`Plausibility`], issue 18): whether a setting is
//!   one an engineer would make, measured on a [`PLAUSIBILITY_GRID`]² grid
//!   of the pad, and on SAFE users' own settings as the anchor:
//!   - *fighting bells*: the fraction of settings with one bell above
//!     +[`FIGHT_DB`] and another below −[`FIGHT_DB`];
//!   - *pinned*: the fraction with some band at ±[`PINNED_DB`] or beyond
//!     (at the end of the ±12 dB range);
//!   - *effort*: Σ|band gain| ÷ max|curve|, the dB turned per dB heard,
//!     averaged over the settings whose curve reaches
//!     [`EFFORT_MIN_CURVE_DB`] (a flat setting has no ratio).

use serde_json::{Value, json};

use crate::decoder::Decoder;
use crate::params::EqParams;
use crate::safe::Descriptor;

/// Frequencies per curve.
pub const CURVE_POINTS: usize = 128;
/// Sample rate of the reference cascade, Hz.
pub const METRIC_SAMPLE_RATE: f64 = 48_000.0;
/// Lowest curve frequency, Hz.
pub const CURVE_F_MIN: f64 = 20.0;
/// Highest curve frequency, Hz.
pub const CURVE_F_MAX: f64 = 20_000.0;
/// Points per side of the grid the coverage search and the gates use.
pub const COVERAGE_GRID: usize = 101;
/// Points per side of the grid the diversity gate averages pairs over.
pub const DIVERSITY_GRID: usize = 21;
/// Smoothness gate: largest curve change per 1 % of the pad width, dB.
pub const MAX_STEP_DB: f64 = 1.1;
/// Monotonicity gate: largest brightness fall between neighbours on a row, dB.
pub const MAX_REVERSAL_DB: f64 = 0.01;
/// Span gate: smallest brightness rise from x = −1 to x = +1 at y = 0, dB.
pub const MIN_SPAN_DB: f64 = 9.5;
/// Diversity gate: smallest mean pairwise curve error across the pad, dB.
pub const MIN_DIVERSITY_DB: f64 = 7.0;
/// Brightness: mean dB above this frequency…
pub const BRIGHT_ABOVE_HZ: f64 = 2000.0;
/// … minus mean dB below this one.
pub const WARM_BELOW_HZ: f64 = 300.0;

/// Plausibility: a bell above `+FIGHT_DB` and another below `−FIGHT_DB` fight.
pub const FIGHT_DB: f64 = 6.0;
/// Plausibility: a band at `±PINNED_DB` or beyond is pinned at the range's end.
pub const PINNED_DB: f64 = 11.5;
/// Points per side of the grid the pad's plausibility is measured on.
pub const PLAUSIBILITY_GRID: usize = 201;
/// Settings whose curve stays within ±this take no part in effort, dB.
pub const EFFORT_MIN_CURVE_DB: f64 = 0.5;

/// A dB magnitude curve on [`curve_frequencies`].
pub type Curve = [f64; CURVE_POINTS];

/// Which side of the semantic axis a setting belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Belongs at `x < 0`.
    Warm,
    /// Belongs at `x > 0`.
    Bright,
}

impl Side {
    /// `warm` → Warm, `bright` → Bright (after the loader's normalisation and
    /// aliases, so `Warmer`, `warmth`, `BRIGHT ` count); anything else `None`.
    pub fn of(descriptor: &Descriptor) -> Option<Side> {
        match descriptor.term() {
            Some("warm") => Some(Side::Warm),
            Some("bright") => Some(Side::Bright),
            _ => None,
        }
    }

    /// Whether a pad x lies on this side (0 lies on neither).
    pub fn contains_x(self, x: f64) -> bool {
        match self {
            Side::Warm => x < 0.0,
            Side::Bright => x > 0.0,
        }
    }
}

/// The [`CURVE_POINTS`] log-spaced frequencies, 20 Hz to 20 kHz inclusive.
pub fn curve_frequencies() -> [f64; CURVE_POINTS] {
    let (lo, hi) = (CURVE_F_MIN.ln(), CURVE_F_MAX.ln());
    std::array::from_fn(|i| {
        if i == 0 {
            CURVE_F_MIN
        } else if i == CURVE_POINTS - 1 {
            CURVE_F_MAX
        } else {
            (lo + (hi - lo) * i as f64 / (CURVE_POINTS - 1) as f64).exp()
        }
    })
}

/// The curve of a setting. Equal, bit for bit, to
/// [`crate::cascade_magnitude_db`] at each frequency (the five biquads are
/// computed once instead of once per frequency).
pub fn curve(params: &EqParams) -> Curve {
    let coeffs = params.coeffs(METRIC_SAMPLE_RATE);
    let freqs = curve_frequencies();
    std::array::from_fn(|i| {
        let mag: f64 = coeffs
            .iter()
            .map(|c| c.magnitude(freqs[i], METRIC_SAMPLE_RATE))
            .product();
        20.0 * mag.log10()
    })
}

/// Mean absolute dB difference.
pub fn curve_error(a: &Curve, b: &Curve) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / CURVE_POINTS as f64
}

/// Mean dB above [`BRIGHT_ABOVE_HZ`] minus mean dB below [`WARM_BELOW_HZ`].
pub fn brightness(c: &Curve) -> f64 {
    let (mut hi, mut nh, mut lo, mut nl) = (0.0, 0usize, 0.0, 0usize);
    for (f, db) in curve_frequencies().iter().zip(c) {
        if *f > BRIGHT_ABOVE_HZ {
            hi += db;
            nh += 1;
        } else if *f < WARM_BELOW_HZ {
            lo += db;
            nl += 1;
        }
    }
    hi / nh as f64 - lo / nl as f64
}

/// `n` evenly spaced values from −1 to 1 inclusive (`n ≥ 2`; `n = 1` gives `[0]`).
pub fn linspace(n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![0.0],
        _ => (0..n)
            .map(|i| {
                if i == n - 1 {
                    1.0
                } else {
                    -1.0 + 2.0 * i as f64 / (n - 1) as f64
                }
            })
            .collect(),
    }
}

/// A pad decoder evaluated on a `linspace(-1, 1, n)²` grid.
#[derive(Clone, Debug)]
pub struct Pad {
    /// Points per side.
    pub n: usize,
    /// The grid coordinates (x and y share them).
    pub coords: Vec<f64>,
    /// Decoded settings, row-major: index `iy·n + ix`.
    pub params: Vec<EqParams>,
    /// Their curves, same order.
    pub curves: Vec<Curve>,
}

impl Pad {
    /// Decodes an `n × n` grid with `f(x, y)`.
    pub fn decode<F: Fn(f64, f64) -> EqParams>(f: F, n: usize) -> Self {
        let coords = linspace(n);
        let mut params = Vec::with_capacity(n * n);
        for &y in &coords {
            for &x in &coords {
                params.push(f(x, y));
            }
        }
        let curves = params.iter().map(curve).collect();
        Self {
            n,
            coords,
            params,
            curves,
        }
    }

    /// Decodes an `n × n` grid with the plain-Rust decoder at amount 100 %.
    pub fn from_decoder(decoder: &Decoder, n: usize) -> Self {
        Self::decode(decoder_fn(decoder), n)
    }

    /// `(x, y)` of grid point `index`.
    pub fn point(&self, index: usize) -> (f64, f64) {
        (self.coords[index % self.n], self.coords[index / self.n])
    }

    /// The grid point whose curve is closest to `target`: `(index, error)`.
    pub fn best_fit(&self, target: &Curve) -> (usize, f64) {
        let mut best = (0, f64::INFINITY);
        for (i, c) in self.curves.iter().enumerate() {
            // Early exit per candidate: stop summing once it cannot win.
            let bound = best.1 * CURVE_POINTS as f64;
            let mut sum = 0.0;
            for (a, b) in c.iter().zip(target) {
                sum += (a - b).abs();
                if sum >= bound {
                    break;
                }
            }
            if sum < bound {
                best = (i, sum / CURVE_POINTS as f64);
            }
        }
        best
    }

    /// Largest curve error between horizontally or vertically adjacent
    /// points, scaled to a step of 1 % of the pad width (the grid step is
    /// `100 / (n − 1)` %).
    pub fn max_step_per_percent(&self) -> f64 {
        let n = self.n;
        if n < 2 {
            return 0.0;
        }
        let mut worst = 0.0f64;
        for iy in 0..n {
            for ix in 0..n {
                let i = iy * n + ix;
                if ix + 1 < n {
                    worst = worst.max(curve_error(&self.curves[i], &self.curves[i + 1]));
                }
                if iy + 1 < n {
                    worst = worst.max(curve_error(&self.curves[i], &self.curves[i + n]));
                }
            }
        }
        worst * (n - 1) as f64 / 100.0
    }

    /// Largest brightness fall between neighbouring points of a row (fixed
    /// y, x increasing), in dB; 0 if brightness never falls.
    pub fn max_brightness_reversal(&self) -> f64 {
        let n = self.n;
        let b: Vec<f64> = self.curves.iter().map(brightness).collect();
        let mut worst = 0.0f64;
        for iy in 0..n {
            for ix in 0..n.saturating_sub(1) {
                let i = iy * n + ix;
                worst = worst.max(b[i] - b[i + 1]);
            }
        }
        worst
    }

    /// Fraction of grid points whose setting passes [`EqParams::validate`].
    pub fn validity(&self) -> f64 {
        let ok = self.params.iter().filter(|p| p.validate().is_ok()).count();
        ok as f64 / self.params.len().max(1) as f64
    }
}

/// The plain decoder as a pad function (f64 in, plain parameters out).
pub fn decoder_fn(decoder: &Decoder) -> impl Fn(f64, f64) -> EqParams + '_ {
    move |x, y| decoder.decode(x as f32, y as f32).params
}

/// Brightness at `(1, 0)` minus brightness at `(−1, 0)`.
pub fn brightness_span<F: Fn(f64, f64) -> EqParams>(f: F) -> f64 {
    brightness(&curve(&f(1.0, 0.0))) - brightness(&curve(&f(-1.0, 0.0)))
}

/// Mean curve error over all unordered pairs of `curves` (0 for fewer than 2).
pub fn mean_pairwise_error(curves: &[Curve]) -> f64 {
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (i, a) in curves.iter().enumerate() {
        for b in &curves[i + 1..] {
            sum += curve_error(a, b);
            pairs += 1;
        }
    }
    if pairs == 0 { 0.0 } else { sum / pairs as f64 }
}

/// Mean pairwise curve error over a [`DIVERSITY_GRID`]² grid.
pub fn diversity<F: Fn(f64, f64) -> EqParams>(f: F) -> f64 {
    mean_pairwise_error(&Pad::decode(f, DIVERSITY_GRID).curves)
}

/// The four gates' figures and verdicts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gates {
    /// Largest curve change per 1 % of pad width, dB (≤ [`MAX_STEP_DB`]).
    pub max_step_db: f64,
    /// Largest brightness reversal along a row, dB (≤ [`MAX_REVERSAL_DB`]).
    pub max_reversal_db: f64,
    /// Brightness span at y = 0, dB (≥ [`MIN_SPAN_DB`]).
    pub span_db: f64,
    /// Mean pairwise curve error, dB (≥ [`MIN_DIVERSITY_DB`]).
    pub diversity_db: f64,
}

impl Gates {
    /// Measures the gates; `pad` must be the [`COVERAGE_GRID`] grid of `f`.
    pub fn measure<F: Fn(f64, f64) -> EqParams>(f: F, pad: &Pad) -> Self {
        Self {
            max_step_db: pad.max_step_per_percent(),
            max_reversal_db: pad.max_brightness_reversal(),
            span_db: brightness_span(&f),
            diversity_db: diversity(&f),
        }
    }

    pub fn smooth(&self) -> bool {
        self.max_step_db <= MAX_STEP_DB
    }
    pub fn monotonic(&self) -> bool {
        self.max_reversal_db <= MAX_REVERSAL_DB
    }
    pub fn span(&self) -> bool {
        self.span_db >= MIN_SPAN_DB
    }
    pub fn diverse(&self) -> bool {
        self.diversity_db >= MIN_DIVERSITY_DB
    }
    /// All four pass.
    pub fn all_pass(&self) -> bool {
        self.smooth() && self.monotonic() && self.span() && self.diverse()
    }
}

/// Coverage of a set of settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// Mean best-fit curve error, dB.
    pub mean_db: f64,
    /// Best-fit `(x, y, error)` of every setting, in input order.
    pub best: Vec<(f64, f64, f64)>,
}

/// Coverage of `targets` by `pad`.
pub fn coverage(pad: &Pad, targets: &[EqParams]) -> Coverage {
    let best: Vec<(f64, f64, f64)> = targets
        .iter()
        .map(|t| {
            let (i, e) = pad.best_fit(&curve(t));
            let (x, y) = pad.point(i);
            (x, y, e)
        })
        .collect();
    let mean_db = if best.is_empty() {
        f64::NAN
    } else {
        best.iter().map(|b| b.2).sum::<f64>() / best.len() as f64
    };
    Coverage { mean_db, best }
}

/// Fraction of labelled settings whose best-fit x (from [`coverage`]'s
/// `best`, same order as `labels`) has the right sign; `None` if none is
/// labelled.
pub fn warm_bright_accuracy(best: &[(f64, f64, f64)], labels: &[Option<Side>]) -> Option<f64> {
    let (mut ok, mut n) = (0usize, 0usize);
    for (b, label) in best.iter().zip(labels) {
        if let Some(side) = label {
            n += 1;
            ok += usize::from(side.contains_x(b.0));
        }
    }
    (n > 0).then(|| ok as f64 / n as f64)
}

/// Everything the issue asks about one decoder on one held-out set.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Held-out settings.
    pub settings: usize,
    /// Mean coverage, dB.
    pub coverage_db: f64,
    /// Labelled (warm or bright) held-out settings.
    pub labelled: usize,
    /// Warm/bright accuracy, `None` without labelled settings.
    pub warm_bright_accuracy: Option<f64>,
    /// Fraction of valid decoded grid points.
    pub validity: f64,
    pub gates: Gates,
    /// Plausibility of the decoded pad on a [`PLAUSIBILITY_GRID`]² grid.
    pub pad_plausibility: Plausibility,
    /// The same figures for the held-out settings themselves: the anchor.
    pub data_plausibility: Plausibility,
}

/// Evaluates a pad decoder on held-out `(setting, label)` pairs.
pub fn evaluate<F: Fn(f64, f64) -> EqParams>(
    f: F,
    held_out: &[(EqParams, Option<Side>)],
) -> Evaluation {
    let pad = Pad::decode(&f, COVERAGE_GRID);
    let targets: Vec<EqParams> = held_out.iter().map(|h| h.0).collect();
    let labels: Vec<Option<Side>> = held_out.iter().map(|h| h.1).collect();
    let cov = coverage(&pad, &targets);
    Evaluation {
        settings: held_out.len(),
        coverage_db: cov.mean_db,
        labelled: labels.iter().flatten().count(),
        warm_bright_accuracy: warm_bright_accuracy(&cov.best, &labels),
        validity: pad.validity(),
        gates: Gates::measure(&f, &pad),
        pad_plausibility: Plausibility::of_pad(&Pad::decode(&f, PLAUSIBILITY_GRID)),
        data_plausibility: Plausibility::of_settings(&targets),
    }
}

/// Whether two bells of `p` fight: one above +[`FIGHT_DB`], another
/// below −[`FIGHT_DB`].
pub fn bells_fight(p: &EqParams) -> bool {
    let bells = p.bands().map(|b| (b.kind, b.gain_db));
    let bell = |(k, _): &(crate::BandKind, f64)| *k == crate::BandKind::Bell;
    let up = bells.iter().filter(|b| bell(b)).any(|b| b.1 > FIGHT_DB);
    let down = bells.iter().filter(|b| bell(b)).any(|b| b.1 < -FIGHT_DB);
    up && down
}

/// Whether some band of `p` sits at ±[`PINNED_DB`] or beyond.
pub fn pinned(p: &EqParams) -> bool {
    p.bands().iter().any(|b| b.gain_db.abs() >= PINNED_DB)
}

/// Σ|band gain| ÷ max|curve|, or `None` when the curve stays within
/// ±[`EFFORT_MIN_CURVE_DB`].
pub fn effort(p: &EqParams, c: &Curve) -> Option<f64> {
    let peak = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    (peak >= EFFORT_MIN_CURVE_DB)
        .then(|| p.bands().iter().map(|b| b.gain_db.abs()).sum::<f64>() / peak)
}

/// How plausible a set of settings is (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plausibility {
    /// Settings measured.
    pub settings: usize,
    /// Fraction with fighting bells.
    pub fighting: f64,
    /// Fraction with a pinned band.
    pub pinned: f64,
    /// Mean effort over the settings that have one.
    pub effort: f64,
}

impl Plausibility {
    /// Targets of issue 18 for the pad: fighting ≤ 15 %, pinned ≤ 50 %,
    /// effort ≤ 2.5.
    pub const MAX_FIGHTING: f64 = 0.15;
    pub const MAX_PINNED: f64 = 0.50;
    pub const MAX_EFFORT: f64 = 2.5;

    /// The figures of `settings` with their curves.
    pub fn measure<'a>(settings: impl IntoIterator<Item = (&'a EqParams, &'a Curve)>) -> Self {
        let (mut n, mut fight, mut pin, mut eff, mut ne) = (0usize, 0usize, 0usize, 0.0, 0usize);
        for (p, c) in settings {
            n += 1;
            fight += usize::from(bells_fight(p));
            pin += usize::from(pinned(p));
            if let Some(e) = effort(p, c) {
                eff += e;
                ne += 1;
            }
        }
        let frac = |k: usize| {
            if n == 0 {
                f64::NAN
            } else {
                k as f64 / n as f64
            }
        };
        Self {
            settings: n,
            fighting: frac(fight),
            pinned: frac(pin),
            effort: if ne == 0 { f64::NAN } else { eff / ne as f64 },
        }
    }

    /// The figures of a decoded pad.
    pub fn of_pad(pad: &Pad) -> Self {
        Self::measure(pad.params.iter().zip(&pad.curves))
    }

    /// The figures of plain settings (their curves computed here).
    pub fn of_settings(settings: &[EqParams]) -> Self {
        let curves: Vec<Curve> = settings.iter().map(curve).collect();
        Self::measure(settings.iter().zip(&curves))
    }

    /// Whether the pad targets hold.
    pub fn meets_targets(&self) -> bool {
        self.fighting <= Self::MAX_FIGHTING
            && self.pinned <= Self::MAX_PINNED
            && self.effort <= Self::MAX_EFFORT
    }

    pub fn to_json(&self) -> Value {
        json!({
            "settings": self.settings,
            "fighting_bells": r4(self.fighting),
            "pinned": r4(self.pinned),
            "effort": r4(self.effort),
        })
    }

    /// One human-readable line.
    pub fn summary(&self) -> String {
        format!(
            "fighting bells {:.1} %, pinned {:.1} %, effort {:.2} ({} settings)",
            self.fighting * 100.0,
            self.pinned * 100.0,
            self.effort,
            self.settings
        )
    }
}

/// Rounds to 4 decimals for JSON (the figures are dB or fractions).
fn r4(v: f64) -> Value {
    if v.is_finite() {
        json!((v * 1e4).round() / 1e4)
    } else {
        Value::Null
    }
}

impl Evaluation {
    /// Whether every target of the issue holds (coverage ≤ 1.50 dB, all
    /// gates, accuracy ≥ 0.90, validity 100 %).
    pub fn meets_targets(&self) -> bool {
        self.coverage_db <= 1.50
            && self.gates.all_pass()
            && self.warm_bright_accuracy.is_some_and(|a| a >= 0.90)
            && self.validity == 1.0
    }

    /// The figures as JSON (the `metrics` metadata entry and the report).
    pub fn to_json(&self) -> Value {
        let g = &self.gates;
        json!({
            "settings": self.settings,
            "coverage_db": r4(self.coverage_db),
            "labelled": self.labelled,
            "warm_bright_accuracy": self.warm_bright_accuracy.map_or(Value::Null, r4),
            "validity": r4(self.validity),
            "gates": {
                "max_step_db_per_percent": r4(g.max_step_db),
                "smooth": g.smooth(),
                "max_brightness_reversal_db": r4(g.max_reversal_db),
                "monotonic": g.monotonic(),
                "brightness_span_db": r4(g.span_db),
                "span": g.span(),
                "mean_pairwise_error_db": r4(g.diversity_db),
                "diverse": g.diverse(),
                "all_pass": g.all_pass(),
            },
            "meets_targets": self.meets_targets(),
            "plausibility": {
                "pad": self.pad_plausibility.to_json(),
                "held_out_settings": self.data_plausibility.to_json(),
                "pad_targets_met": self.pad_plausibility.meets_targets(),
            },
            "definitions": {
                "curve": "RBJ cascade, 48 kHz, 128 log-spaced points 20 Hz-20 kHz, shelf Q 0.71, f64",
                "coverage_grid": COVERAGE_GRID,
                "diversity_grid": DIVERSITY_GRID,
                "plausibility_grid": PLAUSIBILITY_GRID,
                "fighting_bells": format!("one bell above +{FIGHT_DB} dB and another below -{FIGHT_DB} dB"),
                "pinned": format!("some band at +-{PINNED_DB} dB or beyond"),
                "effort": format!("sum of |band gain| / max |curve|, over settings whose curve reaches {EFFORT_MIN_CURVE_DB} dB"),
            },
        })
    }

    /// One human-readable line.
    pub fn summary(&self) -> String {
        let g = &self.gates;
        let acc = self
            .warm_bright_accuracy
            .map_or("n/a".to_string(), |a| format!("{a:.3}"));
        format!(
            "coverage {:.3} dB on {} settings; warm/bright accuracy {acc} ({} labelled); \
             validity {:.1} %; step {:.3} dB/% {}; reversal {:.4} dB {}; span {:.2} dB {}; \
             diversity {:.2} dB {}",
            self.coverage_db,
            self.settings,
            self.labelled,
            self.validity * 100.0,
            g.max_step_db,
            pass(g.smooth()),
            g.max_reversal_db,
            pass(g.monotonic()),
            g.span_db,
            pass(g.span()),
            g.diversity_db,
            pass(g.diverse()),
        )
    }
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

#[cfg(test)]
mod tests;
