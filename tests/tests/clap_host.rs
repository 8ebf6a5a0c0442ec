//! The built `Semantic EQ.clap`, hosted by clack-host (an independent
//! implementation of the host side of CLAP): descriptor, activation at
//! several rates, sample-accurate automation checked bit for bit against
//! `semantic-eq render`, block-size and render-mode invariance, state
//! round trips, and random event storms.
//!
//! The bundle is built with `cargo xtask bundle semantic-eq --release` when
//! it is missing or older than the sources.

mod host;

use clack_extensions::params::ParamInfoFlags;
use clack_extensions::render::{PluginRender, RenderMode};
use clack_extensions::state::PluginState;
use clack_host::prelude::*;
use host::{Event, PLUGIN_ID, id_of, params, process};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use semantic_eq_cli::render::{RenderOptions, render};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// --- the bundle -----------------------------------------------------------------

/// The built plug-in, (re)built once per test run if missing or stale.
fn bundle() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(semantic_eq_tests::bundle::clap_bundle)
}

fn entry() -> &'static PluginEntry {
    static ENTRY: OnceLock<PluginEntry> = OnceLock::new();
    // SAFETY: the file is our own plug-in, built above; loading runs its
    // (trusted) initialisation code.
    ENTRY.get_or_init(|| unsafe { PluginEntry::load(bundle()).expect("load the .clap") })
}

fn instance() -> PluginInstance<host::Host> {
    host::instance(entry())
}

// --- signals ------------------------------------------------------------------------

/// Stereo pink noise (Voss-McCartney), about −18 dBFS.
fn pink(frames: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..2)
        .map(|_| {
            let mut rows = [0.0f64; 16];
            (0..frames)
                .map(|n| {
                    let k = (n | 1 << 15).trailing_zeros() as usize;
                    rows[k] = rng.random_range(-0.5..0.5);
                    (rows.iter().sum::<f64>() / 16.0 * 1.7) as f32
                })
                .collect()
        })
        .collect()
}

fn write_wav(path: &Path, sample_rate: u32, planar: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: planar.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for f in 0..planar[0].len() {
        for c in planar {
            w.write_sample(c[f]).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path, channels: usize) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let all: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    (0..channels)
        .map(|c| all.iter().skip(c).step_by(channels).copied().collect())
        .collect()
}

/// An x sweep as a host sends it: a change every 17-300 samples at
/// random offsets, normalised values k/64 (so the plain value −1 + 2k/64 is
/// exact in f32 and in decimal).
fn x_sweep(frames: usize, seed: u64) -> Vec<(usize, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut at = 0;
    let mut out = Vec::new();
    let mut k = 0i32;
    while at < frames {
        // Mostly upwards (warm -> bright), with the odd jump back.
        k = if rng.random_range(0..10) == 0 {
            rng.random_range(0..=64)
        } else {
            (k + 1).min(64)
        };
        out.push((at, f64::from(k) / 64.0));
        at += rng.random_range(17..300);
    }
    out
}

/// The first frame where `a` and `b` differ, for failure messages.
fn first_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> Option<usize> {
    (0..a[0].len().min(b[0].len())).find(|&f| {
        a.iter()
            .zip(b)
            .any(|(x, y)| x[f].to_bits() != y[f].to_bits())
    })
}

fn bits(a: &[Vec<f32>]) -> Vec<Vec<u32>> {
    a.iter()
        .map(|c| c.iter().map(|v| v.to_bits()).collect())
        .collect()
}

// --- tests ------------------------------------------------------------------------

#[test]
fn descriptor_features_and_parameters() {
    let factory = entry().get_plugin_factory().expect("plugin factory");
    let descriptors: Vec<_> = factory.plugin_descriptors().collect();
    assert_eq!(descriptors.len(), 1);
    let d = &descriptors[0];
    assert_eq!(d.id(), Some(PLUGIN_ID));
    assert_eq!(d.name(), Some(c"Semantic EQ"));
    let features: Vec<String> = d
        .features()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    for want in ["audio-effect", "equalizer", "stereo", "mono"] {
        assert!(
            features.iter().any(|f| f == want),
            "{want} missing from {features:?}"
        );
    }
    let mut inst = instance();
    let p = params(&mut inst);
    let names: Vec<&str> = p.keys().map(String::as_str).collect();
    for want in ["Warm ↔", "Amount", "Output", "Auto-gain", "Mix", "Bypass"] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(p["Bypass"].1.contains(ParamInfoFlags::IS_BYPASS));
    assert!(
        p.values()
            .all(|(_, f)| f.contains(ParamInfoFlags::IS_AUTOMATABLE))
    );
}

#[test]
fn an_automated_x_sweep_equals_semantic_eq_render_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    for sample_rate in [44_100u32, 48_000, 96_000] {
        let frames = sample_rate as usize * 3 / 2;
        let input = pink(frames, u64::from(sample_rate));
        let sweep = x_sweep(frames, 7);
        let mut inst = instance();
        let x = id_of(&mut inst, "Warm ↔");
        let events: Vec<Event> = sweep.iter().map(|&(f, v)| (f, x, v)).collect();
        let hosted = process(&mut inst, f64::from(sample_rate), &input, &events, &[512]);

        let (inp, outp, csv) = (
            dir.path().join("in.wav"),
            dir.path().join("out.wav"),
            dir.path().join("x.csv"),
        );
        write_wav(&inp, sample_rate, &input);
        let mut text = String::from("sample,x\n");
        for &(f, v) in &sweep {
            text += &format!("{f},{}\n", -1.0 + 2.0 * v);
        }
        std::fs::write(&csv, text).unwrap();
        render(&RenderOptions {
            automation: Some(csv.clone()),
            float: true,
            quiet: true,
            ..RenderOptions::new(inp.clone(), outp.clone())
        })
        .expect("render");
        let rendered = read_wav(&outp, 2);
        assert!(
            bits(&hosted) == bits(&rendered),
            "{sample_rate} Hz: the hosted plug-in and the render differ"
        );
        assert!(hosted != input, "the sweep should change the sound");
    }
}

