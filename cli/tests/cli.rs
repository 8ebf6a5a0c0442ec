//! End-to-end tests of `semantic-eq render`: they run the built binary on
//! WAV files generated here and read the results back with hound.

use semantic_eq_dsp::engine::GRID;
use semantic_eq_dsp::{EqEngine, NormTargets};
use semantic_eq_model::{EqParams, NUM_PARAMS, PARAMS, cascade_magnitude_db};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[allow(dead_code)]
#[path = "../../tests/src/wav_files.rs"]
mod wav_files;
use wav_files::{fmt_body, riff};

const EQ_TEXT: &str = "3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
}

/// Runs `semantic-eq` with `args`.
fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    bin().args(args).output().expect("run semantic-eq")
}

/// A flat EQ: the pad's decoded gains at 0 %.
const FLAT: &[&str] = &["--amount", "0"];

fn render(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["render".as_ref(), input.as_ref(), output.as_ref()];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    run(&args)
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Deterministic noise in [-1, 1).
fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = semantic_eq_model::rng::XorShift64::new(seed | 1);
    (0..n)
        .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0)
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    I16,
    I24,
    I32,
    F32,
}

impl Fmt {
    fn spec(self, channels: u16, sample_rate: u32) -> hound::WavSpec {
        let (bits, sample_format) = match self {
            Fmt::I16 => (16, hound::SampleFormat::Int),
            Fmt::I24 => (24, hound::SampleFormat::Int),
            Fmt::I32 => (32, hound::SampleFormat::Int),
            Fmt::F32 => (32, hound::SampleFormat::Float),
        };
        hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: bits,
            sample_format,
        }
    }
}

/// Audio as stored in a file: integers at their own scale, or floats.
#[derive(Clone, Debug, PartialEq)]
enum Samples {
    Int(Vec<i32>),
    Float(Vec<f32>),
}

impl Samples {
    /// Every sample as f64 in the file's full scale (1.0 = full scale).
    fn to_unit(&self, bits: u16) -> Vec<f64> {
        match self {
            Samples::Int(v) => {
                let scale = (1u64 << (bits - 1)) as f64;
                v.iter().map(|&x| x as f64 / scale).collect()
            }
            Samples::Float(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }
}

fn write_wav(path: &Path, spec: hound::WavSpec, samples: &Samples) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    match samples {
        Samples::Int(v) => v.iter().for_each(|&x| w.write_sample(x).unwrap()),
        Samples::Float(v) => v.iter().for_each(|&x| w.write_sample(x).unwrap()),
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> (hound::WavSpec, Samples) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let s = match spec.sample_format {
        hound::SampleFormat::Int => Samples::Int(r.samples::<i32>().map(Result::unwrap).collect()),
        hound::SampleFormat::Float => {
            Samples::Float(r.samples::<f32>().map(Result::unwrap).collect())
        }
    };
    (spec, s)
}

/// Noise at -6 dBFS plus a few full-scale samples, quantised to `fmt`.
fn fixture(fmt: Fmt, len: usize, seed: u64) -> Samples {
    let mut x: Vec<f64> = noise(len, seed).iter().map(|v| v * 0.5).collect();
    for (i, v) in x.iter_mut().enumerate().take(len.min(6)) {
        *v = [1.0, -1.0, 0.999, -0.999, 0.0, 1e-6][i];
    }
    match fmt {
        Fmt::F32 => Samples::Float(x.iter().map(|&v| v as f32).collect()),
        _ => {
            let bits = fmt.spec(1, 1).bits_per_sample;
            let scale = (1u64 << (bits - 1)) as f64;
            let (lo, hi) = (-scale, scale - 1.0);
            Samples::Int(
                x.iter()
                    .map(|&v| (v * scale).round().clamp(lo, hi) as i32)
                    .collect(),
            )
        }
    }
}

fn sine(freq: f64, amp: f64, fs: f64, frames: usize, channels: usize) -> Vec<f32> {
    (0..frames * channels)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq * (i / channels) as f64 / fs).sin()) as f32
        })
        .collect()
}

