//! The spectrum analyser behind the curve: what the audio sounds like
//! before and after the EQ.
//!
//! The audio thread's part is [`Tap`]: while the editor is open it copies
//! each block's mono mix (before and after processing) into two lock-free
//! single-producer queues (`rtrb`), a sample at a time, dropping what does
//! not fit. It never allocates, locks or transforms.
//!
//! The editor's part is [`Analyser`]: it drains the queues into rings of
//! the last [`FFT_SIZE`] samples and, once per frame, windows them (Hann),
//! transforms them (`realfft`), and reduces the power spectrum to
//! [`POINTS`] log-spaced display points from 20 Hz to 20 kHz, each the mean
//! power over a sixth of an octave around it. A slope of
//! [`DEFAULT_SLOPE_DB_PER_OCT`] per octave, pivoting at 1 kHz, is added:
//! a power spectrum of pink noise falls 3 dB per octave, so at 3 dB/oct it
//! reads flat. (Pro-Q's 4.5 dB/oct default is there to make typical music
//! read flat; it is [`PRO_Q_SLOPE_DB_PER_OCT`] here, one click away.) The
//! display then falls back at [`RELEASE_DB_PER_S`] (it rises at once), and
//! a peak line holds each point's maximum for [`PEAK_HOLD_S`].

use nice_plug_egui::EguiEditorState;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// Points of the transform (at 48 kHz: 5.9 Hz bins, 171 ms).
pub const FFT_SIZE: usize = 8192;
/// Samples each queue holds: over 0.17 s at 192 kHz, plenty for a 60 Hz
/// editor (and what does not fit is dropped, not waited for).
pub const QUEUE: usize = 1 << 15;
/// Display points, 20 Hz to 20 kHz.
pub const POINTS: usize = 240;
/// Lowest and highest display frequency, Hz.
pub const F_RANGE_HZ: (f64, f64) = (20.0, 20_000.0);
/// Width of each point's average, octaves.
pub const SMOOTHING_OCT: f64 = 1.0 / 6.0;
/// Slope that makes pink noise read flat, dB per octave.
pub const DEFAULT_SLOPE_DB_PER_OCT: f32 = 3.0;
/// FabFilter Pro-Q's default slope (typical music reads flat).
pub const PRO_Q_SLOPE_DB_PER_OCT: f32 = 4.5;
/// How fast the display falls after a peak, dB per second.
pub const RELEASE_DB_PER_S: f32 = 30.0;
/// How long the peak line holds before it falls, seconds.
pub const PEAK_HOLD_S: f32 = 1.0;
/// Floor of the display, dBFS (below it, silence).
pub const FLOOR_DB: f32 = -120.0;

/// The audio thread's end: two queue producers and the editor's open flag.
pub struct Tap {
    pre: rtrb::Producer<f32>,
    post: rtrb::Producer<f32>,
    editor: Arc<EguiEditorState>,
    /// Tests decide "open" themselves (nice-plug-egui sets the flag only
    /// when a real window opens).
    #[cfg(test)]
    pub(crate) force_open: Option<bool>,
}

impl Tap {
    /// The mono mix of `planes` (frames up to the shortest plane) into
    /// `queue`, dropping what does not fit.
    #[inline]
    fn push(queue: &mut rtrb::Producer<f32>, planes: &[&mut [f32]]) {
        let Some(first) = planes.first() else {
            return;
        };
        let frames = planes.iter().map(|p| p.len()).min().unwrap_or(0);
        let scale = 1.0 / planes.len() as f32;
        for i in 0..frames.min(first.len()) {
            let mut sum = 0.0;
            for p in planes {
                sum += p[i];
            }
            if queue.push(sum * scale).is_err() {
                return;
            }
        }
    }

    /// Whether the editor is open (the tap copies nothing otherwise). The
    /// `analyser_tap_always` feature (for the allocation test's build,
    /// which has no window) copies as if it were.
    #[inline]
    pub fn active(&self) -> bool {
        #[cfg(test)]
        if let Some(open) = self.force_open {
            return open;
        }
        cfg!(feature = "analyser_tap_always") || self.editor.is_open()
    }

    /// The block before processing.
    #[inline]
    pub fn pre(&mut self, planes: &[&mut [f32]]) {
        if self.active() {
            Self::push(&mut self.pre, planes);
        }
    }

    /// The block after processing.
    #[inline]
    pub fn post(&mut self, planes: &[&mut [f32]]) {
        if self.active() {
            Self::push(&mut self.post, planes);
        }
    }
}