/// A host's values at the first sample after activation (its session
/// state, a bounce's start) apply at once, so the hosted output equals a
/// static render from sample 0: no glide from the defaults. A later move
/// still glides, exactly as `semantic-eq render` glides it.
#[test]
fn values_at_the_first_sample_apply_at_once_and_later_moves_glide() {
    let dir = tempfile::tempdir().unwrap();
    let sample_rate = 48_000u32;
    let frames = 24_000;
    let input = pink(frames, 21);
    let mut inst = instance();
    let (x, y) = (id_of(&mut inst, "Warm ↔"), id_of(&mut inst, "Thin ↔"));
    // Normalised 0.75 and 0.375 are x = 0.5 and y = -0.25 exactly in f32.
    let start: Vec<Event> = vec![(0, x, 0.75), (0, y, 0.375)];
    let hosted = process(&mut inst, f64::from(sample_rate), &input, &start, &[512]);
    // A static render: the same values, no automation.
    let fixed = render_with(dir.path(), sample_rate, &input, "", |o| RenderOptions {
        x: 0.5,
        y: -0.25,
        automation: None,
        ..o
    });
    assert_eq!(
        first_difference(&hosted, &fixed),
        None,
        "the hosted start glides instead of matching the static render"
    );

    // The same start, then x moves at frame 12 000.
    let mut moved = start.clone();
    moved.push((12_000, x, 0.25));
    let hosted_move = process(
        &mut instance(),
        f64::from(sample_rate),
        &input,
        &moved,
        &[512],
    );
    let csv = "sample,x,y\n0,0.5,-0.25\n12000,-0.5,-0.25\n";
    let rendered_move = render_with(dir.path(), sample_rate, &input, csv, |o| o);
    assert!(bits(&hosted_move) == bits(&rendered_move));
    // It glides: the first samples after the move are still those of the
    // old setting, bit for bit, where a jump would change them at once.
    let first = first_difference(&hosted_move, &hosted);
    assert!(
        first.is_some_and(|f| f >= 12_000),
        "first change at {first:?}"
    );
    let after = |a: &[Vec<f32>], b: &[Vec<f32>], range: std::ops::Range<usize>| {
        range
            .map(|i| (a[0][i] - b[0][i]).abs())
            .fold(0.0f32, f32::max)
    };
    let early = after(&hosted_move, &hosted, 12_000..12_048);
    let late = after(&hosted_move, &hosted, 13_500..14_000);
    assert!(
        early < late / 10.0,
        "no glide: {early:e} in the first 1 ms after the move, {late:e} 30 ms on"
    );
}

