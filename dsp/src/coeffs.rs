//! Biquad coefficients for the engine, in the form its kernel wants.
//!
//! The RBJ cookbook formulas are rewritten in terms of `K = tan(π·f/fs)`
//! (`cos ω0 = (1−K²)/(1+K²)`, `sin ω0 = 2K/(1+K²)`). That needs one
//! transcendental instead of two and keeps `1 + a1 + a2` accurate for
//! low corners, where the `cos`-based form cancels catastrophically.
//! The model crate's textbook `cos`/`sin` derivation is the independent
//! reference the tests hold this one to.

use crate::cascade::Cascade;
use crate::consts::PER_STAGE;
use crate::cpu::{Checked, Kernel};
use crate::fastmath;
use semantic_eq_model::{
    BAND_COUNT, BANDS, BandKind, BiquadCoeffs, MAX_FREQ_RATIO, NUM_PARAMS, PARAMS, SHELF_Q,
};
use std::f64::consts::{LN_10, PI};

/// Coefficients of one band. `gain_db` may exceed ±12 dB (amount > 100 %).
/// The frequency is clamped to [`MAX_FREQ_RATIO`]·`sample_rate`.
pub fn stage_coeffs(
    kind: BandKind,
    gain_db: f64,
    freq_hz: f64,
    q: f64,
    sample_rate: f64,
) -> BiquadCoeffs {
    let k = fastmath::tan(PI * freq_hz.min(MAX_FREQ_RATIO * sample_rate) / sample_rate);
    let sqrt_a = fastmath::exp(gain_db * (LN_10 / 80.0));
    let [b0, b1, b2, a0, a1, a2] = polynomials(kind, k, sqrt_a, q);
    let inv_a0 = 1.0 / a0;
    BiquadCoeffs {
        b0: b0 * inv_a0,
        b1: b1 * inv_a0,
        b2: b2 * inv_a0,
        a1: a1 * inv_a0,
        a2: a2 * inv_a0,
    }
}

/// RBJ numerator `b0..b2` and denominator `a0..a2` in terms of
/// `K = tan(ω0/2)`, each scaled by the same positive factor, which cancels.
#[inline(always)]
fn polynomials(kind: BandKind, k: f64, sqrt_a: f64, q: f64) -> [f64; 6] {
    let a = sqrt_a * sqrt_a;
    let k2 = k * k;
    let kq = k / q;
    match kind {
        BandKind::Bell => {
            let d = 1.0 + k2;
            let c = -2.0 * (1.0 - k2);
            [d + kq * a, c, d - kq * a, d + kq / a, c, d - kq / a]
        }
        BandKind::LowShelf => {
            let s = sqrt_a * kq;
            let ak2 = a * k2;
            [
                a * (1.0 + ak2 + s),
                2.0 * a * (ak2 - 1.0),
                a * (1.0 + ak2 - s),
                a + k2 + s,
                -2.0 * (a - k2),
                a + k2 - s,
            ]
        }
        BandKind::HighShelf => {
            let s = sqrt_a * kq;
            let ak2 = a * k2;
            [
                a * (a + k2 + s),
                -2.0 * a * (a - k2),
                a * (a + k2 - s),
                1.0 + ak2 + s,
                2.0 * (ak2 - 1.0),
                1.0 + ak2 - s,
            ]
        }
    }
}

/// Constants of the grid computation, worked out once per sample rate so the
/// audio thread never calls libm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Plan {
    /// Per band: ln of the lowest frequency, and ln of the range's ratio.
    ln_freq: [(f64, f64); BAND_COUNT],
    /// ln of the lowest Q, and ln of the Q range's ratio.
    ln_q: (f64, f64),
    /// Per band: lowest gain and gain span, dB.
    gain_db: [(f64, f64); BAND_COUNT],
    /// π / fs.
    pi_over_fs: f64,
    /// Frequency clamp, Hz.
    max_hz: f64,
}

impl Plan {
    pub fn new(sample_rate: f64) -> Self {
        let q = &PARAMS[BANDS[1].q_index.unwrap_or(0)];
        Self {
            ln_freq: BANDS.map(|b| {
                let f = &PARAMS[b.freq_index];
                (f.min.ln(), (f.max / f.min).ln())
            }),
            ln_q: (q.min.ln(), (q.max / q.min).ln()),
            gain_db: BANDS.map(|b| {
                let g = &PARAMS[b.gain_index];
                (g.min, g.max - g.min)
            }),
            pi_over_fs: PI / sample_rate,
            max_hz: MAX_FREQ_RATIO * sample_rate,
        }
    }

