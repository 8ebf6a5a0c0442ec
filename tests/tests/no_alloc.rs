//! "No allocation on the audio thread" as a test: a counting global
//! allocator, armed only on this test's thread, must see zero allocations
//! and frees across every realtime entry point of the engine.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use semantic_eq_dsp::engine::Retarget;
use semantic_eq_dsp::{EqEngine, Kernel, NormTargets, Targets};
use semantic_eq_model::{EqParams, NUM_PARAMS};

mod alloc_counter;
use alloc_counter::count;

#[test]
fn the_counter_sees_allocations() {
    // The instrument itself must work, or the test below proves nothing.
    let (n, v) = count(|| vec![1u8; 4096]);
    drop(v);
    assert!(n >= 1, "counting allocator saw {n} events");
}

#[test]
fn processing_never_allocates() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let blocks = [1usize, 7, 32, 33, 64, 511, 4096];
    for kernel in Kernel::available() {
        for channels in 1..=8 {
            let mut engine = EqEngine::with_kernel(48_000.0, channels, kernel).unwrap();
            let frames = 4096 * 3;
            let mut interleaved: Vec<f32> = (0..frames * channels)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let mut planar: Vec<Vec<f32>> = (0..channels)
                .map(|_| (0..frames).map(|_| rng.random_range(-1.0..1.0)).collect())
                .collect();
            let settings: Vec<(Targets, NormTargets)> = (0..8)
                .map(|_| {
                    let n: [f64; NUM_PARAMS] = std::array::from_fn(|_| rng.random_range(0.0..1.0));
                    let t = Targets {
                        eq: EqParams::from_normalized(&n),
                        amount: rng.random_range(0.0..2.0),
                        output_db: rng.random_range(-24.0..24.0),
                    };
                    (
                        t,
                        NormTargets {
                            eq: n,
                            amount: t.amount,
                            output_db: t.output_db,
                        },
                    )
                })
                .collect();
            // A schedule of retargets, one every grid point, with gaps.
            let schedule: Vec<Option<Retarget>> = (0..4096 / 32 + 1)
                .map(|i| {
                    (i % 5 != 3).then(|| Retarget {
                        targets: settings[i % settings.len()].1,
                        ramp_samples: 32,
                    })
                })
                .collect();
            let (events, ()) = count(|| {
                let mut pos = 0;
                let mut k = 0;
                for &b in blocks.iter().cycle().take(40) {
                    let (t, n) = &settings[k % settings.len()];
                    k += 1;
                    // Every realtime entry point, between blocks of every size.
                    match k % 4 {
                        0 => engine.set_targets(t),
                        1 => engine.set_targets_ramped(t, 1000),
                        2 => engine.set_norm_targets_ramped(n, 32),
                        _ => engine.set_norm_targets_ramped(n, 0),
                    }
                    let len = b.min(frames - pos);
                    engine.process_interleaved(
                        &mut interleaved[pos * channels..(pos + len) * channels],
                    );
                    let mut slices: [&mut [f32]; 8] = Default::default();
                    for (s, ch) in slices.iter_mut().zip(planar.iter_mut()) {
                        *s = &mut ch[pos..pos + len];
                    }
                    engine.process_planar(&mut slices[..channels]);
                    let mut slices: [&mut [f32]; 8] = Default::default();
                    for (s, ch) in slices.iter_mut().zip(planar.iter_mut()) {
                        *s = &mut ch[pos..pos + len];
                    }
                    engine.process_planar_scheduled(&mut slices[..channels], &schedule);
                    pos = (pos + len) % (frames - 4096);
                    if k == 20 {
                        engine.reset();
                    }
                }
            });
            assert_eq!(
                events, 0,
                "{kernel:?}, {channels} channels: {events} allocations or frees"
            );
        }
    }
}
