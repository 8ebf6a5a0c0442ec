//! Switching between the pad, the morph line and the manual EQ makes no
//! click: the same oracle criterion as the foundation's sweep test. A 1 kHz
//! tone at −6 dBFS goes through the processor while the mode switches; the
//! energy the switch puts above 5 kHz must be within 3 dB of an ideal
//! per-sample-recomputed f64 filter following the same crossfade (the
//! normalised parameters, or the decoded point, blended linearly over the
//! switch time).

mod common;

use semantic_eq_dsp::engine::GRID;
use semantic_eq_dsp::processor::smoothing_ms;
use semantic_eq_dsp::{Control, Kernel, Mode, Processor, Settings};
use semantic_eq_model::{Decoder, EqParams, NUM_PARAMS};

const FS: f64 = 48_000.0;
const TONE_HZ: f64 = 1000.0;
/// −6 dBFS peak.
const TONE_AMPLITUDE: f64 = 0.501_187_233_627_272_2;
/// Steady tone before the switch (0.5 s), so every filter has settled.
const PRE_ROLL: usize = 24_000;
/// The analysis window: 0.2 s centred on the middle of the crossfade.
const WINDOW: usize = 9_600;
const SPLATTER_FROM_HZ: f64 = 5_000.0;
const ALLOWANCE_DB: f64 = 3.0;
/// The engine reaches the coefficients of a grid point's parameters at the
/// end of the following segment (see tests/sweeps.rs).
const ENGINE_LAG: usize = GRID - 1;

fn switch_len() -> usize {
    (smoothing_ms::SWITCH * 1e-3 * FS).round() as usize
}

/// The manual EQ: +9 dB bands around 1 kHz, so it differs from the pad's
/// decoded EQ at the tone.
fn manual() -> EqParams {
    EqParams::parse_list("9,800,9,700,2,9,1250,2,9,1600,2,9,1250").unwrap()
}

const PAD: (f64, f64) = (-0.8, 0.2);
const LINE: ((f64, f64), (f64, f64)) = ((-0.6, -0.3), (0.7, 0.4));
const MORPH_T: f64 = 0.3;

/// The decoded point on the morph line.
fn morph_point() -> (f64, f64) {
    let ((fx, fy), (tx, ty)) = LINE;
    (
        (1.0 - MORPH_T) * fx + MORPH_T * tx,
        (1.0 - MORPH_T) * fy + MORPH_T * ty,
    )
}

/// The weights of the three sources at the start and the end of a switch:
/// (manual weight, morph weight).
fn weights(mode: Mode) -> (f64, f64) {
    match mode {
        Mode::Pad => (0.0, 0.0),
        Mode::Morph => (0.0, 1.0),
        Mode::Manual => (1.0, 1.0),
    }
}

/// The normalised EQ for manual weight `wm` and morph weight `wl`, by the
/// processor's documented blend: every switch crossfades the normalised
/// parameters (the pad's decoded EQ against the morph point's, and their
/// blend against the manual EQ).
fn blend(decoder: &Decoder, wm: f64, wl: f64) -> [f64; NUM_PARAMS] {
    let decode = |(x, y): (f64, f64)| decoder.decode_normalized(x as f32, y as f32).map(f64::from);
    let (pad, line) = (decode(PAD), decode(morph_point()));
    let man = manual().to_normalized();
    std::array::from_fn(|i| {
        let decoded = pad[i] + (line[i] - pad[i]) * wl;
        decoded + (man[i] - decoded) * wm
    })
}

/// The processor's output: settled in `from`, switched to `to` at
/// `PRE_ROLL`.
fn processor_render(input: &[f32], from: Mode, to: Mode) -> Vec<f64> {
    let mut p = Processor::new(
        &Settings {
            sample_rate: FS,
            channels: 1,
            kernel: Kernel::detect(),
        },
        Box::new(Decoder::embedded()),
    )
    .unwrap();
    p.set(Control::X, PAD.0);
    p.set(Control::Y, PAD.1);
    p.set_morph_line(LINE.0, LINE.1);
    p.set(Control::Morph, MORPH_T);
    p.set_manual_eq(&manual());
    p.set_mode(from);
    p.reset();
    let mut buf = input.to_vec();
    let (before, after) = buf.split_at_mut(PRE_ROLL);
    p.process_planar(&mut [before]);
    p.set_mode(to);
    p.process_planar(&mut [after]);
    buf.iter().map(|&v| f64::from(v)).collect()
}

