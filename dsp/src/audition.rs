//! [`Audition`]: band solo, the standard way to hear what one band does.
//!
//! While a band is soloed only its region of the spectrum passes: a
//! band-pass at a bell's frequency and Q (peak gain 0 dB, so the band's own
//! boost or cut is still heard), a low-pass at a low shelf's corner, a
//! high-pass at a high shelf's. It runs on the processor's output, after
//! the EQ, and fades in and out over [`FADE_MS`] so that soloing never
//! clicks. It is a listening aid: nothing in it is saved, and when no band
//! is soloed and the fade has ended it does nothing at all, so the output
//! is the processor's, bit for bit.
//!
//! Allocation-free: the filters are a fixed array of [`MAX_CHANNELS`].

use crate::consts::MAX_CHANNELS;
use biquad::{Biquad, Coefficients, DirectForm2Transposed, Q_BUTTERWORTH_F64, ToHertz, Type};
use semantic_eq_model::{Band, BandKind};

/// Time to fade the solo in or out, ms.
pub const FADE_MS: f64 = 10.0;

/// The highest corner or centre frequency used, as a share of the sample
/// rate (the filter designs need it below Nyquist).
const MAX_FREQ_SHARE: f64 = 0.45;

/// The shape of a band's region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Below a low shelf's corner (second-order Butterworth low-pass).
    Below,
    /// Around a bell (band-pass at its frequency and Q, 0 dB at the peak).
    Around {
        /// The bell's Q.
        q: f64,
    },
    /// Above a high shelf's corner (second-order Butterworth high-pass).
    Above,
}

/// What to let through: one band's region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    /// The band (0..5, low shelf to high shelf): a change of band fades out
    /// and in again rather than sweeping the filter.
    pub band: usize,
    /// Where the region lies relative to the frequency.
    pub shape: Shape,
    /// The band's frequency (bell centre or shelf corner), Hz.
    pub freq_hz: f64,
}

impl Region {
    /// Band `index`'s region, at its current frequency and Q.
    pub fn of_band(index: usize, band: &Band) -> Self {
        let shape = match band.kind {
            BandKind::LowShelf => Shape::Below,
            BandKind::Bell => Shape::Around { q: band.q },
            BandKind::HighShelf => Shape::Above,
        };
        Self {
            band: index,
            shape,
            freq_hz: band.freq_hz,
        }
    }

    /// The region's filter at `sample_rate` (Hz), in the `biquad` crate's
    /// normalised form.
    pub fn coefficients(&self, sample_rate: f64) -> Coefficients<f64> {
        let f0 = self.freq_hz.clamp(1.0, MAX_FREQ_SHARE * sample_rate);
        let design = |kind, q: f64| {
            // The frequency is clamped below Nyquist and Q is positive, the
            // only cases the design refuses; an identity filter otherwise.
            Coefficients::<f64>::from_params(kind, sample_rate.hz(), f0.hz(), q).unwrap_or(
                Coefficients {
                    a1: 0.0,
                    a2: 0.0,
                    b0: 1.0,
                    b1: 0.0,
                    b2: 0.0,
                },
            )
        };
        match self.shape {
            Shape::Below => design(Type::LowPass, Q_BUTTERWORTH_F64),
            Shape::Above => design(Type::HighPass, Q_BUTTERWORTH_F64),
            Shape::Around { q } => {
                let q = q.max(0.05);
                // The crate's band-pass peaks at Q (constant skirt gain);
                // divided by Q it peaks at 0 dB (the cookbook's other form).
                let c = design(Type::BandPass, q);
                Coefficients {
                    b0: c.b0 / q,
                    b1: c.b1 / q,
                    b2: c.b2 / q,
                    ..c
                }
            }
        }
    }
}

/// Band solo for up to [`MAX_CHANNELS`] channels.
#[derive(Clone, Debug)]
pub struct Audition {
    /// Hz.
    sample_rate: f64,
    /// One filter per channel.
    filters: [DirectForm2Transposed<f64>; MAX_CHANNELS],
    /// The region the filters are set to, while one is faded in or out.
    current: Option<Region>,
    /// Share of the filtered signal in the output, 0 (the processor's
    /// output) to 1 (only the region).
    wet: f64,
    /// Change of `wet` per sample while fading.
    fade_step: f64,
}

