//! Smoke test of the trainer on a small synthetic data set: two clusters of
//! EQ curves labelled warm (low shelf up, high shelf down) and bright (the
//! reverse), plus unlabelled near-flat settings.

use semantic_eq_model::train::candle_core::{DType, Device, Tensor};
use semantic_eq_model::train::{Side, SplitMix64, TrainConfig, TrainRow, TrainedModel, train};
use semantic_eq_model::{Arch, EqParams, NUM_PARAMS, cascade_magnitude_db};
use std::collections::BTreeMap;
use std::time::Instant;

fn row(rng: &mut SplitMix64, label: Option<Side>) -> TrainRow {
    let (ls, hs) = match label {
        Some(Side::Warm) => (rng.uniform(3.0, 8.0), rng.uniform(-8.0, -3.0)),
        Some(Side::Bright) => (rng.uniform(-8.0, -3.0), rng.uniform(3.0, 8.0)),
        None => (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)),
    };
    let p = EqParams {
        ls_gain_db: ls,
        ls_freq_hz: rng.uniform(100.0, 300.0),
        b1_gain_db: rng.uniform(-2.0, 2.0),
        b1_freq_hz: rng.uniform(150.0, 600.0),
        b1_q: rng.uniform(0.5, 2.0),
        b2_gain_db: rng.uniform(-2.0, 2.0),
        b2_freq_hz: rng.uniform(600.0, 2500.0),
        b2_q: rng.uniform(0.5, 2.0),
        b3_gain_db: rng.uniform(-2.0, 2.0),
        b3_freq_hz: rng.uniform(2500.0, 8000.0),
        b3_q: rng.uniform(0.5, 2.0),
        hs_gain_db: hs,
        hs_freq_hz: rng.uniform(3000.0, 8000.0),
    };
    p.validate().unwrap();
    TrainRow {
        normalized: p.to_normalized(),
        label,
    }
}

fn dataset(seed: u64) -> Vec<TrainRow> {
    let mut rng = SplitMix64::new(seed);
    let mut rows = Vec::new();
    for _ in 0..80 {
        rows.push(row(&mut rng, Some(Side::Warm)));
        rows.push(row(&mut rng, Some(Side::Bright)));
    }
    for _ in 0..40 {
        rows.push(row(&mut rng, None));
    }
    rows
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        decoder: Arch::default(),
        encoder_hidden: vec![32],
        epochs,
        batch_size: 50,
        learning_rate: 1e-2,
        loss_freqs: 64,
        ..TrainConfig::default()
    }
}

/// Mean dB above 2 kHz minus mean dB below 300 Hz (the brightness).
fn brightness(p: &EqParams) -> f64 {
    let (mut hi, mut nh, mut lo, mut nl) = (0.0, 0, 0.0, 0);
    for f in semantic_eq_model::train::log_spaced_frequencies(128) {
        let db = cascade_magnitude_db(p, f, 48_000.0);
        if f > 2000.0 {
            hi += db;
            nh += 1;
        } else if f < 300.0 {
            lo += db;
            nl += 1;
        }
    }
    hi / nh as f64 - lo / nl as f64
}

fn trained(rows: &[TrainRow], epochs: usize, seed: u64) -> (TrainedModel, f64) {
    let t = Instant::now();
    let m = train(rows, &config(epochs), seed).unwrap();
    (m, t.elapsed().as_secs_f64())
}

