//! ns per stereo frame of the engine: a static EQ, and a morphing EQ with
//! all 13 parameters (plus amount and output) moving, so coefficients are
//! recomputed on every grid point and interpolated per sample.
//!
//! Criterion reports throughput in frames/s; ns per frame = 1e9 / that.
//!
//! `static` and `morphing` run the kernel this CPU picks; `static_<kernel>`
//! and `morphing_<kernel>` run the others it can (not the scalar one), so
//! they compare side by side under the same load.
//!
//! `static_silence_tail` processes decaying silence, where subnormal numbers
//! would appear without flush-to-zero.
//!
//! `biquad_crate_static` runs the same static EQ as ten
//! `biquad::DirectForm2Transposed<f64>` (five per channel, same
//! coefficients): the reason the engine has its own kernel.

use biquad::Biquad;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use semantic_eq_dsp::{EqEngine, Kernel, Targets};
use semantic_eq_model::EqParams;
use semantic_eq_model::rng::XorShift64;

const FRAMES: usize = 48_000;
const SAMPLE_RATE: f64 = 48_000.0;

fn noise(frames: usize, channels: usize) -> Vec<f32> {
    let mut rng = XorShift64::new(0x2545_f491_4f6c_dd1d);
    (0..frames * channels)
        .map(|_| ((rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5)
        .collect()
}

fn setting(n: f64) -> Targets {
    Targets {
        eq: EqParams::from_normalized(&std::array::from_fn(|i| {
            (n + 0.37 * i as f64).fract() * 0.9 + 0.05
        })),
        amount: 1.0,
        output_db: -3.0,
    }
}

fn bench(c: &mut Criterion) {
    let input = noise(FRAMES, 2);
    let mut g = c.benchmark_group("engine_stereo_48k");
    g.throughput(Throughput::Elements(FRAMES as u64));

    // The kernel this CPU runs, then the others for comparison.
    let detected = Kernel::detect();
    let mut kernels = vec![detected];
    kernels.extend(
        Kernel::available()
            .into_iter()
            .filter(|&k| k != detected && k != Kernel::Scalar),
    );
    let name = |base: &str, k: Kernel| {
        if k == detected {
            base.to_string()
        } else {
            format!("{base}_{k:?}").to_lowercase()
        }
    };

    for &kernel in &kernels {
        let mut engine = EqEngine::with_kernel(SAMPLE_RATE, 2, kernel).unwrap();
        engine.set_targets_ramped(&setting(0.2), 0);
        engine.reset();
        g.bench_function(name("static", kernel), |b| {
            b.iter_batched_ref(
                || input.clone(),
                |buf| engine.process_interleaved(buf),
                BatchSize::LargeInput,
            )
        });
    }

    // Denormals: a long silence after loud input lets the filter memory
    // decay towards subnormal numbers; with flush-to-zero this must cost the
    // same as the static case above.
    let silence = vec![0.0f32; FRAMES * 2];
    let mut engine = EqEngine::new(SAMPLE_RATE, 2).unwrap();
    engine.set_targets_ramped(&setting(0.2), 0);
    engine.reset();
    g.bench_function("static_silence_tail", |b| {
        b.iter_batched_ref(
            || {
                // A loud frame, then silence: the tail decays for the whole run.
                let mut buf = silence.clone();
                buf[0] = 1.0;
                buf[1] = -1.0;
                buf
            },
            |buf| engine.process_interleaved(buf),
            BatchSize::LargeInput,
        )
    });

    let coeffs = setting(0.2)
        .eq
        .coeffs(SAMPLE_RATE)
        .map(|c| biquad::Coefficients {
            a1: c.a1,
            a2: c.a2,
            b0: c.b0,
            b1: c.b1,
            b2: c.b2,
        });
    let mut filters = [coeffs.map(biquad::DirectForm2Transposed::<f64>::new); 2];
    let gain = 10f64.powf(-3.0 / 20.0);
    g.bench_function("biquad_crate_static", |b| {
        b.iter_batched_ref(
            || input.clone(),
            |buf| {
                for frame in buf.chunks_exact_mut(2) {
                    for (s, chain) in frame.iter_mut().zip(&mut filters) {
                        let mut x = *s as f64;
                        for f in chain.iter_mut() {
                            x = f.run(x);
                        }
                        *s = (x * gain) as f32;
                    }
                }
            },
            BatchSize::LargeInput,
        )
    });

    let a = setting(0.1);
    let z = setting(0.6);
    for &kernel in &kernels {
        let mut engine = EqEngine::with_kernel(SAMPLE_RATE, 2, kernel).unwrap();
        let mut flip = false;
        g.bench_function(name("morphing", kernel), |b| {
            b.iter_batched_ref(
                || input.clone(),
                |buf| {
                    flip = !flip;
                    // A ramp as long as the buffer: every grid point moves all 13 parameters.
                    engine.set_targets_ramped(if flip { &a } else { &z }, FRAMES as u64);
                    engine.process_interleaved(buf)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
