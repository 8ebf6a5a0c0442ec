//! Smooth sweeps: sweeping any parameter across its whole range in 50 ms
//! puts no more energy above 5 kHz into a 1 kHz tone than an ideal
//! per-sample-recomputed f64 filter does (within 3 dB).

mod common;

use semantic_eq_dsp::Kernel;
use semantic_eq_dsp::engine::GRID;
use semantic_eq_model::{BANDS, EqParams, NUM_PARAMS, PARAMS};
use std::time::Instant;

const FS: f64 = 48_000.0;
const TONE_HZ: f64 = 1000.0;
/// −6 dBFS peak.
const TONE_AMPLITUDE: f64 = 0.501_187_233_627_272_2;
/// Steady tone before the sweep, so every filter has settled (0.5 s).
const PRE_ROLL: usize = 24_000;
/// 50 ms.
const SWEEP: usize = 2_400;
/// Analysis window: 0.2 s centred on the middle of the sweep, so it covers
/// the sweep, 75 ms of settling after it and 75 ms of steady tone before.
const WINDOW: usize = 9_600;
const WINDOW_START: usize = PRE_ROLL + SWEEP / 2 - WINDOW / 2;
const TOTAL: usize = WINDOW_START + WINDOW;
const SPLATTER_FROM_HZ: f64 = 5_000.0;
const ALLOWANCE_DB: f64 = 3.0;

/// The setting every sweep starts from.
///
/// Every parameter has to change the level of a 1 kHz tone, or its sweep
/// would test nothing:
/// - all gains are +9 dB, so sweeping any band's frequency or Q moves a
///   boost across or around 1 kHz (a band at 0 dB is flat whatever its
///   frequency and Q);
/// - the bells sit off 1 kHz (700, 1250, 1600 Hz, Q 2), because a bell's
///   gain at its own centre does not depend on its Q;
/// - the shelf corners are near 1 kHz (800 Hz low, 1250 Hz high), so their
///   gains and frequencies act on the tone.
fn base() -> EqParams {
    EqParams::parse_list("9,800,9,700,2,9,1250,2,9,1600,2,9,1250").unwrap()
}

/// `base` with normalised parameter `i` set to `n`.
fn with_normalized(i: usize, n: f64) -> [f64; NUM_PARAMS] {
    let mut v = base().to_normalized();
    v[i] = n;
    v
}

/// The engine's output: `start` from the beginning (settled), then at
/// `PRE_ROLL` (a grid point) a ramp to `end` arriving `SWEEP` samples later.
fn engine_render(
    kernel: Kernel,
    input: &[f32],
    start: &EqParams,
    end: Option<&EqParams>,
) -> Vec<f64> {
    assert_eq!(PRE_ROLL % GRID, 0);
    let mut engine = common::engine_with(kernel, FS, 1, &common::plain(*start));
    let mut buf = input.to_vec();
    let (before, after) = buf.split_at_mut(PRE_ROLL);
    engine.process_interleaved(before);
    if let Some(end) = end {
        engine.set_targets_ramped(&common::plain(*end), SWEEP as u64);
    }
    engine.process_interleaved(after);
    buf.iter().map(|&v| v as f64).collect()
}

/// The engine recomputes coefficients at grid points and reaches each
/// grid point's coefficients by per-sample interpolation at the end of the
/// following segment, so its coefficient trajectory is the parameters'
/// delayed by `GRID − 1` samples.
const ENGINE_LAG: usize = GRID - 1;

/// The setting at sample `n` of a ramp from `from` to `to` (normalised)
/// that leaves `from` at sample `start` and arrives `SWEEP` samples later.
fn ramp_at(n: usize, start: usize, from: &[f64; NUM_PARAMS], to: &[f64; NUM_PARAMS]) -> EqParams {
    let t = (n.saturating_sub(start) as f64 / SWEEP as f64).min(1.0);
    EqParams::from_normalized(&std::array::from_fn(|i| from[i] + (to[i] - from[i]) * t))
}

/// The oracle: the f64 reference cascade with coefficients recomputed from
/// the textbook formulas at every sample, for the parameters linearly
/// interpolated in the normalised domain, the ramp starting at `start`.
///
/// Where in the tone's cycle the sweep starts and ends changes the
/// splatter by up to ~12 dB (a freq sweep, measured), so the comparison
/// starts the oracle's ramp `ENGINE_LAG` samples after the engine's: then
/// both move their coefficients at the same tone phase.
fn oracle_render(
    input: &[f32],
    from: &[f64; NUM_PARAMS],
    to: &[f64; NUM_PARAMS],
    start: usize,
) -> Vec<f64> {
    let mut cascade = common::RefCascade::new(&common::plain(ramp_at(0, start, from, to)), FS);
    input
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            if (start..=start + SWEEP).contains(&n) {
                cascade.set(&common::plain(ramp_at(n, start, from, to)), FS);
            }
            cascade.process(x as f64)
        })
        .collect()
}

