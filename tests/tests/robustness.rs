//! Hostile input: non-finite and huge samples, subnormals, long silence.

mod common;

use rand::RngExt;
use semantic_eq_dsp::engine::INPUT_LIMIT;
use semantic_eq_dsp::{Kernel, Targets};
use semantic_eq_model::EqParams;
use std::hint::black_box;

const FS: f64 = 48_000.0;
/// Block size for the streaming runs; bursts are placed across block edges.
const BLOCK: usize = 256;

/// A setting like a user's: moderate gains, Q up to 3.
fn moderate() -> Targets {
    common::plain(EqParams::parse_list("3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000").unwrap())
}

/// Every band at its limit with the slowest poles the ranges allow, gains
/// doubled by amount 200 %, output +24 dB: the largest gain the engine has.
fn extreme_boost() -> Targets {
    Targets {
        eq: EqParams::parse_list("12,22,12,82,10,12,180,10,12,220,10,12,20000").unwrap(),
        amount: 2.0,
        output_db: 24.0,
    }
}

/// Every band cutting as far as it can (−24 dB each at 200 %), output −24 dB.
fn extreme_cut() -> Targets {
    Targets {
        eq: EqParams::parse_list("-12,1000,-12,1000,0.1,-12,2000,0.1,-12,4000,0.1,-12,580")
            .unwrap(),
        amount: 2.0,
        output_db: -24.0,
    }
}

fn settings() -> Vec<(&'static str, Targets)> {
    vec![
        ("flat", Targets::default()),
        ("moderate", moderate()),
        ("extreme boost", extreme_boost()),
        ("extreme cut", extreme_cut()),
    ]
}

/// Streams `input` (interleaved) through a fresh engine in `block`-frame
/// calls; `planar` de-interleaves each block first. An optional target
/// change happens at a fixed frame.
fn process(
    kernel: Kernel,
    targets: &Targets,
    channels: usize,
    input: &[f32],
    block: usize,
    planar: bool,
    change: Option<(usize, Targets, u64)>,
) -> Vec<f32> {
    let mut engine = common::engine_with(kernel, FS, channels, targets);
    let mut data = input.to_vec();
    let frames = data.len() / channels;
    let mut pos = 0;
    while pos < frames {
        let mut len = block.min(frames - pos);
        if let Some((at, t, ramp)) = change {
            if at == pos {
                engine.set_targets_ramped(&t, ramp);
            } else if at > pos {
                len = len.min(at - pos);
            }
        }
        let chunk = &mut data[pos * channels..(pos + len) * channels];
        if planar {
            let mut planes = common::deinterleave(chunk, channels);
            let mut slices: Vec<&mut [f32]> = planes.iter_mut().map(|p| &mut p[..]).collect();
            engine.process_planar(&mut slices);
            chunk.copy_from_slice(&common::interleave(&planes));
        } else {
            engine.process_interleaved(chunk);
        }
        pos += len;
    }
    data
}

/// Replaces frames `start..start + len` of the channels in `mask` by `f(i)`.
fn burst(
    data: &mut [f32],
    channels: usize,
    start: usize,
    len: usize,
    mask: u32,
    f: impl Fn(usize) -> f32,
) {
    for i in start..start + len {
        for c in 0..channels {
            if mask & (1 << c) != 0 {
                data[i * channels + c] = f(i);
            }
        }
    }
}

const BURST_SPOTS: [(usize, usize); 6] = [
    // (first frame, length): single samples, across block edges, long.
    (1000, 1),
    (BLOCK * 10 - 3, 7),
    (5000, 100),
    (9 * BLOCK, BLOCK),
    (20_000, 2000),
    (40_000, 33),
];