#[test]
fn host_block_size_and_render_mode_do_not_change_a_bit() {
    let sample_rate = 48_000.0;
    let frames = 40_000;
    let input = pink(frames, 5);
    let mut inst = instance();
    let p = params(&mut inst);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // Changes to every parameter, in every block of the smallest partition.
    let ids: Vec<ClapId> = p.values().map(|v| v.0).collect();
    let mut events: Vec<Event> = (0..frames)
        .step_by(97)
        .map(|f| {
            let id = ids[rng.random_range(0..ids.len())];
            (f, id, rng.random_range(0.0..1.0))
        })
        .collect();
    // Keep bypass and mix mostly on, so the EQ is heard.
    let bypass = p["Bypass"].0;
    events.retain(|e| e.1 != bypass);
    // A fresh instance per run: each starts from the defaults.
    let reference = process(&mut inst, sample_rate, &input, &events, &[512]);
    for blocks in [
        vec![1],
        vec![7],
        vec![64],
        vec![4096],
        vec![3, 200, 1, 999, 64, 17],
    ] {
        let out = process(&mut instance(), sample_rate, &input, &events, &blocks);
        assert!(bits(&out) == bits(&reference), "blocks {blocks:?} differ");
    }
    let mut offline_inst = instance();
    let h = offline_inst.plugin_handle();
    let render_ext: PluginRender = h.get_extension().expect("render extension");
    render_ext
        .set(&h, RenderMode::Offline)
        .expect("offline mode");
    let offline = process(&mut offline_inst, sample_rate, &input, &events, &[4096]);
    assert!(bits(&offline) == bits(&reference), "offline mode differs");
}

#[test]
fn a_saved_state_restores_the_exact_sound() {
    let sample_rate = 44_100.0;
    let input = pink(30_000, 9);
    let mut a = instance();
    let p = params(&mut a);
    let set: Vec<Event> = [
        ("Warm ↔", 0.8),
        ("Amount", 0.7),
        ("Output", 0.4),
        ("Auto-gain", 1.0),
        ("Mix", 0.75),
    ]
    .iter()
    .map(|(n, v)| (0, p[*n].0, *v))
    .chain(std::iter::once((0, p["Thin ↔"].0, 0.3)))
    .collect();
    // Apply the settings, then save.
    process(
        &mut a,
        sample_rate,
        &input[..1]
            .iter()
            .chain(&input[1..])
            .cloned()
            .collect::<Vec<_>>(),
        &set,
        &[256],
    );
    let mut state = Vec::new();
    {
        let h = a.plugin_handle();
        let ext: PluginState = h.get_extension().expect("state extension");
        ext.save(&h, &mut state).expect("save");
    }
    let mut b = instance();
    {
        let h = b.plugin_handle();
        let ext: PluginState = h.get_extension().expect("state extension");
        ext.load(&h, &mut Cursor::new(&state)).expect("load");
    }
    let from_a = process(&mut a, sample_rate, &input, &[], &[256]);
    let from_b = process(&mut b, sample_rate, &input, &[], &[333]);
    assert!(
        bits(&from_a) == bits(&from_b),
        "restored instance sounds different"
    );
    let fresh = process(&mut instance(), sample_rate, &input, &[], &[256]);
    assert!(bits(&fresh) != bits(&from_a), "the state should matter");
}

