//! Bit-exact block-size and layout invariance: a render whose target changes
//! happen at fixed absolute sample positions gives the same bits whatever
//! the host's block sizes and whether buffers are interleaved or planar.

mod common;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use semantic_eq_dsp::engine::GRID;
use semantic_eq_dsp::{EqEngine, Kernel, Targets};
use semantic_eq_model::{EqParams, NUM_PARAMS, PARAMS};
use std::time::Instant;

const FS: f64 = 48_000.0;
const FRAMES: usize = 48_000;
const REFERENCE_BLOCK: usize = 4096;

/// `set_targets_ramped(targets, ramp)` just before frame `pos` is processed.
#[derive(Clone, Debug)]
struct Event {
    pos: usize,
    targets: Targets,
    ramp: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    Interleaved,
    Planar,
    /// Alternates interleaved and planar calls block by block.
    Mixed,
}

#[derive(Clone, Copy, Debug)]
enum Blocks {
    Fixed(usize),
    /// Block lengths drawn uniformly from 1..=max with the given seed.
    Random {
        seed: u64,
        max: usize,
    },
}

/// Changes one of the 15 smoothed values (13 EQ parameters, amount, output).
fn with_slot(t: &Targets, slot: usize, rng: &mut ChaCha8Rng) -> Targets {
    let mut t = *t;
    match slot {
        s if s < NUM_PARAMS => {
            let mut a = t.eq.to_array();
            let spec = &PARAMS[s];
            a[s] = spec.denormalize(rng.random_range(0.0..=1.0));
            t.eq = EqParams::from_array(a);
        }
        s if s == NUM_PARAMS => t.amount = rng.random_range(0.0..=2.0),
        _ => t.output_db = rng.random_range(-24.0..=24.0),
    }
    t
}

fn random_targets(rng: &mut ChaCha8Rng) -> Targets {
    Targets {
        eq: common::random_params(rng),
        amount: rng.random_range(0.0..=2.0),
        output_db: rng.random_range(-12.0..=12.0),
    }
}

/// The automation: every one of the 15 values swept on its own, then
/// everything at once, with ramps from a jump to longer than the gap to the
/// next event (so many changes retarget a ramp that is still moving), at
/// grid-aligned and mid-segment positions, and sometimes two changes at the
/// same sample.
fn automation(rng: &mut ChaCha8Rng) -> (Targets, Vec<Event>) {
    const RAMPS: [u64; 12] = [0, 1, 2, 5, 31, 32, 33, 63, 100, 480, 2400, 5000];
    let initial = random_targets(rng);
    let mut current = initial;
    let mut events = Vec::new();
    let mut pos = 0usize;
    let mut n = 0usize;
    // Slots 0..15 one by one (twice), then whole-setting changes.
    let slots: Vec<Option<usize>> = (0..NUM_PARAMS + 2)
        .chain(0..NUM_PARAMS + 2)
        .map(Some)
        .chain(std::iter::repeat_n(None, 12))
        .collect();
    for slot in slots {
        let targets = match slot {
            Some(s) => with_slot(&current, s, rng),
            None => random_targets(rng),
        };
        let ramp = RAMPS[n % RAMPS.len()];
        events.push(Event { pos, targets, ramp });
        current = targets;
        if n % 9 == 4 {
            // A second change at the same sample overrides the first.
            current = random_targets(rng);
            events.push(Event {
                pos,
                targets: current,
                ramp: RAMPS[(n + 5) % RAMPS.len()],
            });
        }
        n += 1;
        // Next event: alternately on the grid, mid-segment, one before a
        // grid point and at a random offset.
        let base = pos + rng.random_range(200..1500);
        let base = base - base % GRID;
        pos = base
            + match n % 4 {
                0 => 0,
                1 => GRID / 2,
                2 => GRID - 1,
                _ => rng.random_range(1..GRID),
            };
    }
    assert!(pos < FRAMES, "automation must fit in the render ({pos})");
    // Out-of-range and NaN requests are sanitised deterministically too.
    let mut wild = current;
    wild.amount = f64::NAN;
    wild.output_db = 99.0;
    wild.eq.b2_q = 1e9;
    events.push(Event {
        pos: pos + 300,
        targets: wild,
        ramp: 700,
    });
    (initial, events)
}

