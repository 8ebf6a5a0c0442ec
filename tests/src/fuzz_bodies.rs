//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz), as ordinary
//! functions of the input bytes.
//!
//! Each function feeds arbitrary bytes to one of Semantic EQ's entry points
//! for untrusted input and panics (so the fuzzer reports a crash) if the
//! result breaks a promise: a panic inside the code under test, a NaN or an
//! infinity in the output, an output outside what the design allows, a
//! loaded model that decodes outside `[0, 1]`, a file that does not read
//! back as written, or audio that does not come back out. The same functions
//! run under `cargo test` (`tests/tests/fuzz_corpus.rs` replays every
//! committed corpus file through them), so CI checks the corpus without
//! cargo-fuzz or a nightly compiler. `fuzz/src/lib.rs` includes this file
//! by path, so the fuzz crate does not pull in the test crate's
//! dependencies.
//!
//! | target | entry point |
//! |---|---|
//! | [`model_loader`] | `semantic_eq_model::Decoder::from_safetensors` |
//! | [`safe_csv`] | `semantic_eq_model::safe::{parse_csv, read_rows, parse_safe}` |
//! | [`automation_csv`] | `semantic_eq_cli::automation::parse` |
//! | [`wav_input`] | `semantic_eq_cli::wav::read_header` + the render's streaming |
//! | [`engine`] | `semantic_eq_dsp::Processor`, driven by a byte program |

use semantic_eq_cli::automation::{self, Timing};
use semantic_eq_cli::controls::{CONTROL_COUNT, CONTROLS};
use semantic_eq_cli::pipeline;
use semantic_eq_cli::wav::{self, WavFormat};
use semantic_eq_dsp::engine::{AMOUNT_RANGE, INPUT_LIMIT, MAX_CHANNELS, OUTPUT_STAGE_DB_RANGE};
use semantic_eq_dsp::processor::CHUNK;
use semantic_eq_dsp::{Control, Kernel, Mode, Processor, Settings};
use semantic_eq_model::decoder::{MAX_GAIN_DB, RESERVED_KEYS};
use semantic_eq_model::rng::XorShift32;
use semantic_eq_model::safe::{self, Descriptor};
use semantic_eq_model::{BAND_COUNT, Decoder, NUM_PARAMS, band_coeffs};
use std::collections::{BTreeMap, HashSet};
use std::io::Cursor;
use std::sync::OnceLock;

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target by name, as the fuzz crate's targets and the corpus
/// directories (`fuzz/corpus/<name>`, `fuzz/seeds/<name>`) are named.
pub const TARGETS: [(&str, Body); 5] = [
    ("model_loader", model_loader),
    ("safe_csv", safe_csv),
    ("automation_csv", automation_csv),
    ("wav_input", wav_input),
    ("engine", engine),
];

/// The shipped decoder, parsed once per process.
fn embedded() -> &'static Decoder {
    static DECODER: OnceLock<Decoder> = OnceLock::new();
    DECODER.get_or_init(Decoder::embedded)
}

// ---------------------------------------------------------------------------
// Output bounds
// ---------------------------------------------------------------------------

/// Allowance for the cascade's transient overshoot over its steady-state
/// peak gain. The peak-to-peak gain of a filter is the L1 norm of its
/// impulse response; for one resonant biquad that is about 4/π times its
/// peak magnitude, so (4/π)⁵ ≈ 3.3 for the five bands, and coefficients
/// that move per sample can add a little on top. 100 leaves a wide margin
/// while still catching any instability, which grows without bound.
pub const OVERSHOOT: f64 = 100.0;

/// The largest |output| the design allows for any input, with amounts up to
/// `amount` and output-stage gains up to `out_db`:
/// inputs are clipped at ±[`INPUT_LIMIT`] (10⁶; mix and bypass blend the
/// same clipped input back in), each of the [`BAND_COUNT`] bands adds at
/// most [`MAX_GAIN_DB`]·amount dB, the output stage adds `out_db`, and
/// [`OVERSHOOT`] covers transients.
pub fn output_bound(amount: f64, out_db: f64) -> f64 {
    let eq_db = BAND_COUNT as f64 * f64::from(MAX_GAIN_DB) * amount;
    INPUT_LIMIT * 10f64.powf((eq_db + out_db) / 20.0) * OVERSHOOT
}