#[test]
fn a_thousand_random_event_storms_stay_finite_and_bounded() {
    let mut inst = instance();
    let ids: Vec<ClapId> = params(&mut inst).values().map(|v| v.0).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1234);
    let extremes = [0.0, 1.0, -1.0, 2.0, 1e9, -1e9, f64::NAN, f64::INFINITY, 0.5];
    let mut worst = 0.0f32;
    for storm in 0..1000 {
        let frames = rng.random_range(64..1500);
        let input: Vec<Vec<f32>> = (0..2)
            .map(|_| (0..frames).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        let events: Vec<Event> = (0..rng.random_range(1..60))
            .map(|_| {
                let v = if rng.random_range(0..4) == 0 {
                    extremes[rng.random_range(0..extremes.len())]
                } else {
                    rng.random_range(0.0..1.0)
                };
                (
                    rng.random_range(0..frames),
                    ids[rng.random_range(0..ids.len())],
                    v,
                )
            })
            .collect();
        let mut events = events;
        events.sort_by_key(|e| e.0);
        let blocks = [rng.random_range(1..600), rng.random_range(1..600)];
        let out = process(&mut inst, 48_000.0, &input, &events, &blocks);
        for v in out.iter().flatten() {
            assert!(v.is_finite(), "storm {storm}: non-finite output");
            worst = worst.max(v.abs());
        }
    }
    // Five bands at +24 dB (200 %) plus +24 dB output is the loudest the EQ
    // can be: 10^(144/20) on a full-scale input.
    assert!(worst < 1.6e7, "output peak {worst}");
    eprintln!("storms: worst output peak {worst:.3e}");
}

// --- modes (morph, manual) ------------------------------------------------------------

/// CLAP values of the `mode` parameter. nice-plug takes a stepped
/// parameter's CLAP value as its step index (value / step count is the
/// normalised value), so enum and switch values are indices, not 0..1.
const MORPH: f64 = 1.0;
const MANUAL: f64 = 2.0;

/// Sets parameters (CLAP id, value) on an inactive instance
/// through `clap_plugin_params.flush`, as a host does before playback.
fn flush(inst: &mut PluginInstance<host::Host>, values: &[(ClapId, f64)]) {
    let ext: clack_extensions::params::PluginParams = inst
        .plugin_handle()
        .get_extension()
        .expect("params extension");
    let mut ev = EventBuffer::new();
    for &(id, v) in values {
        ev.push(&clack_host::events::event_types::ParamValueEvent::new(
            0,
            id,
            Pckn::match_all(),
            v,
        ));
    }
    let mut h = inst.inactive_plugin_handle().expect("inactive");
    ext.flush(
        &mut h,
        &InputEvents::from_buffer(&ev),
        &mut OutputEvents::void(),
    );
}

/// The plain value the plug-in gives manual EQ parameter `i` at normalised
/// `n`, computed by the plug-in's own parameter definition.
fn manual_plain(i: usize, n: f64) -> f64 {
    f64::from(semantic_eq::params::manual_plain(i, n as f32))
}

/// Names of the manual parameters as the host sees them, SAFE order.
const MANUAL_NAMES: [&str; 13] = [
    "Low shelf gain",
    "Low shelf freq",
    "Bell 1 gain",
    "Bell 1 freq",
    "Bell 1 Q",
    "Bell 2 gain",
    "Bell 2 freq",
    "Bell 2 Q",
    "Bell 3 gain",
    "Bell 3 freq",
    "Bell 3 Q",
    "High shelf gain",
    "High shelf freq",
];

/// Renders `input` with `semantic-eq render` and the given options and
/// `sample` automation text; returns the output.
fn render_with(
    dir: &Path,
    sample_rate: u32,
    input: &[Vec<f32>],
    csv: &str,
    opts: impl FnOnce(RenderOptions) -> RenderOptions,
) -> Vec<Vec<f32>> {
    let (inp, outp, auto) = (
        dir.join("in.wav"),
        dir.join("out.wav"),
        dir.join("moves.csv"),
    );
    write_wav(&inp, sample_rate, input);
    std::fs::write(&auto, csv).unwrap();
    render(&opts(RenderOptions {
        automation: Some(auto),
        float: true,
        quiet: true,
        ..RenderOptions::new(inp, outp.clone())
    }))
    .expect("render");
    read_wav(&outp, input.len())
}

