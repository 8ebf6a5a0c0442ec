//! Replays the fuzz corpus through the fuzz targets' bodies
//! (`semantic_eq_tests::fuzz_bodies`), so that CI checks every committed
//! input without cargo-fuzz or a nightly compiler.
//!
//! * `fuzz/seeds/<target>/`: the hand-made seeds, written by
//!   [`write_seeds`] (`cargo test -p semantic-eq-tests --test fuzz_corpus
//!   -- --ignored write_seeds`), all synthetic except the shipped model.
//! * `fuzz/corpus/<target>/`: what the fuzzer found, minimised with
//!   `cargo fuzz cmin`, plus any crash inputs kept as regressions.

use semantic_eq_cli::wav::{self, SampleFormat, WavFormat};
use semantic_eq_model::decoder::{EMBEDDED_MODEL, params_json};
use semantic_eq_model::{Arch, Decoder};
use semantic_eq_tests::fuzz_bodies::{Body, TARGETS};
use semantic_eq_tests::wav_files::{fmt_chunk, riff};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn body(target: &str) -> Body {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, f)| *f)
        .expect("known target")
}

/// Runs `inputs` through `target`'s body; the names of the inputs that
/// panicked.
fn replay(target: &str, inputs: &[(String, Vec<u8>)]) -> Vec<String> {
    let f = body(target);
    inputs
        .iter()
        .filter(|(_, data)| catch_unwind(AssertUnwindSafe(|| f(data))).is_err())
        .map(|(name, _)| name.clone())
        .collect()
}

fn read_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("readable corpus directory").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let data = std::fs::read(&p).expect("readable corpus file");
            (p.display().to_string(), data)
        })
        .collect();
    files.sort();
    files
}

/// Every committed seed and corpus file of every target.
#[test]
fn replay_corpus() {
    let mut failed = Vec::new();
    for (target, _) in TARGETS {
        let start = Instant::now();
        let seeds = read_dir(&fuzz_dir().join("seeds").join(target));
        let corpus = read_dir(&fuzz_dir().join("corpus").join(target));
        assert!(!seeds.is_empty(), "no seeds for {target}");
        failed.extend(replay(target, &seeds));
        failed.extend(replay(target, &corpus));
        println!(
            "{target}: {} seeds, {} corpus files replayed in {:.2} s",
            seeds.len(),
            corpus.len(),
            start.elapsed().as_secs_f64()
        );
    }
    assert!(failed.is_empty(), "inputs that fail: {failed:#?}");
}

/// The generated seeds pass in memory too (so a change to the generator is
/// checked before its files are rewritten).
#[test]
fn generated_seeds_pass() {
    for (target, _) in TARGETS {
        let failed = replay(target, &seeds(target));
        assert!(failed.is_empty(), "{target}: seeds that fail: {failed:?}");
    }
}

/// Writes the generated seeds into `fuzz/seeds/<target>/`.
#[test]
#[ignore = "rewrites the committed seed files"]
fn write_seeds() {
    for (target, _) in TARGETS {
        let dir = fuzz_dir().join("seeds").join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        for (name, data) in seeds(target) {
            std::fs::write(dir.join(name), data).unwrap();
        }
    }
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let list = match target {
        "model_loader" => model_seeds(),
        "safe_csv" => text_seeds(SAFE_SEEDS),
        "automation_csv" => text_seeds(AUTOMATION_SEEDS),
        "wav_input" => wav_seeds(),
        "engine" => engine_seeds(),
        _ => unreachable!("{target}"),
    };
    let mut names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), list.len(), "{target}: duplicate seed names");
    list
}

fn text_seeds(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    list.iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect()
}

// ---------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------