/// Which spectra the analyser draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    Off,
    Pre,
    Post,
    Both,
}

impl Show {
    /// The next choice of the analyser's button.
    pub fn next(self) -> Self {
        match self {
            Show::Off => Show::Post,
            Show::Post => Show::Pre,
            Show::Pre => Show::Both,
            Show::Both => Show::Off,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Show::Off => "Analyser off",
            Show::Pre => "Analyser: pre",
            Show::Post => "Analyser: post",
            Show::Both => "Analyser: pre + post",
        }
    }
}

/// One spectrum's state on the editor side.
struct Side {
    queue: rtrb::Consumer<f32>,
    /// The last [`FFT_SIZE`] samples, oldest first after rotation by `at`.
    ring: Vec<f32>,
    at: usize,
    /// Samples received since the last transform.
    fresh: usize,
    /// Displayed level per point, dB (after slope).
    level: Vec<f32>,
    /// Peak line per point, dB, and how long it has held, s.
    peak: Vec<f32>,
    held: Vec<f32>,
}

impl Side {
    fn new(queue: rtrb::Consumer<f32>) -> Self {
        Self {
            queue,
            ring: vec![0.0; FFT_SIZE],
            at: 0,
            fresh: 0,
            level: vec![FLOOR_DB; POINTS],
            peak: vec![FLOOR_DB; POINTS],
            held: vec![0.0; POINTS],
        }
    }

    fn drain(&mut self) {
        while let Ok(v) = self.queue.pop() {
            self.ring[self.at] = if v.is_finite() { v } else { 0.0 };
            self.at = (self.at + 1) % FFT_SIZE;
            self.fresh += 1;
        }
    }
}

/// The editor's end: the spectra, ready to draw.
pub struct Analyser {
    pre: Side,
    post: Side,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    output: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    power: Vec<f32>,
    /// Display points' frequencies, Hz.
    freqs: Vec<f64>,
    /// Slope added, dB per octave (pivot 1 kHz).
    pub slope_db_per_oct: f32,
    /// What is drawn.
    pub show: Show,
}

/// A tap and its analyser, joined by two queues of [`QUEUE`] samples.
pub fn pair(editor: Arc<EguiEditorState>) -> (Tap, Analyser) {
    let (pre_tx, pre_rx) = rtrb::RingBuffer::new(QUEUE);
    let (post_tx, post_rx) = rtrb::RingBuffer::new(QUEUE);
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
    let window = (0..FFT_SIZE)
        .map(|i| {
            let t = i as f64 / FFT_SIZE as f64;
            (0.5 - 0.5 * (std::f64::consts::TAU * t).cos()) as f32
        })
        .collect();
    let (lo, hi) = (F_RANGE_HZ.0.ln(), F_RANGE_HZ.1.ln());
    let freqs = (0..POINTS)
        .map(|i| (lo + (hi - lo) * i as f64 / (POINTS - 1) as f64).exp())
        .collect();
    let analyser = Analyser {
        pre: Side::new(pre_rx),
        post: Side::new(post_rx),
        input: fft.make_input_vec(),
        output: fft.make_output_vec(),
        scratch: fft.make_scratch_vec(),
        fft,
        window,
        power: vec![0.0; FFT_SIZE / 2 + 1],
        freqs,
        slope_db_per_oct: DEFAULT_SLOPE_DB_PER_OCT,
        show: Show::Post,
    };
    (
        Tap {
            pre: pre_tx,
            post: post_tx,
            editor,
            #[cfg(test)]
            force_open: None,
        },
        analyser,
    )
}

impl Analyser {
    /// The display points' frequencies, Hz.
    pub fn freqs(&self) -> &[f64] {
        &self.freqs
    }

    /// The displayed levels (`pre` or post), dB per point.
    pub fn level(&self, pre: bool) -> &[f32] {
        if pre {
            &self.pre.level
        } else {
            &self.post.level
        }
    }

    /// The peak lines, dB per point.
    pub fn peak(&self, pre: bool) -> &[f32] {
        if pre { &self.pre.peak } else { &self.post.peak }
    }