#[test]
fn manual_mode_and_its_automation_equal_semantic_eq_render() {
    let dir = tempfile::tempdir().unwrap();
    let sample_rate = 48_000u32;
    let frames = 72_000;
    let input = pink(frames, 21);
    let mut inst = instance();
    let p = params(&mut inst);
    // A manual EQ set before playback: normalised k/64 values.
    let norms = [40, 20, 26, 30, 24, 44, 33, 40, 18, 50, 28, 41, 36].map(|k| f64::from(k) / 64.0);
    let eq: Vec<f64> = (0..13).map(|i| manual_plain(i, norms[i])).collect();
    let mut start: Vec<(ClapId, f64)> = MANUAL_NAMES
        .iter()
        .zip(norms)
        .map(|(n, v)| (p[*n].0, v))
        .collect();
    start.push((p["Mode"].0, MANUAL));
    flush(&mut inst, &start);
    // Then automation: bell 2's gain and bell 3's frequency move, bell 1
    // goes off and on, and the mode visits morph and comes back.
    let mut events: Vec<Event> = Vec::new();
    let mut csv = String::from("sample,b2_gain_db,b3_freq_hz,b1_on,mode\n");
    let (b2g, b3f) = (5, 9);
    let mut on = 1.0;
    let mut mode = 2.0;
    for (k, f) in (0..frames).step_by(1500).enumerate() {
        let g = f64::from((k * 7 % 64) as u32) / 64.0;
        let fr = f64::from((k * 11 % 64) as u32) / 64.0;
        events.push((f, p[MANUAL_NAMES[b2g]].0, g));
        events.push((f, p[MANUAL_NAMES[b3f]].0, fr));
        if k % 9 == 4 {
            on = 1.0 - on;
            events.push((f, p["Bell 1 on"].0, on));
        }
        if k == 20 || k == 30 {
            mode = if k == 20 { 1.0 } else { 2.0 };
            events.push((f, p["Mode"].0, mode));
        }
        csv += &format!(
            "{f},{},{},{on},{mode}\n",
            manual_plain(b2g, g),
            manual_plain(b3f, fr)
        );
    }
    let hosted = process(&mut inst, f64::from(sample_rate), &input, &events, &[480]);
    let eq_text = eq
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let rendered = render_with(dir.path(), sample_rate, &input, &csv, |o| RenderOptions {
        eq: Some(eq_text.clone()),
        from: Some("warm".into()),
        to: Some("bright".into()),
        morph: Some(50.0),
        mode: Some(semantic_eq_dsp::Mode::Manual),
        ..o
    });
    assert!(
        bits(&hosted) == bits(&rendered),
        "the hosted manual mode and the render differ from frame {:?}",
        first_difference(&hosted, &rendered)
    );

    // Without automation, the hosted manual EQ is `render --eq` exactly.
    let mut still = instance();
    flush(&mut still, &start);
    let hosted = process(&mut still, f64::from(sample_rate), &input, &[], &[256]);
    let rendered = render_with(
        dir.path(),
        sample_rate,
        &input,
        "sample,amount\n0,100\n",
        |o| RenderOptions {
            eq: Some(eq_text),
            ..o
        },
    );
    assert!(
        bits(&hosted) == bits(&rendered),
        "manual mode != render --eq"
    );
    assert!(hosted != input, "the EQ should change the sound");
}

#[test]
fn an_automated_morph_equals_semantic_eq_render_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let sample_rate = 44_100u32;
    let frames = 66_150;
    let input = pink(frames, 33);
    let mut inst = instance();
    let p = params(&mut inst);
    // Pad mode at the start, then morph mode (warm -> bright, the defaults)
    // from the first sample, the morph automated with k/64 steps
    // (plain −0.5 + k/32, exact in f32 and in decimal).
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut events: Vec<Event> = vec![(0, p["Mode"].0, MORPH)];
    let mut csv = String::from("sample,mode,morph\n");
    let mut at = 0;
    let mut k = 0i32;
    while at < frames {
        k = (k + rng.random_range(0..3)).min(64);
        events.push((at, p["Morph"].0, f64::from(k) / 64.0));
        csv += &format!("{at},1,{}\n", (-0.5 + f64::from(k) / 32.0) * 100.0);
        at += rng.random_range(30..500);
    }
    let hosted = process(&mut inst, f64::from(sample_rate), &input, &events, &[512]);
    let rendered = render_with(dir.path(), sample_rate, &input, &csv, |o| RenderOptions {
        from: Some("warm".into()),
        to: Some("bright".into()),
        morph: Some(50.0),
        mode: Some(semantic_eq_dsp::Mode::Pad),
        ..o
    });
    assert!(
        bits(&hosted) == bits(&rendered),
        "the hosted morph and the render differ"
    );
    assert!(hosted != input);
}

