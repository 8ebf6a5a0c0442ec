//! The engine's output is within 100 dB SNR of an independent f64
//! direct-form-I cascade built from the model's textbook coefficients.

mod common;

use semantic_eq_dsp::{Kernel, Targets};
use semantic_eq_model::EqParams;
use std::time::Instant;

const MIN_SNR_DB: f64 = 100.0;
const RANDOM_SETTINGS_PER_RATE: usize = 20;
/// Pink noise level: RMS, relative to a full-scale DC (RMS 1.0).
const NOISE_RMS_DBFS: f64 = -12.0;

/// The reference output of each channel.
fn reference(targets: &Targets, fs: f64, input: &[Vec<f32>; 2]) -> [Vec<f64>; 2] {
    input
        .each_ref()
        .map(|x| common::RefCascade::new(targets, fs).run(x))
}

/// SNR of each channel of the engine's stereo output against the reference;
/// returns the lower one.
fn snr_db(
    kernel: Kernel,
    targets: &Targets,
    fs: f64,
    input: &[Vec<f32>; 2],
    reference: &[Vec<f64>; 2],
) -> f64 {
    let mut engine = common::engine_with(kernel, fs, 2, targets);
    let mut buf = common::interleave(input);
    engine.process_interleaved(&mut buf);
    let out = common::deinterleave(&buf, 2);
    let mut worst = f64::INFINITY;
    for (ch, reference) in reference.iter().enumerate() {
        assert!(out[ch].iter().all(|v| v.is_finite()));
        let signal: f64 = reference.iter().map(|r| r * r).sum();
        let noise: f64 = reference
            .iter()
            .zip(&out[ch])
            .map(|(r, &o)| (r - o as f64) * (r - o as f64))
            .sum();
        worst = worst.min(common::db_pow(signal / noise));
    }
    worst
}

/// Hand-picked corners of the parameter space.
fn extreme_settings() -> Vec<(&'static str, Targets)> {
    let eq = |f: &dyn Fn(&mut EqParams)| {
        let mut p = EqParams::default();
        f(&mut p);
        p
    };
    let t = |eq: EqParams, amount: f64| Targets {
        eq,
        amount,
        output_db: 0.0,
    };
    let bells = |p: &mut EqParams, g: f64, q: f64, low: bool| {
        p.b1_gain_db = g;
        p.b2_gain_db = g;
        p.b3_gain_db = g;
        p.b1_q = q;
        p.b2_q = q;
        p.b3_q = q;
        (p.b1_freq_hz, p.b2_freq_hz, p.b3_freq_hz) = if low {
            (82.0, 180.0, 220.0)
        } else {
            (3900.0, 4700.0, 10_000.0)
        };
    };
    let all = |p: &mut EqParams, g: f64| {
        p.ls_gain_db = g;
        p.ls_freq_hz = 22.0;
        bells(p, g, 10.0, true);
        p.hs_gain_db = g;
        p.hs_freq_hz = 20_000.0;
    };
    vec![
        (
            "ls 22 Hz +12",
            t(
                eq(&|p| {
                    p.ls_gain_db = 12.0;
                    p.ls_freq_hz = 22.0
                }),
                1.0,
            ),
        ),
        (
            "ls 22 Hz -12",
            t(
                eq(&|p| {
                    p.ls_gain_db = -12.0;
                    p.ls_freq_hz = 22.0
                }),
                1.0,
            ),
        ),
        (
            "ls 22 Hz +12 @200%",
            t(
                eq(&|p| {
                    p.ls_gain_db = 12.0;
                    p.ls_freq_hz = 22.0
                }),
                2.0,
            ),
        ),
        (
            "bells Q10 low edges +12",
            t(eq(&|p| bells(p, 12.0, 10.0, true)), 1.0),
        ),
        (
            "bells Q10 low edges -12",
            t(eq(&|p| bells(p, -12.0, 10.0, true)), 1.0),
        ),
        (
            "bells Q10 high edges +12",
            t(eq(&|p| bells(p, 12.0, 10.0, false)), 1.0),
        ),
        (
            "bells Q10 high edges -12",
            t(eq(&|p| bells(p, -12.0, 10.0, false)), 1.0),
        ),
        (
            "bells Q0.1 low edges +12",
            t(eq(&|p| bells(p, 12.0, 0.1, true)), 1.0),
        ),
        (
            "bells Q0.1 high edges -12",
            t(eq(&|p| bells(p, -12.0, 0.1, false)), 1.0),
        ),
        (
            "hs 20 kHz +12",
            t(
                eq(&|p| {
                    p.hs_gain_db = 12.0;
                    p.hs_freq_hz = 20_000.0
                }),
                1.0,
            ),
        ),
        (
            "hs 20 kHz -12",
            t(
                eq(&|p| {
                    p.hs_gain_db = -12.0;
                    p.hs_freq_hz = 20_000.0
                }),
                1.0,
            ),
        ),
        (
            "hs 20 kHz -12 @200%",
            t(
                eq(&|p| {
                    p.hs_gain_db = -12.0;
                    p.hs_freq_hz = 20_000.0
                }),
                2.0,
            ),
        ),
        ("all edges +12 @200%", t(eq(&|p| all(p, 12.0)), 2.0)),
        ("all edges -12 @200%", t(eq(&|p| all(p, -12.0)), 2.0)),
        (
            "all edges +12 @200% -24 dB out",
            Targets {
                eq: eq(&|p| all(p, 12.0)),
                amount: 2.0,
                output_db: -24.0,
            },
        ),
    ]
}