/// Renders `input` (interleaved) through a fresh engine with `events`,
/// calling the engine with blocks as `blocks` says, cut at every event.
fn render(
    kernel: Kernel,
    channels: usize,
    input: &[f32],
    initial: &Targets,
    events: &[Event],
    layout: Layout,
    blocks: Blocks,
) -> (Vec<f32>, usize) {
    let frames = input.len() / channels;
    let mut engine: EqEngine = common::engine_with(kernel, FS, channels, initial);
    let mut interleaved = input.to_vec();
    let mut planes = common::deinterleave(input, channels);
    let mut rng = match blocks {
        Blocks::Random { seed, .. } => common::rng(seed),
        Blocks::Fixed(_) => common::rng(0),
    };
    let mut pos = 0;
    let mut next_event = 0;
    let mut calls = 0;
    while pos < frames {
        while next_event < events.len() && events[next_event].pos == pos {
            let e = &events[next_event];
            engine.set_targets_ramped(&e.targets, e.ramp);
            next_event += 1;
        }
        let until_event = events.get(next_event).map_or(frames, |e| e.pos).min(frames);
        let want = match blocks {
            Blocks::Fixed(n) => n,
            Blocks::Random { max, .. } => rng.random_range(1..=max),
        };
        let len = want.min(until_event - pos);
        let planar = match layout {
            Layout::Interleaved => false,
            Layout::Planar => true,
            Layout::Mixed => calls % 2 == 1,
        };
        if planar {
            // Keep the planar copy in step with what was done interleaved.
            for (c, p) in planes.iter_mut().enumerate() {
                for i in pos..pos + len {
                    p[i] = interleaved[i * channels + c];
                }
            }
            let mut slices: Vec<&mut [f32]> =
                planes.iter_mut().map(|p| &mut p[pos..pos + len]).collect();
            engine.process_planar(&mut slices);
            for (c, p) in planes.iter().enumerate() {
                for i in pos..pos + len {
                    interleaved[i * channels + c] = p[i];
                }
            }
        } else {
            engine.process_interleaved(&mut interleaved[pos * channels..(pos + len) * channels]);
        }
        assert_eq!(engine.position(), (pos + len) as u64);
        pos += len;
        calls += 1;
    }
    assert_eq!(next_event, events.len(), "every event was applied");
    (interleaved, calls)
}

fn first_bit_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
}

fn describe(diff: Option<usize>, channels: usize) -> String {
    match diff {
        None => "bit-identical".to_string(),
        Some(i) => format!("FIRST DIFFERENCE at frame {}", i / channels),
    }
}