/// Diagnostic only, not asserted: f64 models of the engine's coefficient
/// grid built from the textbook coefficients (recomputed every `GRID`
/// samples at the ramp's positions, interpolated linearly per sample,
/// arriving at the end of the next segment), run as direct form I either
/// with `b0` in each stage or with every `b0` factored out into one output
/// gain as the engine's kernel does. They show which part of the design
/// the sweep figures come from.
fn grid_model_render(
    input: &[f32],
    from: &[f64; NUM_PARAMS],
    to: &[f64; NUM_PARAMS],
    factor_b0: bool,
) -> Vec<f64> {
    // Per stage [b0, b1, b2, a1, a2], then the output gain.
    const N: usize = 5 * 5 + 1;
    let coeffs_at = |pos: usize| -> [f64; N] {
        let c = ramp_at(pos, PRE_ROLL, from, to).coeffs(FS);
        let mut v = [0.0; N];
        v[N - 1] = 1.0;
        for (s, c) in c.iter().enumerate() {
            let k = if factor_b0 { c.b0 } else { 1.0 };
            v[5 * s..5 * s + 5].copy_from_slice(&[c.b0 / k, c.b1 / k, c.b2 / k, c.a1, c.a2]);
            v[N - 1] *= k;
        }
        v
    };
    let mut state = [[0.0f64; 4]; 5];
    let (mut prev, mut next) = (coeffs_at(0), coeffs_at(0));
    input
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            let phase = n % GRID;
            if phase == 0 {
                prev = next;
                next = coeffs_at(n);
            }
            let t = (phase + 1) as f64 / GRID as f64;
            let c: [f64; N] = std::array::from_fn(|k| prev[k] + (next[k] - prev[k]) * t);
            let mut x = x as f64;
            for (s, st) in state.iter_mut().enumerate() {
                let [b0, b1, b2, a1, a2] = [
                    c[5 * s],
                    c[5 * s + 1],
                    c[5 * s + 2],
                    c[5 * s + 3],
                    c[5 * s + 4],
                ];
                let y = b0 * x + b1 * st[0] + b2 * st[1] - a1 * st[2] - a2 * st[3];
                *st = [x, st[0], y, st[2]];
                x = y;
            }
            x * c[N - 1]
        })
        .collect()
}

/// Energy above 5 kHz in the analysis window, dB re a full-scale sine.
fn splatter_db(out: &[f64], window: &[f64]) -> f64 {
    common::band_power_dbfs(
        &out[WINDOW_START..WINDOW_START + WINDOW],
        window,
        FS,
        SPLATTER_FROM_HZ,
        FS / 2.0,
    )
}

#[test]
fn parameter_sweeps_splatter_no_more_than_an_ideal_filter() {
    let started = Instant::now();
    let input = common::sine(TONE_HZ, TONE_AMPLITUDE, FS, TOTAL);
    let window = common::blackman_harris(WINDOW);
    let kernels = common::kernels();
    // The sweep and the lag-aligned oracle's sweep sit well inside the window.
    const {
        assert!(
            WINDOW_START + WINDOW / 4 < PRE_ROLL
                && PRE_ROLL + SWEEP + ENGINE_LAG < TOTAL - WINDOW / 4
        )
    };

    // The measurement's own floor: the raw tone (window leakage and f32
    // rounding only).
    let tone: Vec<f64> = input.iter().map(|&v| v as f64).collect();
    let tone_floor = splatter_db(&tone, &window);

    let mut table = format!(
        "sweeps at {FS} Hz: {TONE_HZ} Hz tone at -6 dBFS peak; each parameter min -> max in {SWEEP} samples, \
         engine ramp from sample {PRE_ROLL} (grid-aligned), oracle ramp {ENGINE_LAG} samples later (the engine's lag)\n\
         energy above {SPLATTER_FROM_HZ} Hz in a {WINDOW}-sample (0.2 s) 4-term Blackman-Harris window from sample \
         {WINDOW_START}, dB re a full-scale sine; the input tone alone reads {tone_floor:.1} dB\n\
         columns: engine per kernel; oracle (per-sample f64 DF1, lag-aligned); worst engine - oracle (limit +{ALLOWANCE_DB}); \
         oracle without lag alignment; diagnostic f64 grid models with b0 in place / b0 factored out; \
         no-sweep floors (start setting held) of engine and oracle\n"
    );
    table += &format!("{:<11}", "param");
    for k in &kernels {
        table += &format!(" {:>7}", format!("{k:?}"));
    }
    table += &format!(
        " {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8}\n",
        "oracle", "excess", "no-lag", "grid b0", "grid fac", "fl eng", "fl orc"
    );
    let mut failures = Vec::new();
    for (i, spec) in PARAMS.iter().enumerate() {
        let (from, to) = (with_normalized(i, 0.0), with_normalized(i, 1.0));
        let (start, end) = (
            EqParams::from_normalized(&from),
            EqParams::from_normalized(&to),
        );
        let oracle = splatter_db(
            &oracle_render(&input, &from, &to, PRE_ROLL + ENGINE_LAG),
            &window,
        );
        let oracle_no_lag = splatter_db(&oracle_render(&input, &from, &to, PRE_ROLL), &window);
        let oracle_floor = splatter_db(&oracle_render(&input, &from, &from, PRE_ROLL), &window);
        let model_b0 = splatter_db(&grid_model_render(&input, &from, &to, false), &window);
        let model_factored = splatter_db(&grid_model_render(&input, &from, &to, true), &window);
        let mut engine_floor = f64::NEG_INFINITY;
        let mut worst = f64::NEG_INFINITY;
        table += &format!("{:<11}", spec.name);
        for &kernel in &kernels {
            let swept = engine_render(kernel, &input, &start, Some(&end));
            assert!(swept.iter().all(|v| v.is_finite()));
            let e = splatter_db(&swept, &window);
            let floor = splatter_db(&engine_render(kernel, &input, &start, None), &window);
            engine_floor = engine_floor.max(floor);
            worst = worst.max(e);
            table += &format!(" {e:>7.1}");
            if e > oracle + ALLOWANCE_DB {
                failures.push(format!(
                    "{} {kernel:?}: {e:.1} dB > oracle {oracle:.1} dB + {ALLOWANCE_DB} dB",
                    spec.name
                ));
            }
        }
        table += &format!(
            " {oracle:>7.1} {:>+7.1} {oracle_no_lag:>7.1} {model_b0:>8.1} {model_factored:>8.1} {engine_floor:>8.1} {oracle_floor:>8.1}\n",
            worst - oracle
        );
        // The sweep must be measurable: far above what the window and the
        // f32 rounding leave without one (15 dB keeps the floor's share of
        // a figure below 0.14 dB).
        if !(oracle > engine_floor + 15.0 && oracle > oracle_floor + 15.0) {
            failures.push(format!(
                "{}: sweep figure {oracle:.1} dB is not clear of the floor ({engine_floor:.1} / {oracle_floor:.1} dB)",
                spec.name
            ));
        }
    }
    table += &format!("sweeps: {:.1} s", started.elapsed().as_secs_f64());
    println!("{table}");
    assert!(
        failures.is_empty(),
        "sweep splatter check failed:\n{}",
        failures.join("\n")
    );
}

