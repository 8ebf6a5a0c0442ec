//! `semantic-eq demo`: a self-contained first run. It synthesises pink noise,
//! writes it as `dry.wav`, and renders `wet.wav` through the real render path
//! while the EQ morphs from a warm curve to a bright one and back, so a
//! newcomer hears the engine without bringing audio of their own.

use super::render::{RenderOptions, render};
use anyhow::{Context, Result};
use std::fs;
use std::path::Path;

/// Length of the demo, seconds.
const SECONDS: u32 = 12;
const SAMPLE_RATE: u32 = 48_000;

/// Hand-set stand-ins for the model's warm and bright ends.
const AUTOMATION: &str = "\
# Warm (low shelf up, highs down) to bright (highs up, lows trimmed) and back.
time_s,ls_gain_db,ls_freq_hz,b1_gain_db,b1_freq_hz,b1_q,b2_gain_db,b2_freq_hz,b2_q,b3_gain_db,b3_freq_hz,b3_q,hs_gain_db,hs_freq_hz
0,4,200,2,400,1,-1,2000,1,-3,5000,1,-4,8000
2,4,200,2,400,1,-1,2000,1,-3,5000,1,-4,8000
6,-2,150,-1,300,1,1,2500,1,3,5000,1,5,9000
8,-2,150,-1,300,1,1,2500,1,3,5000,1,5,9000
12,4,200,2,400,1,-1,2000,1,-3,5000,1,-4,8000
";

/// Writes `dry.wav`, `morph.csv` and `wet.wav` into `dir`.
pub fn demo(dir: &Path, quiet: bool) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let dry = dir.join("dry.wav");
    let wet = dir.join("wet.wav");
    let csv = dir.join("morph.csv");
    write_pink_noise(&dry)?;
    fs::write(&csv, AUTOMATION).with_context(|| format!("cannot write '{}'", csv.display()))?;
    render(&RenderOptions {
        input: dry.clone(),
        output: wet.clone(),
        eq: None,
        amount: 100.0,
        out_db: 0.0,
        automation: Some(csv.clone()),
        float: false,
        quiet,
    })?;
    println!("dry input:  {}", dry.display());
    println!("automation: {}", csv.display());
    println!(
        "EQ'd:       {}  (warm -> bright -> warm over {SECONDS} s)",
        wet.display()
    );
    Ok(())
}

/// 24-bit stereo pink noise at about −18 dBFS RMS (Voss-McCartney with a
/// fixed seed, so every demo is the same file).
fn write_pink_noise(path: &Path) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec)
        .with_context(|| format!("cannot create '{}'", path.display()))?;
    let mut seed = 0x853c_49e6_748f_ea9bu64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut rows = [[0.0f64; 16]; 2];
    for n in 0..(SECONDS * SAMPLE_RATE) as usize {
        // Row k changes every 2^k samples: the sum has a 1/f spectrum.
        let k = (n | 1 << 15).trailing_zeros() as usize;
        for ch in &mut rows {
            ch[k] = next();
            let v = ch.iter().sum::<f64>() / 16.0 * 1.7;
            w.write_sample((v * 8_388_607.0).round().clamp(-8_388_608.0, 8_388_607.0) as i32)?;
        }
    }
    w.finalize()
        .with_context(|| format!("cannot finish '{}'", path.display()))?;
    Ok(())
}
