//! The engine's shared constants: its grid, its limits and the shape of the
//! cascade. The bottom layer (see the crate's module doc): it imports
//! nothing from the crate.

/// Coefficients are recomputed every `GRID` samples, counted from the
/// engine's start, and interpolated linearly per sample in between.
pub const GRID: usize = 32;
/// Most channels one engine processes.
pub const MAX_CHANNELS: usize = 8;
/// Supported sample rates, Hz: from telephone-band and game audio (8 kHz
/// and below) to twice 768 kHz (Steinberg's validator probes 1 234 567.8
/// Hz). Band frequencies are clamped below 0.45·fs, so at low rates the
/// upper bands sit under Nyquist, and every filter stays stable across the
/// range (tested in `coeffs`).
pub const SAMPLE_RATE_RANGE_HZ: (f64, f64) = (1_000.0, 1_536_000.0);
/// Default time for a target change to take full effect.
pub const DEFAULT_SMOOTHING_MS: f64 = 20.0;
/// `amount` range: 0 = flat, 1 = the EQ as set, 2 = twice every gain.
pub const AMOUNT_RANGE: (f64, f64) = (0.0, 2.0);
/// Output gain range, dB, as a user sets it.
pub const OUTPUT_DB_RANGE: (f64, f64) = (-24.0, 24.0);
/// Range of the engine's output stage, dB: the user's output gain plus up
/// to ±60 dB of auto-gain (five bands at +24 dB can add far more than 24).
pub const OUTPUT_STAGE_DB_RANGE: (f64, f64) = (-84.0, 84.0);
/// Inputs beyond ±this (120 dB over full scale) are clipped, so that even
/// +24 dB on every band cannot overflow f32 on the way out.
pub const INPUT_LIMIT: f64 = 1.0e6;

/// Biquad stages in the cascade, one per band.
pub(crate) const STAGES: usize = 5;
/// Coefficients per stage: `b0, b1, b2, −a1, −a2`, all divided by `a0`.
pub(crate) const PER_STAGE: usize = 5;
/// Stage coefficients followed by the overall gain.
pub(crate) const COEFFS: usize = STAGES * PER_STAGE + 1;
/// Index of the overall gain among the coefficients.
pub(crate) const GAIN: usize = COEFFS - 1;
/// History values per channel: input `[x1, x2]`, then each stage's `[y1, y2]`.
pub(crate) const HISTORY: usize = 2 * (STAGES + 1);

const _: () = assert!(STAGES == semantic_eq_model::BAND_COUNT);
