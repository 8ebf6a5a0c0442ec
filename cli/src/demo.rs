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

/// The pad's x axis from warm to bright and back, with holds at each end,
/// decoded by the embedded model as the plug-in would.
const AUTOMATION: &str = "\
# Warm (x = -1) to bright (x = +1) and back, on the embedded model's pad.
time_s,x
0,-1
2,-1
6,1
8,1
12,-1
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
        automation: Some(csv.clone()),
        quiet,
        ..RenderOptions::new(dry.clone(), wet.clone())
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
