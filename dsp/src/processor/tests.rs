use super::*;
use crate::Targets;
use semantic_eq_model::PARAMS;
use semantic_eq_model::rng::XorShift32;

fn settings(sample_rate: f64, channels: usize) -> Settings {
    Settings {
        sample_rate,
        channels,
        kernel: Kernel::detect(),
    }
}

fn noise(frames: usize, channels: usize, seed: u32) -> Vec<Vec<f32>> {
    let mut rng = XorShift32::new(seed.wrapping_mul(2_654_435_761).max(1));
    (0..channels)
        .map(|_| {
            (0..frames)
                .map(|_| (rng.next_unit_f32() - 0.5) * 0.5)
                .collect()
        })
        .collect()
}

fn run(p: &mut Processor, audio: &mut [Vec<f32>], from: usize, to: usize) {
    let mut slices: Vec<&mut [f32]> = audio.iter_mut().map(|c| &mut c[from..to]).collect();
    p.process_planar(&mut slices);
}

/// A scripted session: (frame, control, value), sorted by frame.
fn script() -> Vec<(usize, Control, f64)> {
    vec![
        (0, Control::X, -0.8),
        (700, Control::X, 0.9),
        (701, Control::Y, 0.4),
        (2000, Control::Amount, 1.7),
        (2100, Control::Auto, 1.0),
        (3333, Control::Mix, 0.3),
        (4000, Control::Mode, 1.0),
        (4000, Control::Eq(5), 2500.0),
        (4500, Control::BandOn(2), 0.0),
        (5000, Control::Bypass, 1.0),
        (6000, Control::Bypass, 0.0),
        (6001, Control::Mode, 0.0),
        (7000, Control::OutDb, -30.0),
        (7100, Control::X, f64::NAN),
        (7200, Control::Y, 1e9),
    ]
}

/// Processes `audio` in blocks whose ends come from `cuts`, applying the
/// script at exactly its frames.
fn render(audio: &mut [Vec<f32>], cuts: &[usize]) -> Processor {
    let frames = audio[0].len();
    let mut p = Processor::new(
        &settings(48_000.0, audio.len()),
        Box::new(Decoder::embedded()),
    )
    .unwrap();
    let events = script();
    let mut bounds: Vec<usize> = events
        .iter()
        .map(|e| e.0)
        .chain(cuts.iter().copied())
        .collect();
    bounds.push(frames);
    bounds.sort_unstable();
    bounds.dedup();
    let mut at = 0;
    for b in bounds {
        for e in events.iter().filter(|e| e.0 == at) {
            p.set(e.1, e.2);
        }
        if b > at {
            run(&mut p, audio, at, b);
            at = b;
        }
    }
    p
}