impl Audition {
    /// Nothing soloed, at `sample_rate` Hz.
    pub fn new(sample_rate: f64) -> Self {
        let identity = Coefficients {
            a1: 0.0,
            a2: 0.0,
            b0: 1.0,
            b1: 0.0,
            b2: 0.0,
        };
        Self {
            sample_rate,
            filters: [DirectForm2Transposed::<f64>::new(identity); MAX_CHANNELS],
            current: None,
            wet: 0.0,
            fade_step: 1.0 / (FADE_MS * 1e-3 * sample_rate).max(1.0),
        }
    }

    /// Whether anything is soloed or still fading out.
    pub fn active(&self) -> bool {
        self.current.is_some()
    }

    /// Back to nothing soloed at once, filters cleared.
    pub fn reset(&mut self) {
        self.current = None;
        self.wet = 0.0;
        for f in &mut self.filters {
            f.reset_state();
        }
    }

    /// Filters `io` (one slice per channel, equal lengths) in place so that
    /// only `want`'s region passes, fading from what was soloed before.
    /// With nothing soloed and nothing fading, leaves `io` untouched.
    pub fn process(&mut self, io: &mut [&mut [f32]], want: Option<Region>) {
        if want.is_none() && self.current.is_none() {
            return;
        }
        // The same band: follow its frequency and Q (once per block; the
        // processor's own smoothing keeps the steps small). Another band,
        // or none: fade out first.
        let same_band = matches!((want, self.current), (Some(w), Some(c)) if w.band == c.band);
        if same_band {
            self.retune(want);
        } else if self.current.is_none() || self.wet <= 0.0 {
            self.current = None;
            self.retune(want);
            for f in &mut self.filters {
                f.reset_state();
            }
        }
        let Some(current) = self.current else {
            return;
        };
        let playing = want.is_some_and(|w| w.band == current.band);
        let target = if playing { 1.0 } else { 0.0 };
        let frames = io.first().map_or(0, |c| c.len());
        let channels = io.len().min(MAX_CHANNELS);
        let start_wet = self.wet;
        for (ch, samples) in io.iter_mut().take(channels).enumerate() {
            let filter = &mut self.filters[ch];
            let mut wet = start_wet;
            for s in samples.iter_mut().take(frames) {
                wet = step_towards(wet, target, self.fade_step);
                let x = f64::from(*s);
                let y = filter.run(x);
                *s = (x + wet * (y - x)) as f32;
            }
            // Decayed state cannot become subnormal and slow every sample.
            for s in [&mut filter.s1, &mut filter.s2] {
                if s.abs() < 1e-30 {
                    *s = 0.0;
                }
            }
        }
        let mut wet = start_wet;
        for _ in 0..frames {
            wet = step_towards(wet, target, self.fade_step);
        }
        self.wet = wet;
        if self.wet <= 0.0 && !playing {
            // Faded out: the next block starts the new band (or nothing).
            self.current = None;
        }
    }

    /// Sets the filters to `region` (keeping their state).
    fn retune(&mut self, region: Option<Region>) {
        let Some(r) = region else {
            return;
        };
        if self.current != Some(r) {
            let c = r.coefficients(self.sample_rate);
            for f in &mut self.filters {
                f.update_coefficients(c);
            }
            self.current = Some(r);
        }
    }
}

