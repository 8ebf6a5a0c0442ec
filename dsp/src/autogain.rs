//! Auto-gain: the loudness change an EQ setting causes on pink noise,
//! computed analytically from the EQ curve.
//!
//! Loudness (ITU-R BS.1770, which `ebur128` implements) is the power of the
//! K-weighted signal. Pink noise has equal power per octave, so its loudness
//! gain through an EQ is the K-weighted, per-octave average of the EQ's
//! power response. [`AutoGain::gain_db`] evaluates that average on
//! [`POINTS`] log-spaced frequencies: no metering, no delay, and the same
//! answer every time for the same setting.

use semantic_eq_model::{BAND_COUNT, EqParams};

/// Frequencies the average is taken over. Dense enough for the narrowest
/// bell (Q 10 is about 0.14 octave wide at −3 dB): 192 points over the
/// 13.5 octaves from 2 Hz to 24 kHz are 14 per octave.
pub const POINTS: usize = 192;
/// Lowest frequency averaged, Hz. Pink noise carries as much power per
/// octave below 20 Hz as above, and K-weighting only rolls it off gently
/// (−11 dB at 20 Hz), so a boosted low shelf is heard down there too.
const LOW_HZ: f64 = 2.0;

/// BS.1770-4 K-weighting, both stages, as specified at 48 kHz:
/// `[b0, b1, b2, a1, a2]`. Only their magnitude at each point is used.
const K_SHELF_48K: [f64; 5] = [
    1.535_124_859_586_97,
    -2.691_696_189_406_38,
    1.198_392_810_852_85,
    -1.690_659_293_182_41,
    0.732_480_774_215_85,
];
const K_HIGHPASS_48K: [f64; 5] = [1.0, -2.0, 1.0, -1.990_047_454_833_98, 0.990_072_250_366_21];

/// Power of a biquad `[b0, b1, b2, a1, a2]` at a point with precomputed
/// `cos w` and `cos 2w`.
#[inline]
fn power(c: &[f64; 5], cos_w: f64, cos_2w: f64) -> f64 {
    let [b0, b1, b2, a1, a2] = *c;
    let num =
        b0 * b0 + b1 * b1 + b2 * b2 + 2.0 * (b0 * b1 + b1 * b2) * cos_w + 2.0 * b0 * b2 * cos_2w;
    let den = 1.0 + a1 * a1 + a2 * a2 + 2.0 * (a1 + a1 * a2) * cos_w + 2.0 * a2 * cos_2w;
    num / den
}

/// Precomputed evaluation points for one sample rate.
#[derive(Clone, Debug)]
pub struct AutoGain {
    /// Hz.
    sample_rate: f64,
    /// `cos w` at each point, `w` in radians per sample at `sample_rate`.
    cos_w: [f64; POINTS],
    /// `cos 2w` at each point.
    cos_2w: [f64; POINTS],
    /// K-weighting power at each point, normalised to sum to 1.
    weight: [f64; POINTS],
}

impl AutoGain {
    /// Points for `sample_rate` (Hz), from 2 Hz to 0.49·fs (at most
    /// 23.5 kHz: K-weighting is specified up to 24 kHz).
    pub fn new(sample_rate: f64) -> Self {
        let top = 0.49 * sample_rate.min(48_000.0);
        let mut me = Self {
            sample_rate,
            cos_w: [1.0; POINTS],
            cos_2w: [1.0; POINTS],
            weight: [0.0; POINTS],
        };
        let span = (top / LOW_HZ).ln();
        for i in 0..POINTS {
            let f = LOW_HZ * (span * i as f64 / (POINTS - 1) as f64).exp();
            let w = std::f64::consts::TAU * f / sample_rate;
            me.cos_w[i] = w.cos();
            me.cos_2w[i] = (2.0 * w).cos();
            let wk = std::f64::consts::TAU * f / 48_000.0;
            let (ck, c2k) = (wk.cos(), (2.0 * wk).cos());
            me.weight[i] = power(&K_SHELF_48K, ck, c2k) * power(&K_HIGHPASS_48K, ck, c2k);
        }
        let total: f64 = me.weight.iter().sum();
        for w in &mut me.weight {
            *w /= total;
        }
        me
    }

    /// Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The gain, dB, that restores pink-noise loudness after `eq` (gains as
    /// heard, i.e. with amount applied): minus the EQ's K-weighted pink power
    /// gain. Allocation-free; about a microsecond.
    pub fn gain_db(&self, eq: &EqParams) -> f64 {
        let bands = eq.coeffs(self.sample_rate);
        let coeffs: [[f64; 5]; BAND_COUNT] = std::array::from_fn(|b| {
            let c = &bands[b];
            [c.b0, c.b1, c.b2, c.a1, c.a2]
        });
        let mut sum = 0.0;
        for i in 0..POINTS {
            let mut p = self.weight[i];
            for c in &coeffs {
                p *= power(c, self.cos_w[i], self.cos_2w[i]);
            }
            sum += p;
        }
        if sum > 0.0 && sum.is_finite() {
            -10.0 * sum.log10()
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use semantic_eq_model::cascade_magnitude_db;

    #[test]
    fn a_flat_eq_needs_no_gain() {
        let a = AutoGain::new(48_000.0);
        assert!(a.gain_db(&EqParams::default()).abs() < 1e-12);
    }

    #[test]
    fn a_broadband_boost_is_undone() {
        // Both shelves at +6 dB, with the low shelf at its top and the high
        // shelf at its bottom: nearly +6 dB everywhere that K-weighting counts.
        let eq = EqParams {
            ls_gain_db: 6.0,
            ls_freq_hz: 1000.0,
            hs_gain_db: 6.0,
            hs_freq_hz: 580.0,
            ..EqParams::default()
        };
        let g = AutoGain::new(48_000.0).gain_db(&eq);
        assert!((g + 6.0).abs() < 1.0, "{g}");
    }

    #[test]
    fn matches_a_direct_average_of_the_analytic_response() {
        // Independent path: the model crate's complex-response cascade.
        let eq = EqParams {
            b2_gain_db: 9.0,
            b2_freq_hz: 1200.0,
            b2_q: 2.0,
            hs_gain_db: -5.0,
            ..EqParams::default()
        };
        let fs = 44_100.0;
        let a = AutoGain::new(fs);
        let top = 0.49 * fs;
        let mut num = 0.0;
        for i in 0..POINTS {
            let f = 2.0 * ((top / 2.0).ln() * i as f64 / (POINTS - 1) as f64).exp();
            num += a.weight[i] * 10f64.powf(cascade_magnitude_db(&eq, f, fs) / 10.0);
        }
        let expect = -10.0 * num.log10();
        assert!(
            (a.gain_db(&eq) - expect).abs() < 1e-9,
            "{} {expect}",
            a.gain_db(&eq)
        );
    }
}