/// [`output_bound`] for anything the controls can reach: amount 200 % and
/// the output stage's +84 dB (+24 dB output gain, +60 dB auto-gain), i.e.
/// 10⁶ · 10⁶ · 1.6·10⁴ · 100 ≈ 1.6·10¹⁸, far inside f32.
pub fn engine_bound() -> f64 {
    output_bound(AMOUNT_RANGE.1, OUTPUT_STAGE_DB_RANGE.1)
}

/// Panics unless every sample is finite and within `bound`.
fn check_audio(what: &str, samples: &[f32], bound: f64) {
    if let Some((i, v)) = samples
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && f64::from(v.abs()) <= bound))
    {
        panic!("{what}: sample {i} is {v:e}, outside ±{bound:e} or not finite");
    }
}

/// Largest |sample|.
fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

// ---------------------------------------------------------------------------
// A byte reader that never fails: past the end it yields zeros.
// ---------------------------------------------------------------------------

struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for o in &mut out {
            *o = self.data.get(self.pos).copied().unwrap_or(0);
            self.pos += 1;
        }
        out
    }

    fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.array())
    }

    /// One of `n` choices.
    fn pick(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n
    }

    /// A value that is often hostile: NaN, ±∞, huge, tiny, exact range
    /// edges, or arbitrary bits.
    fn value(&mut self) -> f64 {
        match self.pick(16) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 1e300,
            4 => -1e300,
            5 => 0.0,
            6 => 1.0,
            7 => -1.0,
            8 => 0.5,
            9 => 2.0,
            10 => f64::MIN_POSITIVE,
            11 => -0.0,
            12 => self.f64(),
            13 => f64::from(self.u8()) / 255.0 * 4.0 - 2.0,
            14 => f64::from(self.u16()) - 32_768.0,
            _ => f64::from(self.u8()) / 255.0,
        }
    }
}

// ---------------------------------------------------------------------------
// 1. The model file loader
// ---------------------------------------------------------------------------

/// Latents a loaded model is decoded at: the pad, its corners, the box and
/// beyond, and non-finite values.
const LATENTS: [(f32, f32); 12] = [
    (0.0, 0.0),
    (-1.0, -1.0),
    (1.0, 1.0),
    (-1.0, 1.0),
    (2.0, -2.0),
    (f32::NAN, 0.5),
    (0.25, f32::NAN),
    (f32::INFINITY, f32::NEG_INFINITY),
    (f32::NEG_INFINITY, f32::INFINITY),
    (1e30, -1e30),
    (f32::MAX, f32::MIN_POSITIVE),
    (-0.0, 1e-40),
];

