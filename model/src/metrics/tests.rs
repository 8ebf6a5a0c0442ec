use super::*;
use crate::cascade_magnitude_db;

fn flat() -> EqParams {
    EqParams::default()
}

/// A tilt decoder: low shelf −6x dB at 200 Hz, high shelf +6x dB at 2 kHz,
/// y moves a 1 kHz bell by 4y dB.
fn tilt(x: f64, y: f64) -> EqParams {
    EqParams {
        ls_gain_db: -6.0 * x,
        ls_freq_hz: 200.0,
        hs_gain_db: 6.0 * x,
        hs_freq_hz: 2000.0,
        b2_gain_db: 4.0 * y,
        b2_freq_hz: 1000.0,
        ..flat()
    }
}

fn constant(x: f64, y: f64) -> EqParams {
    let _ = (x, y);
    EqParams {
        b2_gain_db: 5.0,
        ..flat()
    }
}

#[test]
fn frequencies_are_log_spaced_from_20_hz_to_20_khz() {
    let f = curve_frequencies();
    assert_eq!(f.len(), 128);
    assert_eq!(f[0], 20.0);
    assert_eq!(f[127], 20_000.0);
    let ratio = f[1] / f[0];
    for w in f.windows(2) {
        assert!((w[1] / w[0] - ratio).abs() < 1e-9);
    }
    // 1000× over 127 steps.
    assert!((ratio.powi(127) - 1000.0).abs() < 1e-6);
}

#[test]
fn curve_is_the_cascade_magnitude() {
    let p = tilt(0.7, -0.3);
    let c = curve(&p);
    for (f, db) in curve_frequencies().iter().zip(&c) {
        assert_eq!(*db, cascade_magnitude_db(&p, *f, 48_000.0));
    }
    assert!(curve(&flat()).iter().all(|v| v.abs() < 1e-12));
}

#[test]
fn curve_error_and_brightness_by_hand() {
    let a = [0.0; CURVE_POINTS];
    let b = [3.0; CURVE_POINTS];
    assert_eq!(curve_error(&a, &b), 3.0);
    assert_eq!(curve_error(&b, &a), 3.0);
    let mut c = a;
    c[0] = -128.0;
    assert_eq!(curve_error(&a, &c), 1.0);
    // A constant curve has no brightness; +1 dB above 2 kHz gives 1 dB;
    // −2 dB below 300 Hz adds 2 dB; the middle does not count.
    assert_eq!(brightness(&b), 0.0);
    let f = curve_frequencies();
    let mut d = [0.0; CURVE_POINTS];
    for (v, hz) in d.iter_mut().zip(&f) {
        *v = if *hz > 2000.0 {
            1.0
        } else if *hz < 300.0 {
            -2.0
        } else {
            50.0
        };
    }
    assert!((brightness(&d) - 3.0).abs() < 1e-12);
}

#[test]
fn pairwise_error_by_hand() {
    let c = |v: f64| [v; CURVE_POINTS];
    assert_eq!(mean_pairwise_error(&[c(0.0)]), 0.0);
    assert_eq!(mean_pairwise_error(&[c(0.0), c(2.5)]), 2.5);
    // Pairs (0,1) (0,2) (1,2): 1 + 2 + 1.
    assert!((mean_pairwise_error(&[c(0.0), c(1.0), c(2.0)]) - 4.0 / 3.0).abs() < 1e-12);
}

#[test]
fn linspace_and_grid_layout() {
    let l = linspace(101);
    assert_eq!((l[0], l[50], l[100]), (-1.0, 0.0, 1.0));
    assert_eq!(linspace(1), vec![0.0]);
    let pad = Pad::decode(tilt, 3);
    assert_eq!(pad.params.len(), 9);
    assert_eq!(pad.point(0), (-1.0, -1.0));
    assert_eq!(pad.point(5), (1.0, 0.0)); // row-major: iy = 1, ix = 2
    assert_eq!(pad.params[5], tilt(1.0, 0.0));
}

