//! The CLI's own WAV code (`src/wav.rs`) against the `hound` crate, side by
//! side: reading and writing 60 s of stereo 48 kHz audio as 32-bit float and
//! as 24-bit integer, through real files in a temporary folder. Both sides
//! convert to and from f32 as the render does, and their results are checked
//! to be equal before anything is timed.
//!
//! ```sh
//! cargo run --release -p semantic-eq-cli --example wav_vs_hound [seconds] [repeats]
//! ```
//!
//! Prints the best of `repeats` runs (default 5) of each and hound's time
//! over ours. The figures are recorded in `docs/architecture-wav.md`.

use semantic_eq_cli::wav::{self, SampleFormat, WavFormat};
use semantic_eq_model::rng::XorShift64;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::time::Instant;

const RATE: u32 = 48_000;
const CHANNELS: usize = 2;
/// Samples per block, as in the render's pipeline.
const BLOCK: usize = 1 << 16;

fn format(sample: SampleFormat) -> WavFormat {
    WavFormat {
        sample,
        channels: CHANNELS,
        sample_rate: RATE,
        channel_mask: None,
    }
}

fn own_write(path: &Path, sample: SampleFormat, samples: &[f32]) {
    let f = format(sample);
    let (header, pad) = wav::header_bytes(&f, (samples.len() / CHANNELS) as u64).unwrap();
    let mut file = File::create(path).unwrap();
    file.write_all(&header).unwrap();
    let mut bytes = vec![0u8; BLOCK * sample.bytes()];
    for block in samples.chunks(BLOCK) {
        let bytes = &mut bytes[..block.len() * sample.bytes()];
        wav::encode(sample, block, bytes);
        file.write_all(bytes).unwrap();
    }
    file.write_all(&[0; 1][..pad]).unwrap();
}

fn own_read(path: &Path) -> Vec<f32> {
    let mut file = File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    let info = wav::read_header(&mut file, len).unwrap();
    let sample = info.format.sample;
    let total = (info.frames as usize) * info.format.channels;
    let mut out = vec![0.0f32; total];
    let mut bytes = vec![0u8; BLOCK * sample.bytes()];
    for block in out.chunks_mut(BLOCK) {
        let bytes = &mut bytes[..block.len() * sample.bytes()];
        file.read_exact(bytes).unwrap();
        wav::decode(sample, bytes, block);
    }
    out
}

fn hound_spec(sample: SampleFormat) -> hound::WavSpec {
    hound::WavSpec {
        channels: CHANNELS as u16,
        sample_rate: RATE,
        bits_per_sample: sample.bits(),
        sample_format: if sample.is_float() {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

fn hound_write(path: &Path, sample: SampleFormat, samples: &[f32]) {
    let mut w = hound::WavWriter::create(path, hound_spec(sample)).unwrap();
    match sample {
        SampleFormat::F32 => {
            for &x in samples {
                w.write_sample(x).unwrap();
            }
        }
        SampleFormat::I24 => {
            for &x in samples {
                let v = (f64::from(x) * 8_388_608.0)
                    .round()
                    .clamp(-8_388_608.0, 8_388_607.0);
                w.write_sample(v as i32).unwrap();
            }
        }
        _ => unreachable!("only float and 24-bit are compared"),
    }
    w.finalize().unwrap();
}

fn hound_read(path: &Path) -> Vec<f32> {
    let r = hound::WavReader::new(BufReader::new(File::open(path).unwrap())).unwrap();
    match r.spec().sample_format {
        hound::SampleFormat::Float => r.into_samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => r
            .into_samples::<i32>()
            .map(|v| v.unwrap() as f32 * (1.0 / 8_388_608.0))
            .collect(),
    }
}

/// Best wall time of `repeats` runs of `f`, seconds.
fn best(repeats: usize, mut f: impl FnMut()) -> f64 {
    (0..repeats)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: usize = args.next().map_or(60, |s| s.parse().expect("seconds"));
    let repeats: usize = args.next().map_or(5, |s| s.parse().expect("repeats"));
    let dir = tempfile::tempdir().unwrap();
    let mut rng = XorShift64::new(0x853c_49e6_748f_ea9b);
    // Full-scale noise quantised to 24 bits, so both formats hold it exactly.
    let samples: Vec<f32> = (0..seconds * RATE as usize * CHANNELS)
        .map(|_| ((rng.next_f64() * 2.0 - 1.0) * 8_388_607.0).round() as f32 / 8_388_608.0)
        .collect();
    println!(
        "{seconds} s stereo {RATE} Hz ({} samples), best of {repeats}; times in ms",
        samples.len()
    );
    println!(
        "{:<22} {:>9} {:>9} {:>12}",
        "", "own", "hound", "hound / own"
    );
    for sample in [SampleFormat::F32, SampleFormat::I24] {
        let ours = dir.path().join("own.wav");
        let theirs = dir.path().join("hound.wav");
        // Each reads what the other wrote, sample for sample, before timing
        // anything. (The files differ only in our float files' `fact`
        // chunk, which hound does not write.)
        own_write(&ours, sample, &samples);
        hound_write(&theirs, sample, &samples);
        for (reader, file) in [("own", &theirs), ("hound", &ours)] {
            let back = if reader == "own" {
                own_read(file)
            } else {
                hound_read(file)
            };
            assert!(back == samples, "{sample}: {reader} read differs");
        }

        let w_own = best(repeats, || own_write(&ours, sample, black_box(&samples)));
        let w_hound = best(repeats, || {
            hound_write(&theirs, sample, black_box(&samples))
        });
        let r_own = best(repeats, || drop(black_box(own_read(&ours))));
        let r_hound = best(repeats, || drop(black_box(hound_read(&ours))));
        for (what, own, hound) in [("write", w_own, w_hound), ("read", r_own, r_hound)] {
            println!(
                "{:<22} {:>9.1} {:>9.1} {:>11.1}x",
                format!("{what} {sample}"),
                own * 1e3,
                hound * 1e3,
                hound / own
            );
        }
    }
}