#[test]
fn training_fits_the_curves_and_orders_warm_to_bright() {
    let rows = dataset(1);
    let (untrained, _) = trained(&rows, 0, 7);
    let before = untrained.response_mse(&rows).unwrap();
    let (model, secs) = trained(&rows, 150, 7);
    let after = model.response_mse(&rows).unwrap();
    let h = &model.history;
    eprintln!(
        "{} rows, 150 epochs in {secs:.2} s: response MSE {before:.2} → {after:.3} dB² \
         (epoch 1 {:.2}, last {:.3}); semantic hinge {:.3} → {:.4}",
        rows.len(),
        h[0].response,
        h[h.len() - 1].response,
        h[0].semantic,
        h[h.len() - 1].semantic,
    );
    assert!(
        after.is_finite() && after < before / 10.0,
        "{before} → {after}"
    );

    // Warm rows land at x < 0, bright rows at x > 0.
    let latents = model.encode(&rows).unwrap();
    let (mut warm_ok, mut bright_ok, mut warm_n, mut bright_n) = (0, 0, 0, 0);
    for (r, l) in rows.iter().zip(&latents) {
        assert!(
            l[0].abs() < 1.0 && l[1].abs() < 1.0,
            "latent {l:?} off the pad"
        );
        match r.label {
            Some(Side::Warm) => {
                warm_n += 1;
                warm_ok += usize::from(l[0] < 0.0);
            }
            Some(Side::Bright) => {
                bright_n += 1;
                bright_ok += usize::from(l[0] > 0.0);
            }
            None => {}
        }
    }
    eprintln!("warm at x<0: {warm_ok}/{warm_n}; bright at x>0: {bright_ok}/{bright_n}");
    assert_eq!(warm_ok, warm_n);
    assert_eq!(bright_ok, bright_n);

    // The exported plain decoder hears it too: the pad gets brighter with x,
    // and it still agrees with candle after training.
    let bytes = model.to_safetensors(&BTreeMap::new()).unwrap();
    let plain = semantic_eq_model::Decoder::from_safetensors(&bytes).unwrap();
    assert_eq!(plain.metadata()["seed"], "7");
    assert!(plain.metadata()["train_config"].contains("\"loss_freqs\":64"));
    let warm = brightness(&plain.decode(-0.8, 0.0).params);
    let bright = brightness(&plain.decode(0.8, 0.0).params);
    eprintln!("decoded brightness: x=-0.8 {warm:.2} dB, x=+0.8 {bright:.2} dB");
    assert!(bright - warm > 6.0, "{warm} → {bright}");

    let grid: Vec<f32> = (0..21 * 21)
        .flat_map(|k| [-1.0 + (k / 21) as f32 * 0.1, -1.0 + (k % 21) as f32 * 0.1])
        .collect();
    let latent = Tensor::from_vec(grid.clone(), (21 * 21, 2), &Device::Cpu).unwrap();
    let want = model
        .decoder()
        .forward(&latent)
        .unwrap()
        .normalized
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    let mut worst = 0.0f32;
    for (p, w) in grid.chunks(2).zip(&want) {
        let got = plain.decode_normalized(p[0], p[1]);
        for i in 0..NUM_PARAMS {
            worst = worst.max((got[i] - w[i]).abs());
        }
    }
    eprintln!("trained model parity: {worst:.2e}");
    assert!(worst <= 1e-5);
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let rows = dataset(2);
    let a = train(&rows, &config(5), 11).unwrap();
    let b = train(&rows, &config(5), 11).unwrap();
    let c = train(&rows, &config(5), 12).unwrap();
    let bytes = |m: &TrainedModel| m.to_safetensors(&BTreeMap::new()).unwrap();
    // Byte-identical files (not printed on failure: they are large).
    assert!(bytes(&a) == bytes(&b), "same seed, different files");
    assert_eq!(a.history, b.history);
    assert!(bytes(&a) != bytes(&c), "different seeds, same file");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut rows = dataset(3);
    assert!(train(&[], &config(1), 1).is_err());
    let short = TrainConfig {
        loss_freqs: 32,
        ..config(1)
    };
    assert!(train(&rows, &short, 1).is_err());
    rows[5].normalized[3] = 1.5;
    let e = train(&rows, &config(1), 1).err().unwrap().to_string();
    assert!(e.contains("row 5"), "{e}");
    rows[5].normalized[3] = f64::NAN;
    assert!(train(&rows, &config(1), 1).is_err());
}