    /// Takes what the audio thread sent and, where anything new arrived,
    /// transforms and updates the display; `dt` is the time since the last
    /// call, s. Returns whether anything changed.
    pub fn update(&mut self, sample_rate: f32, dt: f32) -> bool {
        let mut changed = false;
        for pre in [true, false] {
            let side = if pre { &mut self.pre } else { &mut self.post };
            side.drain();
            if side.fresh == 0 {
                continue;
            }
            side.fresh = 0;
            changed = true;
            let target = self.spectrum(pre, sample_rate);
            let side = if pre { &mut self.pre } else { &mut self.post };
            let fall = RELEASE_DB_PER_S * dt.max(0.0);
            for (i, t) in target.into_iter().enumerate() {
                side.level[i] = t.max(side.level[i] - fall).max(FLOOR_DB);
                if t >= side.peak[i] {
                    side.peak[i] = t;
                    side.held[i] = 0.0;
                } else {
                    side.held[i] += dt;
                    if side.held[i] > PEAK_HOLD_S {
                        side.peak[i] = (side.peak[i] - fall).max(side.level[i]);
                    }
                }
            }
        }
        changed
    }

    /// The sloped, smoothed spectrum of one side's ring now, dB per point.
    pub fn spectrum(&mut self, pre: bool, sample_rate: f32) -> Vec<f32> {
        let side = if pre { &self.pre } else { &self.post };
        let n = FFT_SIZE;
        for k in 0..n {
            self.input[k] = side.ring[(side.at + k) % n] * self.window[k];
        }
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .is_err()
        {
            return vec![FLOOR_DB; POINTS];
        }
        // |X|² scaled so that a full-scale sine reads 0 dB at its bin
        // (the Hann window's coherent gain is n/2).
        let norm = (2.0 / (n as f32 * 0.5)).powi(2);
        for (p, c) in self.power.iter_mut().zip(&self.output) {
            *p = c.norm_sqr() * norm;
        }
        power_to_points(
            &self.power,
            f64::from(sample_rate),
            &self.freqs,
            self.slope_db_per_oct,
        )
    }
}

/// The display points of a power spectrum (`power[k]` at `k·fs/N`, N =
/// `2·(len − 1)`): mean power over [`SMOOTHING_OCT`] around each frequency
/// (at least the nearest bin), in dB, plus `slope` dB per octave from 1 kHz.
pub fn power_to_points(power: &[f32], sample_rate: f64, freqs: &[f64], slope: f32) -> Vec<f32> {
    let n = 2 * (power.len() - 1);
    let bin_hz = sample_rate / n as f64;
    let half = 2f64.powf(SMOOTHING_OCT / 2.0);
    freqs
        .iter()
        .map(|&f| {
            let (lo, hi) = ((f / half / bin_hz).ceil(), (f * half / bin_hz).floor());
            let (lo, hi) = (lo.max(1.0) as usize, (hi as usize).min(power.len() - 1));
            let mean = if lo <= hi {
                power[lo..=hi].iter().map(|&p| f64::from(p)).sum::<f64>() / (hi - lo + 1) as f64
            } else {
                let k = ((f / bin_hz).round() as usize).clamp(1, power.len() - 1);
                f64::from(power[k])
            };
            if f >= sample_rate / 2.0 || mean <= 0.0 {
                return FLOOR_DB;
            }
            let db = 10.0 * mean.log10() as f32 + slope * (f / 1000.0).log2() as f32;
            db.max(FLOOR_DB)
        })
        .collect()
}

