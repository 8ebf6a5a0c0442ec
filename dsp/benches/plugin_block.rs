//! What `process()` costs the host: one 64-sample stereo block at 48 kHz
//! through the plug-in's [`Processor`] while x and y are automated
//! continuously (a new value every block, so the decoder runs on every
//! grid step, twice per block), with auto-gain off and on; the same block
//! with nothing moving; and the decoder's own forward pass.
//!
//! Target (issue 4): ≤ 2 µs per 64-sample block.

use criterion::{Criterion, criterion_group, criterion_main};
use semantic_eq_dsp::{Control, Kernel, Processor, Settings};
use semantic_eq_model::Decoder;
use semantic_eq_model::rng::XorShift64;
use std::hint::black_box;

const BLOCK: usize = 64;

fn block_of_noise() -> [Vec<f32>; 2] {
    let mut rng = XorShift64::new(0x2545_f491_4f6c_dd1d);
    std::array::from_fn(|_| {
        (0..BLOCK)
            .map(|_| ((rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5)
            .collect()
    })
}

fn processor(auto: bool, kernel: Kernel) -> Processor {
    let settings = Settings {
        sample_rate: 48_000.0,
        channels: 2,
        kernel,
    };
    let mut p = Processor::new(&settings, Box::new(Decoder::embedded())).unwrap();
    p.set(Control::Auto, if auto { 1.0 } else { 0.0 });
    p.reset();
    p
}

fn bench(c: &mut Criterion) {
    let input = block_of_noise();
    let mut g = c.benchmark_group("plugin_block_64_stereo_48k");
    // The kernel this CPU runs; where that is the FMA one, the SSE2
    // baseline (every x86-64 CPU) side by side.
    let mut runs = vec![
        ("xy_automated", false, Kernel::detect()),
        ("xy_automated_auto_gain", true, Kernel::detect()),
    ];
    if Kernel::detect() == Kernel::Fma {
        runs.push(("xy_automated_sse2", false, Kernel::Sse2));
    }
    for (name, auto, kernel) in runs {
        let mut p = processor(auto, kernel);
        let mut buf = input.clone();
        let mut t = 0u32;
        g.bench_function(name, |b| {
            b.iter(|| {
                // A slow circle on the pad: every block brings new x and y.
                t = t.wrapping_add(1);
                let phase = f64::from(t % 4096) / 4096.0 * std::f64::consts::TAU;
                p.set(Control::X, 0.9 * phase.cos());
                p.set(Control::Y, 0.9 * phase.sin());
                let [l, r] = &mut buf;
                p.process_planar(&mut [&mut l[..], &mut r[..]]);
                black_box(&buf);
            })
        });
    }
    let mut p = processor(false, Kernel::detect());
    let mut buf = input.clone();
    g.bench_function("static", |b| {
        b.iter(|| {
            let [l, r] = &mut buf;
            p.process_planar(&mut [&mut l[..], &mut r[..]]);
            black_box(&buf);
        })
    });
    // Subnormal input against normal input, each block refilled from its
    // template (clap-validator's process-audio-denormals compares the two;
    // without flush-to-zero the subnormal one is several times slower).
    let tiny: [Vec<f32>; 2] = input.clone().map(|c| c.iter().map(|v| v * 1e-38).collect());
    assert!(tiny[0].iter().any(|v| v.is_subnormal()));
    for (name, auto, template) in [
        ("refilled_normal", false, &input),
        ("refilled_subnormal", false, &tiny),
        ("refilled_normal_auto_gain", true, &input),
        ("refilled_subnormal_auto_gain", true, &tiny),
    ] {
        let mut p = processor(auto, Kernel::detect());
        let mut buf = template.clone();
        g.bench_function(name, |b| {
            b.iter(|| {
                buf[0].copy_from_slice(&template[0]);
                buf[1].copy_from_slice(&template[1]);
                let [l, r] = &mut buf;
                p.process_planar(&mut [&mut l[..], &mut r[..]]);
                black_box(&buf);
            })
        });
    }
    g.finish();

    let d = Decoder::embedded();
    let mut x = 0.0f32;
    c.bench_function("decoder_forward_pass", |b| {
        b.iter(|| {
            x = if x > 0.9 { -0.9 } else { x + 0.001 };
            black_box(d.decode_normalized(black_box(x), 0.3))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
