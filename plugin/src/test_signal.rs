//! A test signal for demos and screenshots: pink noise at about −18 dBFS
//! RMS in place of the input, switched on by the standalone's `--pink`
//! (there is no audio input under its dummy backend). Never on in a plug-in
//! a host loads: nothing else sets the flag.
//!
//! Pink is Paul Kellet's refined filter on white noise (within ±0.05 dB
//! of 1/f above 9 Hz at 44.1 kHz); allocation-free, a few operations per
//! sample.

use semantic_eq_model::rng::XorShift64;
use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);

/// Replaces every block's input with pink noise from now on.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

/// Whether [`enable`] was called.
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The generator's state.
pub struct Pink {
    rng: XorShift64,
    b: [f64; 7],
}

impl Default for Pink {
    fn default() -> Self {
        Self {
            rng: XorShift64::new(0x853c_49e6_748f_ea9b),
            b: [0.0; 7],
        }
    }
}

impl Pink {
    /// The next sample.
    #[inline]
    pub fn sample(&mut self) -> f32 {
        let white = self.rng.next_f64() * 2.0 - 1.0;
        let b = &mut self.b;
        b[0] = 0.99886 * b[0] + white * 0.055_517_9;
        b[1] = 0.99332 * b[1] + white * 0.075_075_9;
        b[2] = 0.96900 * b[2] + white * 0.153_852;
        b[3] = 0.86650 * b[3] + white * 0.310_485_6;
        b[4] = 0.55000 * b[4] + white * 0.532_952_2;
        b[5] = -0.7616 * b[5] - white * 0.016_898;
        let out = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + white * 0.5362;
        b[6] = white * 0.115_926;
        (out * 0.07) as f32
    }

    /// Fills every plane with the same noise (a mono source).
    pub fn fill(&mut self, planes: &mut [&mut [f32]]) {
        let frames = planes.iter().map(|p| p.len()).min().unwrap_or(0);
        for i in 0..frames {
            let v = self.sample();
            for p in planes.iter_mut() {
                p[i] = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About −18 dBFS RMS, and clear of clipping.
    #[test]
    fn level_is_about_minus_18_dbfs() {
        let mut p = Pink::default();
        let n = 480_000;
        let (mut sum, mut peak) = (0.0f64, 0.0f32);
        for _ in 0..n {
            let v = p.sample();
            sum += f64::from(v) * f64::from(v);
            peak = peak.max(v.abs());
        }
        let rms_db = 10.0 * (sum / n as f64).log10();
        assert!((-20.0..=-16.0).contains(&rms_db), "{rms_db} dBFS");
        assert!(peak < 0.9, "{peak}");
    }
}