#[test]
fn output_bits_do_not_depend_on_block_sizes_or_layout() {
    let started = Instant::now();
    let mut report = String::new();
    let mut rng = common::rng(0x5e0_0003);
    for channels in [2usize, 5] {
        let (initial, events) = automation(&mut rng);
        // Independent noise per channel, -6 dBFS peak, then a quieter tail.
        let mut input = common::white_noise(&mut rng, FRAMES * channels, 0.5);
        for v in &mut input[(FRAMES - 4000) * channels..] {
            *v *= 1e-6;
        }
        let mut by_kernel = Vec::new();
        for kernel in common::kernels() {
            let (reference, ref_calls) = render(
                kernel,
                channels,
                &input,
                &initial,
                &events,
                Layout::Interleaved,
                Blocks::Fixed(REFERENCE_BLOCK),
            );
            assert!(reference.iter().all(|v| v.is_finite()));
            // The automation must matter, or the comparison proves little.
            let (static_run, _) = render(
                kernel,
                channels,
                &input,
                &initial,
                &[],
                Layout::Interleaved,
                Blocks::Fixed(REFERENCE_BLOCK),
            );
            let changed = reference
                .iter()
                .zip(&static_run)
                .filter(|(a, b)| a != b)
                .count();
            assert!(
                changed > reference.len() / 2,
                "automation changed only {changed} samples"
            );
            report += &format!(
                "{channels} ch {kernel:?}: {} events over {FRAMES} frames; reference = interleaved, \
                 {REFERENCE_BLOCK}-frame blocks ({ref_calls} calls); automation changes {changed} of {} samples\n",
                events.len(),
                reference.len()
            );

            let policies = [
                Blocks::Fixed(1),
                Blocks::Fixed(7),
                Blocks::Fixed(64),
                Blocks::Fixed(REFERENCE_BLOCK),
                Blocks::Random { seed: 11, max: 50 },
                Blocks::Random {
                    seed: 12,
                    max: 1000,
                },
                Blocks::Random {
                    seed: 13,
                    max: 8192,
                },
            ];
            for layout in [Layout::Interleaved, Layout::Planar, Layout::Mixed] {
                let mut line = Vec::new();
                for blocks in policies {
                    let (out, calls) =
                        render(kernel, channels, &input, &initial, &events, layout, blocks);
                    let diff = first_bit_difference(&reference, &out);
                    line.push(format!(
                        "{blocks:?} ({calls} calls) {}",
                        describe(diff, channels)
                    ));
                    assert!(
                        diff.is_none(),
                        "{channels} ch {kernel:?} {layout:?} {blocks:?}: differs from the reference at frame {} ({} vs {})",
                        diff.unwrap() / channels,
                        reference[diff.unwrap()],
                        out[diff.unwrap()]
                    );
                }
                report += &format!("  {layout:?}: {}\n", line.join("; "));
            }
            by_kernel.push((kernel, reference));
        }
        // The SSE2 kernel does the scalar operations in the same order, so
        // it must agree with the scalar one bit for bit.
        let find = |k: Kernel| by_kernel.iter().find(|(kk, _)| *kk == k).map(|(_, r)| r);
        if let (Some(scalar), Some(sse2)) = (find(Kernel::Scalar), find(Kernel::Sse2)) {
            let diff = first_bit_difference(scalar, sse2);
            report += &format!(
                "{channels} ch Scalar vs Sse2: {}\n",
                describe(diff, channels)
            );
            assert!(diff.is_none(), "Scalar and Sse2 kernels differ");
        }
    }
    println!("{report}blocks: {:.1} s", started.elapsed().as_secs_f64());
}

/// The filter memory decaying into silence (down to where tiny values are
/// flushed to zero) must not depend on where the blocks end either.
#[test]
fn decay_into_silence_does_not_depend_on_block_sizes() {
    let mut rng = common::rng(0x5e0_0004);
    let channels = 2;
    // Slow poles: a Q=10 boost at the bottom of bell 1, a 22 Hz shelf.
    let mut eq = common::random_params(&mut rng);
    eq.b1_gain_db = 12.0;
    eq.b1_freq_hz = 82.0;
    eq.b1_q = 10.0;
    eq.ls_gain_db = -12.0;
    eq.ls_freq_hz = 22.0;
    let initial = common::plain(eq);
    let frames = 10 * FS as usize;
    let mut input = common::white_noise(&mut rng, frames * channels, 0.5);
    for v in &mut input[(FS as usize / 5) * channels..] {
        *v = 0.0;
    }
    let mut report = String::new();
    for kernel in common::kernels() {
        let (reference, _) = render(
            kernel,
            channels,
            &input,
            &initial,
            &[],
            Layout::Interleaved,
            Blocks::Fixed(REFERENCE_BLOCK),
        );
        let last_nonzero = reference.iter().rposition(|v| *v != 0.0).unwrap_or(0) / channels;
        report += &format!(
            "decay {kernel:?}: 0.2 s of noise, then silence; output last non-zero at {:.3} s of {} s\n",
            last_nonzero as f64 / FS,
            frames as f64 / FS
        );
        // The render must reach exact silence, or the test proves little.
        assert!(last_nonzero < frames - FS as usize);
        for layout in [Layout::Interleaved, Layout::Planar] {
            let mut line = Vec::new();
            for blocks in [
                Blocks::Fixed(1),
                Blocks::Fixed(7),
                Blocks::Fixed(64),
                Blocks::Random {
                    seed: 21,
                    max: 1000,
                },
            ] {
                let (out, calls) = render(kernel, channels, &input, &initial, &[], layout, blocks);
                let diff = first_bit_difference(&reference, &out);
                line.push(format!(
                    "{blocks:?} ({calls} calls) {}",
                    describe(diff, channels)
                ));
                assert!(
                    diff.is_none(),
                    "{kernel:?} {layout:?} {blocks:?}: decay differs from the reference at frame {} ({:e} vs {:e})",
                    diff.unwrap() / channels,
                    reference[diff.unwrap()],
                    out[diff.unwrap()]
                );
            }
            report += &format!("  {layout:?}: {}\n", line.join("; "));
        }
    }
    print!("{report}");
}