/// The bin a frequency falls in.
pub fn bin_of(freq_hz: f64, sample_rate: f64) -> usize {
    (freq_hz / sample_rate * FFT_SIZE as f64).round() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use semantic_eq_model::rng::XorShift64;

    fn analyser() -> (Tap, Analyser) {
        let (mut tap, an) = pair(EguiEditorState::from_size(
            nice_plug::editor::dpi::LogicalSize::new(100.0, 100.0),
            1.0,
        ));
        // The tap copies only while the editor is open.
        tap.force_open = Some(true);
        (tap, an)
    }

    fn feed(tap: &mut Tap, samples: &[f32]) {
        for chunk in samples.chunks(512) {
            let mut a = chunk.to_vec();
            let mut b = chunk.to_vec();
            tap.post(&[&mut a[..], &mut b[..]]);
        }
    }

    /// A sine at f lands in the bin of f (within one bin).
    #[test]
    fn a_sine_lands_in_its_bin() {
        let fs = 48_000.0;
        for f in [55.0, 440.0, 1234.5, 9000.0, 17_000.0] {
            let (mut tap, mut an) = analyser();
            let x: Vec<f32> = (0..FFT_SIZE)
                .map(|i| (std::f64::consts::TAU * f * i as f64 / fs).sin() as f32 * 0.5)
                .collect();
            feed(&mut tap, &x);
            an.post.drain();
            let _ = an.spectrum(false, fs as f32);
            let peak = an
                .power
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
            let want = bin_of(f, fs);
            assert!(peak.abs_diff(want) <= 1, "{f} Hz: bin {peak}, want {want}");
            // −6 dBFS sine (amplitude 0.5) reads −6 dB at its bin, within
            // the Hann window's scalloping (−1.42 dB worst case).
            let db = 10.0 * an.power[peak].log10();
            assert!((-7.5..=-5.9).contains(&db), "{f} Hz: {db} dB");
        }
    }

    /// Pink noise (Kellet's filter on white noise, an independent
    /// generator) reads flat within ±1.5 dB from 50 Hz to 15 kHz at the
    /// default slope, averaged over a few seconds; at Pro-Q's slope it
    /// rises 1.5 dB per octave instead.
    #[test]
    fn pink_noise_reads_flat() {
        let fs = 48_000.0f64;
        let mut rng = XorShift64::new(0x5eed);
        let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5, mut b6) =
            (0.0f64, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        let mut pink = || {
            let white = rng.next_f64() * 2.0 - 1.0;
            b0 = 0.99886 * b0 + white * 0.0555179;
            b1 = 0.99332 * b1 + white * 0.0750759;
            b2 = 0.96900 * b2 + white * 0.1538520;
            b3 = 0.86650 * b3 + white * 0.3104856;
            b4 = 0.55000 * b4 + white * 0.5329522;
            b5 = -0.7616 * b5 - white * 0.0168980;
            let out = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362;
            b6 = white * 0.115926;
            (out * 0.05) as f32
        };
        let (mut tap, mut an) = analyser();
        // Average the power over 40 transforms of fresh noise.
        let mut sum = vec![0.0f64; POINTS];
        let frames = 40;
        let mut sum_sloped = vec![0.0f64; POINTS];
        for _ in 0..frames {
            let x: Vec<f32> = (0..FFT_SIZE).map(|_| pink()).collect();
            feed(&mut tap, &x);
            an.post.drain();
            an.slope_db_per_oct = DEFAULT_SLOPE_DB_PER_OCT;
            for (s, v) in sum.iter_mut().zip(an.spectrum(false, fs as f32)) {
                *s += 10f64.powf(f64::from(v) / 10.0);
            }
            an.slope_db_per_oct = PRO_Q_SLOPE_DB_PER_OCT;
            for (s, v) in sum_sloped.iter_mut().zip(an.spectrum(false, fs as f32)) {
                *s += 10f64.powf(f64::from(v) / 10.0);
            }
        }
        let db: Vec<f64> = sum
            .iter()
            .map(|s| 10.0 * (s / frames as f64).log10())
            .collect();
        let band: Vec<(f64, f64)> = an
            .freqs()
            .iter()
            .zip(&db)
            .filter(|(f, _)| (50.0..=15_000.0).contains(*f))
            .map(|(f, d)| (*f, *d))
            .collect();
        let mean = band.iter().map(|b| b.1).sum::<f64>() / band.len() as f64;
        for (f, d) in &band {
            assert!(
                (d - mean).abs() <= 1.5,
                "{f:.0} Hz: {d:.2} dB vs mean {mean:.2}"
            );
        }
        // Pro-Q's slope: the same spectrum tilted up by 1.5 dB per octave.
        let sloped: Vec<f64> = sum_sloped
            .iter()
            .map(|s| 10.0 * (s / frames as f64).log10())
            .collect();
        for (i, f) in an.freqs().iter().enumerate() {
            if (50.0..=15_000.0).contains(f) {
                let tilt = sloped[i] - db[i];
                let want = 1.5 * (f / 1000.0).log2();
                assert!((tilt - want).abs() < 1e-3, "{f:.0} Hz: {tilt} vs {want}");
            }
        }
    }

    /// Nothing is copied while the editor is closed; a full queue drops
    /// samples rather than waiting.
    #[test]
    fn the_tap_copies_only_while_open_and_drops_when_full() {
        let (mut tap, mut an) = pair(EguiEditorState::from_size(
            nice_plug::editor::dpi::LogicalSize::new(100.0, 100.0),
            1.0,
        ));
        tap.force_open = Some(false);
        let mut a = vec![0.5f32; 1000];
        tap.post(&[&mut a[..]]);
        an.post.drain();
        assert_eq!(an.post.fresh, 0);
        tap.force_open = Some(true);
        let mut big = vec![0.25f32; QUEUE + 100];
        tap.post(&[&mut big[..]]);
        an.post.drain();
        assert_eq!(an.post.fresh, QUEUE);
    }
}
