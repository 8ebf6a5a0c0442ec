//! Times the engine on one core: `cargo run --release --example kernel_probe -- [static|morph] [scalar|sse2|fma]`.
use semantic_eq_dsp::{EqEngine, Kernel, Targets};
use semantic_eq_model::EqParams;
use std::time::Instant;

fn setting(n: f64) -> Targets {
    Targets {
        eq: EqParams::from_normalized(&std::array::from_fn(|i| {
            (n + 0.37 * i as f64).fract() * 0.9 + 0.05
        })),
        amount: 1.0,
        output_db: -3.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let morph = args.get(1).map(|s| s == "morph").unwrap_or(false);
    let kernel = match args.get(2).map(String::as_str) {
        Some("scalar") => Kernel::Scalar,
        Some("sse2") => Kernel::Sse2,
        Some("fma") => Kernel::Fma,
        _ => Kernel::detect(),
    };
    let frames = 48_000;
    let mut buf: Vec<f32> = (0..frames * 2)
        .map(|i| ((i * 7919 % 2001) as f32 / 1000.0 - 1.0) * 0.25)
        .collect();
    let mut e = EqEngine::with_kernel(48_000.0, 2, kernel).unwrap();
    e.set_targets_ramped(&setting(0.2), 0);
    e.reset();
    let mut best = f64::MAX;
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for rep in 0..reps {
        if morph {
            e.set_targets_ramped(
                &setting(if rep % 2 == 0 { 0.1 } else { 0.6 }),
                frames as u64,
            );
        }
        let t = Instant::now();
        e.process_interleaved(&mut buf);
        best = best.min(t.elapsed().as_secs_f64());
        for v in &mut buf {
            *v *= 0.5;
        }
    }
    println!(
        "{:?} {} {:.2} ns/frame",
        e.kernel(),
        if morph { "morph" } else { "static" },
        best * 1e9 / frames as f64
    );
}