/// The embedded model with some landmarks removed from its metadata.
fn model_without(dir: &Path, drop: &[&str]) -> PathBuf {
    use semantic_eq_model::Decoder;
    use semantic_eq_model::decoder::{META_LANDMARKS, RESERVED_KEYS};
    let d = Decoder::embedded();
    let mut meta = d.metadata().clone();
    meta.retain(|k, _| !RESERVED_KEYS.contains(&k.as_str()));
    let mut marks: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&meta[META_LANDMARKS]).unwrap();
    marks.retain(|k, _| !drop.contains(&k.as_str()));
    meta.insert(
        META_LANDMARKS.into(),
        serde_json::Value::Object(marks).to_string(),
    );
    let path = dir.join("fewer-landmarks.safetensors");
    std::fs::write(&path, d.to_safetensors(&meta).unwrap()).unwrap();
    path
}

/// nice-plug's CLAP state: an 8-byte little-endian length, then JSON with
/// persisted fields under "fields". Sets the "model" field to `path`.
fn with_model_path(state: &[u8], path: &str) -> Vec<u8> {
    with_field(state, "model", &serde_json::to_string(path).unwrap())
}

/// The state with persisted field `key` set to `json` (a field's value is
/// its own JSON text).
fn with_field(state: &[u8], key: &str, json: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&state[8..]).expect("state JSON");
    v["fields"][key] = serde_json::Value::String(json.to_string());
    let body = serde_json::to_vec(&v).unwrap();
    let mut out = (body.len() as u64).to_le_bytes().to_vec();
    out.extend(body);
    out
}

fn save(inst: &mut PluginInstance<host::Host>) -> Vec<u8> {
    let h = inst.plugin_handle();
    let ext: PluginState = h.get_extension().expect("state extension");
    let mut state = Vec::new();
    ext.save(&h, &mut state).expect("save");
    state
}

fn load(inst: &mut PluginInstance<host::Host>, state: &[u8]) {
    let h = inst.plugin_handle();
    let ext: PluginState = h.get_extension().expect("state extension");
    ext.load(&h, &mut Cursor::new(state)).expect("load");
}

#[test]
fn a_landmark_the_model_lacks_sits_at_the_pad_centre() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_without(dir.path(), &["bright"]);
    let input = pink(20_000, 4);
    // Morph warm -> bright at 100 % with a model that has no "bright".
    let mut inst = instance();
    let p = params(&mut inst);
    flush(&mut inst, &[(p["Mode"].0, MORPH), (p["Morph"].0, 0.75)]);
    let state = with_model_path(&save(&mut inst), model.to_str().unwrap());
    let mut morphing = instance();
    load(&mut morphing, &state);
    let morphed = process(&mut morphing, 48_000.0, &input, &[], &[256]);
    // The pad centre with the same model.
    let mut centre = instance();
    let state = with_model_path(&save(&mut centre), model.to_str().unwrap());
    load(&mut centre, &state);
    let at_centre = process(&mut centre, 48_000.0, &input, &[], &[256]);
    assert!(bits(&morphed) == bits(&at_centre));
    // With the shipped model, 100 % is bright, not the centre.
    let mut shipped = instance();
    flush(&mut shipped, &[(p["Mode"].0, MORPH), (p["Morph"].0, 0.75)]);
    let bright = process(&mut shipped, 48_000.0, &input, &[], &[256]);
    assert!(bits(&bright) != bits(&at_centre));
}