/// One tensor of a hand-built safetensors file.
struct Tensor {
    name: String,
    dtype: &'static str,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A safetensors file: u64 header length, JSON header padded to 8, data.
fn safetensors(meta: Option<&BTreeMap<String, String>>, tensors: &[Tensor]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    if let Some(meta) = meta {
        header.insert("__metadata__".into(), json!(meta));
    }
    let mut offset = 0;
    for t in tensors {
        let end = offset + t.data.len();
        header.insert(
            t.name.clone(),
            json!({ "dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, end] }),
        );
        offset = end;
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    text.resize(text.len().div_ceil(8) * 8, b' ');
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&text);
    for t in tensors {
        out.extend_from_slice(&t.data);
    }
    out
}

fn meta_for(arch: &Arch) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("format".to_string(), "semantic-eq-decoder".to_string()),
        ("format_version".to_string(), "1".to_string()),
        ("architecture".to_string(), arch.to_json()),
        ("params".to_string(), params_json()),
        (
            "landmarks".to_string(),
            r#"{"bright":{"count":3,"x":0.5,"y":0.0},"warm":{"count":4,"x":-0.5,"y":0.1}}"#
                .to_string(),
        ),
    ])
}

/// Small deterministic weights for `arch`, so seeds are small enough for
/// the fuzzer to mutate quickly.
fn tensors_for(arch: &Arch, scale: f32) -> Vec<Tensor> {
    let mut k = 0u32;
    let mut next = || {
        k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        ((k >> 16) as f32 / 32_768.0 - 1.0) * scale
    };
    let mut out = Vec::new();
    for (i, (inputs, outputs)) in arch.layer_dims().into_iter().enumerate() {
        let name = arch.layer_name(i);
        let w: Vec<f32> = (0..inputs * outputs).map(|_| next()).collect();
        let b: Vec<f32> = (0..outputs).map(|_| next()).collect();
        out.push(Tensor {
            name: format!("{name}.weight"),
            dtype: "F32",
            shape: vec![outputs, inputs],
            data: f32_bytes(&w),
        });
        out.push(Tensor {
            name: format!("{name}.bias"),
            dtype: "F32",
            shape: vec![outputs],
            data: f32_bytes(&b),
        });
    }
    out
}

