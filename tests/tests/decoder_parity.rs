//! The plain-Rust decoder (`semantic_eq_model::Decoder`, what the plug-in
//! runs) against its candle twin: export, load, and compare.

use semantic_eq_model::decoder::{LATENT_BOX, META_SEED};
use semantic_eq_model::train::candle_core::{DType, Device, Tensor};
use semantic_eq_model::train::{self, SplitMix64};
use semantic_eq_model::{Arch, Decoder, NUM_PARAMS};
use std::collections::BTreeMap;

/// Builds a candle decoder with seeded random weights (larger than the
/// training init, so that heads saturate somewhere in the box), exports it
/// through the file format and loads it back with the plain decoder.
fn candle_and_plain(arch: &Arch, seed: u64) -> (train::Decoder, Decoder) {
    let (varmap, vb) = train::new_varmap(DType::F32);
    let dec = train::Decoder::new(vb.pp("decoder"), arch).unwrap();
    train::seeded_init(&varmap, seed, 2.5, 1.0).unwrap();
    let mut extra = BTreeMap::new();
    extra.insert(META_SEED.to_string(), seed.to_string());
    let bytes = train::export_decoder(&varmap, arch)
        .unwrap()
        .to_safetensors(&extra)
        .unwrap();
    (dec, Decoder::from_safetensors(&bytes).unwrap())
}

/// 10⁴ latents: the box corners and edges, a grid over the box, points just
/// outside it (clamped by both), and uniform random points.
fn latents(rng: &mut SplitMix64) -> Vec<[f32; 2]> {
    let b = LATENT_BOX;
    let mut v = Vec::with_capacity(10_000);
    for x in [-b, b] {
        for y in [-b, b] {
            v.push([x, y]);
        }
    }
    for i in 0..=100 {
        let t = -b + 2.0 * b * i as f32 / 100.0;
        v.extend([[t, -b], [t, b], [-b, t], [b, t]]);
    }
    for i in 0..=40 {
        for j in 0..=40 {
            v.push([-1.0 + i as f32 / 20.0, -1.0 + j as f32 / 20.0]);
        }
    }
    for _ in 0..200 {
        v.push([rng.uniform(-3.0, 3.0) as f32, rng.uniform(-3.0, 3.0) as f32]);
    }
    while v.len() < 10_000 {
        v.push([rng.uniform(-2.0, 2.0) as f32, rng.uniform(-2.0, 2.0) as f32]);
    }
    v
}

fn max_abs_diff(arch: &Arch, seed: u64) -> f32 {
    let (candle, plain) = candle_and_plain(arch, seed);
    let mut rng = SplitMix64::new(seed);
    let points = latents(&mut rng);
    assert_eq!(points.len(), 10_000);
    let flat: Vec<f32> = points.iter().flatten().copied().collect();
    let latent = Tensor::from_vec(flat, (points.len(), 2), &Device::Cpu).unwrap();
    let want = candle
        .forward(&latent)
        .unwrap()
        .normalized
        .to_vec2::<f32>()
        .unwrap();
    let mut worst = 0.0f32;
    let mut saturated = 0usize;
    for (p, w) in points.iter().zip(&want) {
        let got = plain.decode_normalized(p[0], p[1]);
        assert_eq!(w.len(), NUM_PARAMS);
        for (g, w) in got.iter().zip(w) {
            worst = worst.max((g - w).abs());
            if *w < 0.01 || *w > 0.99 {
                saturated += 1;
            }
        }
        assert!(plain.decode(p[0], p[1]).params.validate().is_ok());
    }
    // The comparison must cover the whole output range, saturation included.
    assert!(saturated > 1000, "only {saturated} saturated outputs");
    worst
}

#[test]
fn plain_decoder_matches_candle_within_1e_5() {
    for (hidden, seed) in [
        (vec![64], 1u64),
        (vec![64], 2),
        (vec![32, 32], 3),
        (vec![16, 48, 8], 4),
    ] {
        let arch = Arch::new(hidden).unwrap();
        let worst = max_abs_diff(&arch, seed);
        eprintln!(
            "arch {:?} seed {seed}: max |plain − candle| = {worst:.2e}",
            arch.hidden
        );
        assert!(worst <= 1e-5, "arch {:?}: {worst}", arch.hidden);
    }
}

#[test]
fn exported_file_carries_the_architecture_and_seed() {
    let arch = Arch::new(vec![32, 32]).unwrap();
    let (_, plain) = candle_and_plain(&arch, 9);
    assert_eq!(plain.arch(), &arch);
    assert_eq!(plain.metadata()[META_SEED], "9");
    assert_eq!(
        plain.arch().parameter_count(),
        2 * 32 + 32 + 32 * 32 + 32 + 32 * 13 + 13
    );
}