#[test]
fn a_decoder_that_ignores_its_input() {
    let targets = [
        tilt(0.5, 0.5),
        tilt(-1.0, 0.0),
        EqParams {
            b1_gain_db: -7.0,
            ..flat()
        },
    ];
    let labels = [Some(Side::Bright), Some(Side::Warm), None];
    let held: Vec<_> = targets.iter().copied().zip(labels).collect();
    let e = evaluate(constant, &held);
    let c = curve(&constant(0.0, 0.0));
    let want = targets
        .iter()
        .map(|t| curve_error(&c, &curve(t)))
        .sum::<f64>()
        / 3.0;
    // Coverage is the mean error to its one curve.
    assert!(
        (e.coverage_db - want).abs() < 1e-12,
        "{} vs {want}",
        e.coverage_db
    );
    // Every grid point ties; the first, (−1, −1), wins: warm right, bright wrong.
    assert_eq!(e.warm_bright_accuracy, Some(0.5));
    assert_eq!(e.labelled, 2);
    assert_eq!(e.validity, 1.0);
    let g = e.gates;
    assert_eq!(g.max_step_db, 0.0);
    assert_eq!(g.max_reversal_db, 0.0);
    assert_eq!(g.span_db, 0.0);
    assert_eq!(g.diversity_db, 0.0);
    assert!(g.smooth() && g.monotonic());
    assert!(!g.span() && !g.diverse() && !g.all_pass());
    assert!(!e.meets_targets());
}

#[test]
fn a_linear_tilt_passes_monotonicity_and_span_and_finds_its_own_curves() {
    let pad = Pad::decode(tilt, COVERAGE_GRID);
    let g = Gates::measure(tilt, &pad);
    assert_eq!(g.max_reversal_db, 0.0, "brightness rises strictly with x");
    assert!(g.monotonic());
    assert!(g.span_db > MIN_SPAN_DB, "{}", g.span_db);
    assert!(g.smooth(), "{}", g.max_step_db);
    // Settings that lie on the grid are covered exactly, at their own point.
    let targets = [tilt(0.5, -0.2), tilt(-0.9, 1.0)];
    let cov = coverage(&pad, &targets);
    assert!(cov.mean_db < 1e-12);
    assert!((cov.best[0].0 - 0.5).abs() < 1e-12 && (cov.best[0].1 + 0.2).abs() < 1e-12);
    let acc = warm_bright_accuracy(&cov.best, &[Some(Side::Bright), Some(Side::Warm)]);
    assert_eq!(acc, Some(1.0));
    // The mirror image runs the wrong way on every row.
    let mirrored = |x: f64, y: f64| tilt(-x, y);
    let m = Gates::measure(mirrored, &Pad::decode(mirrored, COVERAGE_GRID));
    assert!(!m.monotonic() && m.max_reversal_db > 0.1);
    assert!(m.span_db < -MIN_SPAN_DB && !m.span());
}

#[test]
fn a_jump_fails_smoothness_and_steps_scale_to_one_percent() {
    let jump = |x: f64, _y: f64| EqParams {
        hs_gain_db: if x > 0.3 { 12.0 } else { -12.0 },
        ..flat()
    };
    let g = Gates::measure(jump, &Pad::decode(jump, COVERAGE_GRID));
    assert!(!g.smooth(), "{}", g.max_step_db);
    // A gain ramp of 0.12 dB per grid step on a 101 grid is 0.12 dB per 1 %;
    // on an 11 grid each step is 10 %, so the same ramp reads the same.
    let ramp = |x: f64, _y: f64| EqParams {
        b2_gain_db: 6.0 * x,
        b2_q: 0.1,
        ..flat()
    };
    let fine = Pad::decode(ramp, 101).max_step_per_percent();
    let coarse = Pad::decode(ramp, 11).max_step_per_percent();
    assert!(fine > 0.0 && fine < 0.12 + 1e-9, "{fine}");
    assert!((fine - coarse).abs() < 0.01 * fine, "{fine} vs {coarse}");
}

#[test]
fn diversity_of_a_tilt_is_its_pairwise_mean() {
    let d = diversity(tilt);
    let by_hand = mean_pairwise_error(&Pad::decode(tilt, DIVERSITY_GRID).curves);
    assert_eq!(d, by_hand);
    assert!(d > 1.0);
}

#[test]
fn sides_follow_the_loader_normalisation() {
    assert_eq!(
        Side::of(&Descriptor::from_raw(" Warmer ")),
        Some(Side::Warm)
    );
    assert_eq!(
        Side::of(&Descriptor::from_raw("BRIGHT")),
        Some(Side::Bright)
    );
    assert_eq!(Side::of(&Descriptor::from_raw("test")), None);
    assert_eq!(Side::of(&Descriptor::from_raw("warm bright")), None);
    assert!(!Side::Warm.contains_x(0.0) && !Side::Bright.contains_x(0.0));
}