/// `from` moved by at most `step` towards `to`.
fn step_towards(from: f64, to: f64, step: f64) -> f64 {
    if from < to {
        (from + step).min(to)
    } else {
        (from - step).max(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f64 = 48_000.0;

    /// RMS gain (dB) of the audition on a steady sine at `f` Hz, after the
    /// fade and the filter settled.
    fn gain_db(region: Region, f: f64) -> f64 {
        let mut a = Audition::new(SR);
        let n = 48_000;
        let mut x: Vec<f32> = (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / SR).sin() as f32)
            .collect();
        let input = x.clone();
        for block in x.chunks_mut(256) {
            a.process(&mut [block], Some(region));
        }
        let rms = |s: &[f32]| {
            (s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
        };
        20.0 * (rms(&x[n / 2..]) / rms(&input[n / 2..])).log10()
    }

    /// The magnitude of the Audio EQ Cookbook's band-pass with 0 dB peak
    /// gain, H(z) = α(1 − z⁻²) / ((1 + α) − 2 cos ω0 z⁻¹ + (1 − α) z⁻²),
    /// α = sin ω0 / 2Q, evaluated on the unit circle (written out from the
    /// cookbook, not from the filter crate).
    fn bandpass_db(f0: f64, q: f64, f: f64) -> f64 {
        let w0 = 2.0 * std::f64::consts::PI * f0 / SR;
        let alpha = w0.sin() / (2.0 * q);
        let w = 2.0 * std::f64::consts::PI * f / SR;
        // (re, im) of a + b e^{-jw} + c e^{-2jw}.
        let poly = |a: f64, b: f64, c: f64| {
            (
                a + b * w.cos() + c * (2.0 * w).cos(),
                -b * w.sin() - c * (2.0 * w).sin(),
            )
        };
        let (nr, ni) = poly(alpha, 0.0, -alpha);
        let (dr, di) = poly(1.0 + alpha, -2.0 * w0.cos(), 1.0 - alpha);
        10.0 * ((nr * nr + ni * ni) / (dr * dr + di * di)).log10()
    }

    #[test]
    fn bell_region_is_a_band_pass_at_the_bells_frequency_and_q() {
        for (f0, q) in [(1000.0, 0.7), (250.0, 2.0), (4000.0, 1.0)] {
            let r = Region {
                band: 2,
                shape: Shape::Around { q },
                freq_hz: f0,
            };
            for f in [f0 / 4.0, f0 / 2.0, f0, f0 * 2.0, f0 * 4.0] {
                let got = gain_db(r, f);
                let want = bandpass_db(f0, q, f);
                assert!(
                    (got - want).abs() < 0.05,
                    "f0 {f0} Q {q} at {f} Hz: {got:.2} dB, analytic {want:.2} dB"
                );
            }
        }
    }

    #[test]
    fn shelf_regions_pass_their_side_of_the_corner() {
        let low = Region {
            band: 0,
            shape: Shape::Below,
            freq_hz: 200.0,
        };
        let high = Region {
            band: 4,
            shape: Shape::Above,
            freq_hz: 5000.0,
        };
        // Butterworth: −3 dB at the corner, −12 dB per octave beyond it.
        assert!((gain_db(low, 200.0) + 3.01).abs() < 0.1);
        assert!(gain_db(low, 50.0).abs() < 0.1);
        assert!(gain_db(low, 1600.0) < -35.0);
        assert!((gain_db(high, 5000.0) + 3.01).abs() < 0.15);
        assert!(gain_db(high, 16_000.0).abs() < 0.3);
        assert!(gain_db(high, 625.0) < -35.0);
    }

    #[test]
    fn fades_without_a_jump_and_leaves_the_output_untouched_after() {
        let mut a = Audition::new(SR);
        let r = Region {
            band: 1,
            shape: Shape::Around { q: 1.0 },
            freq_hz: 500.0,
        };
        // A loud sine far outside the region, so the fade is all you see.
        let tone = |i: usize| (2.0 * std::f64::consts::PI * 8000.0 * i as f64 / SR).sin() as f32;
        let mut out = Vec::new();
        let mut input = Vec::new();
        for block in 0..40 {
            let mut x: Vec<f32> = (block * 128..(block + 1) * 128).map(tone).collect();
            input.extend_from_slice(&x);
            let want = (5..15).contains(&block).then_some(r);
            a.process(&mut [&mut x], want);
            out.extend_from_slice(&x);
        }
        // The largest sample-to-sample step of the output is no larger than
        // the input's own (a click would be a jump beyond it).
        let steps = |s: &[f32]| {
            s.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0f32, f32::max)
        };
        assert!(steps(&out) <= steps(&input) * 1.01);
        // Soloed and settled: the 8 kHz tone is four octaves above the
        // 500 Hz band, about 24 dB down.
        let settled = &out[14 * 128 - 128..14 * 128];
        assert!(settled.iter().all(|s| s.abs() < 0.08));
        // After the fade out: the input, bit for bit, and nothing left on.
        assert!(!a.active());
        assert_eq!(&out[20 * 128..], &input[20 * 128..]);
    }

    #[test]
    fn switching_bands_fades_through_the_dry_signal() {
        let mut a = Audition::new(SR);
        let region = |band| Region {
            band,
            shape: Shape::Around { q: 1.0 },
            freq_hz: 1000.0,
        };
        let mut x = vec![0.5f32; 2048];
        a.process(&mut [&mut x], Some(region(1)));
        assert_eq!(a.wet, 1.0);
        // Another band: the first block fades out, then the new band fades in.
        let mut x = vec![0.5f32; 2048];
        a.process(&mut [&mut x], Some(region(3)));
        assert_eq!(a.wet, 0.0);
        let mut x = vec![0.5f32; 2048];
        a.process(&mut [&mut x], Some(region(3)));
        assert_eq!((a.current.map(|c| c.band), a.wet), (Some(3), 1.0));
    }
}