fn rms(x: &[f64]) -> f64 {
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

// --- round trips -------------------------------------------------------------

#[test]
fn flat_round_trip_of_every_format() {
    let dir = temp();
    for fmt in [Fmt::I16, Fmt::I24, Fmt::I32, Fmt::F32] {
        for channels in [1u16, 2, 6] {
            // Not a multiple of the grid or of an even number of bytes.
            let frames = 4001;
            let spec = fmt.spec(channels, 44_100);
            let input = fixture(fmt, frames * channels as usize, 17 + channels as u64);
            let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
            write_wav(&inp, spec, &input);
            assert_ok(&render(&inp, &outp, FLAT));
            let (out_spec, output) = read_wav(&outp);
            assert_eq!(out_spec, spec, "{fmt:?} {channels}");
            match (&input, &output) {
                (Samples::Float(a), Samples::Float(b)) => {
                    assert_eq!(a.len(), b.len());
                    // Bit-exact, except that the engine's flat cascade is not
                    // an exact identity in f64: an exact 0.0 between loud
                    // samples can come back as ~1e-16 (see
                    // `flat_float_render_is_bit_exact`).
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        assert!(
                            x.to_bits() == y.to_bits() || (*x == 0.0 && y.abs() < 1e-12),
                            "{channels} ch, sample {i}: {x:e} became {y:e}"
                        );
                    }
                }
                (Samples::Int(a), Samples::Int(b)) => {
                    assert_eq!(a.len(), b.len());
                    // The engine works in f32: 24 significant bits. A 32-bit
                    // file keeps its top 24 bits, i.e. it is exact to 2^7 LSB.
                    let tolerance = if fmt == Fmt::I32 { 128 } else { 1 };
                    let worst = a
                        .iter()
                        .zip(b)
                        .map(|(x, y)| (*x as i64 - *y as i64).abs())
                        .max();
                    assert!(
                        worst <= Some(tolerance),
                        "{fmt:?} {channels} ch: worst {worst:?} LSB"
                    );
                }
                _ => panic!("format changed"),
            }
        }
    }
}

/// A flat EQ is a null test: float in, the same bits out (0 dB stages are
/// exact pass-throughs, so even an exact zero between loud samples survives).
#[test]
fn flat_float_render_is_bit_exact() {
    let dir = temp();
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    let x = vec![0.5f32, -0.75, 0.0, 0.0, 0.25, 0.0];
    write_wav(&inp, Fmt::F32.spec(1, 48_000), &Samples::Float(x.clone()));
    assert_ok(&render(&inp, &outp, FLAT));
    let (_, Samples::Float(y)) = read_wav(&outp) else {
        panic!()
    };
    let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&x), bits(&y), "{y:?}");
}

#[test]
fn thirty_two_bit_integer_with_24_significant_bits_is_within_one_lsb() {
    let dir = temp();
    let spec = Fmt::I32.spec(2, 48_000);
    let Samples::Int(v) = fixture(Fmt::I24, 3000, 5) else {
        unreachable!()
    };
    let input = Samples::Int(v.iter().map(|x| x << 8).collect());
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    write_wav(&inp, spec, &input);
    assert_ok(&render(&inp, &outp, FLAT));
    let (_, Samples::Int(out)) = read_wav(&outp) else {
        panic!()
    };
    let Samples::Int(inp_v) = &input else {
        unreachable!()
    };
    for (a, b) in inp_v.iter().zip(&out) {
        assert!((*a as i64 - *b as i64).abs() <= 1, "{a} {b}");
    }
}

#[test]
fn float_flag_writes_float() {
    let dir = temp();
    let spec = Fmt::I16.spec(2, 48_000);
    let input = fixture(Fmt::I16, 2 * 1000, 3);
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    write_wav(&inp, spec, &input);
    assert_ok(&render(&inp, &outp, &["--float", "--amount", "0"]));
    let (out_spec, output) = read_wav(&outp);
    assert_eq!(out_spec, Fmt::F32.spec(2, 48_000));
    let Samples::Float(out) = output else {
        panic!()
    };
    for (a, b) in input.to_unit(16).iter().zip(&out) {
        assert!((a - *b as f64).abs() <= 1e-7, "{a} {b}");
    }
}

#[test]
fn output_headers_follow_the_wav_spec() {
    let dir = temp();
    let cases = [
        (Fmt::I16, 2, 1u16),   // plain PCM
        (Fmt::I16, 6, 0xFFFE), // > 2 channels
        (Fmt::I24, 1, 0xFFFE), // > 16 bits
        (Fmt::F32, 2, 0xFFFE), // > 16 bits
    ];
    for (fmt, channels, tag) in cases {
        let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
        write_wav(
            &inp,
            fmt.spec(channels, 48_000),
            &fixture(fmt, channels as usize * 11, 1),
        );
        assert_ok(&render(&inp, &outp, FLAT));
        let bytes = fs::read(&outp).unwrap();
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
            bytes.len() - 8
        );
        assert_eq!(&bytes[12..16], b"fmt ");
        assert_eq!(
            u16::from_le_bytes([bytes[20], bytes[21]]),
            tag,
            "{fmt:?} {channels}"
        );
        // 24-bit mono with an odd frame count needs the RIFF pad byte.
        assert_eq!(bytes.len() % 2, 0);
    }
}

