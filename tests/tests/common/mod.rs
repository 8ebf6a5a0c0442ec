//! Helpers shared by the integration tests: seeded signals, an independent
//! f64 reference cascade, FFT and window helpers, engine set-up.
//!
//! Every test binary compiles this module on its own and uses a different
//! subset of it.
#![allow(dead_code)]

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use semantic_eq_dsp::{EqEngine, Kernel, Targets};
use semantic_eq_model::{BAND_COUNT, BiquadCoeffs, EqParams, NUM_PARAMS};

/// The test sample rates.
pub const RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];

/// A seeded generator, so every run draws the same settings and signals.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A valid EQ setting with every parameter drawn uniformly in its
/// normalised domain (gains linear in dB, frequencies and Q logarithmic).
pub fn random_params(rng: &mut ChaCha8Rng) -> EqParams {
    let n: [f64; NUM_PARAMS] = std::array::from_fn(|_| rng.random_range(0.0..=1.0));
    EqParams::from_normalized(&n)
}

/// Random targets: EQ, amount 0..=2 and output −12..=12 dB.
pub fn random_targets(rng: &mut ChaCha8Rng) -> Targets {
    Targets {
        eq: random_params(rng),
        amount: rng.random_range(0.0..=2.0),
        output_db: rng.random_range(-12.0..=12.0),
    }
}

/// An engine (with the kernel [`EqEngine::new`] picks) whose smoothing has
/// already arrived at `targets`, with clear state.
pub fn engine_at(sample_rate: f64, channels: usize, targets: &Targets) -> EqEngine {
    let mut e = EqEngine::new(sample_rate, channels).expect("supported format");
    e.set_targets_ramped(targets, 0);
    e.reset();
    e
}

/// Every filter-loop implementation this CPU can run.
pub fn kernels() -> Vec<Kernel> {
    Kernel::available()
}

/// Like [`engine_at`] with the given kernel.
pub fn engine_with(
    kernel: Kernel,
    sample_rate: f64,
    channels: usize,
    targets: &Targets,
) -> EqEngine {
    let mut e = EqEngine::with_kernel(sample_rate, channels, kernel).expect("supported format");
    assert_eq!(e.kernel(), kernel);
    e.set_targets_ramped(targets, 0);
    e.reset();
    e
}

/// Targets at amount 100 % and 0 dB output.
pub fn plain(eq: EqParams) -> Targets {
    Targets {
        eq,
        amount: 1.0,
        output_db: 0.0,
    }
}

/// `10·log10(x)`.
pub fn db_pow(x: f64) -> f64 {
    10.0 * x.log10()
}

/// Voss-McCartney pink noise (16 rows plus one white row, rows updated at
/// the trailing-zero rate of a counter), scaled so its RMS is exactly
/// `rms_dbfs` (0 dBFS RMS = RMS 1.0).
pub fn pink_noise(rng: &mut ChaCha8Rng, len: usize, rms_dbfs: f64) -> Vec<f32> {
    const ROWS: usize = 16;
    let mut rows = [0.0f64; ROWS];
    for r in &mut rows {
        *r = rng.random_range(-1.0..1.0);
    }
    let mut sum: f64 = rows.iter().sum();
    let mut raw = Vec::with_capacity(len);
    for counter in 1..=len as u64 {
        let row = (counter.trailing_zeros() as usize).min(ROWS - 1);
        let new = rng.random_range(-1.0..1.0);
        sum += new - rows[row];
        rows[row] = new;
        raw.push(sum + rng.random_range(-1.0..1.0));
    }
    let mean = raw.iter().sum::<f64>() / len as f64;
    let rms = (raw.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / len as f64).sqrt();
    let scale = 10f64.powf(rms_dbfs / 20.0) / rms;
    raw.iter().map(|v| ((v - mean) * scale) as f32).collect()
}

/// Uniform white noise in `±amplitude`.
pub fn white_noise(rng: &mut ChaCha8Rng, len: usize, amplitude: f32) -> Vec<f32> {
    (0..len)
        .map(|_| rng.random_range(-amplitude..amplitude))
        .collect()
}

/// A sine of the given peak amplitude, starting at phase 0.
pub fn sine(freq_hz: f64, amplitude: f64, sample_rate: f64, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| {
            (amplitude * (2.0 * std::f64::consts::PI * freq_hz * n as f64 / sample_rate).sin())
                as f32
        })
        .collect()
}