fn model_seeds() -> Vec<(String, Vec<u8>)> {
    let real = EMBEDDED_MODEL.to_vec();
    let header_len = u64::from_le_bytes(real[..8].try_into().unwrap()) as usize;
    let tiny = Arch::new(vec![2]).unwrap();
    let deep = Arch::new(vec![1, 1, 1, 1]).unwrap();
    let good = |arch: &Arch| safetensors(Some(&meta_for(arch)), &tensors_for(arch, 1.0));
    let with_meta = |edit: &dyn Fn(&mut BTreeMap<String, String>)| {
        let mut m = meta_for(&tiny);
        edit(&mut m);
        safetensors(Some(&m), &tensors_for(&tiny, 1.0))
    };
    let with_tensors = |edit: &dyn Fn(&mut Vec<Tensor>)| {
        let mut t = tensors_for(&tiny, 1.0);
        edit(&mut t);
        safetensors(Some(&meta_for(&tiny)), &t)
    };
    let set = |k: &'static str, v: &'static str| {
        move |m: &mut BTreeMap<String, String>| {
            m.insert(k.to_string(), v.to_string());
        }
    };

    let mut huge_header = real.clone();
    huge_header[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let mut header_past_end = real.clone();
    header_past_end[..8].copy_from_slice(&(real.len() as u64).to_le_bytes());
    let mut header_100mb = real[..64].to_vec();
    header_100mb[..8].copy_from_slice(&100_000_001u64.to_le_bytes());

    let mut seeds: Vec<(&str, Vec<u8>)> = vec![
        ("real-shipped-model", real.clone()),
        ("tiny-2-2-13", good(&tiny)),
        ("deep-1-1-1-1", good(&deep)),
        (
            "huge-weights-1e38",
            safetensors(Some(&meta_for(&tiny)), &tensors_for(&tiny, 1e38)),
        ),
        (
            "no-landmarks",
            with_meta(&|m| {
                m.remove("landmarks");
            }),
        ),
        ("empty", Vec::new()),
        ("truncated-4-bytes", real[..4].to_vec()),
        ("truncated-length-only", real[..8].to_vec()),
        ("truncated-header", real[..8 + header_len / 2].to_vec()),
        ("truncated-data", real[..real.len() - 100].to_vec()),
        ("header-length-u64-max", huge_header),
        ("header-length-past-end", header_past_end),
        ("header-length-100mb", header_100mb),
        ("header-not-json", {
            let mut v = 16u64.to_le_bytes().to_vec();
            v.extend_from_slice(b"{\"a\":[1,2,3,  }");
            v
        }),
        ("no-metadata", safetensors(None, &tensors_for(&tiny, 1.0))),
        ("format-wrong", with_meta(&set("format", "pytorch"))),
        ("format-missing", with_meta(&|m| drop(m.remove("format")))),
        ("version-2", with_meta(&set("format_version", "2"))),
        ("version-text", with_meta(&set("format_version", "one"))),
        (
            "version-huge",
            with_meta(&set("format_version", "99999999999999999999999")),
        ),
        ("arch-not-json", with_meta(&set("architecture", "{hidden"))),
        (
            "arch-width-0",
            with_meta(&set(
                "architecture",
                r#"{"activation":"tanh","heads":"gain=12*tanh(z); log-freq,log-q=lo+(hi-lo)*sigmoid(z)","hidden":[0],"input_box":2.0,"latent":2,"outputs":13}"#,
            )),
        ),
        (
            "arch-width-huge",
            with_meta(&set(
                "architecture",
                r#"{"activation":"tanh","heads":"gain=12*tanh(z); log-freq,log-q=lo+(hi-lo)*sigmoid(z)","hidden":[18446744073709551615],"input_box":2.0,"latent":2,"outputs":13}"#,
            )),
        ),
        (
            "arch-5-layers",
            with_meta(&set(
                "architecture",
                r#"{"activation":"tanh","heads":"gain=12*tanh(z); log-freq,log-q=lo+(hi-lo)*sigmoid(z)","hidden":[2,2,2,2,2],"input_box":2.0,"latent":2,"outputs":13}"#,
            )),
        ),
        (
            "arch-relu-extra-key",
            with_meta(&set(
                "architecture",
                r#"{"activation":"relu","heads":"x","hidden":[2],"input_box":1e999,"latent":2,"outputs":13,"extra":null}"#,
            )),
        ),
        (
            "params-mismatch",
            with_meta(&set(
                "params",
                r#"[{"max":24.0,"min":-24.0,"name":"ls_gain_db","scale":"linear"}]"#,
            )),
        ),
        (
            "landmarks-bad-json",
            with_meta(&set("landmarks", r#"{"warm":{"x":0.1,"y":"#)),
        ),
        (
            "landmarks-wrong-types",
            with_meta(&set(
                "landmarks",
                r#"{"warm":{"count":-1,"x":"0.1","y":0.2},"bright":[1,2],"dark":{"count":1e30,"x":1e39,"y":-1e39},"":{"count":0,"x":0,"y":0}}"#,
            )),
        ),
        ("landmarks-array", with_meta(&set("landmarks", "[1,2,3]"))),
        (
            "dtype-f64",
            with_tensors(&|t| {
                let v: Vec<u8> = t[0]
                    .data
                    .chunks_exact(4)
                    .flat_map(|c| {
                        f64::from(f32::from_le_bytes(c.try_into().unwrap())).to_le_bytes()
                    })
                    .collect();
                t[0].dtype = "F64";
                t[0].data = v;
            }),
        ),
        (
            "dtype-f16",
            with_tensors(&|t| {
                t[1].dtype = "F16";
                let half = t[1].data.len() / 2;
                t[1].data.truncate(half);
            }),
        ),
        ("dtype-i32", with_tensors(&|t| t[2].dtype = "I32")),
        ("shape-transposed", with_tensors(&|t| t[0].shape.reverse())),
        ("shape-3d", with_tensors(&|t| t[2].shape = vec![13, 1, 2])),
        (
            "nan-weight",
            with_tensors(&|t| t[0].data[..4].copy_from_slice(&f32::NAN.to_le_bytes())),
        ),
        (
            "inf-bias",
            with_tensors(&|t| t[3].data[..4].copy_from_slice(&f32::INFINITY.to_le_bytes())),
        ),
        (
            "neg-inf-head",
            with_tensors(&|t| t[2].data[8..12].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes())),
        ),
        ("missing-tensor", with_tensors(&|t| drop(t.pop()))),
        (
            "extra-tensor",
            with_tensors(&|t| {
                t.push(Tensor {
                    name: "decoder.h9.weight".into(),
                    dtype: "F32",
                    shape: vec![1],
                    data: vec![0; 4],
                })
            }),
        ),
        (
            "offsets-overlap",
            with_tensors(&|t| {
                let d = t[1].data.clone();
                t[0].data.truncate(4);
                t[1].data = d;
            }),
        ),
    ];
    // Weights of the real model made non-finite in place.
    let mut real_nan = real.clone();
    let at = 8 + header_len + 40;
    real_nan[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    seeds.push(("real-model-nan-weight", real_nan));
    assert!(Decoder::from_safetensors(&good(&tiny)).is_ok());
    assert!(Decoder::from_safetensors(&good(&deep)).is_ok());
    seeds.into_iter().map(|(n, d)| (n.to_string(), d)).collect()
}

// ---------------------------------------------------------------------------
// SAFE CSV (synthetic rows in the SAFE layout; no real data)
// ---------------------------------------------------------------------------

const SAFE_SEEDS: &[(&str, &str)] = &[
    (
        "good-rows",
        "1,warm,,2,2,3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000,,,,,,,0a1b2c\n\
         2,\"bass boost\",,1,1,12,95.8,-12,940.9,0.71,0,1000,0.71,0,3300,0.71,-12,580,rock,guitar,,,,,ffee01\n\
         3,Bright ,,2,2,-12,22,12,3900,10,-12,180,0.1,12,10000,0.1,12,20000,,,,,,,99\n",
    ),
    (
        "quoted-fields",
        "7,\"warm, \"\"smooth\"\"\",,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,\"jazz\nfusion\",\"12\"\" cone\",,,,,abc\r\n\
         8,\"two\r\nlines\",,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,def",
    ),
    (
        "non-finite",
        "1,a,,2,2,NaN,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         2,b,,2,2,0,inf,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         3,c,,2,2,0,100,-infinity,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         4,d,,2,2,0,100,0,1e400,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         5,e,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n",
    ),
    (
        "absurd-magnitudes",
        "1,a,,2,2,1e308,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         2,b,,2,2,0,1e-320,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         3,c,,2,2,-0,100,0,200,1e-9,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         4,d,,2,2,12.000000000000001,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         18446744073709551616,e,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         -1,f,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         0x10,g,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n",
    ),
    (
        "missing-and-extra-columns",
        "1,a,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,\n\
         2,b,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x,extra\n\
         3\n\
         ,,,,,,,,,,,,,,,,,,,,,,,,\n",
    ),
    (
        "broken-quotes",
        "1,\"never closed,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         2,\"closed\"junk,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\n\
         3,ok,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,\"\"\"\n",
    ),
    (
        "duplicates-and-whitespace",
        "\u{feff} 5 ,a,,2,2, 0 ,100 ,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\r\n\
         5,b,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\r\
         6,TEST,,2,2,0,100,0,200,1,0,1000,1,0,3000,1,0,5000,,,,,,,x\r\n\r\n\n",
    ),
    ("empty", ""),
    ("only-newlines", "\n\r\n\r\r\n"),
];

// ---------------------------------------------------------------------------
// Automation CSV
// ---------------------------------------------------------------------------

const AUTOMATION_SEEDS: &[(&str, &str)] = &[
    (
        "readme-time-s",
        "time_s,b2_gain_db,b2_freq_hz,amount\n0,0,1000,100\n2.5,6,1000,100\n5,6,2500,50\n",
    ),
    ("readme-sample", "sample,x\n0,-1\n4800,-0.5\n9600,0.25\n"),
    (
        "every-control",
        "time_s,ls_gain_db,ls_freq_hz,b1_gain_db,b1_freq_hz,b1_q,b2_gain_db,b2_freq_hz,b2_q,b3_gain_db,b3_freq_hz,b3_q,hs_gain_db,hs_freq_hz,amount,out_db,x,y,mix,auto,bypass,morph\n\
         0,-12,22,-12,82,0.1,-12,180,0.1,-12,220,0.1,-12,580,0,-24,-1,-1,0,0,0,-50\n\
         1e-9,12,1000,12,3900,10,12,4700,10,12,10000,10,12,20000,200,24,1,1,100,1,1,150\n",
    ),
    (
        "comments-crlf-spaces",
        "\u{feff}# a comment\r\n\r\n  time_s , x , auto \r\n# more\r\n0 , -1 , 0\r\n   \r\n1.5,1,1\r\n",
    ),
    (
        "non-finite",
        "time_s,x\n0,NaN\n1,inf\n2,-infinity\n3,1e309\n",
    ),
    ("bad-times", "time_s,x\n-1,0\n0,0\n0,0\n1e308,0\n"),
    (
        "sample-edges",
        "sample,y,mix\n0,0,0\n9007199254740992,1,100\n9007199254740993,1,100\n0.5,0,0\n",
    ),
    ("header-only", "time_s,x,y\n"),
    ("header-errors", "time_s,x,,x,sample,nope\n0,0\n"),
    ("field-count", "time_s,x,y\n0,0\n1,0,0,0\n"),
    ("out-of-range", "time_s,amount,ls_freq_hz\n0,201,21.99\n"),
    (
        "mode-and-bands",
        "sample,mode,ls_on,b1_on\n0,0,1,0\n10,1.5,0,1\n20,2,1,1\n",
    ),
    ("first-column", "x,time_s\n0,0\n"),
    ("empty", ""),
];

// ---------------------------------------------------------------------------
// WAV files
// ---------------------------------------------------------------------------

/// A valid file written by the render's own header writer: a short sine
/// in `sample` format (extensible where the writer uses it).
fn wav_file(sample: SampleFormat, channels: usize, rate: u32, frames: usize) -> Vec<u8> {
    let format = WavFormat {
        sample,
        channels,
        sample_rate: rate,
        channel_mask: None,
    };
    let (mut out, pad) = wav::header_bytes(&format, frames as u64).unwrap();
    let samples: Vec<f32> = (0..frames * channels)
        .map(|i| ((i as f32) * 0.37).sin() * 0.9)
        .collect();
    let mut data = vec![0u8; samples.len() * sample.bytes()];
    wav::encode(sample, &samples, &mut data);
    out.extend_from_slice(&data);
    out.resize(out.len() + pad, 0);
    out
}

fn wav_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    for (sample, tag) in [
        (SampleFormat::I16, "i16"),
        (SampleFormat::I24, "i24"),
        (SampleFormat::I32, "i32"),
        (SampleFormat::F32, "f32"),
    ] {
        for channels in [1, 2, 3, 8] {
            let rate = [44_100, 48_000, 96_000, 22_050][channels % 4];
            seeds.push((
                format!("{tag}-{channels}ch"),
                wav_file(sample, channels, rate, 9),
            ));
        }
    }
    // Float samples that are not audio.
    let mut hostile = wav_file(SampleFormat::F32, 2, 48_000, 8);
    let n = hostile.len();
    for (k, v) in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -f32::MAX,
        f32::MIN_POSITIVE / 4.0,
        -0.0,
        1e6,
    ]
    .iter()
    .enumerate()
    {
        let at = n - 64 + 4 * k;
        hostile[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    seeds.push(("f32-nan-inf-huge".into(), hostile));

    let pcm16 = |ch: u16, rate: u32| fmt_chunk(1, ch, rate, 16, 2 * ch);
    let data = |n: usize| (b"data", vec![0x11u8; n]);
    let mut list: Vec<(&str, Vec<u8>)> = vec![
        (
            "plain-i16-mono",
            riff(&[(b"fmt ", pcm16(1, 44_100)), data(20)]),
        ),
        (
            "odd-chunks-before-and-after",
            riff(&[
                (b"JUNK", vec![1, 2, 3]),
                (b"fmt ", pcm16(2, 48_000)),
                (b"LIST", vec![0; 9]),
                data(8),
                (b"id3 ", vec![7; 5]),
            ]),
        ),
        ("truncated-data", {
            let mut f = wav_file(SampleFormat::I24, 2, 48_000, 9);
            f.truncate(f.len() - 5);
            f
        }),
        (
            "truncated-header",
            wav_file(SampleFormat::I16, 1, 48_000, 4)[..30].to_vec(),
        ),
        ("data-claims-4gb", {
            let mut f = riff(&[(b"fmt ", pcm16(1, 48_000)), data(16)]);
            let at = f.len() - 16 - 4;
            f[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            f
        }),
        ("chunk-claims-4gb", {
            let mut f = riff(&[(b"JUNK", vec![0; 4]), (b"fmt ", pcm16(1, 48_000)), data(4)]);
            f[16..20].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
            f
        }),
        ("fmt-4095-bytes", {
            let mut fmt = pcm16(1, 48_000);
            fmt.resize(4095, 0);
            riff(&[(b"fmt ", fmt), data(4)])
        }),
        (
            "fmt-too-short",
            riff(&[(b"fmt ", vec![1, 0, 1, 0]), data(4)]),
        ),
        ("rate-0", riff(&[(b"fmt ", pcm16(1, 0)), data(4)])),
        ("rate-8000", riff(&[(b"fmt ", pcm16(1, 8_000)), data(4)])),
        (
            "rate-384000",
            riff(&[(b"fmt ", pcm16(2, 384_000)), data(8)]),
        ),
        (
            "rate-u32-max",
            riff(&[(b"fmt ", pcm16(1, u32::MAX)), data(4)]),
        ),
        (
            "channels-0",
            riff(&[(b"fmt ", fmt_chunk(1, 0, 48_000, 16, 0)), data(4)]),
        ),
        (
            "channels-9",
            riff(&[(b"fmt ", fmt_chunk(1, 9, 48_000, 16, 18)), data(36)]),
        ),
        (
            "bits-8",
            riff(&[(b"fmt ", fmt_chunk(1, 1, 48_000, 8, 1)), data(4)]),
        ),
        (
            "float-64",
            riff(&[(b"fmt ", fmt_chunk(3, 1, 48_000, 64, 8)), data(16)]),
        ),
        (
            "alaw",
            riff(&[(b"fmt ", fmt_chunk(6, 1, 8_000, 8, 1)), data(4)]),
        ),
        ("extensible-24-in-32", {
            let mut f = fmt_chunk(0xFFFE, 2, 48_000, 32, 8);
            f.extend_from_slice(&22u16.to_le_bytes());
            f.extend_from_slice(&24u16.to_le_bytes());
            f.extend_from_slice(&3u32.to_le_bytes());
            f.extend_from_slice(&1u16.to_le_bytes());
            f.extend_from_slice(&[
                0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
            ]);
            riff(&[(b"fmt ", f), data(16)])
        }),
        (
            "extensible-short",
            riff(&[(b"fmt ", fmt_chunk(0xFFFE, 2, 48_000, 16, 4)), data(8)]),
        ),
        (
            "data-before-fmt",
            riff(&[data(4), (b"fmt ", pcm16(1, 48_000))]),
        ),
        (
            "two-fmt",
            riff(&[
                (b"fmt ", pcm16(1, 48_000)),
                (b"fmt ", pcm16(1, 48_000)),
                data(4),
            ]),
        ),
        ("no-data", riff(&[(b"fmt ", pcm16(1, 48_000))])),
        (
            "odd-data-length",
            riff(&[(b"fmt ", pcm16(2, 48_000)), data(6)]),
        ),
        ("rifx", {
            let mut f = riff(&[(b"fmt ", pcm16(1, 48_000)), data(4)]);
            f[..4].copy_from_slice(b"RIFX");
            f
        }),
        ("rf64", {
            let mut f = riff(&[(b"fmt ", pcm16(1, 48_000)), data(4)]);
            f[..4].copy_from_slice(b"RF64");
            f
        }),
        ("empty", Vec::new()),
    ];
    seeds.extend(list.drain(..).map(|(n, d)| (n.to_string(), d)));
    seeds
}

// ---------------------------------------------------------------------------
// Engine programs (the byte format `fuzz_bodies::engine` reads)
// ---------------------------------------------------------------------------

/// Builds a program: see `fuzz_bodies::engine` for what each byte means.
struct Program(Vec<u8>);

/// Control indices as `fuzz_bodies::engine` numbers them.
mod ctl {
    pub const X: u8 = 0;
    pub const Y: u8 = 1;
    pub const AMOUNT: u8 = 2;
    pub const OUT_DB: u8 = 3;
    pub const AUTO: u8 = 4;
    pub const MIX: u8 = 5;
    pub const BYPASS: u8 = 6;
    pub const MODE: u8 = 7;
    pub const MORPH: u8 = 8;
    pub const EQ0: u8 = 13;
    pub const ON0: u8 = 26;
}

/// Signal kinds as `fuzz_bodies::engine` numbers them.
mod sig {
    pub const ZEROS: u8 = 0;
    pub const DC: u8 = 1;
    pub const SINE: u8 = 2;
    pub const NOISE: u8 = 3;
    pub const NAN: u8 = 4;
    pub const INF: u8 = 5;
    pub const SUBNORMAL: u8 = 6;
    pub const HUGE: u8 = 7;
    pub const LIMIT: u8 = 8;
    pub const IMPULSE: u8 = 10;
    pub const MIXED: u8 = 11;
}

impl Program {
    /// Rate index (0 = 48 kHz, 7 = 384 kHz), channels, kernel index, full
    /// scratch.
    fn new(rate: u8, channels: u8, kernel: u8) -> Self {
        Self(vec![rate, channels - 1, kernel, 0])
    }

    fn value(&mut self, v: f64) {
        self.0.push(12);
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn set(mut self, control: u8, v: f64) -> Self {
        self.0.extend_from_slice(&[0, control]);
        self.value(v);
        self
    }

    /// A special value by its index in `Bytes::value` (0 NaN, 1 +∞, 2 −∞,
    /// 3 1e300, 4 −1e300).
    fn set_special(mut self, control: u8, special: u8) -> Self {
        self.0.extend_from_slice(&[1, control, special]);
        self
    }

    /// Control index 31: band switch 5 + 7, which does not exist; NaN.
    fn set_out_of_list_index(mut self) -> Self {
        self.0.extend_from_slice(&[0, 31, 1, 7, 0]);
        self
    }

    fn ramp(mut self, control: u8, v: f64, len: u16) -> Self {
        self.0.extend_from_slice(&[3, control]);
        self.value(v);
        self.0.extend_from_slice(&len.to_le_bytes());
        self
    }

    fn signal(&mut self, kind: u8, level: f64) {
        self.0.push(kind);
        self.value(level);
        self.0.extend_from_slice(&0x9e37_79b9u32.to_le_bytes());
        self.0.extend_from_slice(&2_000u16.to_le_bytes());
        self.0.extend_from_slice(&[0x7f; 16]);
    }

    fn process(mut self, frames: u16, planar: bool, kind: u8, level: f64) -> Self {
        self.0.push(4);
        self.0.extend_from_slice(&(frames - 1).to_le_bytes());
        self.0.push(u8::from(planar));
        self.signal(kind, level);
        self
    }

    fn misc(mut self, what: u8) -> Self {
        self.0.extend_from_slice(&[8, what]);
        self
    }

    fn done(self) -> Vec<u8> {
        self.0
    }
}

fn engine_seeds() -> Vec<(String, Vec<u8>)> {
    let seeds = vec![
        (
            "pad-sweep-noise",
            Program::new(0, 2, 0)
                .set(ctl::X, -1.0)
                .process(4096, false, sig::NOISE, 0.5)
                .set(ctl::X, 1.0)
                .set(ctl::Y, 1.0)
                .process(3000, true, sig::NOISE, 0.5)
                .done(),
        ),
        (
            "nan-with-mix-and-bypass",
            Program::new(0, 2, 1)
                .set(ctl::MIX, 0.5)
                .process(500, false, sig::NAN, 0.0)
                .set(ctl::BYPASS, 1.0)
                .process(2000, true, sig::INF, 0.0)
                .process(100, false, sig::HUGE, 0.0)
                .done(),
        ),
        (
            "extreme-boost-then-limit-input",
            Program::new(0, 1, 0)
                .set(ctl::MODE, 2.0)
                .set(ctl::EQ0 + 2, 12.0)
                .set(ctl::EQ0 + 3, 82.0)
                .set(ctl::EQ0 + 4, 10.0)
                .set(ctl::EQ0, 12.0)
                .set(ctl::EQ0 + 1, 22.0)
                .set(ctl::AMOUNT, 2.0)
                .set(ctl::OUT_DB, 24.0)
                .set(ctl::AUTO, 1.0)
                .process(4096, false, sig::LIMIT, 0.0)
                .process(50, false, sig::IMPULSE, 0.0)
                .done(),
        ),
        (
            "special-values-everywhere",
            Program::new(3, 8, 2)
                .set_special(ctl::X, 0)
                .set_special(ctl::Y, 1)
                .set_special(ctl::AMOUNT, 2)
                .set_special(ctl::OUT_DB, 3)
                .set_special(ctl::MIX, 4)
                .set_special(ctl::EQ0 + 7, 0)
                .set_special(ctl::ON0 + 2, 1)
                .set_out_of_list_index()
                .process(777, true, sig::MIXED, 0.0)
                .process(33, false, sig::SUBNORMAL, 0.0)
                .done(),
        ),
        (
            "morph-ramps-reset-swap",
            Program::new(7, 3, 0)
                .set(ctl::MODE, 1.0)
                .set(ctl::MORPH, 1.5)
                .ramp(ctl::X, 0.9, 64)
                .process(64, false, sig::SINE, 1.0)
                .misc(1)
                .process(1000, true, sig::DC, 1e30)
                .misc(0)
                .misc(4)
                .process(31, false, sig::DC, -1.0)
                .done(),
        ),
        (
            "band-switches-22k",
            Program::new(2, 4, 1)
                .set(ctl::MODE, 2.0)
                .set(ctl::ON0, 0.0)
                .set(ctl::ON0 + 4, 0.0)
                .process(1, false, sig::NOISE, 1.0)
                .set(ctl::ON0, 1.0)
                .process(4096, false, sig::ZEROS, 0.0)
                .done(),
        ),
    ];
    seeds.into_iter().map(|(n, d)| (n.to_string(), d)).collect()
}
