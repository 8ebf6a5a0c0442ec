//! `semantic-eq demo`: a self-contained first run. It synthesises pink noise,
//! writes it as `dry.wav`, and renders `wet.wav` through the real render path
//! while the EQ morphs from a warm curve to a bright one and back, so a
//! newcomer hears the engine without bringing audio of their own.

use super::render::{RenderOptions, render};
use super::wav::{self, SampleFormat, WavFormat};
use anyhow::{Context, Result};
use semantic_eq_model::rng::XorShift64;
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
    let format = WavFormat {
        sample: SampleFormat::I24,
        channels: 2,
        sample_rate: SAMPLE_RATE,
        channel_mask: None,
    };
    let mut rng = XorShift64::new(0x853c_49e6_748f_ea9b);
    let mut rows = [[0.0f64; 16]; 2];
    let frames = (SECONDS * SAMPLE_RATE) as usize;
    let mut samples = Vec::with_capacity(frames * 2);
    for n in 0..frames {
        // Row k changes every 2^k samples: the sum has a 1/f spectrum.
        let k = (n | 1 << 15).trailing_zeros() as usize;
        for ch in &mut rows {
            ch[k] = rng.next_f64() - 0.5;
            let v = ch.iter().sum::<f64>() / 16.0 * 1.7;
            let q = (v * 8_388_607.0).round().clamp(-8_388_608.0, 8_388_607.0);
            // Exact in f32 (24 bits), so encoding gives back `q` itself.
            samples.push(q as f32 / 8_388_608.0);
        }
    }
    let bytes = wav::file_bytes(&format, &samples)?;
    fs::write(path, bytes).with_context(|| format!("cannot write '{}'", path.display()))
}