#[test]
fn morph_and_manual_settings_survive_a_state_round_trip() {
    let input = pink(30_000, 12);
    for (mode, extra) in [
        // thin -> airy, at 130 %.
        (
            MORPH,
            vec![("Morph from", 7.0), ("Morph to", 2.0), ("Morph", 0.9)],
        ),
        (
            MANUAL,
            vec![
                ("Bell 2 gain", 0.9),
                ("Bell 2 freq", 0.3),
                ("Bell 2 Q", 0.8),
                ("High shelf gain", 0.2),
                ("Low shelf on", 0.0),
            ],
        ),
    ] {
        let mut a = instance();
        let p = params(&mut a);
        let mut set = vec![(p["Mode"].0, mode)];
        set.extend(extra.iter().map(|(n, v)| (p[*n].0, *v)));
        flush(&mut a, &set);
        let state = save(&mut a);
        let mut b = instance();
        load(&mut b, &state);
        let from_a = process(&mut a, 44_100.0, &input, &[], &[256]);
        let from_b = process(&mut b, 44_100.0, &input, &[], &[100]);
        assert!(
            bits(&from_a) == bits(&from_b),
            "mode {mode}: restored differs"
        );
        let fresh = process(&mut instance(), 44_100.0, &input, &[], &[256]);
        assert!(
            bits(&fresh) != bits(&from_a),
            "mode {mode}: the state should matter"
        );
    }
}

/// Set in the child process of
/// [`a_user_word_as_a_morph_end_equals_semantic_eq_render`], whose word
/// library (`SEMANTIC_EQ_WORDS`) only that process sees.
const WORDS_CHILD: &str = "SEMANTIC_EQ_TEST_WORDS_CHILD";

/// A session whose morph ends at one of the user's words plays that word's
/// landmark: the hosted plug-in (its library named by `SEMANTIC_EQ_WORDS`,
/// the word held in the state) equals `semantic-eq render --to WORD --words
/// FILE` bit for bit. On a machine whose library lacks the word, the same
/// session loads and the end sits at the pad centre.
#[test]
fn a_user_word_as_a_morph_end_equals_semantic_eq_render() {
    if std::env::var_os(WORDS_CHILD).is_none() {
        // The library is read from the environment when an instance is
        // made: run this test again in a process of its own that has it,
        // so that no other test's instances see it.
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("words.csv");
        std::fs::copy(
            host::workspace_root().join("assets/words-example.csv"),
            &lib,
        )
        .unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_user_word_as_a_morph_end_equals_semantic_eq_render",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WORDS_CHILD, "1")
            .env("SEMANTIC_EQ_WORDS", &lib)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "the child failed:\n{text}");
        assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
        return;
    }
    use semantic_eq::params::Descriptor;
    let lib = PathBuf::from(std::env::var_os("SEMANTIC_EQ_WORDS").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let input = pink(24_000, 21);
    let slot = Descriptor::user(0).index() as f64;
    // Morph mode at 100 %, to the first user-word slot, holding "crispy".
    let mut inst = instance();
    let p = params(&mut inst);
    flush(
        &mut inst,
        &[
            (p["Mode"].0, MORPH),
            (p["Morph"].0, 0.75),
            (p["Morph to"].0, slot),
        ],
    );
    let session = save(&mut inst);
    let with_word = |w: &str| with_field(&session, "user_words", &format!("[\"{w}\"]"));
    let mut hosted = instance();
    load(&mut hosted, &with_word("crispy"));
    let hosted = process(&mut hosted, 48_000.0, &input, &[], &[256]);
    let rendered = render_with(dir.path(), 48_000, &input, "sample,morph\n0,100\n", |o| {
        RenderOptions {
            from: Some("warm".into()),
            to: Some("crispy".into()),
            morph: Some(100.0),
            mode: Some(semantic_eq_dsp::Mode::Morph),
            words: Some(lib.clone()),
            ..o
        }
    });
    assert!(
        bits(&hosted) == bits(&rendered),
        "the hosted user word and the render differ (first at {:?})",
        first_difference(&hosted, &rendered)
    );
    let mut centre = instance();
    let at_centre = process(&mut centre, 48_000.0, &input, &[], &[256]);
    assert!(bits(&hosted) != bits(&at_centre), "the word should matter");
    // A word this library does not have: the session loads, the end sits
    // at the centre.
    let mut missing = instance();
    load(&mut missing, &with_word("ghost"));
    let missing = process(&mut missing, 48_000.0, &input, &[], &[256]);
    assert!(bits(&missing) == bits(&at_centre));
}