#[test]
fn output_is_bit_identical_for_any_block_partition() {
    let frames = 9000;
    let input = noise(frames, 2, 3);
    let mut reference = input.clone();
    render(&mut reference, &[]);
    for cuts in [
        (1..frames).collect::<Vec<_>>(),
        (0..frames).step_by(7).collect(),
        (0..frames).step_by(64).collect(),
        vec![4096],
        (0..frames).step_by(333).map(|k| k + k % 5).collect(),
    ] {
        let mut audio = input.clone();
        render(&mut audio, &cuts);
        assert!(
            audio == reference,
            "partition with {} cuts differs",
            cuts.len()
        );
    }
    assert!(reference.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn a_static_pad_point_is_the_engine_running_the_decoded_eq() {
    let frames = 4096;
    let input = noise(frames, 2, 5);
    let decoder = Decoder::embedded();
    let mut p = Processor::new(&settings(44_100.0, 2), Box::new(decoder.clone())).unwrap();
    p.set(Control::X, 0.625);
    p.set(Control::Y, -0.25);
    p.reset();
    let mut ours = input.clone();
    run(&mut p, &mut ours, 0, frames);

    let mut engine = EqEngine::with_kernel(44_100.0, 2, Kernel::detect()).unwrap();
    let eq = decoder.decode_normalized(0.625, -0.25).map(f64::from);
    let t = NormTargets {
        eq,
        amount: 1.0,
        output_db: 0.0,
    };
    engine.set_norm_targets_ramped(&t, 0);
    engine.reset();
    let mut theirs = input.clone();
    {
        let mut s: Vec<&mut [f32]> = theirs.iter_mut().map(|c| &mut c[..]).collect();
        engine.process_planar(&mut s);
    }
    assert!(ours == theirs);
    assert!(ours != input, "the decoded EQ should not be flat");
}

#[test]
fn manual_mode_is_the_engine_running_the_manual_eq() {
    let frames = 2048;
    let input = noise(frames, 1, 8);
    let eq = EqParams::parse_list("3,120,-4,400,2,5,1500,0.7,-2,6000,4,-6,9000").unwrap();
    let mut p = Processor::new(&settings(96_000.0, 1), Box::new(Decoder::embedded())).unwrap();
    p.set_mode(Mode::Manual);
    p.set_manual_eq(&eq);
    p.reset();
    let mut ours = input.clone();
    run(&mut p, &mut ours, 0, frames);

    let mut engine = EqEngine::with_kernel(96_000.0, 1, Kernel::detect()).unwrap();
    engine.set_targets_ramped(
        &Targets {
            eq,
            amount: 1.0,
            output_db: 0.0,
        },
        0,
    );
    engine.reset();
    let mut theirs = input.clone();
    engine.process_planar(&mut [&mut theirs[0][..]]);
    assert!(ours == theirs);
}

#[test]
fn mix_zero_and_bypass_give_the_input_back_exactly() {
    let frames = 3000;
    let input = noise(frames, 2, 11);
    for control in [Control::Mix, Control::Bypass] {
        let mut p = Processor::new(&settings(48_000.0, 2), Box::new(Decoder::embedded())).unwrap();
        p.set(Control::X, 1.0);
        p.set(control, if control == Control::Mix { 0.0 } else { 1.0 });
        p.reset();
        let mut audio = input.clone();
        run(&mut p, &mut audio, 0, frames);
        assert!(audio == input, "{control:?}");
    }
}

#[test]
fn half_mix_is_the_average_of_dry_and_wet() {
    let frames = 2000;
    let input = noise(frames, 1, 13);
    let mut wet = input.clone();
    let mut p = Processor::new(&settings(48_000.0, 1), Box::new(Decoder::embedded())).unwrap();
    p.set(Control::X, -1.0);
    p.reset();
    run(&mut p, &mut wet, 0, frames);
    let mut half = input.clone();
    p.set(Control::Mix, 0.5);
    p.reset();
    run(&mut p, &mut half, 0, frames);
    for ((h, w), d) in half[0].iter().zip(&wet[0]).zip(&input[0]) {
        assert!((h - 0.5 * (w + d)).abs() <= 1e-6, "{h} {w} {d}");
    }
}

#[test]
fn switching_bypass_crossfades_without_a_step() {
    // A DC input through a flat setting: any step in the fade would show up
    // as a jump between neighbouring samples.
    let frames = 4800;
    let mut p = Processor::new(&settings(48_000.0, 1), Box::new(Decoder::embedded())).unwrap();
    p.set(Control::Amount, 0.0);
    p.set(Control::OutDb, -12.0);
    p.reset();
    let mut audio = vec![vec![0.5f32; frames]];
    run(&mut p, &mut audio, 0, 1000);
    p.set(Control::Bypass, 1.0);
    run(&mut p, &mut audio, 1000, frames);
    let a = &audio[0];
    let fade = (smoothing_ms::SWITCH * 48.0) as usize;
    let max_jump = a
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    // 0.125 -> 0.5 over the fade: at most (0.375 / fade) per sample, plus rounding.
    assert!(max_jump <= 0.375 / fade as f32 * 1.01, "{max_jump}");
    assert!((a[999] - 0.5 * 10f32.powf(-12.0 / 20.0)).abs() < 1e-6);
    assert_eq!(a[frames - 1], 0.5);
}

#[test]
fn bad_values_are_clamped_or_ignored() {
    let mut p = Processor::new(&settings(48_000.0, 2), Box::new(Decoder::embedded())).unwrap();
    for c in [
        Control::X,
        Control::Y,
        Control::Amount,
        Control::OutDb,
        Control::Mix,
        Control::Eq(3),
        Control::Eq(99),
        Control::BandOn(7),
    ] {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
            p.set(c, v);
        }
    }
    let mut audio = noise(4096, 2, 17);
    run(&mut p, &mut audio, 0, 4096);
    assert!(
        audio
            .iter()
            .flatten()
            .all(|v| v.is_finite() && v.abs() < 1e3)
    );
}

#[test]
fn interleaved_equals_planar() {
    let frames = 3000;
    let planar_in = noise(frames, 3, 19);
    let mut planar = planar_in.clone();
    let mut p = Processor::new(&settings(48_000.0, 3), Box::new(Decoder::embedded())).unwrap();
    p.set(Control::X, 0.3);
    run(&mut p, &mut planar, 0, frames);

    let mut inter: Vec<f32> = (0..frames)
        .flat_map(|f| (0..3).map(move |c| (f, c)))
        .map(|(f, c)| planar_in[c][f])
        .collect();
    let mut q = Processor::new(&settings(48_000.0, 3), Box::new(Decoder::embedded())).unwrap();
    q.set(Control::X, 0.3);
    let mut scratch = vec![0.0; 3 * 100];
    q.process_interleaved(&mut inter, &mut scratch);
    for f in 0..frames {
        for c in 0..3 {
            assert_eq!(inter[f * 3 + c], planar[c][f]);
        }
    }
}

#[test]
fn a_swapped_decoder_glides_in_and_the_old_one_comes_back() {
    let frames = 4800;
    let mut p = Processor::new(&settings(48_000.0, 1), Box::new(Decoder::embedded())).unwrap();
    p.set(Control::X, 1.0);
    p.reset();
    let mut audio = noise(frames, 1, 23);
    run(&mut p, &mut audio, 0, 1024);
    let old = p.swap_decoder(Box::new(Decoder::embedded()));
    assert_eq!(old.layers(), Decoder::embedded().layers());
    run(&mut p, &mut audio, 1024, frames);
    assert!(audio[0].iter().all(|v| v.is_finite()));
}

#[test]
fn morph_at_0_and_100_percent_is_the_pad_at_the_two_landmarks_bit_for_bit() {
    let decoder = Decoder::embedded();
    let marks = decoder.landmarks();
    let find = |n: &str| marks.iter().find(|m| m.name == n).unwrap();
    let (warm, bright) = (find("warm"), find("bright"));
    let (from, to) = (
        (f64::from(warm.x), f64::from(warm.y)),
        (f64::from(bright.x), f64::from(bright.y)),
    );
    let frames = 3000;
    let input = noise(frames, 2, 31);
    let render_with = |setup: &dyn Fn(&mut Processor)| {
        let mut p = Processor::new(&settings(48_000.0, 2), Box::new(decoder.clone())).unwrap();
        setup(&mut p);
        p.reset();
        let mut audio = input.clone();
        run(&mut p, &mut audio, 0, frames);
        audio
    };
    for (t, (lx, ly)) in [(0.0, from), (1.0, to)] {
        let morphed = render_with(&|p| {
            p.set_mode(Mode::Morph);
            p.set_morph_line(from, to);
            p.set(Control::Morph, t);
        });
        let pad = render_with(&|p| {
            p.set(Control::X, lx);
            p.set(Control::Y, ly);
        });
        assert!(morphed == pad, "morph {t}");
    }
    // Half-way is neither end.
    let half = render_with(&|p| {
        p.set_mode(Mode::Morph);
        p.set_morph_line(from, to);
        p.set(Control::Morph, 0.5);
    });
    assert!(half != render_with(&|p| p.set(Control::X, from.0)));
}

#[test]
fn switching_modes_glides_instead_of_jumping() {
    // A sine through pad -> morph -> manual -> pad: the per-sample change of
    // the output envelope stays small (a jump in the EQ would show as a step).
    let frames = 48_000;
    let sine: Vec<f32> = (0..frames)
        .map(|n| (0.25 * (n as f64 * 0.0523).sin()) as f32)
        .collect();
    let mut audio = vec![sine.clone()];
    let mut p = Processor::new(&settings(48_000.0, 1), Box::new(Decoder::embedded())).unwrap();
    p.set(Control::X, -0.9);
    p.set_morph_line((0.6, 0.2), (-0.5, -0.3));
    p.set(Control::Morph, 1.2);
    p.set_manual_eq(&EqParams::parse_list("6,300,-6,1000,1,6,2000,2,-6,4000,1,6,8000").unwrap());
    p.reset();
    let cuts = [0, 12_000, 24_000, 36_000, frames];
    for (k, w) in cuts.windows(2).enumerate() {
        p.set_mode([Mode::Morph, Mode::Manual, Mode::Pad, Mode::Pad][k]);
        run(&mut p, &mut audio, w[0], w[1]);
    }
    // Envelope over 64-sample windows (about 1.3 periods of the sine).
    let env: Vec<f32> = audio[0]
        .chunks(64)
        .map(|c| c.iter().fold(0.0f32, |m, v| m.max(v.abs())))
        .collect();
    let worst = env
        .windows(2)
        .map(|w| (w[1] / w[0].max(1e-6)).log10().abs() * 20.0)
        .fold(0.0f32, f32::max);
    // 30 ms glides: no more than a few dB per 1.3 ms window.
    assert!(worst < 3.0, "envelope jumps by {worst} dB");
}

#[test]
fn gain_table_names_the_gains() {
    for (i, p) in PARAMS.iter().enumerate() {
        assert_eq!(IS_GAIN[i], p.name.ends_with("gain_db"), "{}", p.name);
    }
}

/// Controls set on the grid as a function of the grid point: every EQ
/// parameter and the pad moving on every grid point, plus mode, mix,
/// auto-gain and bypass switches along the way.
fn automate_on_grid(p: &mut Processor) {
    let g = p.position() as usize / GRID;
    let gf = g as f64;
    p.set_unit_ramped(
        Control::Eq(g % NUM_PARAMS),
        (gf * 0.037).sin() * 0.5 + 0.5,
        GRID as u64,
    );
    p.set_unit_ramped(Control::X, (gf * 0.011).sin(), GRID as u64);
    p.set_unit_ramped(Control::Amount, 1.0 + 0.5 * (gf * 0.02).cos(), GRID as u64);
    match g {
        40 => p.set(Control::Mode, 2.0),
        90 => p.set(Control::Mix, 0.5),
        91 => p.set(Control::Mix, 0.4),
        150 => p.set(Control::Auto, 1.0),
        200 => p.set(Control::Bypass, 1.0),
        230 => p.set(Control::Bypass, 0.0),
        260 => p.set(Control::Mode, 0.0),
        _ => {}
    }
}

#[test]
fn gridded_processing_equals_setting_controls_before_every_grid_segment() {
    let points = 320;
    let frames = points * GRID - 5;
    let input = noise(frames, 2, 9);
    let new = || Processor::new(&settings(48_000.0, 2), Box::new(Decoder::embedded())).unwrap();
    // The protocol: controls, then one grid segment per call.
    let mut p = new();
    let mut want = input.clone();
    for k in 0..points {
        automate_on_grid(&mut p);
        run(&mut p, &mut want, k * GRID, ((k + 1) * GRID).min(frames));
    }
    // Gridded calls of any length, on and off the grid.
    let mut rng = XorShift32::new(0x9e37_79b9);
    for max in [1usize, 40, 700, 3000] {
        let mut p = new();
        let mut got = input.clone();
        let mut at = 0;
        while at < frames {
            let n = (1 + rng.next_u32() as usize % max).min(frames - at);
            let mut slices: Vec<&mut [f32]> = got.iter_mut().map(|c| &mut c[at..at + n]).collect();
            p.process_planar_gridded(&mut slices, automate_on_grid);
            at += n;
        }
        let first = (0..frames).find(|&i| got[0][i] != want[0][i] || got[1][i] != want[1][i]);
        assert!(
            first.is_none(),
            "gridded calls of up to {max} frames differ from frame {first:?} (grid point {:?})",
            first.map(|i| i / GRID)
        );
    }
    // Interleaved, through the scratch.
    let mut p = new();
    let mut inter: Vec<f32> = (0..frames)
        .flat_map(|i| [input[0][i], input[1][i]])
        .collect();
    let mut scratch = vec![0.0; CHUNK * 2];
    p.process_interleaved_gridded(&mut inter, &mut scratch, automate_on_grid);
    let want_inter: Vec<f32> = (0..frames).flat_map(|i| [want[0][i], want[1][i]]).collect();
    assert!(
        inter == want_inter,
        "interleaved gridded processing differs"
    );
    // The controls mattered: the dry/wet and mode changes all show.
    assert!(want != input);
}