#[test]
fn non_finite_bursts_are_exactly_silence() {
    let mut rng = common::rng(0x5e0_0005);
    let mut report = String::new();
    for kernel in common::kernels() {
        for (name, targets) in settings() {
            // Stereo interleaved uses the engine's stereo path, 3-channel
            // planar the generic one.
            for (channels, planar) in [(2usize, false), (3, true)] {
                let input = common::pink_noise(&mut rng, 48_000 * channels, -12.0);
                let mut dirty = input.clone();
                let mut zeros = input.clone();
                for (n, &(start, len)) in BURST_SPOTS.iter().enumerate() {
                    let mask = [0b001, 0b010, 0b111, 0b101, 0b011, 0b110][n];
                    let kinds: Vec<f32> = (0..len)
                        .map(|i| match (n + i) % 4 {
                            0 => f32::NAN,
                            1 => f32::INFINITY,
                            2 => f32::NEG_INFINITY,
                            // A NaN with a payload and the sign bit set.
                            _ => f32::from_bits(0xffc0_1234),
                        })
                        .collect();
                    burst(&mut dirty, channels, start, len, mask, |i| kinds[i - start]);
                    burst(&mut zeros, channels, start, len, mask, |_| 0.0);
                }
                // A target change with a ramp running through two bursts.
                let change = Some((4_900, common::random_targets(&mut rng), 20_000));
                let out_dirty = process(kernel, &targets, channels, &dirty, BLOCK, planar, change);
                let out_zeros = process(kernel, &targets, channels, &zeros, BLOCK, planar, change);
                assert!(
                    out_dirty.iter().all(|v| v.is_finite()),
                    "{kernel:?} {name}: non-finite output"
                );
                let diff = out_dirty
                    .iter()
                    .zip(&out_zeros)
                    .position(|(a, b)| a.to_bits() != b.to_bits());
                assert!(
                    diff.is_none(),
                    "{kernel:?} {name} {channels} ch: a non-finite burst differs from zeros at frame {}",
                    diff.unwrap() / channels
                );
            }
            report += &format!(
                "{kernel:?} {name}: NaN/±Inf bursts -> finite output, bit-identical to zeros (stereo interleaved, 3 ch planar)\n"
            );
        }
    }
    print!("{report}");
}

/// Last frame (exclusive) at which any channel of `a` and `b` differ by more
/// than `tol`, or 0.
fn settled_after(a: &[f32], b: &[f32], channels: usize, tol: f64) -> usize {
    a.iter()
        .zip(b)
        .rposition(|(x, y)| (*x as f64 - *y as f64).abs() > tol)
        .map_or(0, |i| i / channels + 1)
}

#[test]
fn huge_bursts_stay_finite_and_the_filters_recover() {
    const TOL: f64 = 1e-4;
    let channels = 2;
    let mut rng = common::rng(0x5e0_0006);
    let mut report = String::new();
    for kernel in common::kernels() {
        for (name, targets, seconds, limit_s) in [
            ("flat", Targets::default(), 2usize, Some(1.0)),
            ("moderate", moderate(), 2, Some(1.0)),
            ("extreme cut", extreme_cut(), 2, Some(1.0)),
            // 144 dB of gain and Q=40 poles at 82 Hz: a 1e6 input needs
            // seconds to decay to 1e-4; it must still get there.
            ("extreme boost", extreme_boost(), 12, None),
        ] {
            let frames = seconds * FS as usize;
            let clean = common::pink_noise(&mut rng, frames * channels, -12.0);
            let (start, len) = (FS as usize / 2, 100);
            let mut huge = clean.clone();
            // +1e30 on the left, −1e30 on the right, swapping half-way.
            burst(&mut huge, channels, start, len, 0b01, |i| {
                if i < start + len / 2 { 1e30 } else { -1e30 }
            });
            burst(&mut huge, channels, start, len, 0b10, |i| {
                if i < start + len / 2 { -1e30 } else { 1e30 }
            });
            let mut limit = huge.clone();
            for v in &mut limit {
                *v = v.clamp(-INPUT_LIMIT as f32, INPUT_LIMIT as f32);
            }
            let out_clean = process(kernel, &targets, channels, &clean, BLOCK, false, None);
            let out_huge = process(kernel, &targets, channels, &huge, BLOCK, false, None);
            let out_limit = process(kernel, &targets, channels, &limit, BLOCK, false, None);
            assert!(
                out_huge.iter().all(|v| v.is_finite()),
                "{kernel:?} {name}: non-finite output after ±1e30"
            );
            // ±1e30 is clipped to the documented input limit, nothing else.
            assert!(
                out_huge
                    .iter()
                    .zip(&out_limit)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{kernel:?} {name}: ±1e30 does not behave like ±INPUT_LIMIT"
            );
            let peak = out_huge.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let end = settled_after(&out_huge, &out_clean, channels, TOL);
            let recovery_s = end.saturating_sub(start + len) as f64 / FS;
            report += &format!(
                "{kernel:?} {name}: ±1e30 burst of {len} samples: peak output {peak:.2e}, \
                 within {TOL:e} of the clean run {recovery_s:.3} s after the burst\n"
            );
            assert!(
                end < frames,
                "{kernel:?} {name}: not back within {TOL:e} of the clean run after {seconds} s"
            );
            if let Some(limit) = limit_s {
                assert!(
                    recovery_s <= limit,
                    "{kernel:?} {name}: recovery took {recovery_s} s"
                );
            }
        }
    }
    print!("{report}");
}