/// Gain sweeps that meet 0 dB exactly on a grid point: from −12 to +12 dB
/// crossing it half-way, and from −12 dB arriving at it. A band at 0 dB
/// becomes an exact pass-through stage (so that a flat EQ returns its input
/// bit for bit, the CLI's null test); when that stage was taken on the
/// first flat grid point, between RBJ stages, the interpolation ran the
/// poles to zero and back within two grid steps: −63 to −76 dB here against
/// an ideal sweep's −107 to −122 dB.
#[test]
fn gain_sweeps_meeting_0_db_on_a_grid_point_do_not_click() {
    let input = common::sine(TONE_HZ, TONE_AMPLITUDE, FS, TOTAL);
    let window = common::blackman_harris(WINDOW);
    // Ramp start offsets from PRE_ROLL putting 0 dB on a grid point: the
    // crossing SWEEP / 2 after the start, the arrival SWEEP after it.
    let crossing = (GRID - (PRE_ROLL + SWEEP / 2) % GRID) % GRID;
    let arrival = (GRID - (PRE_ROLL + SWEEP) % GRID) % GRID;
    let cases = [
        ("crossing", 1.0, crossing, SWEEP / 2),
        ("arriving", 0.5, arrival, SWEEP),
    ];
    let mut report = format!(
        "gain sweeps from -12 dB meeting 0 dB on a grid point, dB above {SPLATTER_FROM_HZ} Hz:\n"
    );
    let mut failures = Vec::new();
    for (case, to_norm, offset, at_0db) in cases {
        assert_eq!((PRE_ROLL + offset + at_0db) % GRID, 0);
        for band in BANDS {
            let i = band.gain_index;
            let (from, to) = (with_normalized(i, 0.0), with_normalized(i, to_norm));
            // Normalised 0.5 is 0 dB exactly.
            assert_eq!(
                EqParams::from_normalized(&with_normalized(i, 0.5)).to_array()[i],
                0.0
            );
            let (start, end) = (
                EqParams::from_normalized(&from),
                EqParams::from_normalized(&to),
            );
            let oracle = splatter_db(
                &oracle_render(&input, &from, &to, PRE_ROLL + offset + ENGINE_LAG),
                &window,
            );
            report += &format!("{case} {:<11} oracle {oracle:>7.1}", PARAMS[i].name);
            for kernel in common::kernels() {
                let mut engine = common::engine_with(kernel, FS, 1, &common::plain(start));
                let mut buf = input.clone();
                let (before, after) = buf.split_at_mut(PRE_ROLL + offset);
                engine.process_interleaved(before);
                engine.set_targets_ramped(&common::plain(end), SWEEP as u64);
                engine.process_interleaved(after);
                let out: Vec<f64> = buf.iter().map(|&v| v as f64).collect();
                let e = splatter_db(&out, &window);
                report += &format!("  {kernel:?} {e:>7.1}");
                if e > oracle + ALLOWANCE_DB {
                    failures.push(format!(
                        "{case} {} {kernel:?}: {e:.1} dB > oracle {oracle:.1} dB + {ALLOWANCE_DB} dB",
                        PARAMS[i].name
                    ));
                }
            }
            report += "\n";
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