#[test]
fn engine_matches_f64_reference_above_100_db_snr() {
    let started = Instant::now();
    let mut rng = common::rng(0x5e0_0002);
    let mut worst = (f64::INFINITY, String::new());
    let mut note = |snr: f64, what: String| {
        assert!(
            snr >= MIN_SNR_DB,
            "SNR {snr:.1} dB < {MIN_SNR_DB} dB: {what}"
        );
        if snr < worst.0 {
            worst = (snr, what);
        }
    };
    let kernels = common::kernels();
    let show = |snrs: &[f64]| {
        kernels
            .iter()
            .zip(snrs)
            .map(|(k, s)| format!("{k:?} {s:.1} dB"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for fs in common::RATES {
        // One second of independent pink noise per channel.
        let len = fs as usize;
        let input = [
            common::pink_noise(&mut rng, len, NOISE_RMS_DBFS),
            common::pink_noise(&mut rng, len, NOISE_RMS_DBFS),
        ];
        let mut rate_worst = vec![f64::INFINITY; kernels.len()];
        for i in 0..RANDOM_SETTINGS_PER_RATE {
            let eq = common::random_params(&mut rng);
            // Every other setting also gets a random amount and output gain.
            let targets = if i % 2 == 0 {
                common::plain(eq)
            } else {
                use rand::RngExt;
                Targets {
                    eq,
                    amount: rng.random_range(0.0..=2.0),
                    output_db: rng.random_range(-24.0..=24.0),
                }
            };
            let r = reference(&targets, fs, &input);
            for (ki, &kernel) in kernels.iter().enumerate() {
                let snr = snr_db(kernel, &targets, fs, &input, &r);
                rate_worst[ki] = rate_worst[ki].min(snr);
                note(
                    snr,
                    format!(
                        "{fs} Hz {kernel:?} random --eq {} amount {} output {} dB",
                        targets.eq, targets.amount, targets.output_db
                    ),
                );
            }
        }
        println!(
            "{fs} Hz: {RANDOM_SETTINGS_PER_RATE} random settings, worst SNR {}",
            show(&rate_worst)
        );
        for (name, targets) in extreme_settings() {
            let r = reference(&targets, fs, &input);
            let snrs: Vec<f64> = kernels
                .iter()
                .map(|&kernel| snr_db(kernel, &targets, fs, &input, &r))
                .collect();
            println!("{fs} Hz: {name:<32} SNR {}", show(&snrs));
            for (kernel, snr) in kernels.iter().zip(snrs) {
                note(snr, format!("{fs} Hz {kernel:?} {name}"));
            }
        }
    }
    println!(
        "precision: worst SNR {:.1} dB ({}), limit {MIN_SNR_DB} dB; pink noise {NOISE_RMS_DBFS} dBFS RMS, stereo; {:.1} s",
        worst.0,
        worst.1,
        started.elapsed().as_secs_f64()
    );
}