    /// The kernel's coefficients for smoothed values: the 13 parameters
    /// normalised to [0, 1], `amount` (1 = 100 %) and the output gain in dB.
    ///
    /// This runs on every grid point while anything moves, so the
    /// transcendentals of all five bands are batched into branch-free loops.
    pub fn cascade(
        &self,
        kernel: Checked,
        normalized: &[f64; NUM_PARAMS],
        amount: f64,
        output_db: f64,
    ) -> Cascade {
        #[cfg(target_arch = "x86_64")]
        if kernel.kernel() == Kernel::Fma {
            // SAFETY: `kernel` is `Checked`: detection found AVX2 (and FMA)
            // for the FMA kernel.
            return unsafe { self.cascade_avx2(normalized, amount, output_db) };
        }
        let _ = kernel;
        self.cascade_generic(normalized, amount, output_db)
    }

    /// The same arithmetic (no fused operations, so the same bits), with the
    /// band loops four lanes wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn cascade_avx2(&self, normalized: &[f64; NUM_PARAMS], amount: f64, output_db: f64) -> Cascade {
        self.cascade_generic(normalized, amount, output_db)
    }

    #[inline(always)]
    fn cascade_generic(
        &self,
        normalized: &[f64; NUM_PARAMS],
        amount: f64,
        output_db: f64,
    ) -> Cascade {
        // exp() arguments: five frequencies, three bell Qs, five gain roots, output gain.
        // Padded to whole vectors (16 and 8 lanes) so the loops below have
        // no scalar tails.
        let mut e = [0.0f64; 16];
        for (b, band) in BANDS.iter().enumerate() {
            let (ln_min, ln_ratio) = self.ln_freq[b];
            e[b] = ln_min + normalized[band.freq_index] * ln_ratio;
            let (g_min, g_span) = self.gain_db[b];
            e[8 + b] = (g_min + normalized[band.gain_index] * g_span) * amount * (LN_10 / 80.0);
        }
        for (i, band) in BANDS[1..4].iter().enumerate() {
            let n = band.q_index.map_or(0.5, |qi| normalized[qi]);
            e[5 + i] = self.ln_q.0 + n * self.ln_q.1;
        }
        e[13] = output_db * (LN_10 / 20.0);
        for v in &mut e {
            *v = fastmath::exp(*v);
        }
        let mut k = [0.0f64; 8];
        for (kb, f) in k.iter_mut().zip(&e[..BAND_COUNT]) {
            *kb = f.min(self.max_hz) * self.pi_over_fs;
        }
        for v in &mut k {
            *v = fastmath::tan(*v);
        }
        let mut c = Cascade::IDENTITY;
        // A band at 0 dB gets its RBJ coefficients here (numerator equal to
        // denominator: flat, to rounding); the engine swaps in an exact
        // pass-through once it has been flat for a grid step (see
        // `Cascade::settle_flat`).
        for (b, band) in BANDS.iter().enumerate() {
            let q = if band.q_index.is_some() {
                e[5 + b - 1]
            } else {
                SHELF_Q
            };
            let [b0, b1, b2, a0, a1, a2] = polynomials(band.kind, k[b], e[8 + b], q);
            let inv_a0 = 1.0 / a0;
            c.0[b * PER_STAGE..][..PER_STAGE].copy_from_slice(&[
                b0 * inv_a0,
                b1 * inv_a0,
                b2 * inv_a0,
                -a1 * inv_a0,
                -a2 * inv_a0,
            ]);
        }
        c.0[BAND_COUNT * PER_STAGE] = e[13];
        debug_assert!(c.0.iter().all(|v| v.is_finite()));
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::STAGES;
    use semantic_eq_model::{Band, SHELF_Q, band_coeffs};

    /// The K-form must equal the textbook cos/sin form to rounding.
    #[test]
    fn tan_form_matches_cookbook() {
        let kinds = [BandKind::LowShelf, BandKind::Bell, BandKind::HighShelf];
        for &fs in &[
            1_000.0, 8_000.0, 22_050.0, 44_100.0, 48_000.0, 96_000.0, 768_000.0,
        ] {
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
                            let close = |a: f64, b: f64| (a - b).abs() <= 1e-11 * (1.0 + b.abs());
                            assert!(
                                close(ours.b0, r.b0),
                                "{kind:?} {gain_db} {freq_hz} {q} {fs}"
                            );
                            assert!(close(ours.b1, r.b1));
                            assert!(close(ours.b2, r.b2));
                            assert!(close(ours.a1, r.a1));
                            assert!(close(ours.a2, r.a2));
                        }
                    }
                }
            }
        }
    }

    /// At every supported sample rate, from 1 kHz to 1.536 MHz, every band
    /// at the ends of its ranges (and beyond Nyquist, where the clamp
    /// applies) has both poles inside the unit circle (the stability
    /// triangle: |a2| < 1 and |a1| < 1 + a2), with a margin.
    #[test]
    fn every_band_is_stable_at_every_supported_rate() {
        let kinds = [BandKind::LowShelf, BandKind::Bell, BandKind::HighShelf];
        let mut worst_radius = 0.0f64;
        for &fs in &[
            1_000.0,
            8_000.0,
            11_025.0,
            16_000.0,
            48_000.0,
            768_000.0,
            1_536_000.0,
        ] {
            for kind in kinds {
                for &gain_db in &[-48.0, -24.0, 0.0, 24.0, 48.0] {
                    for &freq_hz in &[20.0, 440.0, 0.45 * fs, 20_000.0, 40_000.0] {
                        for &q in &[0.1, SHELF_Q, 10.0] {
                            let c = stage_coeffs(kind, gain_db, freq_hz, q, fs);
                            let ctx = format!("{kind:?} {gain_db} dB {freq_hz} Hz Q {q} at {fs}");
                            assert!(c.a2.abs() < 1.0 && c.a1.abs() < 1.0 + c.a2, "{ctx}: {c:?}");
                            // Largest pole radius: sqrt(a2) for complex poles.
                            let disc = c.a1 * c.a1 - 4.0 * c.a2;
                            let r = if disc < 0.0 {
                                c.a2.sqrt()
                            } else {
                                (c.a1.abs() + disc.sqrt()) / 2.0
                            };
                            assert!(r < 1.0 - 1e-9, "{ctx}: pole radius {r}");
                            worst_radius = worst_radius.max(r);
                        }
                    }
                }
            }
        }
        println!("largest pole radius over all rates and extremes: {worst_radius:.9}");
    }

    /// A 0 dB band becomes the exact pass-through only on its second flat
    /// grid point; a band that boosts or cuts never does.
    #[test]
    fn flat_bands_pass_through_after_one_flat_grid_step() {
        let plan = Plan::new(48_000.0);
        // Every gain at 0 dB (normalised 0.5) except bell 2's.
        let mut n = [0.3; NUM_PARAMS];
        for b in BANDS {
            n[b.gain_index] = 0.5;
        }
        n[BANDS[2].gain_index] = 0.8;
        let rbj = plan.cascade(Checked::SCALAR, &n, 1.0, 0.0);
        let flat: Vec<bool> = (0..STAGES).map(|s| rbj.stage_is_flat(s)).collect();
        assert_eq!(flat, [true, true, false, true, true]);
        let stage = |c: &Cascade, s: usize| c.0[s * PER_STAGE..][..PER_STAGE].to_vec();
        let identity = |s| stage(&Cascade::IDENTITY, s);
        // RBJ's own 0 dB stage is not the pass-through.
        assert_ne!(stage(&rbj, 0), identity(0));

        let mut was = [false; STAGES];
        let mut first = rbj;
        first.settle_flat(&mut was);
        assert_eq!(first, rbj, "the first flat grid point keeps RBJ");
        assert_eq!(was, [true, true, false, true, true]);
        let mut second = rbj;
        second.settle_flat(&mut was);
        for s in 0..STAGES {
            let want = if s == 2 { stage(&rbj, s) } else { identity(s) };
            assert_eq!(stage(&second, s), want, "stage {s}");
        }
        // The pass-through is flat too, so it stays.
        let mut third = second;
        third.settle_flat(&mut was);
        assert_eq!(third, second);
    }

    /// The batched grid computation equals the one-band function.
    #[test]
    fn batched_cascade_matches_single_bands() {
        let p = semantic_eq_model::EqParams::parse_list(
            "3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,19000",
        )
        .unwrap();
        let fs = 44_100.0;
        let c = Plan::new(fs).cascade(Checked::SCALAR, &p.to_normalized(), 1.5, -6.0);
        for k in Kernel::available()
            .into_iter()
            .map(|k| k.checked().unwrap())
        {
            assert_eq!(
                Plan::new(fs).cascade(k, &p.to_normalized(), 1.5, -6.0),
                c,
                "{k:?}"
            );
        }
        for (b, band) in p.bands().iter().enumerate() {
            let s = stage_coeffs(band.kind, band.gain_db * 1.5, band.freq_hz, band.q, fs);
            let got = &c.0[b * PER_STAGE..][..PER_STAGE];
            let want = [s.b0, s.b1, s.b2, -s.a1, -s.a2];
            for (g, w) in got.iter().zip(want) {
                assert!(
                    (g - w).abs() < 1e-12 * (1.0 + w.abs()),
                    "band {b}: {got:?} vs {want:?}"
                );
            }
        }
        let gain = 10f64.powf(-6.0 / 20.0);
        assert!((c.0[BAND_COUNT * PER_STAGE] - gain).abs() < 1e-12 * gain);
    }
}