#[test]
fn reads_unusual_but_valid_layouts() {
    // Plain IEEE float with an 18-byte fmt, an odd-sized chunk and a LIST
    // chunk before the data, and trailing chunks after it.
    let dir = temp();
    let x: Vec<f32> = noise(2 * 777, 9).iter().map(|v| *v as f32).collect();
    let data: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let file = riff(&[
        (b"JUNK", vec![7; 5]),
        (b"fmt ", [fmt_body(3, 2, 96_000, 32), vec![0, 0]].concat()),
        (b"LIST", b"INFOISFT\x04\x00\x00\x00abc\x00".to_vec()),
        (b"fact", 777u32.to_le_bytes().to_vec()),
        (b"data", data),
        (b"LIST", vec![1; 3]),
    ]);
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    fs::write(&inp, &file).unwrap();
    assert_ok(&render(&inp, &outp, FLAT));
    let (spec, Samples::Float(out)) = read_wav(&outp) else {
        panic!()
    };
    assert_eq!((spec.channels, spec.sample_rate), (2, 96_000));
    assert!(x.iter().zip(&out).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert_eq!(out.len(), x.len());
}

#[test]
fn an_empty_file_renders_to_an_empty_file() {
    let dir = temp();
    for (fmt, channels) in [(Fmt::I16, 2), (Fmt::F32, 1), (Fmt::I24, 6)] {
        let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
        write_wav(&inp, fmt.spec(channels, 22_050), &fixture(fmt, 0, 1));
        assert_ok(&render(&inp, &outp, &["--eq", EQ_TEXT]));
        let (spec, out) = read_wav(&outp);
        assert_eq!(spec, fmt.spec(channels, 22_050));
        assert!(out.to_unit(spec.bits_per_sample).is_empty());
    }
}

// --- the EQ is applied ---------------------------------------------------------

/// Renders a float sine and returns the output's gain in dB, measured over
/// whole periods in the second half.
fn sine_gain_db(freq: f64, fs: u32, fmt: Fmt, extra: &[&str]) -> f64 {
    let dir = temp();
    let frames = fs as usize; // 1 s
    let x = sine(freq, 0.25, fs as f64, frames, 1);
    let input = match fmt {
        Fmt::F32 => Samples::Float(x.clone()),
        Fmt::I24 => Samples::Int(
            x.iter()
                .map(|v| (*v as f64 * 8_388_608.0).round() as i32)
                .collect(),
        ),
        _ => unimplemented!(),
    };
    let bits = fmt.spec(1, fs).bits_per_sample;
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    write_wav(&inp, fmt.spec(1, fs), &input);
    assert_ok(&render(&inp, &outp, extra));
    let (_, out) = read_wav(&outp);
    let (y, x) = (out.to_unit(bits), input.to_unit(bits));
    // 0.5 s = a whole number of periods for the probe frequencies used here.
    let half = frames / 2;
    db(rms(&y[half..]) / rms(&x[half..]))
}

#[test]
fn six_db_bell_doubles_a_sine_at_its_centre() {
    let eq = "0,100,0,250,1,6,1000,1,0,4000,1,0,8000";
    let gain = sine_gain_db(1000.0, 48_000, Fmt::F32, &["--eq", eq]);
    let p = EqParams::parse_list(eq).unwrap();
    let want = cascade_magnitude_db(&p, 1000.0, 48_000.0);
    assert!((want - 6.0).abs() < 1e-9, "reference {want}");
    assert!(
        (gain - want).abs() < 0.01,
        "measured {gain} dB, expected {want} dB"
    );
}

/// From 1 kHz (voice, games) to 1.536 MHz, a render follows the analytic
/// response, with the bands above 0.45·fs clamped below Nyquist exactly
/// as the analytic cascade clamps them.
#[test]
fn every_supported_sample_rate_renders_the_analytic_response() {
    // A low-shelf boost, a bell cut and a high-shelf boost at 8 kHz, which
    // the clamp moves to 450 Hz at 1 kHz and to 3.6 kHz at 8 kHz.
    let eq = "6,100,0,250,1,-4,1000,2,0,4000,1,5,8000";
    let p = EqParams::parse_list(eq).unwrap();
    for (fs, probe_hz) in [
        (1_000u32, 40.0),
        (8_000, 1_000.0),
        (16_000, 7_000.0),
        (768_000, 1_000.0),
        (1_536_000, 1_000.0),
    ] {
        let gain = sine_gain_db(probe_hz, fs, Fmt::F32, &["--eq", eq]);
        let want = cascade_magnitude_db(&p, probe_hz, f64::from(fs));
        assert!(
            want.abs() > 0.5,
            "{fs} Hz: the probe should hear the EQ ({want} dB)"
        );
        assert!(
            (gain - want).abs() < 0.01,
            "{fs} Hz: measured {gain} dB at {probe_hz} Hz, expected {want} dB"
        );
    }
}

#[test]
fn amount_and_output_gain_are_applied() {
    // A complex curve at half strength, -3 dB out, 24-bit at 44.1 kHz.
    let p = EqParams::parse_list(EQ_TEXT).unwrap();
    for freq in [100.0, 441.0, 6300.0] {
        let gain = sine_gain_db(
            freq,
            44_100,
            Fmt::I24,
            &["--eq", EQ_TEXT, "--amount", "50", "--out-db", "-3"],
        );
        let want = cascade_magnitude_db(&p.scaled_gains(0.5), freq, 44_100.0) - 3.0;
        assert!(
            (gain - want).abs() < 0.01,
            "{freq} Hz: measured {gain} dB, expected {want} dB"
        );
    }
    // Amount 0 is flat whatever the EQ.
    let gain = sine_gain_db(441.0, 44_100, Fmt::F32, &["--eq", EQ_TEXT, "--amount", "0"]);
    assert!(gain.abs() < 1e-4, "{gain}");
}

#[test]
fn the_eq_applies_from_the_first_sample() {
    // +6 dB output gain: the very first output sample is already doubled.
    let dir = temp();
    let x: Vec<f32> = vec![0.25; 64];
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    write_wav(&inp, Fmt::F32.spec(1, 48_000), &Samples::Float(x));
    assert_ok(&render(
        &inp,
        &outp,
        &["--amount", "0", "--out-db", "6.020599913279624"],
    ));
    let (_, Samples::Float(y)) = read_wav(&outp) else {
        panic!()
    };
    for v in y {
        assert!((v - 0.5).abs() < 1e-6, "{v}");
    }
}

#[test]
fn integer_output_clamps_instead_of_wrapping() {
    let dir = temp();
    let x: Vec<i32> = sine(441.0, 1.0, 44_100.0, 4410, 1)
        .iter()
        .map(|v| (*v as f64 * 32767.0).round() as i32)
        .collect();
    let (inp, outp) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    write_wav(&inp, Fmt::I16.spec(1, 44_100), &Samples::Int(x.clone()));
    assert_ok(&render(&inp, &outp, &["--amount", "0", "--out-db", "12"]));
    let (_, Samples::Int(y)) = read_wav(&outp) else {
        panic!()
    };
    assert_eq!(y.iter().max(), Some(&32767));
    assert_eq!(y.iter().min(), Some(&-32768));
    for (a, b) in x.iter().zip(&y) {
        // Same sign (no wrap-around), and about 4x where that fits.
        assert!(a.signum() == b.signum(), "{a} {b}");
        if a.abs() < 8000 {
            assert!(
                (*b as f64 - 3.98 * *a as f64).abs() < 0.01 * a.abs() as f64 + 2.0,
                "{a} {b}"
            );
        }
    }
}

// --- automation ----------------------------------------------------------------

fn write_text(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn single_row_automation_equals_the_static_render() {
    let dir = temp();
    let x: Vec<f32> = noise(2 * 50_000, 11)
        .iter()
        .map(|v| (*v * 0.5) as f32)
        .collect();
    let inp = dir.path().join("in.wav");
    write_wav(&inp, Fmt::F32.spec(2, 48_000), &Samples::Float(x));

    let stat = dir.path().join("static.wav");
    assert_ok(&render(
        &inp,
        &stat,
        &["--eq", EQ_TEXT, "--amount", "70", "--out-db", "-2.5"],
    ));

    // Every control automated, one row (held over the whole file).
    let names: Vec<&str> = PARAMS.iter().map(|p| p.name).collect();
    let csv = format!(
        "time_s,{},amount,out_db\n0.3,{EQ_TEXT},70,-2.5\n",
        names.join(",")
    );
    let auto = write_text(dir.path(), "all.csv", &csv);
    let out_all = dir.path().join("all.wav");
    assert_ok(&render(
        &inp,
        &out_all,
        &["--automation", auto.to_str().unwrap()],
    ));

    // One control automated, the rest static.
    let auto = write_text(dir.path(), "amount.csv", "time_s,amount\n0,70\n");
    let out_one = dir.path().join("one.wav");
    assert_ok(&render(
        &inp,
        &out_one,
        &[
            "--eq",
            EQ_TEXT,
            "--amount",
            "10",
            "--out-db",
            "-2.5",
            "--automation",
            auto.to_str().unwrap(),
        ],
    ));

    let want = fs::read(&stat).unwrap();
    assert!(
        fs::read(&out_all).unwrap() == want,
        "all-controls automation differs"
    );
    assert!(
        fs::read(&out_one).unwrap() == want,
        "amount automation differs"
    );
    // And the EQ did something.
    assert!(fs::read(&inp).unwrap()[80..] != want[80..]);
}

#[test]
fn automation_ramps_change_the_output_over_time() {
    let dir = temp();
    let fs_hz = 48_000.0;
    let x = sine(1000.0, 0.25, fs_hz, 96_000, 1);
    let inp = dir.path().join("in.wav");
    write_wav(&inp, Fmt::F32.spec(1, 48_000), &Samples::Float(x.clone()));
    // b2 (1 kHz bell) from 0 dB at 0.5 s up to 12 dB at 1.5 s.
    let auto = write_text(dir.path(), "ramp.csv", "time_s,b2_gain_db\n0.5,0\n1.5,12\n");
    let outp = dir.path().join("out.wav");
    assert_ok(&render(
        &inp,
        &outp,
        &["--automation", auto.to_str().unwrap()],
    ));
    let (_, Samples::Float(y)) = read_wav(&outp) else {
        panic!()
    };

    // Gain in 10 ms windows (10 periods) against the static response at the
    // automation's value in the middle of the window.
    let window = 480;
    let mut last = f64::NEG_INFINITY;
    for k in 0..200 {
        let start = k * window;
        let t_mid = (start + window / 2) as f64 / fs_hz;
        let xs: Vec<f64> = x[start..start + window].iter().map(|v| *v as f64).collect();
        let ys: Vec<f64> = y[start..start + window].iter().map(|v| *v as f64).collect();
        let gain = db(rms(&ys) / rms(&xs));
        let b2 = ((t_mid - 0.5) * 12.0).clamp(0.0, 12.0);
        let p = EqParams {
            b2_gain_db: b2,
            ..EqParams::default()
        };
        let want = cascade_magnitude_db(&p, 1000.0, fs_hz);
        assert!(
            (gain - want).abs() < 0.1,
            "t = {t_mid}: {gain} dB, expected {want} dB"
        );
        assert!(gain > last - 1e-3, "gain went down at t = {t_mid}");
        last = gain;
    }
}

#[test]
fn automation_drives_the_engine_on_the_grid() {
    // The documented protocol (the plug-in will follow it too): reset at the
    // time-0 values, then before each grid segment [g, g + GRID) aim for the
    // values at g + GRID, arriving GRID samples later. Longer than one of
    // the renderer's internal blocks, with a ragged end.
    let dir = temp();
    let fs_hz = 44_100.0;
    let frames = 150_001;
    let x: Vec<f32> = noise(2 * frames, 23)
        .iter()
        .map(|v| (*v * 0.5) as f32)
        .collect();
    let inp = dir.path().join("in.wav");
    write_wav(&inp, Fmt::F32.spec(2, 44_100), &Samples::Float(x.clone()));
    let csv = "time_s,hs_gain_db,b1_freq_hz,amount\n0,-6,100,100\n1.1,6,3000,150\n2,0,200,50\n3,12,300,200\n";
    let auto = write_text(dir.path(), "a.csv", csv);
    let outp = dir.path().join("out.wav");
    assert_ok(&render(
        &inp,
        &outp,
        &["--eq", EQ_TEXT, "--automation", auto.to_str().unwrap()],
    ));
    let (_, Samples::Float(y)) = read_wav(&outp) else {
        panic!()
    };

    // Expected: the same protocol with values interpolated here, in the
    // engine's units: dB and percent linearly, frequency on a log scale.
    let rows = [
        (0.0, -6.0, 100.0, 100.0),
        (1.1, 6.0, 3000.0, 150.0),
        (2.0, 0.0, 200.0, 50.0),
        (3.0, 12.0, 300.0, 200.0),
    ];
    let base = EqParams::parse_list(EQ_TEXT).unwrap().to_normalized();
    let (hs, f1) = (
        EqParams::index_of("hs_gain_db").unwrap(),
        EqParams::index_of("b1_freq_hz").unwrap(),
    );
    let unit = |r: (f64, f64, f64, f64)| {
        (
            r.0,
            PARAMS[hs].normalize(r.1),
            PARAMS[f1].normalize(r.2),
            r.3 / 100.0,
        )
    };
    let targets_at = |pos: usize| {
        let t = pos as f64 / fs_hz;
        let i = rows.iter().rposition(|r| r.0 <= t).unwrap();
        let (h, f, amount) = if i + 1 == rows.len() {
            let a = unit(rows[i]);
            (a.1, a.2, a.3)
        } else {
            let (a, b) = (unit(rows[i]), unit(rows[i + 1]));
            let u = (t - a.0) / (b.0 - a.0);
            (
                a.1 + (b.1 - a.1) * u,
                a.2 + (b.2 - a.2) * u,
                a.3 + (b.3 - a.3) * u,
            )
        };
        let mut eq = base;
        eq[hs] = h;
        eq[f1] = f;
        NormTargets {
            eq,
            amount,
            output_db: 0.0,
        }
    };
    let mut engine = EqEngine::new(fs_hz, 2).unwrap();
    engine.set_norm_targets_ramped(&targets_at(0), 0);
    engine.reset();
    let mut want = x.clone();
    for (k, seg) in want.chunks_mut(2 * GRID).enumerate() {
        engine.set_norm_targets_ramped(&targets_at((k + 1) * GRID), GRID as u64);
        engine.process_interleaved(seg);
    }
    let mut differ = 0;
    for (a, b) in want.iter().zip(&y) {
        differ += (a.to_bits() != b.to_bits()) as usize;
    }
    assert_eq!(differ, 0, "{differ} samples differ from the grid protocol");
    assert_eq!(y.len(), want.len());
}

// --- errors ------------------------------------------------------------------

/// Runs a render that must fail and checks the failure is clean: non-zero
/// exit, one `error:` line mentioning `expect`, the directory unchanged
/// (no output, no temporary file) and the input untouched.
fn assert_fails(dir: &Path, args: &[&std::ffi::OsStr], expect: &str) {
    let listing = |d: &Path| {
        let mut v: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(d)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let bytes = fs::read(&p).unwrap_or_default();
                (p, bytes)
            })
            .collect();
        v.sort();
        v
    };
    let before = listing(dir);
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.status.code().is_some(), "{args:?} died by a signal");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&expect.to_lowercase()),
        "{args:?}: {stderr} does not mention '{expect}'"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(before, listing(dir), "{args:?} changed the directory");
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn bad_inputs_fail_cleanly() {
    let dir = temp();
    let d = dir.path();
    let good = d.join("good.wav");
    write_wav(
        &good,
        Fmt::I16.spec(2, 44_100),
        &fixture(Fmt::I16, 2 * 3000, 2),
    );
    let out = d.join("out.wav");

    let mut files: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    let mut truncated = fs::read(&good).unwrap();
    truncated.truncate(truncated.len() - 101);
    files.push(("truncated.wav", truncated, "truncated"));
    files.push((
        "text.wav",
        b"this is not audio at all\n".to_vec(),
        "not a WAV",
    ));
    files.push(("empty.wav", Vec::new(), "not a WAV"));
    files.push((
        "header-only.wav",
        fs::read(&good).unwrap()[..30].to_vec(),
        "truncated",
    ));
    let d8 = vec![0u8; 100];
    files.push((
        "8bit.wav",
        riff(&[(b"fmt ", fmt_body(1, 1, 44_100, 8)), (b"data", d8.clone())]),
        "8-bit",
    ));
    files.push((
        "f64.wav",
        riff(&[
            (b"fmt ", [fmt_body(3, 1, 44_100, 64), vec![0, 0]].concat()),
            (b"data", d8.clone()),
        ]),
        "64-bit float",
    ));
    files.push((
        "alaw.wav",
        riff(&[
            (b"fmt ", [fmt_body(6, 1, 44_100, 8), vec![0, 0]].concat()),
            (b"data", d8.clone()),
        ]),
        "a-law",
    ));
    files.push((
        "ch0.wav",
        riff(&[(b"fmt ", fmt_body(1, 0, 44_100, 16)), (b"data", d8.clone())]),
        "0 channels",
    ));
    files.push((
        "ch9.wav",
        riff(&[
            (b"fmt ", fmt_body(1, 9, 44_100, 16)),
            (b"data", vec![0; 18 * 4]),
        ]),
        "9 channels",
    ));
    files.push((
        "500hz.wav",
        riff(&[(b"fmt ", fmt_body(1, 1, 500, 16)), (b"data", d8.clone())]),
        "500 Hz",
    ));
    files.push((
        "nodata.wav",
        riff(&[(b"fmt ", fmt_body(1, 1, 44_100, 16))]),
        "no data chunk",
    ));
    files.push((
        "rifx.wav",
        {
            let mut f = riff(&[(b"fmt ", fmt_body(1, 1, 44_100, 16)), (b"data", d8.clone())]);
            f[3] = b'X';
            f
        },
        "RIFX",
    ));
    for (name, bytes, expect) in &files {
        let p = d.join(name);
        fs::write(&p, bytes).unwrap();
        assert_fails(d, &[os("render"), p.as_os_str(), out.as_os_str()], expect);
    }
    assert_fails(
        d,
        &[
            os("render"),
            d.join("missing.wav").as_os_str(),
            out.as_os_str(),
        ],
        "No such file",
    );
    assert_fails(
        d,
        &[os("render"), d.as_os_str(), out.as_os_str()],
        "not a regular file",
    );

    let render_with = |extra: &[&str], expect: &str| {
        let mut args = vec![os("render"), good.as_os_str(), out.as_os_str()];
        args.extend(extra.iter().map(|s| os(s)));
        assert_fails(d, &args, expect);
    };
    render_with(&["--eq", "1,2,3"], "expected 13");
    render_with(
        &["--eq", "0,10,0,400,0.7,0,1500,2,0,6000,3,0,9000"],
        "ls_freq_hz",
    );
    render_with(
        &["--eq", "0,100,0,400,0.7,0,1500,2,0,6000,3,0,x"],
        "'x' is not a number",
    );
    render_with(
        &["--eq", "0,100,0,400,0.7,0,1500,2,0,6000,3,0,nan"],
        "hs_freq_hz",
    );
    render_with(
        &["--eq", "-13,100,0,400,0.7,0,1500,2,0,6000,3,0,9000"],
        "ls_gain_db",
    );
    render_with(&["--amount", "250"], "--amount");
    render_with(&["--amount", "-1"], "--amount");
    render_with(&["--amount", "inf"], "--amount");
    render_with(&["--out-db", "30"], "--out-db");
    render_with(&["--amount", "lots"], "--amount");
    render_with(&["--bogus"], "--bogus");

    for (csv, expect) in [
        ("time_s,loudness\n0,1\n", "line 1: unknown name 'loudness'"),
        (
            "time_s,amount,amount\n0,1,1\n",
            "line 1: 'amount' appears more than once",
        ),
        (
            "time_s,amount\n0,50\n1,60\n1,70\n",
            "line 4: time 1 is not greater",
        ),
        ("time_s,amount\n0,50\n1\n", "line 3: expected 2"),
        ("time_s,b2_q\n0,20\n", "line 2: b2_q = 20 is outside"),
        (
            "time_s,out_db\n0,nan\n",
            "line 2: out_db: NaN is not a finite",
        ),
        ("time_s,out_db\n-1,0\n", "line 2: time_s -1 is negative"),
        ("", "line 1: the file is empty"),
    ] {
        let p = write_text(d, "auto.csv", csv);
        render_with(&["--automation", p.to_str().unwrap()], expect);
    }
    render_with(
        &["--automation", d.join("nope.csv").to_str().unwrap()],
        "cannot read automation file",
    );

    // Output somewhere it cannot go.
    assert_fails(
        d,
        &[
            os("render"),
            good.as_os_str(),
            d.join("no/such/dir/out.wav").as_os_str(),
        ],
        "cannot create the output",
    );
    assert_fails(
        d,
        &[os("render"), good.as_os_str(), d.as_os_str()],
        "is a directory",
    );
}

