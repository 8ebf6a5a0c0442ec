//! Auto-gain holds loudness: pink noise through the processor with
//! auto-gain on measures within ±0.5 LU of the input (EBU R128 integrated
//! loudness, by the `ebur128` crate), for 100 random pad points and amounts.

use ebur128::{EbuR128, Mode as R128Mode};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use semantic_eq_dsp::{Control, Kernel, Processor, Settings};
use semantic_eq_model::Decoder;

const SAMPLE_RATE: u32 = 48_000;

/// Stereo pink noise, interleaved: random phases and a 1/f power spectrum
/// set bin by bin, so it is pink to the last octave (a Voss-McCartney
/// generator ripples by a dB or so, which a +20 dB shelf would show).
fn pink(frames: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut planner = RealFftPlanner::<f64>::new();
    let ifft = planner.plan_fft_inverse(frames);
    let channels: Vec<Vec<f64>> = (0..2)
        .map(|_| {
            let mut spectrum = ifft.make_input_vec();
            for (k, bin) in spectrum.iter_mut().enumerate().skip(1) {
                let phase = rng.random_range(0.0..std::f64::consts::TAU);
                *bin = Complex::from_polar(1.0 / (k as f64).sqrt(), phase);
            }
            let last = spectrum.len() - 1;
            spectrum[last].im = 0.0;
            let mut out = ifft.make_output_vec();
            ifft.process(&mut spectrum, &mut out).unwrap();
            let rms = (out.iter().map(|v| v * v).sum::<f64>() / frames as f64).sqrt();
            // About −20 dBFS RMS.
            out.iter().map(|v| v / rms * 0.1).collect()
        })
        .collect();
    (0..frames)
        .flat_map(|f| [channels[0][f] as f32, channels[1][f] as f32])
        .collect()
}

fn loudness(interleaved: &[f32]) -> f64 {
    let mut m = EbuR128::new(2, SAMPLE_RATE, R128Mode::I).unwrap();
    m.add_frames_f32(interleaved).unwrap();
    m.loudness_global().unwrap()
}

#[test]
fn auto_gain_keeps_pink_noise_loudness_within_half_a_lu() {
    let frames = 1 << 18;
    let dry = pink(frames, 42);
    let reference = loudness(&dry);
    let settings = Settings {
        sample_rate: f64::from(SAMPLE_RATE),
        channels: 2,
        kernel: Kernel::detect(),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut worst_on, mut worst_off) = (0.0f64, 0.0f64);
    let mut scratch = vec![0.0f32; 2 * 512];
    for case in 0..100 {
        let (x, y) = (rng.random_range(-1.0..=1.0), rng.random_range(-1.0..=1.0));
        let amount = rng.random_range(0.0..=2.0);
        let mut measured = [0.0; 2];
        for (auto, m) in [1.0, 0.0].into_iter().zip(&mut measured) {
            let mut p = Processor::new(&settings, Box::new(Decoder::embedded())).unwrap();
            p.set(Control::X, x);
            p.set(Control::Y, y);
            p.set(Control::Amount, amount);
            p.set(Control::Auto, auto);
            p.reset();
            let mut wet = dry.clone();
            p.process_interleaved(&mut wet, &mut scratch);
            *m = loudness(&wet) - reference;
        }
        let [on, off] = measured;
        assert!(
            on.abs() <= 0.5,
            "case {case}: x {x:.2} y {y:.2} amount {amount:.2}: {on:+.2} LU with auto-gain ({off:+.2} without)"
        );
        worst_on = worst_on.max(on.abs());
        worst_off = worst_off.max(off.abs());
    }
    eprintln!("auto-gain: worst {worst_on:.3} LU (without auto-gain: {worst_off:.2} LU)");
    // The test means something only if the EQ changes loudness on its own.
    assert!(worst_off > 2.0, "{worst_off}");
}
