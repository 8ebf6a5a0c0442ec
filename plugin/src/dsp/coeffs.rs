//! Biquad coefficients for the engine, in the form its kernel wants.
//!
//! The RBJ cookbook formulas are rewritten in terms of `K = tan(π·f/fs)`
//! (`cos ω0 = (1−K²)/(1+K²)`, `sin ω0 = 2K/(1+K²)`). That needs one
//! transcendental instead of two and keeps `1 + a1 + a2` accurate for
//! low corners, where the `cos`-based form cancels catastrophically.
//! The model crate's textbook `cos`/`sin` derivation is the independent
//! reference the tests hold this one to.

use semantic_eq_model::{BandKind, MAX_FREQ_RATIO};

/// One stage with its `b0` factored out:
/// `y = x + b1·x[-1] + b2·x[-2] − a1·y[-1] − a2·y[-2]`, output scaled by `gain`.
///
/// Factoring `b0` out of every stage saves five multiplies per sample; the
/// five gains are multiplied into one that the kernel applies at the end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageCoeffs {
    /// `b1 / b0`.
    pub b1: f64,
    /// `b2 / b0`.
    pub b2: f64,
    /// `a1 / a0`.
    pub a1: f64,
    /// `a2 / a0`.
    pub a2: f64,
    /// `b0 / a0`, the stage's linear gain factor.
    pub gain: f64,
}

impl StageCoeffs {
    /// A stage that passes its input unchanged.
    pub const IDENTITY: Self = Self {
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
        gain: 1.0,
    };
}

/// Coefficients of one band. `gain_db` may exceed ±12 dB (amount > 100 %).
/// The frequency is clamped to [`MAX_FREQ_RATIO`]·`sample_rate`.
#[inline]
pub fn stage_coeffs(
    kind: BandKind,
    gain_db: f64,
    freq_hz: f64,
    q: f64,
    sample_rate: f64,
) -> StageCoeffs {
    let freq_hz = freq_hz.min(MAX_FREQ_RATIO * sample_rate);
    let k = (std::f64::consts::PI * freq_hz / sample_rate).tan();
    let k2 = k * k;
    // sqrt(A) = 10^(gain/80); A = 10^(gain/40).
    let sqrt_a = (gain_db * (std::f64::consts::LN_10 / 80.0)).exp();
    let a = sqrt_a * sqrt_a;
    let kq = k / q;
    // Numerator (b) and denominator (a) polynomials, each scaled by the same
    // positive factor, which cancels in the ratios below.
    let (b0, b1, b2, a0, a1, a2) = match kind {
        BandKind::Bell => {
            let d = 1.0 + k2;
            let c = -2.0 * (1.0 - k2);
            (d + kq * a, c, d - kq * a, d + kq / a, c, d - kq / a)
        }
        BandKind::LowShelf => {
            let s = sqrt_a * kq;
            let ak2 = a * k2;
            (
                a * (1.0 + ak2 + s),
                2.0 * a * (ak2 - 1.0),
                a * (1.0 + ak2 - s),
                a + k2 + s,
                -2.0 * (a - k2),
                a + k2 - s,
            )
        }
        BandKind::HighShelf => {
            let s = sqrt_a * kq;
            let ak2 = a * k2;
            (
                a * (a + k2 + s),
                -2.0 * a * (a - k2),
                a * (a + k2 - s),
                1.0 + ak2 + s,
                2.0 * (ak2 - 1.0),
                1.0 + ak2 - s,
            )
        }
    };
    let inv_b0 = 1.0 / b0;
    let inv_a0 = 1.0 / a0;
    StageCoeffs {
        b1: b1 * inv_b0,
        b2: b2 * inv_b0,
        a1: a1 * inv_a0,
        a2: a2 * inv_a0,
        gain: b0 * inv_a0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use semantic_eq_model::{Band, SHELF_Q, band_coeffs};

    /// The K-form must equal the textbook cos/sin form to rounding.
    #[test]
    fn tan_form_matches_cookbook() {
        let kinds = [BandKind::LowShelf, BandKind::Bell, BandKind::HighShelf];
        for &fs in &[22_050.0, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
            for kind in kinds {
                for &gain_db in &[-24.0, -12.0, -3.0, 0.0, 0.5, 7.0, 12.0, 24.0] {
                    for &freq_hz in &[22.0, 100.0, 1000.0, 5000.0, 12_000.0, 20_000.0] {
                        for &q in &[0.1, SHELF_Q, 1.0, 3.0, 10.0] {
                            let ours = stage_coeffs(kind, gain_db, freq_hz, q, fs);
                            let r = band_coeffs(
                                &Band {
                                    kind,
                                    gain_db,
                                    freq_hz,
                                    q,
                                },
                                fs,
                            );
                            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
                            assert!(
                                close(ours.gain, r.b0),
                                "{kind:?} {gain_db} {freq_hz} {q} {fs}"
                            );
                            assert!(close(ours.b1 * ours.gain, r.b1));
                            assert!(close(ours.b2 * ours.gain, r.b2));
                            assert!(close(ours.a1, r.a1));
                            assert!(close(ours.a2, r.a2));
                        }
                    }
                }
            }
        }
    }
}