// Symbolic links need privileges on Windows; the links are the point here.
#[cfg(unix)]
#[test]
fn refuses_to_overwrite_its_input() {
    let dir = temp();
    let d = dir.path();
    let input = d.join("in.wav");
    write_wav(
        &input,
        Fmt::F32.spec(1, 48_000),
        &fixture(Fmt::F32, 1000, 4),
    );
    let sub = d.join("sub");
    fs::create_dir(&sub).unwrap();
    let symlink = d.join("link.wav");
    std::os::unix::fs::symlink(&input, &symlink).unwrap();
    let hardlink = d.join("hard.wav");
    fs::hard_link(&input, &hardlink).unwrap();
    let dir_link = d.join("dirlink");
    std::os::unix::fs::symlink(d, &dir_link).unwrap();

    for output in [
        input.clone(),
        sub.join("../in.wav"),
        symlink.clone(),
        hardlink.clone(),
        dir_link.join("in.wav"),
    ] {
        assert_fails(
            d,
            &[
                os("render"),
                input.as_os_str(),
                output.as_os_str(),
                os("--eq"),
                os(EQ_TEXT),
            ],
            "refusing to overwrite the input",
        );
    }
    // Also when the input is named through the link.
    assert_fails(
        d,
        &[os("render"), symlink.as_os_str(), input.as_os_str()],
        "refusing to overwrite the input",
    );
}

