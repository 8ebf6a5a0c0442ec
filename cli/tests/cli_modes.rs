//! `semantic-eq render` with the modes: `--mode`, `--bands-off`, and the
//! `mode` and band-switch automation names.

use semantic_eq_model::rng::XorShift32;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const EQ_TEXT: &str = "3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000";
const FS: u32 = 48_000;

fn render(input: &Path, output: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
        .arg("render")
        .arg(input)
        .arg(output)
        .args(extra)
        .output()
        .expect("run semantic-eq")
}

/// Stereo float noise, deterministic.
fn noise_wav(path: &Path, frames: usize) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: FS,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut rng = XorShift32::new(0x9E37_79B9);
    for _ in 0..frames * 2 {
        w.write_sample((rng.next_unit_f32() - 0.5) * 0.5).unwrap();
    }
    w.finalize().unwrap();
}

fn samples(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

/// Renders with `args` and returns the samples; the render must succeed
/// silently.
fn ok(dir: &Path, input: &Path, name: &str, args: &[&str]) -> Vec<f32> {
    let out = dir.join(name);
    let o = render(input, &out, args);
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    samples(&out)
}

#[test]
fn a_band_switched_off_is_that_band_at_0_db() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.wav");
    noise_wav(&inp, 30_000);
    let off = ok(
        dir.path(),
        &inp,
        "off.wav",
        &["--eq", EQ_TEXT, "--bands-off", "b2,hs"],
    );
    // Bell 2's and the high shelf's gains (fields 6 and 12) set to 0.
    let zeroed = "3,120,-2,400,0.7,0,1500,2,-4,6000,3,0,9000";
    let flat = ok(dir.path(), &inp, "zero.wav", &["--eq", zeroed]);
    assert!(off == flat, "switched-off bands must be exactly 0 dB bands");
    let all_on = ok(dir.path(), &inp, "on.wav", &["--eq", EQ_TEXT]);
    assert!(off != all_on);
}

#[test]
fn mode_picks_what_plays() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.wav");
    noise_wav(&inp, 20_000);
    let manual = ok(dir.path(), &inp, "m.wav", &["--eq", EQ_TEXT]);
    let morph_args = ["--from", "warm", "--to", "bright", "--morph", "30"];
    let morph = ok(dir.path(), &inp, "l.wav", &morph_args);
    let both = |mode: &str| {
        let mut a = vec!["--eq", EQ_TEXT, "--mode", mode];
        a.extend(morph_args);
        ok(dir.path(), &inp, &format!("{mode}.wav"), &a)
    };
    assert!(both("manual") == manual, "--mode manual plays the --eq EQ");
    assert!(both("morph") == morph, "--mode morph plays the morph");
    let pad = ok(dir.path(), &inp, "p.wav", &[]);
    assert!(both("pad") == pad, "--mode pad plays the pad");
    assert!(manual != morph && morph != pad && pad != manual);
}

#[test]
fn an_automated_mode_switch_ends_in_the_new_mode() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.wav");
    let frames = 96_000;
    noise_wav(&inp, frames);
    let csv = dir.path().join("mode.csv");
    // Pad for 0.5 s, then manual; b1 switched off at 1.0 s.
    fs::write(&csv, "time_s,mode,b1_on\n0,0,1\n0.5,2,1\n1.0,2,0\n").unwrap();
    let switched = ok(
        dir.path(),
        &inp,
        "s.wav",
        &["--eq", EQ_TEXT, "--automation", csv.to_str().unwrap()],
    );
    let pad = ok(dir.path(), &inp, "p.wav", &["--mode", "pad"]);
    let manual_b1_off = ok(
        dir.path(),
        &inp,
        "m.wav",
        &["--eq", EQ_TEXT, "--bands-off", "b1"],
    );
    // Before the switch, exactly the pad.
    let switch = FS as usize / 2 * 2;
    assert!(switched[..switch] == pad[..switch]);
    // From 0.5 s after the last switch on (the filters' memory of the
    // crossfades has decayed), the manual EQ with bell 1 off, to -120 dBFS.
    let tail = FS as usize * 3 / 2 * 2;
    let worst = switched[tail..]
        .iter()
        .zip(&manual_b1_off[tail..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "tail differs by {worst}");
    assert!(switched[switch..switch + 4800] != manual_b1_off[switch..switch + 4800]);
}

#[test]
fn mode_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.wav");
    noise_wav(&inp, 1000);
    let auto = |name: &str, text: &str| {
        let p = dir.path().join(name);
        fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let half = auto("half.csv", "sample,mode\n0,1.5\n");
    let to_morph = auto("morph.csv", "sample,mode\n0,0\n100,1\n");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--eq", EQ_TEXT, "--from", "warm", "--to", "bright"],
            "say which plays with --mode",
        ),
        (vec!["--mode", "morph"], "morph mode needs --from and --to"),
        (
            vec!["--automation", &half],
            "mode = 1.5 is not 0 (pad), 1 (morph) or 2 (manual)",
        ),
        (
            vec!["--automation", &to_morph],
            "morph mode needs --from and --to",
        ),
        (vec!["--bands-off", "b4"], "unknown band 'b4'"),
        (vec!["--mode", "loud"], "invalid value 'loud'"),
    ];
    for (args, expect) in cases {
        let out = dir.path().join("bad.wav");
        let o = render(&inp, &out, &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} left an output");
        if !expect.starts_with("invalid value") {
            assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        }
    }
}