/// [`EqEngine::process_planar_scheduled`] (many grid segments per call,
/// retargets handed over as a schedule) gives the bits of the protocol it
/// stands for: a retarget just before its grid segment, one segment per
/// call. Schedules mix per-segment retargets, gaps, repeats of the current
/// targets, jumps and ramps longer than a segment; calls start on and off
/// the grid and run from one frame to many batches.
#[test]
fn scheduled_retargets_equal_the_per_segment_protocol() {
    use semantic_eq_dsp::engine::Retarget;
    let mut rng = common::rng(0x5e0_0005);
    let frames: usize = 40_000;
    let points = frames.div_ceil(GRID);
    for channels in [2usize, 5] {
        let initial = random_targets(&mut rng);
        let mut current = initial.normalized();
        let schedule: Vec<Option<Retarget>> = (0..points)
            .map(|k| {
                // Stretches of per-segment automation, of silence, and of
                // odd requests, so batches see every mix.
                let mode = (k / 37) % 4;
                let roll = rng.random_range(0..100);
                match mode {
                    1 if roll < 90 => None,
                    _ if roll < 8 => None,
                    _ => {
                        if roll < 80 {
                            // A small move, as automation makes.
                            let slot = rng.random_range(0..NUM_PARAMS);
                            current.eq[slot] =
                                (current.eq[slot] + rng.random_range(-0.02..0.02)).clamp(0.0, 1.0);
                        } else if roll < 90 {
                            current = random_targets(&mut rng).normalized();
                        }
                        // 80..90: the same targets again.
                        let ramp_samples = match (mode, roll % 5) {
                            (3, 0) => 0,
                            (3, 1) => 1,
                            (3, 2) => 2400,
                            (2, 0) => 100,
                            _ => GRID as u64,
                        };
                        Some(Retarget {
                            targets: current,
                            ramp_samples,
                        })
                    }
                }
            })
            .collect();
        let moves = schedule.iter().filter(|r| r.is_some()).count();
        let input = common::white_noise(&mut rng, frames * channels, 0.5);
        let planes = common::deinterleave(&input, channels);
        for kernel in common::kernels() {
            // The protocol, one grid segment per call.
            let mut engine = common::engine_with(kernel, FS, channels, &initial);
            let mut want = planes.clone();
            for (k, r) in schedule.iter().enumerate() {
                if let Some(r) = r {
                    engine.set_norm_targets_ramped(&r.targets, r.ramp_samples);
                }
                let at = k * GRID..((k + 1) * GRID).min(frames);
                let mut s: Vec<&mut [f32]> = want.iter_mut().map(|p| &mut p[at.clone()]).collect();
                engine.process_planar(&mut s);
            }
            // Scheduled calls of random lengths, on and off the grid.
            let mut engine = common::engine_with(kernel, FS, channels, &initial);
            let mut got = planes.clone();
            let mut pos = 0;
            let mut calls = 0;
            while pos < frames {
                let first = pos.next_multiple_of(GRID);
                // Short, then up to the grid and on in whole segments (so
                // the next call starts on the grid), then anything.
                let len = match calls % 3 {
                    0 => rng.random_range(1..=GRID * 3),
                    1 => first - pos + rng.random_range(1..=20) * GRID,
                    _ => rng.random_range(1..=GRID * 40),
                }
                .min(frames - pos);
                let from = (first / GRID).min(points);
                let to = (pos + len).div_ceil(GRID).min(points).max(from);
                let mut s: Vec<&mut [f32]> =
                    got.iter_mut().map(|p| &mut p[pos..pos + len]).collect();
                engine.process_planar_scheduled(&mut s, &schedule[from..to]);
                assert_eq!(engine.position(), (pos + len) as u64);
                pos += len;
                calls += 1;
            }
            for (c, (w, g)) in want.iter().zip(&got).enumerate() {
                let diff = first_bit_difference(w, g);
                assert!(
                    diff.is_none(),
                    "{channels} ch {kernel:?}: channel {c} differs from the protocol at frame {}",
                    diff.unwrap()
                );
            }
            println!(
                "{channels} ch {kernel:?}: {moves} retargets over {points} grid points, {calls} scheduled calls: bit-identical"
            );
        }
    }
}