#[test]
fn overwrites_an_existing_output_atomically() {
    let dir = temp();
    let d = dir.path();
    let (inp, outp) = (d.join("in.wav"), d.join("out.wav"));
    write_wav(&inp, Fmt::I16.spec(1, 48_000), &fixture(Fmt::I16, 500, 8));
    fs::write(&outp, b"old").unwrap();
    assert_ok(&render(&inp, &outp, &["--quiet"]));
    let (spec, _) = read_wav(&outp);
    assert_eq!(spec.channels, 1);
    let names: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A failed render leaves the old output alone.
    fs::write(d.join("bad.wav"), b"nope").unwrap();
    let out = render(&d.join("bad.wav"), &outp, &[]);
    assert!(!out.status.success());
    assert_eq!(read_wav(&outp).0.channels, 1);
}

#[test]
fn usage_errors_are_one_line_and_help_works() {
    let out = run(&["render"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");

    let help = run(&["render", "--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for word in [
        "--eq",
        "--amount",
        "--out-db",
        "--automation",
        "--float",
        "--quiet",
        "time_s",
    ] {
        assert!(text.contains(word), "help lacks {word}");
    }
    // The help lists the parameters in SAFE order.
    let mut last = 0;
    for p in &PARAMS {
        let at = text
            .find(p.name)
            .unwrap_or_else(|| panic!("help lacks {}", p.name));
        assert!(at >= last, "{} out of order", p.name);
        last = at;
    }
    assert_eq!(PARAMS.len(), NUM_PARAMS);
}

/// SIGINT and SIGTERM in the middle of a long render: non-zero exit, one
/// line on stderr, nothing left in the output directory (not even the
/// temporary file), input untouched.
#[test]
fn signals_mid_render_leave_nothing_behind() {
    let dir = temp();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let inp = dir.path().join("long.wav");
    // 60 s of stereo float: long enough to be caught mid-render.
    let n: u64 = 60 * 48_000 * 2;
    let x: Vec<f32> = (0..n)
        .map(|i| ((i * 7919 % 4001) as f32 / 2000.0 - 1.0) * 0.25)
        .collect();
    write_wav(&inp, Fmt::F32.spec(2, 48_000), &Samples::Float(x));
    let before = fs::read(&inp).unwrap();
    for signal in ["-INT", "-TERM"] {
        let outp = out_dir.join("out.wav");
        let child = Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
            .args(["render", "--quiet", "--eq", EQ_TEXT])
            .arg(&inp)
            .arg(&outp)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the render is under way (its temporary file exists).
        let t0 = std::time::Instant::now();
        while fs::read_dir(&out_dir).unwrap().next().is_none() {
            assert!(t0.elapsed().as_secs() < 20, "the render never started");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let killed = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            // The render won the race; then the output must be complete.
            assert!(outp.exists());
            fs::remove_file(&outp).unwrap();
            continue;
        }
        assert_eq!(stderr.lines().count(), 1, "{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "{signal}: {stderr}");
        let left: Vec<_> = fs::read_dir(&out_dir).unwrap().collect();
        assert!(left.is_empty(), "{signal}: left behind {left:?}");
    }
    assert_eq!(fs::read(&inp).unwrap(), before);
}

#[test]
fn morphing_between_landmarks_reaches_each_end_exactly() {
    let dir = temp();
    let x: Vec<f32> = noise(2 * 20_000, 41)
        .iter()
        .map(|v| (*v * 0.5) as f32)
        .collect();
    let inp = dir.path().join("in.wav");
    write_wav(&inp, Fmt::F32.spec(2, 48_000), &Samples::Float(x));
    let out = |name: &str, args: &[&str]| {
        let p = dir.path().join(name);
        assert_ok(&render(&inp, &p, args));
        fs::read(p).unwrap()
    };
    let bright_end = out(
        "a.wav",
        &["--from", "warm", "--to", "bright", "--morph", "100"],
    );
    let bright_start = out(
        "b.wav",
        &["--from", "Bright", "--to", "warm", "--morph", "0"],
    );
    let warm = out("c.wav", &["--from", "warm", "--to", "bright"]);
    let beyond = out(
        "d.wav",
        &["--from", "warm", "--to", "bright", "--morph", "-50"],
    );
    assert!(bright_end == bright_start, "both are the bright landmark");
    assert!(warm != bright_end && beyond != warm);
    for (args, expect) in [
        (
            &["--from", "warm", "--to", "shiny"][..],
            "no landmark 'shiny'",
        ),
        (&["--from", "warm"][..], "--from and --to go together"),
        (&["--morph", "20"][..], "morphing needs --from and --to"),
        (
            &["--from", "warm", "--to", "bright", "--morph", "151"][..],
            "--morph 151 is outside",
        ),
    ] {
        let o = render(&inp, &dir.path().join("bad.wav"), args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && stderr.contains(expect),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