/// The oracle: the f64 reference cascade recomputed at every sample for the
/// crossfade's parameters, the crossfade leaving `from` at `start`.
fn oracle_render(input: &[f32], from: Mode, to: Mode, start: usize) -> Vec<f64> {
    let decoder = Decoder::embedded();
    let (a, b) = (weights(from), weights(to));
    let len = switch_len();
    let eq_at = |n: usize| {
        let t = (n.saturating_sub(start) as f64 / len as f64).min(1.0);
        let w = |a: f64, b: f64| a + (b - a) * t;
        EqParams::from_normalized(&blend(&decoder, w(a.0, b.0), w(a.1, b.1)))
    };
    let mut cascade = common::RefCascade::new(&common::plain(eq_at(0)), FS);
    input
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            if (start..=start + len).contains(&n) {
                cascade.set(&common::plain(eq_at(n)), FS);
            }
            cascade.process(f64::from(x))
        })
        .collect()
}

fn window_start() -> usize {
    PRE_ROLL + switch_len() / 2 - WINDOW / 2
}

fn splatter_db(out: &[f64], window: &[f64]) -> f64 {
    let s = window_start();
    common::band_power_dbfs(&out[s..s + WINDOW], window, FS, SPLATTER_FROM_HZ, FS / 2.0)
}

#[test]
fn mode_switches_splatter_no_more_than_an_ideal_filter() {
    assert_eq!(PRE_ROLL % GRID, 0);
    let total = window_start() + WINDOW;
    let input = common::sine(TONE_HZ, TONE_AMPLITUDE, FS, total);
    let window = common::blackman_harris(WINDOW);
    let mut table = format!(
        "mode switches at {FS} Hz, {TONE_HZ} Hz tone at -6 dBFS; crossfade over {} samples from sample {PRE_ROLL}; \
         energy above {SPLATTER_FROM_HZ} Hz, dB re full scale\n\
         {:<16} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        switch_len(),
        "switch",
        "engine",
        "oracle",
        "excess",
        "floor",
        "no-lag"
    );
    let mut failures = Vec::new();
    for (from, to) in [
        (Mode::Pad, Mode::Manual),
        (Mode::Manual, Mode::Pad),
        (Mode::Pad, Mode::Morph),
        (Mode::Morph, Mode::Pad),
        (Mode::Manual, Mode::Morph),
        (Mode::Morph, Mode::Manual),
    ] {
        let engine_out = processor_render(&input, from, to);
        assert!(engine_out.iter().all(|v| v.is_finite()));
        let engine = splatter_db(&engine_out, &window);
        let oracle = splatter_db(
            &oracle_render(&input, from, to, PRE_ROLL + ENGINE_LAG),
            &window,
        );
        let no_lag = splatter_db(&oracle_render(&input, from, to, PRE_ROLL), &window);
        let floor = splatter_db(&processor_render(&input, from, from), &window);
        let name = format!("{from:?} -> {to:?}");
        table += &format!(
            "{name:<16} {engine:>8.1} {oracle:>8.1} {:>+8.1} {floor:>8.1} {no_lag:>8.1}\n",
            engine - oracle
        );
        if engine > oracle + ALLOWANCE_DB {
            failures.push(format!(
                "{name}: {engine:.1} dB > oracle {oracle:.1} dB + {ALLOWANCE_DB} dB"
            ));
        }
        // The switch must be measurable above what no switch leaves.
        if oracle < floor + 15.0 {
            failures.push(format!(
                "{name}: the switch ({oracle:.1} dB) is not clear of the floor ({floor:.1} dB)"
            ));
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn switching_modes_changes_the_sound_then_settles_on_the_new_mode() {
    // After the crossfade, the processor plays exactly the new mode: its
    // output equals a processor that was in that mode all along, once the
    // filters' memory of the switch has decayed (checked as equality of
    // the steady-state level at the tone, to 0.01 dB).
    let total = PRE_ROLL + 48_000;
    let input = common::sine(TONE_HZ, TONE_AMPLITUDE, FS, total);
    let tail = |v: &[f64]| {
        let s = &v[total - 9_600..];
        (s.iter().map(|x| x * x).sum::<f64>() / s.len() as f64).sqrt()
    };
    for (from, to) in [
        (Mode::Pad, Mode::Manual),
        (Mode::Manual, Mode::Morph),
        (Mode::Morph, Mode::Pad),
    ] {
        let switched = tail(&processor_render(&input, from, to));
        let settled = tail(&processor_render(&input, to, to));
        let before = tail(&processor_render(&input, from, from));
        let db = |a: f64, b: f64| 20.0 * (a / b).log10();
        assert!(
            db(switched, settled).abs() < 0.01,
            "{from:?} -> {to:?}: {:.3} dB off the new mode",
            db(switched, settled)
        );
        assert!(
            db(settled, before).abs() > 1.0,
            "{from:?} -> {to:?}: the modes should sound different at {TONE_HZ} Hz"
        );
    }
}
