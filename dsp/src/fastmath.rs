//! `exp` and `tan` in f64, branch-free so that loops over several bands
//! vectorise, and about 20× cheaper than libm on the coefficient grid.
//!
//! Accuracy is a few ulp over the ranges the engine uses, far inside what
//! the response tests need (coefficient errors of 1e-15 are −300 dB).

use std::f64::consts::LOG2_E;

/// 1.5·2^52: adding it rounds a double to an integer held in the low
/// mantissa bits, without SSE4.1's `roundpd`.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// ln 2 split so that `n·LN2_HI` is exact for |n| < 2^11.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// ln 2 − LN2_HI to full precision (not `LN_2 − LN2_HI`, which would
/// inherit `LN_2`'s rounding and cost 10 ulp at |x| ≈ 60).
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `e^x` for |x| ≤ 700 (clamped beyond).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    let t = x * LOG2_E + ROUNDER;
    let n = t - ROUNDER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Taylor series of e^r to r^12: |r| ≤ ln2/2, so the first term left out
    // is below 2e-16 relative. Estrin's scheme: four levels of independent
    // multiply-adds instead of a 12-deep Horner chain.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = 1.0 + r;
    let q1 = 1.0 / 2.0 + r * (1.0 / 6.0);
    let q2 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let q3 = 1.0 / 720.0 + r * (1.0 / 5_040.0);
    let q4 = 1.0 / 40_320.0 + r * (1.0 / 362_880.0);
    let q5 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0);
    let q6 = 1.0 / 479_001_600.0;
    let s0 = q0 + r2 * q1;
    let s1 = q2 + r2 * q3;
    let s2 = q4 + r2 * q5;
    let p = (s0 + r4 * s1) + r8 * (s2 + r4 * q6);
    // 2^n from the integer in t's low bits.
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// `tan x` for 0 ≤ x ≤ 0.45·π (the engine's frequency clamp), as sin/cos
/// Taylor series, which stay accurate to a few ulp on that interval (the
/// cosine's cancellation near the top costs the most).
#[inline(always)]
pub fn tan(x: f64) -> f64 {
    let y = x * x;
    let y2 = y * y;
    let y4 = y2 * y2;
    let y8 = y4 * y4;
    // sin x / x = Σ (−y)^k / (2k+1)!, k = 0..=10, by Estrin's scheme.
    let s = {
        let a0 = 1.0 - y * (1.0 / 6.0);
        let a1 = 1.0 / 120.0 - y * (1.0 / 5_040.0);
        let a2 = 1.0 / 362_880.0 - y * (1.0 / 39_916_800.0);
        let a3 = 1.0 / 6_227_020_800.0 - y * (1.0 / 1_307_674_368_000.0);
        let a4 = 1.0 / 355_687_428_096_000.0 - y * (1.0 / 121_645_100_408_832_000.0);
        let a5 = 1.0 / 51_090_942_171_709_440_000.0;
        let b0 = a0 + y2 * a1;
        let b1 = a2 + y2 * a3;
        let b2 = a4 + y2 * a5;
        (b0 + y4 * b1) + y8 * b2
    };
    // cos x = Σ (−y)^k / (2k)!, k = 0..=11.
    let c = {
        let a0 = 1.0 - y * 0.5;
        let a1 = 1.0 / 24.0 - y * (1.0 / 720.0);
        let a2 = 1.0 / 40_320.0 - y * (1.0 / 3_628_800.0);
        let a3 = 1.0 / 479_001_600.0 - y * (1.0 / 87_178_291_200.0);
        let a4 = 1.0 / 20_922_789_888_000.0 - y * (1.0 / 6_402_373_705_728_000.0);
        let a5 = 1.0 / 2_432_902_008_176_640_000.0 - y * (1.0 / 1_124_000_727_777_607_680_000.0);
        let b0 = a0 + y2 * a1;
        let b1 = a2 + y2 * a3;
        let b2 = a4 + y2 * a5;
        (b0 + y4 * b1) + y8 * b2
    };
    x * s / c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn exp_matches_libm() {
        let mut worst: f64 = 0.0;
        let mut x = -60.0;
        while x < 60.0 {
            worst = worst.max(rel(exp(x), x.exp()));
            x += 0.000_731;
        }
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1e9) >= 0.0 && exp(1e9).is_finite());
    }

    #[test]
    fn tan_matches_libm_up_to_the_nyquist_clamp() {
        let top = 0.45 * std::f64::consts::PI;
        let mut worst: f64 = 0.0;
        for i in 1..=200_000 {
            let x = top * i as f64 / 200_000.0;
            worst = worst.max(rel(tan(x), x.tan()));
        }
        // Tiny arguments (22 Hz at 384 kHz is 1.8e-4 rad) matter most for
        // low shelves: check relative accuracy there too.
        for &x in &[1e-8, 1.8e-4, 1e-3, 0.01] {
            worst = worst.max(rel(tan(x), x.tan()));
        }
        assert!(worst < 2e-15, "worst relative error {worst:e}");
    }
}