#[test]
fn the_plain_decoder_is_a_pad_function_and_json_has_the_figures() {
    let arch = crate::Arch::default();
    let layers = arch
        .layer_dims()
        .iter()
        .map(|&(i, o)| crate::decoder::Dense {
            weight: vec![0.0; i * o],
            bias: vec![0.0; o],
        })
        .collect();
    let d = Decoder::from_weights(arch, layers).unwrap();
    let pad = Pad::from_decoder(&d, 5);
    assert_eq!(pad.validity(), 1.0);
    assert_eq!(pad.max_step_per_percent(), 0.0);
    let e = evaluate(decoder_fn(&d), &[(tilt(1.0, 0.0), Some(Side::Bright))]);
    let j = e.to_json();
    assert_eq!(j["gates"]["all_pass"], false);
    assert_eq!(j["validity"], 1.0);
    assert!(j["coverage_db"].as_f64().unwrap() > 0.0);
    assert!(e.summary().contains("span 0.00 dB FAIL"), "{}", e.summary());
}

#[test]
fn plausibility_by_hand() {
    // Two bells against each other beyond ±6 dB fight; a shelf does not count.
    let fighting = EqParams {
        b1_gain_db: 7.0,
        b1_freq_hz: 500.0,
        b3_gain_db: -6.5,
        b3_freq_hz: 4000.0,
        ..flat()
    };
    assert!(bells_fight(&fighting));
    let shelf_vs_bell = EqParams {
        ls_gain_db: 9.0,
        b2_gain_db: -9.0,
        ..flat()
    };
    assert!(!bells_fight(&shelf_vs_bell));
    let one_way = EqParams {
        b1_gain_db: 9.0,
        b2_gain_db: 7.0,
        ..flat()
    };
    assert!(!bells_fight(&one_way));
    // Pinned: at ±11.5 dB or beyond, on any band.
    assert!(pinned(&EqParams {
        hs_gain_db: -11.5,
        ..flat()
    }));
    assert!(!pinned(&EqParams {
        hs_gain_db: 11.4,
        ..flat()
    }));
    // Effort: one bell's peak is its gain (its centre is near a curve
    // point), so Σ|gain| / max|curve| is close to 1 ...
    let one = EqParams {
        b2_gain_db: 6.0,
        b2_freq_hz: curve_frequencies()[70],
        b2_q: 1.0,
        ..flat()
    };
    let e = effort(&one, &curve(&one)).unwrap();
    assert!((e - 1.0).abs() < 1e-9, "{e}");
    // ... two opposite bells at the same place cancel: a flat curve has no
    // effort ratio, and a near cancellation a large one.
    let cancel = EqParams {
        b1_gain_db: 6.0,
        b1_freq_hz: 1000.0,
        b2_gain_db: -6.0,
        b2_freq_hz: 1000.0,
        ..flat()
    };
    assert!(effort(&cancel, &curve(&cancel)).is_none());
    let near = EqParams {
        b1_gain_db: 12.0,
        b1_freq_hz: 1000.0,
        b1_q: 0.5,
        b2_gain_db: -12.0,
        b2_freq_hz: 1400.0,
        b2_q: 0.5,
        ..flat()
    };
    let c = curve(&near);
    let peak = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!((effort(&near, &c).unwrap() - 24.0 / peak).abs() < 1e-12);
    assert!(24.0 / peak > 2.5);
    // The set's figures: fractions and the mean over those with a ratio.
    let set = [fighting, one, cancel, flat()];
    let p = Plausibility::of_settings(&set);
    assert_eq!(p.settings, 4);
    assert_eq!(p.fighting, 0.25);
    assert_eq!(p.pinned, 0.0);
    let want = (effort(&fighting, &curve(&fighting)).unwrap() + 1.0) / 2.0;
    assert!((p.effort - want).abs() < 1e-12);
    assert!(Plausibility::of_pad(&Pad::decode(tilt, 5)).meets_targets());
}

/// On SAFE users' own settings, the anchor: an independent Python RBJ
/// implementation measured 12.9 % fighting, 43.1 % pinned and effort 2.36
/// on this file (the issue reports 12 %, 46 % and 2.32).
#[test]
fn safe_rows_own_plausibility() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/safe/SAFEEqualiserUserData.csv");
    let Ok(report) = crate::safe::load(&path) else {
        println!("skipped: no SAFE data at {}", path.display());
        return;
    };
    let settings: Vec<EqParams> = report
        .rows
        .iter()
        .filter(|r| !r.descriptor.is_noise())
        .map(|r| r.params)
        .collect();
    let p = Plausibility::of_settings(&settings);
    assert!((0.10..=0.15).contains(&p.fighting), "{p:?}");
    assert!((0.40..=0.50).contains(&p.pinned), "{p:?}");
    assert!((2.2..=2.5).contains(&p.effort), "{p:?}");
}