fn count_subnormal(data: &[f32]) -> usize {
    data.iter().filter(|v| v.is_subnormal()).count()
}

#[test]
fn subnormal_input_and_long_silence_give_no_subnormal_output() {
    let channels = 2;
    let mut rng = common::rng(0x5e0_0007);
    let mut report = String::new();
    for kernel in common::kernels() {
        for (name, targets) in settings() {
            // Random subnormals of both signs.
            let subnormal: Vec<f32> = (0..FS as usize * channels)
                .map(|_| {
                    let bits = rng.random_range(1..0x0080_0000u32);
                    let sign = if rng.random::<bool>() { 0x8000_0000 } else { 0 };
                    f32::from_bits(bits | sign)
                })
                .collect();
            assert_eq!(count_subnormal(&subnormal), subnormal.len());
            // Just above the subnormal range, where a cut lands below it.
            let tiny: Vec<f32> = (0..FS as usize * channels)
                .map(|_| f32::MIN_POSITIVE * rng.random_range(-100.0f32..100.0))
                .collect();
            for (what, input) in [("subnormal", &subnormal), ("tiny", &tiny)] {
                for planar in [false, true] {
                    let out = process(kernel, &targets, channels, input, BLOCK, planar, None);
                    let n = count_subnormal(&out);
                    assert_eq!(
                        n, 0,
                        "{kernel:?} {name}: {n} subnormal outputs for {what} input (planar {planar})"
                    );
                }
            }

            // Half a second of noise, then 20 s of digital silence, streamed
            // in blocks and in one call.
            let sound = FS as usize / 2;
            let frames = 20 * FS as usize + sound;
            let mut input = vec![0.0f32; frames * channels];
            input[..sound * channels].copy_from_slice(&common::pink_noise(
                &mut rng,
                sound * channels,
                -6.0,
            ));
            let mut line = format!(
                "{kernel:?} {name}: no subnormal output for subnormal or tiny input; after 0.5 s of noise"
            );
            for block in [BLOCK, frames] {
                let out = process(kernel, &targets, channels, &input, block, false, None);
                let n = count_subnormal(&out);
                assert_eq!(
                    n, 0,
                    "{kernel:?} {name}: {n} subnormal outputs in silence (block {block})"
                );
                let last = out
                    .iter()
                    .rposition(|v| *v != 0.0)
                    .map_or(0, |i| i / channels);
                let how = if block == frames {
                    "one call".to_string()
                } else {
                    format!("{block}-frame blocks")
                };
                line += &format!(
                    ", {how}: silent (exact 0) from {:.2} s",
                    (last + 1) as f64 / FS
                );
                // Silence in, exact silence out (eventually).
                assert!(
                    last + FS as usize <= frames,
                    "{kernel:?} {name}: output still not exactly 0 a second before the end"
                );
            }
            report += &line;
            report.push('\n');
        }
    }
    print!("{report}");
}

/// The engine sets flush-to-zero only inside its process calls: the host's
/// own floating-point mode is back as it was afterwards.
#[test]
fn host_floating_point_mode_is_restored() {
    let mut engine = common::engine_at(FS, 2, &moderate());
    let mut buf = vec![0.25f32; 512];
    let subnormal_before = black_box(f32::MIN_POSITIVE) / black_box(4.0);
    engine.process_interleaved(&mut buf);
    let subnormal_after = black_box(f32::MIN_POSITIVE) / black_box(4.0);
    assert!(subnormal_before.is_subnormal());
    assert!(
        subnormal_after.is_subnormal(),
        "the process call left flush-to-zero on"
    );
}