/// `Decoder::from_safetensors` on arbitrary bytes: an error or a decoder;
/// a decoder decodes every latent (NaN and ±∞ included) to finite values in
/// `[0, 1]` and a valid EQ, has finite landmarks, exports a file that loads
/// back to the same weights, and plays finite audio in a [`Processor`].
pub fn model_loader(data: &[u8]) {
    let decoder = match Decoder::from_safetensors(data) {
        Ok(d) => d,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for &(x, y) in &LATENTS {
        let eq = decoder.decode(x, y);
        assert!(
            eq.normalized
                .iter()
                .all(|u| u.is_finite() && (0.0..=1.0).contains(u)),
            "decode({x}, {y}) = {:?} is outside [0, 1]",
            eq.normalized
        );
        assert!(
            eq.params.validate().is_ok(),
            "decode({x}, {y}) is not a valid EQ: {:?}",
            eq.params
        );
    }
    let marks = decoder.landmarks();
    for m in &marks {
        assert!(m.x.is_finite() && m.y.is_finite(), "landmark {m:?}");
    }
    assert!(marks.windows(2).all(|w| w[0].name <= w[1].name));

    // What `train` writes must read back: export with the file's own
    // non-reserved metadata and reload.
    let extra: BTreeMap<String, String> = decoder
        .metadata()
        .iter()
        .filter(|(k, _)| !RESERVED_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let bytes = decoder
        .to_safetensors(&extra)
        .expect("non-reserved metadata exports");
    let again = Decoder::from_safetensors(&bytes).expect("an exported decoder loads");
    assert_eq!(again.arch(), decoder.arch());
    assert_eq!(again.layers(), decoder.layers());
    assert_eq!(again.landmarks(), marks);
    for (k, v) in &extra {
        assert_eq!(again.metadata().get(k), Some(v), "metadata '{k}'");
    }
    for &(x, y) in &LATENTS[..4] {
        assert_eq!(
            again.decode(x, y).normalized.map(f32::to_bits),
            decoder.decode(x, y).normalized.map(f32::to_bits)
        );
    }

    // Any loadable model is safe to play: pad corners, full amount.
    let settings = Settings {
        sample_rate: 48_000.0,
        channels: 2,
        kernel: Kernel::detect(),
    };
    let mut p = Processor::new(&settings, Box::new(decoder)).expect("valid settings");
    p.set(Control::Amount, 2.0);
    // xorshift32, for noise that costs no input bytes.
    let mut rng = XorShift32::new(0x1234_5678);
    let mut buf = vec![0.0f32; 2 * 256];
    let mut scratch = vec![0.0f32; 2 * CHUNK];
    for (x, y) in [(-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
        p.set(Control::X, x);
        p.set(Control::Y, y);
        for v in &mut buf {
            *v = rng.next_unit_f32() * 2.0 - 1.0;
        }
        p.process_interleaved(&mut buf, &mut scratch);
        check_audio("model in a processor", &buf, output_bound(2.0, 0.0));
    }
}

// ---------------------------------------------------------------------------
// 2. The SAFE CSV loader
// ---------------------------------------------------------------------------

/// The SAFE loader on arbitrary bytes: every accepted row is valid and
/// finite, ids are unique, every record is accounted for, messages are one
/// line, and the split and counts built on the rows are consistent.
pub fn safe_csv(data: &[u8]) {
    let records = safe::parse_csv(data);
    assert!(
        records.windows(2).all(|w| w[0].line < w[1].line),
        "record lines are not increasing"
    );
    assert!(records.first().is_none_or(|r| r.line >= 1));

    let report = safe::read_rows(data);
    assert_eq!(report.records(), records.len(), "records lost or invented");
    let mut ids = HashSet::new();
    for row in &report.rows {
        let values = row.params.to_array();
        assert!(values.iter().all(|v| v.is_finite()), "row {row:?}");
        assert!(row.params.validate().is_ok(), "row {row:?}");
        assert!(ids.insert(row.entry_id), "duplicate id {}", row.entry_id);
        assert_eq!(row.descriptor, Descriptor::from_raw(&row.descriptor_raw));
        let sorted = row.with_bells_sorted().params;
        assert!(sorted.validate().is_ok(), "sorted bells of {row:?}");
        let s = sorted.to_array();
        assert!(s[3] <= s[6] && s[6] <= s[9], "bells not sorted: {s:?}");
    }
    for r in &report.rejected {
        let text = r.to_string();
        assert!(!text.contains('\n'), "two-line message {text:?}");
    }

    match safe::parse_safe(data) {
        Ok(r) => assert_eq!(r, report),
        Err(e) => {
            assert!(report.rows.is_empty());
            let text = e.to_string();
            assert!(!text.contains('\n'), "two-line message {text:?}");
        }
    }

    let rows = &report.rows;
    let counted: usize = safe::descriptor_counts(rows).iter().map(|(_, n)| n).sum();
    assert_eq!(counted, rows.len());
    let split = safe::validation_split(rows, 0.15, data.len() as u64);
    let mut all: Vec<usize> = split
        .train
        .iter()
        .chain(&split.validation)
        .copied()
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..rows.len()).collect::<Vec<_>>(),
        "split is not a partition"
    );
}

// ---------------------------------------------------------------------------
// 3. The automation CSV parser
// ---------------------------------------------------------------------------

/// `automation::parse` on arbitrary text (bytes that are not UTF-8 are
/// replaced, as a caller reading a file would have to): an error naming a
/// line, or an automation whose times are finite and increasing, whose
/// values are in range, and whose interpolated values stay in range and
/// finite at any time (NaN and ±∞ included).
pub fn automation_csv(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let a = match automation::parse(&text) {
        Ok(a) => a,
        Err(e) => {
            assert!(e.line >= 1);
            let _ = e.to_string();
            return;
        }
    };
    let times = a.times();
    assert!(!times.is_empty() && !a.columns().is_empty());
    assert!(times.iter().all(|t| t.is_finite() && *t >= 0.0));
    assert!(times.windows(2).all(|w| w[0] < w[1]), "times {times:?}");
    if a.timing() == Timing::Samples {
        assert!(
            times
                .iter()
                .all(|t| t.fract() == 0.0 && *t <= 2f64.powi(53))
        );
    }
    for i in 0..times.len() {
        for (&c, &v) in a.columns().iter().zip(a.row_values(i)) {
            assert!(CONTROLS[c].contains(v), "{} = {v}", CONTROLS[c].name);
        }
    }
    let engine_units = a.in_engine_units();
    let last = *times.last().expect("not empty");
    let probes = [
        f64::NAN,
        f64::NEG_INFINITY,
        -1.0,
        0.0,
        times[0],
        (times[0] + last) / 2.0,
        last * 0.999,
        last,
        last + 1.0,
        f64::INFINITY,
    ];
    for t in probes {
        let mut plain = [0.0; CONTROL_COUNT];
        a.apply_to(t, &mut plain);
        let mut unit = [0.0; CONTROL_COUNT];
        engine_units.apply_to(t, &mut unit);
        for &c in a.columns() {
            let spec = &CONTROLS[c];
            let v = plain[c];
            // Interpolation may round one ulp past a row's value.
            let slack = 1e-9 * (spec.max - spec.min).abs().max(1.0);
            assert!(
                v.is_finite() && v >= spec.min - slack && v <= spec.max + slack,
                "{} = {v} at t = {t}",
                spec.name
            );
            assert!(
                unit[c].is_finite(),
                "{} in engine units at t = {t}",
                spec.name
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 4. WAV input, as `semantic-eq render` reads it
// ---------------------------------------------------------------------------

/// Frames per block of the render's stream (the render uses more; a small
/// block exercises the short last block on small inputs).
const WAV_BLOCK_FRAMES: usize = 1024;

/// Arbitrary bytes as the input file of `semantic-eq render`: the header
/// parser says Ok or an error (it never allocates more than the file
/// holds: a data chunk is checked against the file's length); on Ok, the
/// samples are streamed through a [`Processor`] at the default controls
/// exactly as the render does, every output sample is finite and bounded,
/// every frame comes out, and the output file reads back with the same
/// format and length.
pub fn wav_input(data: &[u8]) {
    let file_len = data.len() as u64;
    let info = match wav::read_header(&mut Cursor::new(data), file_len) {
        Ok(info) => info,
        Err(e) => {
            let _ = format!("{e:#}");
            return;
        }
    };
    let format = info.format;
    let channels = format.channels;
    assert!((1..=MAX_CHANNELS).contains(&channels));
    let data_len = info.frames * format.frame_bytes() as u64;
    assert!(
        info.data_offset.saturating_add(data_len) <= file_len,
        "the data chunk claims more than the file holds: {info:?}"
    );
    let settings = Settings {
        sample_rate: f64::from(format.sample_rate),
        channels,
        kernel: Kernel::detect(),
    };
    // An unsupported rate is the render's error too.
    let Ok(mut p) = Processor::new(&settings, Box::new(embedded().clone())) else {
        return;
    };
    let out_format = WavFormat { ..format };
    let (header, pad) = wav::header_bytes(&out_format, info.frames)
        .expect("an output as long as an input that exists fits in a WAV file");

    let mut input = &data[info.data_offset as usize..];
    let mut out = header;
    let mut scratch = vec![0.0f32; CHUNK * channels];
    // Default controls: amount 100 %, output 0 dB, no auto-gain.
    let bound = output_bound(1.0, 0.0);
    let streamed = pipeline::stream(
        &mut input,
        format.sample,
        &mut out,
        out_format.sample,
        info.frames * channels as u64,
        WAV_BLOCK_FRAMES * channels,
        |samples| {
            p.process_interleaved(samples, &mut scratch);
            check_audio("rendered WAV", samples, bound);
            true
        },
    );
    assert!(streamed.is_ok(), "streaming failed: {streamed:?}");
    out.resize(out.len() + pad, 0);
    assert_eq!(p.position(), info.frames, "frames lost");

    let back = wav::read_header(&mut Cursor::new(&out), out.len() as u64)
        .expect("the rendered file reads back");
    assert_eq!(back.frames, info.frames);
    assert_eq!(back.format.sample, format.sample);
    assert_eq!(back.format.channels, channels);
    assert_eq!(back.format.sample_rate, format.sample_rate);
    assert_eq!(back.data_offset + data_len + pad as u64, out.len() as u64);
}

// ---------------------------------------------------------------------------
// 5. The engine, driven by a byte program
// ---------------------------------------------------------------------------

/// Most frames one program may process before the recovery check.
const PROGRAM_FRAMES: usize = 1 << 14;
/// Most instructions per program.
const PROGRAM_OPS: usize = 512;
/// Longest ramp the program may ask [`Processor::set_unit_ramped`] for,
/// seconds: the longest smoothing the processor uses itself (switches).
const MAX_RAMP_S: f64 = 0.03;
/// Zeros fed before the decay is measured: every control's ramp (≤ 30 ms,
/// [`MAX_RAMP_S`]) has ended by then, and so has the auto-gain ramp
/// (≤ 128 samples) and the engine's last coefficient segment.
const SETTLE_S: f64 = 0.035;
const SETTLE_EXTRA_FRAMES: usize = 256;

/// Time constant of the slowest pole of the EQ the processor plays
/// (`current_eq`, amount applied), in samples: the largest pole radius `r`
/// of the five RBJ biquads gives `τ = −1 / ln r`. The largest the ranges
/// allow is a bell at 82 Hz, Q 10, +24 dB (pole Q = Q·10^(24/40) ≈ 40):
/// τ ≈ 0.155 s.
fn slowest_decay_samples(p: &Processor) -> f64 {
    let fs = p.sample_rate();
    let r = p
        .current_eq()
        .bands()
        .iter()
        .map(|band| {
            let c = band_coeffs(band, fs);
            let disc = c.a1 * c.a1 - 4.0 * c.a2;
            if disc < 0.0 {
                c.a2.abs().sqrt()
            } else {
                let s = disc.sqrt();
                ((-c.a1 + s) / 2.0).abs().max(((-c.a1 - s) / 2.0).abs())
            }
        })
        .fold(0.0f64, f64::max);
    assert!(r < 1.0, "unstable EQ: pole radius {r}");
    -1.0 / r.ln()
}

/// Applies one control to the processor: index 0..=30 names every
/// [`Control`]; 31 is an index past the end of the EQ or band-switch
/// lists, which must be ignored.
fn control(b: &mut Bytes) -> Control {
    match b.pick(32) {
        0 => Control::X,
        1 => Control::Y,
        2 => Control::Amount,
        3 => Control::OutDb,
        4 => Control::Auto,
        5 => Control::Mix,
        6 => Control::Bypass,
        7 => Control::Mode,
        8 => Control::Morph,
        9 => Control::FromX,
        10 => Control::FromY,
        11 => Control::ToX,
        12 => Control::ToY,
        i @ 13..=25 => Control::Eq(i - 13),
        i @ 26..=30 => Control::BandOn(i - 26),
        _ => {
            if b.u8() & 1 == 0 {
                Control::Eq(NUM_PARAMS + usize::from(b.u8()))
            } else {
                Control::BandOn(BAND_COUNT + usize::from(b.u8()))
            }
        }
    }
}

/// Fills `buf` (interleaved) with one kind of signal, often hostile.
fn signal(b: &mut Bytes, buf: &mut [f32], channels: usize) {
    let kind = b.pick(12);
    let level = b.value() as f32;
    let mut rng = XorShift32::new(b.u32() | 1);
    let freq = f64::from(b.u16()) / 65_536.0 * 0.5; // cycles per sample
    let raw: [u8; 16] = b.array();
    for (i, v) in buf.iter_mut().enumerate() {
        let frame = i / channels;
        *v = match kind {
            0 => 0.0,
            1 => level,
            2 => (std::f64::consts::TAU * freq * frame as f64).sin() as f32,
            3 => (rng.next_unit_f32() * 2.0 - 1.0) * level,
            4 => f32::NAN,
            5 => [f32::INFINITY, f32::NEG_INFINITY][frame % 2],
            6 => f32::from_bits(1 + (rng.next_u32() & 0x007f_ffff)) * [1.0, -1.0][i % 2],
            7 => [1e30, -1e30][(frame / 7) % 2],
            8 => [INPUT_LIMIT as f32, -INPUT_LIMIT as f32][(frame / 3) % 2],
            9 => {
                let k = (i % 4) * 4;
                f32::from_le_bytes([raw[k], raw[k + 1], raw[k + 2], raw[k + 3]])
            }
            10 => {
                if frame == 0 {
                    1e6
                } else {
                    0.0
                }
            }
            _ => match rng.next_u32() % 8 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => f32::NEG_INFINITY,
                3 => 1e30,
                4 => f32::MIN_POSITIVE / 3.0,
                5 => f32::MAX,
                _ => rng.next_unit_f32() - 0.5,
            },
        };
    }
}

/// Processes `buf` (interleaved) in place, planar or interleaved.
fn run(p: &mut Processor, buf: &mut [f32], planar: bool, scratch: &mut [f32]) {
    let ch = p.channels();
    if !planar {
        p.process_interleaved(buf, scratch);
        return;
    }
    let frames = buf.len() / ch;
    let mut planes: Vec<Vec<f32>> = (0..ch)
        .map(|c| (0..frames).map(|f| buf[f * ch + c]).collect())
        .collect();
    {
        let mut slices: Vec<&mut [f32]> = planes.iter_mut().map(|v| &mut v[..]).collect();
        p.process_planar(&mut slices);
    }
    for (c, plane) in planes.iter().enumerate() {
        for (f, v) in plane.iter().enumerate() {
            buf[f * ch + c] = *v;
        }
    }
}

/// The audio path driven by a program read from the bytes.
///
/// The first bytes choose the sample rate, the channel count (1–8), the
/// filter kernel and the scratch size of interleaved processing. Then each
/// instruction sets a control (to NaN, ±∞, huge, edge or arbitrary values;
/// also indices that do not exist), ramps one in engine units, processes a
/// block of 1–4096 frames of a signal (zeros, DC, sines, noise, NaN, ±∞,
/// subnormals, ±10³⁰, ±10⁶ squares, raw bits, impulses, or a per-sample mix
/// of them), resets, swaps the decoder, or switches modes. Controls thus
/// change at arbitrary sample offsets between arbitrary block sizes.
///
/// Checked: every output sample is finite and within [`engine_bound`];
/// and after the program, with the input back to zeros and the controls
/// left alone, the output dies away as fast as the EQ's slowest pole says.
/// After [`SETTLE_S`], with `τ` from [`slowest_decay_samples`] (plus 20 %
/// for the engine's own rounding of the coefficients), the peak over
/// `[4.5τ, 5.5τ)` must be at most half the peak over `[0, 4.5τ)`, or below
/// 10⁻²⁰. That holds for a single mode (e^(−4.5) ≈ 0.011), for two modes
/// that beat or cancel, and for up to three equal bells (a triple pole,
/// n²·rⁿ, peaks at 2τ and has fallen to 0.46 of that by 4.5τ).
pub fn engine(data: &[u8]) {
    let mut b = Bytes::new(data);
    let rates = [
        48_000.0, 44_100.0, 22_050.0, 96_000.0, 32_000.0, 88_200.0, 192_000.0, 384_000.0,
    ];
    let sample_rate = rates[b.pick(rates.len())];
    let channels = 1 + b.pick(MAX_CHANNELS);
    let kernels = Kernel::available();
    let kernel = kernels[b.pick(kernels.len())];
    let scratch_frames = if b.u8() & 1 == 0 {
        CHUNK
    } else {
        1 + b.pick(CHUNK)
    };
    let settings = Settings {
        sample_rate,
        channels,
        kernel,
    };
    let mut p = Processor::new(&settings, Box::new(embedded().clone())).expect("valid settings");
    let mut scratch = vec![0.0f32; scratch_frames * channels];
    let bound = engine_bound();
    let max_ramp = (MAX_RAMP_S * sample_rate) as u64;

    let mut frames_left = PROGRAM_FRAMES;
    let mut buf: Vec<f32> = Vec::new();
    for _ in 0..PROGRAM_OPS {
        if b.is_empty() || frames_left == 0 {
            break;
        }
        match b.pick(10) {
            0..=2 => {
                let c = control(&mut b);
                let v = b.value();
                p.set(c, v);
            }
            3 => {
                let c = control(&mut b);
                let v = b.value();
                let len = u64::from(b.u16()) % (max_ramp + 1);
                p.set_unit_ramped(c, v, len);
            }
            4..=7 => {
                let frames = (1 + usize::from(b.u16()) % 4096).min(frames_left);
                frames_left -= frames;
                let planar = b.u8() & 1 == 1;
                buf.resize(frames * channels, 0.0);
                signal(&mut b, &mut buf, channels);
                run(&mut p, &mut buf, planar, &mut scratch);
                check_audio("processor output", &buf, bound);
            }
            8 => match b.pick(6) {
                0 => p.reset(),
                1 => {
                    let old = p.swap_decoder(Box::new(embedded().clone()));
                    drop(old);
                }
                2 => p.set_mode([Mode::Pad, Mode::Morph, Mode::Manual][b.pick(3)]),
                3 => {
                    let (fx, fy, tx, ty) = (b.value(), b.value(), b.value(), b.value());
                    p.set_morph_line((fx, fy), (tx, ty));
                }
                4 => {
                    let eq = p.current_eq().to_array();
                    assert!(eq.iter().all(|v| v.is_finite()), "current_eq {eq:?}");
                    let (x, y) = p.current_pad();
                    assert!(x.is_finite() && y.is_finite(), "current_pad {x} {y}");
                }
                _ => {
                    let v = b.value();
                    let _ = Processor::unit_value(control(&mut b), v);
                }
            },
            _ => {
                // A control change in the middle of what a host would
                // send as one block.
                let c = control(&mut b);
                let v = b.value();
                let frames = (1 + usize::from(b.u8())).min(frames_left);
                frames_left -= frames;
                buf.resize(frames * channels, 0.0);
                signal(&mut b, &mut buf, channels);
                run(&mut p, &mut buf, false, &mut scratch);
                check_audio("processor output", &buf, bound);
                p.set(c, v);
            }
        }
    }

    // Recovery: zeros in, controls left alone.
    let zeros = |p: &mut Processor, scratch: &mut [f32], frames: usize| -> f32 {
        let mut buf = vec![0.0f32; frames.max(1) * channels];
        p.process_interleaved(&mut buf, scratch);
        check_audio("output after the input became zeros", &buf, bound);
        peak(&buf)
    };
    let settle = (SETTLE_S * sample_rate) as usize + SETTLE_EXTRA_FRAMES;
    zeros(&mut p, &mut scratch, settle);
    let tau = 1.2 * slowest_decay_samples(&p) + 1.0;
    let before = zeros(&mut p, &mut scratch, (4.5 * tau).ceil() as usize);
    let after = zeros(&mut p, &mut scratch, tau.ceil() as usize);
    assert!(
        after <= 0.5 * before || after < 1e-20,
        "the output does not die away after the input became zeros: peak {before:e} over \
         4.5 time constants ({tau:.0} samples each), then {after:e}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use semantic_eq_dsp::engine::OUTPUT_DB_RANGE;

    #[test]
    fn bounds_are_what_the_docs_say() {
        let e = engine_bound();
        assert!((1.5e18..1.7e18).contains(&e), "{e:e}");
        assert!(e < f64::from(f32::MAX) * 1e-10);
        assert_eq!(OUTPUT_STAGE_DB_RANGE.1, OUTPUT_DB_RANGE.1 + 60.0);
        let d = output_bound(1.0, 0.0);
        assert!((0.99e11..1.01e11).contains(&d), "{d:e}");
    }

    #[test]
    fn slowest_decay_is_the_boosted_low_bell() {
        let settings = Settings {
            sample_rate: 48_000.0,
            channels: 1,
            kernel: Kernel::Scalar,
        };
        let mut p = Processor::new(&settings, Box::new(embedded().clone())).unwrap();
        p.set_mode(Mode::Manual);
        // Bell 1 at 82 Hz, Q 10, +12 dB at amount 200 %; the rest flat.
        for (i, v) in [
            0.0, 100.0, 12.0, 82.0, 10.0, 0.0, 1000.0, 1.0, 0.0, 3000.0, 1.0, 0.0, 5000.0,
        ]
        .into_iter()
        .enumerate()
        {
            p.set(Control::Eq(i), v);
        }
        p.set(Control::Amount, 2.0);
        p.process_planar(&mut [&mut vec![0.0f32; 4800][..]]);
        let tau_s = slowest_decay_samples(&p) / 48_000.0;
        // Pole Q = 10·10^(24/40) ≈ 40: τ = 2·Q_pole / ω₀ ≈ 0.155 s.
        let analog = 2.0 * 10.0 * 10f64.powf(24.0 / 40.0) / (std::f64::consts::TAU * 82.0);
        assert!(
            (tau_s - analog).abs() < 0.01 * analog,
            "{tau_s} vs {analog}"
        );
    }

    #[test]
    fn empty_inputs_pass() {
        for (_, body) in TARGETS {
            body(&[]);
        }
    }
}
