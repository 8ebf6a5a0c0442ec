//! The analytic response of the EQ cascade, in f64, from the RBJ
//! Audio-EQ-Cookbook formulas.
//!
//! This is the reference the engine is measured against, the curve the
//! editor draws and the basis of the training loss. It deliberately uses the
//! textbook `sin`/`cos` form; the engine has its own, faster derivation.

use crate::params::{BAND_COUNT, Band, BandKind, EqParams};
use std::f64::consts::PI;

/// Frequencies are kept at or below this fraction of the sample rate, where
/// the bilinear transform still behaves; a 20 kHz shelf at 44.1 kHz becomes a
/// 19.845 kHz shelf instead of an unstable or inverted one.
pub const MAX_FREQ_RATIO: f64 = 0.45;

/// A biquad normalised so that `a0 = 1`:
/// `y = b0·x + b1·x[-1] + b2·x[-2] − a1·y[-1] − a2·y[-2]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BiquadCoeffs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl BiquadCoeffs {
    /// The identity filter.
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Complex response `H(e^{jω})` at `freq_hz`, as `(re, im)`.
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> (f64, f64) {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        // z^-1 = cos w − j sin w
        let num = (
            self.b0 + self.b1 * c1 + self.b2 * c2,
            -(self.b1 * s1 + self.b2 * s2),
        );
        let den = (
            1.0 + self.a1 * c1 + self.a2 * c2,
            -(self.a1 * s1 + self.a2 * s2),
        );
        let d = den.0 * den.0 + den.1 * den.1;
        (
            (num.0 * den.0 + num.1 * den.1) / d,
            (num.1 * den.0 - num.0 * den.1) / d,
        )
    }

    /// Magnitude `|H|` (linear) at `freq_hz`.
    pub fn magnitude(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        let (re, im) = self.response(freq_hz, sample_rate);
        re.hypot(im)
    }
}

/// RBJ cookbook coefficients for one band at `sample_rate`.
///
/// The frequency is first clamped to [`MAX_FREQ_RATIO`]·`sample_rate`.
pub fn band_coeffs(band: &Band, sample_rate: f64) -> BiquadCoeffs {
    let freq_hz = band.freq_hz.min(MAX_FREQ_RATIO * sample_rate);
    let a = 10f64.powf(band.gain_db / 40.0);
    let w0 = 2.0 * PI * freq_hz / sample_rate;
    let (sin_w0, cos_w0) = w0.sin_cos();
    let alpha = sin_w0 / (2.0 * band.q);
    let (b0, b1, b2, a0, a1, a2) = match band.kind {
        BandKind::Bell => (
            1.0 + alpha * a,
            -2.0 * cos_w0,
            1.0 - alpha * a,
            1.0 + alpha / a,
            -2.0 * cos_w0,
            1.0 - alpha / a,
        ),
        BandKind::LowShelf => {
            let k = 2.0 * a.sqrt() * alpha;
            (
                a * ((a + 1.0) - (a - 1.0) * cos_w0 + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cos_w0),
                a * ((a + 1.0) - (a - 1.0) * cos_w0 - k),
                (a + 1.0) + (a - 1.0) * cos_w0 + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * cos_w0),
                (a + 1.0) + (a - 1.0) * cos_w0 - k,
            )
        }
        BandKind::HighShelf => {
            let k = 2.0 * a.sqrt() * alpha;
            (
                a * ((a + 1.0) + (a - 1.0) * cos_w0 + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cos_w0),
                a * ((a + 1.0) + (a - 1.0) * cos_w0 - k),
                (a + 1.0) - (a - 1.0) * cos_w0 + k,
                2.0 * ((a - 1.0) - (a + 1.0) * cos_w0),
                (a + 1.0) - (a - 1.0) * cos_w0 - k,
            )
        }
    };
    BiquadCoeffs {
        b0: b0 / a0,
        b1: b1 / a0,
        b2: b2 / a0,
        a1: a1 / a0,
        a2: a2 / a0,
    }
}

impl EqParams {
    /// The five biquads of this setting at `sample_rate`.
    pub fn coeffs(&self, sample_rate: f64) -> [BiquadCoeffs; BAND_COUNT] {
        self.bands().map(|b| band_coeffs(&b, sample_rate))
    }
}

/// Magnitude of the whole cascade at `freq_hz`, in dB.
pub fn cascade_magnitude_db(params: &EqParams, freq_hz: f64, sample_rate: f64) -> f64 {
    let mag: f64 = params
        .coeffs(sample_rate)
        .iter()
        .map(|c| c.magnitude(freq_hz, sample_rate))
        .product();
    20.0 * mag.log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bell(gain_db: f64, freq_hz: f64, q: f64) -> Band {
        Band {
            kind: BandKind::Bell,
            gain_db,
            freq_hz,
            q,
        }
    }

    #[test]
    fn bell_peaks_at_its_gain_and_is_flat_far_away() {
        let c = band_coeffs(&bell(9.0, 1000.0, 2.0), 48_000.0);
        let db = |f| 20.0 * c.magnitude(f, 48_000.0).log10();
        assert!((db(1000.0) - 9.0).abs() < 1e-9);
        assert!(db(20.0).abs() < 0.05);
        assert!(db(20_000.0).abs() < 0.1);
        // RBJ bells are symmetric on a log axis around the centre, up to warping.
        assert!((db(707.1) - db(1414.2)).abs() < 0.2);
    }

    #[test]
    fn shelves_reach_their_gain_on_their_side_and_half_at_the_corner() {
        let fs = 96_000.0;
        let ls = band_coeffs(
            &Band {
                kind: BandKind::LowShelf,
                gain_db: -8.0,
                freq_hz: 300.0,
                q: 0.71,
            },
            fs,
        );
        let hs = band_coeffs(
            &Band {
                kind: BandKind::HighShelf,
                gain_db: 6.0,
                freq_hz: 3000.0,
                q: 0.71,
            },
            fs,
        );
        let db = |c: &BiquadCoeffs, f| 20.0 * c.magnitude(f, fs).log10();
        assert!((db(&ls, 5.0) + 8.0).abs() < 0.01);
        assert!(db(&ls, 20_000.0).abs() < 0.01);
        assert!(
            (db(&ls, 300.0) + 4.0).abs() < 1e-6,
            "RBJ shelves pass half the gain at f0"
        );
        assert!((db(&hs, 40_000.0) - 6.0).abs() < 0.05);
        assert!(db(&hs, 20.0).abs() < 0.01);
        assert!((db(&hs, 3000.0) - 3.0).abs() < 1e-6);
    }

    #[test]
    fn zero_gain_is_identity() {
        let p = EqParams::default();
        for f in [20.0, 100.0, 1000.0, 10_000.0, 20_000.0] {
            assert!(cascade_magnitude_db(&p, f, 44_100.0).abs() < 1e-12);
        }
    }

    #[test]
    fn near_nyquist_shelf_is_clamped_and_stable() {
        let band = Band {
            kind: BandKind::HighShelf,
            gain_db: 12.0,
            freq_hz: 20_000.0,
            q: 0.71,
        };
        let c = band_coeffs(&band, 44_100.0);
        // Poles inside the unit circle: |a2| < 1 and |a1| < 1 + a2.
        assert!(c.a2.abs() < 1.0 && c.a1.abs() < 1.0 + c.a2);
        let clamped = Band {
            freq_hz: 0.45 * 44_100.0,
            ..band
        };
        assert_eq!(c, band_coeffs(&clamped, 44_100.0));
    }
}