/// Splits interleaved frames into one vector per channel.
pub fn deinterleave(data: &[f32], channels: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| data.iter().skip(c).step_by(channels).copied().collect())
        .collect()
}

/// Joins per-channel vectors into interleaved frames.
pub fn interleave(planes: &[Vec<f32>]) -> Vec<f32> {
    let frames = planes[0].len();
    let mut out = Vec::with_capacity(frames * planes.len());
    for i in 0..frames {
        for p in planes {
            out.push(p[i]);
        }
    }
    out
}

/// The independent reference: five textbook direct-form-I biquads in f64,
/// `y = b0·x + b1·x[-1] + b2·x[-2] − a1·y[-1] − a2·y[-2]` per stage, with
/// `b0` left in place, followed by a linear output gain. Coefficients come
/// straight from [`EqParams::coeffs`] (the model's cos/sin RBJ form), never
/// from the engine.
#[derive(Clone, Debug)]
pub struct RefCascade {
    pub coeffs: [BiquadCoeffs; BAND_COUNT],
    pub gain: f64,
    /// Per stage `[x[-1], x[-2], y[-1], y[-2]]`.
    state: [[f64; 4]; BAND_COUNT],
}

impl RefCascade {
    /// The cascade for `targets` (gains scaled by `amount`, output gain in dB).
    pub fn new(targets: &Targets, sample_rate: f64) -> Self {
        let mut r = Self {
            coeffs: [BiquadCoeffs::IDENTITY; BAND_COUNT],
            gain: 1.0,
            state: [[0.0; 4]; BAND_COUNT],
        };
        r.set(targets, sample_rate);
        r
    }

    /// Changes the coefficients, keeping the signal history.
    pub fn set(&mut self, targets: &Targets, sample_rate: f64) {
        self.coeffs = targets.eq.scaled_gains(targets.amount).coeffs(sample_rate);
        self.gain = 10f64.powf(targets.output_db / 20.0);
    }

    #[inline]
    pub fn process(&mut self, x: f64) -> f64 {
        let mut x = x;
        for (c, s) in self.coeffs.iter().zip(&mut self.state) {
            let y = c.b0 * x + c.b1 * s[0] + c.b2 * s[1] - c.a1 * s[2] - c.a2 * s[3];
            *s = [x, s[0], y, s[2]];
            x = y;
        }
        x * self.gain
    }

    /// Filters a whole channel.
    pub fn run(&mut self, input: &[f32]) -> Vec<f64> {
        input.iter().map(|&x| self.process(x as f64)).collect()
    }
}

/// Forward real FFT (no window, no scaling), `n/2 + 1` bins.
pub fn rfft(x: &[f64]) -> Vec<Complex<f64>> {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(x.len());
    let mut input = x.to_vec();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).expect("lengths match");
    out
}

/// 4-term Blackman-Harris window (−92 dB side lobes), periodic form.
pub fn blackman_harris(n: usize) -> Vec<f64> {
    const C: [f64; 4] = [0.35875, 0.48829, 0.14128, 0.01168];
    (0..n)
        .map(|i| {
            let t = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            C[0] - C[1] * t.cos() + C[2] * (2.0 * t).cos() - C[3] * (3.0 * t).cos()
        })
        .collect()
}

/// Power of `x` (windowed by `w`) between `lo_hz` and `hi_hz`, relative to
/// a full-scale sine: a sine of peak amplitude 1 inside the band reads 0 dB.
pub fn band_power_dbfs(x: &[f64], w: &[f64], sample_rate: f64, lo_hz: f64, hi_hz: f64) -> f64 {
    assert_eq!(x.len(), w.len());
    let n = x.len();
    let windowed: Vec<f64> = x.iter().zip(w).map(|(a, b)| a * b).collect();
    let spec = rfft(&windowed);
    let w2: f64 = w.iter().map(|v| v * v).sum();
    let mut e = 0.0;
    for (k, c) in spec.iter().enumerate() {
        let f = k as f64 * sample_rate / n as f64;
        if f > lo_hz && f <= hi_hz {
            // One-sided spectrum: count the mirrored half too (Parseval).
            let both = if k == 0 || 2 * k == n { 1.0 } else { 2.0 };
            e += both * c.norm_sqr();
        }
    }
    let mean_square = e / n as f64 / w2;
    db_pow(mean_square / 0.5)
}
