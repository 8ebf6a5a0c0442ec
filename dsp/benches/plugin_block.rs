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
use std::hint::black_box;

const BLOCK: usize = 64;

fn block_of_noise() -> [Vec<f32>; 2] {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    std::array::from_fn(|_| {
        (0..BLOCK)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5
            })
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
    // The kernel this CPU runs; where that is the AVX-512 one, the AVX2 one
    // side by side, for machines without AVX-512.
    let mut runs = vec![
        ("xy_automated", false, Kernel::detect()),
        ("xy_automated_auto_gain", true, Kernel::detect()),
    ];
    if Kernel::detect() == Kernel::Skewed {
        runs.push(("xy_automated_fma", false, Kernel::Fma));
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
