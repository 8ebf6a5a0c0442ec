//! A whole training run on SAFE-layout bytes: what `semantic-eq train` does
//! between reading its input and writing its output, here so that the
//! data's hash, the split, the landmarks and the file's metadata are
//! decided next to the trainer and not in a front end.
//!
//! 1. Hashes the bytes (SHA-256) and parses them with the SAFE loader;
//!    rejected rows are counted, noise rows (`test`, empty) dropped.
//! 2. Carves a validation split, stratified by descriptor and fixed by the
//!    seed ([`safe::validation_split`], [`VALIDATION_FRACTION`]).
//! 3. Trains the encoder/decoder on the training part (warm/bright
//!    supervision on x, y free), bells sorted by frequency.
//! 4. Evaluates the plain-Rust decoder on the validation part
//!    ([`crate::metrics`]) and computes the landmarks.
//! 5. Returns the model file's bytes; writing them is the caller's job.
//!
//! Same bytes, configuration and seed give byte-identical output: nothing
//! depends on time, paths or the machine (training runs with a fixed thread
//! count, see the CLI's binary).

use crate::decoder::{
    Decoder, Density, META_DATA_SHA256, META_DENSITY, META_LANDMARKS, META_METRICS, META_SEED,
    META_TRAIN_CONFIG,
};
use crate::metrics::{self, Evaluation, Side};
use crate::params::EqParams;
use crate::safe::{self, SafeRow};
use crate::train::{EpochLoss, TrainConfig, TrainError, TrainRow, TrainedModel};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Fraction of the given rows held out for validation.
pub const VALIDATION_FRACTION: f64 = safe::DEFAULT_VALIDATION_FRACTION;
/// Descriptors with at least this many rows get a landmark.
pub const LANDMARK_MIN_COUNT: usize = 5;
/// Metadata key: rows used, rejected and held out (JSON).
pub const META_DATA_SUMMARY: &str = "data";

/// Why a run could not produce a model. Messages name `origin`, the
/// caller's name for the bytes (a path).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Load(#[from] safe::LoadError),
    #[error("{origin}: {usable} usable rows after dropping {noise} noise rows; need at least 2")]
    TooFewRows {
        origin: String,
        usable: usize,
        noise: usize,
    },
    #[error("{origin}: too few rows ({rows}) for a validation split")]
    NoSplit { origin: String, rows: usize },
    #[error("training failed: {0}")]
    Train(#[from] TrainError),
}

/// What a finished run produced.
pub struct TrainOutcome {
    /// The model file (safetensors with metadata).
    pub bytes: Vec<u8>,
    /// The decoder on the validation rows.
    pub evaluation: Evaluation,
    pub train_rows: usize,
    pub validation_rows: usize,
    /// Rows the SAFE loader refused.
    pub rejected: usize,
    /// Rows dropped as noise (`test`, no descriptor).
    pub noise: usize,
}

/// SAFE-layout bytes, parsed for training: noise rows dropped.
pub struct Dataset {
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Accepted rows that are not noise, in file order.
    pub rows: Vec<SafeRow>,
    /// Rows dropped as noise.
    pub noise: usize,
    /// Rows the loader refused.
    pub rejected: usize,
}

/// Parses `bytes` (named `origin` in messages); at least two usable rows.
pub fn load_dataset(bytes: &[u8], origin: &str) -> Result<Dataset, PipelineError> {
    let sha256 = hex(&Sha256::digest(bytes));
    let report = safe::parse_safe(bytes).map_err(|e| match e {
        safe::LoadError::NoGoodRows { records, first, .. } => safe::LoadError::NoGoodRows {
            origin: origin.to_string(),
            records,
            first,
        },
        other => other,
    })?;
    let rejected = report.rejected.len();
    let (rows, noise): (Vec<SafeRow>, Vec<SafeRow>) = report
        .rows
        .into_iter()
        .partition(|r| !r.descriptor.is_noise());
    if rows.len() < 2 {
        return Err(PipelineError::TooFewRows {
            origin: origin.to_string(),
            usable: rows.len(),
            noise: noise.len(),
        });
    }
    Ok(Dataset {
        sha256,
        rows,
        noise: noise.len(),
        rejected,
    })
}

/// The training rows of `rows[indices]`: bells sorted, warm/bright labels.
fn train_rows(rows: &[SafeRow], indices: &[usize]) -> Vec<TrainRow> {
    indices
        .iter()
        .map(|&i| TrainRow {
            normalized: rows[i].with_bells_sorted().params.to_normalized(),
            label: Side::of(&rows[i].descriptor),
        })
        .collect()
}

/// `rows[indices]` as held-out `(setting, label)` pairs.
fn held_out(rows: &[SafeRow], indices: &[usize]) -> Vec<(EqParams, Option<Side>)> {
    indices
        .iter()
        .map(|&i| (rows[i].params, Side::of(&rows[i].descriptor)))
        .collect()
}

/// Trains on the SAFE-layout `bytes` (named `origin` in messages), calling
/// `on_epoch` after every epoch.
pub fn train_safe_bytes(
    bytes: &[u8],
    origin: &str,
    config: &TrainConfig,
    seed: u64,
    on_epoch: &mut dyn FnMut(usize, &EpochLoss),
) -> Result<TrainOutcome, PipelineError> {
    let Dataset {
        sha256,
        rows,
        noise,
        rejected,
    } = load_dataset(bytes, origin)?;
    let split = safe::validation_split(&rows, VALIDATION_FRACTION, seed);
    if split.validation.is_empty() || split.train.is_empty() {
        return Err(PipelineError::NoSplit {
            origin: origin.to_string(),
            rows: rows.len(),
        });
    }
    let model = crate::train::train_with_progress(
        &train_rows(&rows, &split.train),
        config,
        seed,
        on_epoch,
    )?;
    let (decoder, y_flipped) = oriented(model.plain_decoder()?)?;
    let evaluation = metrics::evaluate(
        metrics::decoder_fn(&decoder),
        &held_out(&rows, &split.validation),
    );

    let mut latents = pad_points(&model, &rows)?;
    if y_flipped {
        for l in &mut latents {
            l[1] = -l[1];
        }
    }
    let density = Density::from_points(
        split.train.iter().map(|&i| (latents[i][0], latents[i][1])),
        DENSITY_GRID,
    );
    let mut meta = BTreeMap::new();
    meta.insert(META_DATA_SHA256.to_string(), sha256);
    meta.insert(
        META_LANDMARKS.to_string(),
        landmarks_at(&rows, &latents).to_string(),
    );
    meta.insert(META_DENSITY.to_string(), density.to_json());
    meta.insert(
        META_METRICS.to_string(),
        json!({ "validation": evaluation.to_json() }).to_string(),
    );
    meta.insert(
        META_DATA_SUMMARY.to_string(),
        json!({
            "rows": rows.len() + noise + rejected,
            "rejected": rejected,
            "noise_dropped": noise,
            "train_rows": split.train.len(),
            "validation_rows": split.validation.len(),
            "validation_fraction": VALIDATION_FRACTION,
            "split": "stratified by descriptor, seeded with the training seed",
            "y_flipped": y_flipped,
        })
        .to_string(),
    );
    meta.insert(META_SEED.to_string(), seed.to_string());
    meta.insert(META_TRAIN_CONFIG.to_string(), config.to_json());
    let bytes = decoder.to_safetensors(&meta).map_err(TrainError::from)?;
    Ok(TrainOutcome {
        bytes,
        evaluation,
        train_rows: split.train.len(),
        validation_rows: split.validation.len(),
        rejected,
        noise,
    })
}

/// The decoder with its y axis turned so that body rises with y: the pad
/// is drawn "thin" at the bottom and "full" at the top, and a training run
/// may find either orientation (the losses do not tell them apart). The
/// turn negates the first layer's y weights, which is exact: the turned
/// decoder at `(x, y)` gives the bits of the original at `(x, −y)`.
/// Returns whether it turned.
pub fn oriented(decoder: Decoder) -> Result<(Decoder, bool), TrainError> {
    if body_db(&decoder, 0.5) >= body_db(&decoder, -0.5) {
        return Ok((decoder, false));
    }
    let mut layers = decoder.layers().to_vec();
    let inputs = 2;
    for w in layers[0].weight.chunks_exact_mut(inputs) {
        w[1] = -w[1];
    }
    let turned = Decoder::from_weights(decoder.arch().clone(), layers)
        .map_err(|e| TrainError::Config(format!("turning the pad: {e}")))?;
    Ok((turned, true))
}

/// Body at pad point `(0, y)`: the curve's mean dB below
/// [`metrics::WARM_BELOW_HZ`].
fn body_db(decoder: &Decoder, y: f32) -> f64 {
    let c = metrics::curve(&decoder.decode(0.0, y).params);
    let low: Vec<f64> = metrics::curve_frequencies()
        .iter()
        .zip(&c)
        .filter(|(hz, _)| **hz < metrics::WARM_BELOW_HZ)
        .map(|(_, db)| *db)
        .collect();
    low.iter().sum::<f64>() / low.len() as f64
}

/// Cells per side of the density grid stored in the model file.
pub const DENSITY_GRID: usize = 16;

/// Every row's pad point: the trained encoder's output (which refinement
/// taught to predict each training row's best-fit point).
pub fn pad_points(model: &TrainedModel, rows: &[SafeRow]) -> Result<Vec<[f32; 2]>, TrainError> {
    let all: Vec<TrainRow> = rows
        .iter()
        .map(|r| TrainRow {
            normalized: r.with_bells_sorted().params.to_normalized(),
            label: None,
        })
        .collect();
    model.encode(&all)
}

/// The pad position of every descriptor of sound ([`safe::vocabulary`])
/// with at least [`LANDMARK_MIN_COUNT`] rows: the mean encoder latent of its
/// rows, as `{"warm": {"x": …, "y": …, "count": n}, …}`.
pub fn landmarks(model: &TrainedModel, rows: &[SafeRow]) -> Result<Value, TrainError> {
    Ok(landmarks_at(rows, &pad_points(model, rows)?))
}

/// [`landmarks`] from the rows' pad points.
fn landmarks_at(rows: &[SafeRow], latents: &[[f32; 2]]) -> Value {
    let mut out = serde_json::Map::new();
    for (descriptor, count) in safe::vocabulary(rows, LANDMARK_MIN_COUNT) {
        let (mut x, mut y) = (0.0f64, 0.0f64);
        for (r, l) in rows.iter().zip(latents) {
            if r.descriptor == descriptor {
                x += f64::from(l[0]);
                y += f64::from(l[1]);
            }
        }
        let round = |v: f64| (v / count as f64 * 1e4).round() / 1e4;
        out.insert(
            descriptor.as_str().to_string(),
            json!({ "x": round(x), "y": round(y), "count": count }),
        );
    }
    Value::Object(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One fold of a cross-validation: a model trained on the other folds,
/// judged on this one.
#[derive(Clone, Debug)]
pub struct FoldResult {
    pub train_rows: usize,
    pub held_out_rows: usize,
    pub evaluation: Evaluation,
    /// Wall time of the fold's training, s.
    pub seconds: f64,
}

/// A `k`-fold cross-validation of one training configuration.
#[derive(Clone, Debug)]
pub struct CrossValidation {
    pub seed: u64,
    pub folds: Vec<FoldResult>,
    /// SHA-256 of the data.
    pub data_sha256: String,
}

/// Mean and sample standard deviation, min and max.
fn stats(v: &[f64]) -> Value {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let r = |x: f64| (x * 1e4).round() / 1e4;
    json!({
        "mean": r(mean),
        "sd": r(sd),
        "min": r(v.iter().copied().fold(f64::INFINITY, f64::min)),
        "max": r(v.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
    })
}

/// The figures reported per fold and summarised: `(name, value)`.
fn fold_figures(e: &Evaluation) -> [(&'static str, f64); 10] {
    [
        ("coverage_db", e.coverage_db),
        (
            "warm_bright_accuracy",
            e.warm_bright_accuracy.unwrap_or(f64::NAN),
        ),
        ("validity", e.validity),
        ("max_step_db_per_percent", e.gates.max_step_db),
        ("max_brightness_reversal_db", e.gates.max_reversal_db),
        ("brightness_span_db", e.gates.span_db),
        ("mean_pairwise_error_db", e.gates.diversity_db),
        ("pad_fighting_bells", e.pad_plausibility.fighting),
        ("pad_pinned", e.pad_plausibility.pinned),
        ("pad_effort", e.pad_plausibility.effort),
    ]
}

impl CrossValidation {
    /// Every fold's figures and their mean, spread and range, as JSON.
    pub fn to_json(&self) -> Value {
        let names = fold_figures(&self.folds[0].evaluation).map(|f| f.0);
        let mut summary = serde_json::Map::new();
        for (k, name) in names.iter().enumerate() {
            let v: Vec<f64> = self
                .folds
                .iter()
                .map(|f| fold_figures(&f.evaluation)[k].1)
                .collect();
            summary.insert((*name).to_string(), stats(&v));
        }
        let anchor: Vec<Value> = self
            .folds
            .iter()
            .map(|f| f.evaluation.data_plausibility.to_json())
            .collect();
        json!({
            "k": self.folds.len(),
            "seed": self.seed,
            "data_sha256": self.data_sha256,
            "split": "stratified by descriptor (safe::kfold_split), seeded with the training seed",
            "summary": summary,
            "all_gates_pass": self.folds.iter().all(|f| f.evaluation.gates.all_pass()),
            "folds": self.folds.iter().map(|f| json!({
                "train_rows": f.train_rows,
                "held_out_rows": f.held_out_rows,
                "seconds": (f.seconds * 10.0).round() / 10.0,
                "metrics": f.evaluation.to_json(),
            })).collect::<Vec<_>>(),
            "held_out_settings_plausibility": anchor,
        })
    }

    /// A table: one line per fold, then mean ± sd.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "fold  rows  coverage dB  accuracy  fighting  pinned  effort  step dB/%  span dB  gates  train s"
        );
        let line = |s: &mut String,
                    label: &str,
                    f: &[(&str, f64); 10],
                    rows: &str,
                    gates: &str,
                    secs: &str| {
            let _ = writeln!(
                s,
                "{label:<5} {rows:>4}  {:>11.3}  {:>8.3}  {:>7.1}%  {:>5.1}%  {:>6.2}  {:>9.3}  {:>7.2}  {gates:>5}  {secs:>7}",
                f[0].1,
                f[1].1,
                f[7].1 * 100.0,
                f[8].1 * 100.0,
                f[9].1,
                f[3].1,
                f[5].1,
            );
        };
        for (i, f) in self.folds.iter().enumerate() {
            let figs = fold_figures(&f.evaluation);
            line(
                &mut s,
                &(i + 1).to_string(),
                &figs,
                &f.held_out_rows.to_string(),
                if f.evaluation.gates.all_pass() {
                    "pass"
                } else {
                    "FAIL"
                },
                &format!("{:.1}", f.seconds),
            );
        }
        let n = self.folds.len() as f64;
        let all: Vec<[(&str, f64); 10]> = self
            .folds
            .iter()
            .map(|f| fold_figures(&f.evaluation))
            .collect();
        let mean: [(&str, f64); 10] =
            std::array::from_fn(|k| (all[0][k].0, all.iter().map(|f| f[k].1).sum::<f64>() / n));
        let sd: [(&str, f64); 10] = std::array::from_fn(|k| {
            let m = mean[k].1;
            let var = all.iter().map(|f| (f[k].1 - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            (all[0][k].0, var.sqrt())
        });
        line(&mut s, "mean", &mean, "", "", "");
        line(&mut s, "sd", &sd, "", "", "");
        s
    }
}

/// `k`-fold cross-validation of `config` on the SAFE-layout `bytes`: fold
/// `i` trains on the other folds ([`safe::kfold_split`], seeded with
/// `seed`) and is judged on its own rows. `on_epoch(fold, epoch, loss)`
/// reports progress.
pub fn cross_validate(
    bytes: &[u8],
    origin: &str,
    config: &TrainConfig,
    seed: u64,
    k: usize,
    on_epoch: &mut dyn FnMut(usize, usize, &EpochLoss),
) -> Result<CrossValidation, PipelineError> {
    let data = load_dataset(bytes, origin)?;
    let splits = safe::kfold_split(&data.rows, k, seed);
    if splits.len() < 2 {
        return Err(PipelineError::NoSplit {
            origin: origin.to_string(),
            rows: data.rows.len(),
        });
    }
    let mut folds = Vec::with_capacity(splits.len());
    for (i, split) in splits.iter().enumerate() {
        let start = std::time::Instant::now();
        let mut progress = |epoch: usize, loss: &EpochLoss| on_epoch(i, epoch, loss);
        let model = crate::train::train_with_progress(
            &train_rows(&data.rows, &split.train),
            config,
            seed,
            &mut progress,
        )?;
        let seconds = start.elapsed().as_secs_f64();
        let (decoder, _) = oriented(model.plain_decoder()?)?;
        let evaluation = metrics::evaluate(
            metrics::decoder_fn(&decoder),
            &held_out(&data.rows, &split.validation),
        );
        folds.push(FoldResult {
            train_rows: split.train.len(),
            held_out_rows: split.validation.len(),
            evaluation,
            seconds,
        });
    }
    Ok(CrossValidation {
        seed,
        folds,
        data_sha256: data.sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoder::{Arch, Dense};
    use crate::rng::SplitMix64;

    fn random_decoder(seed: u64) -> Decoder {
        let arch = Arch::new(vec![8]).unwrap();
        let mut rng = SplitMix64::new(seed);
        let layers = arch
            .layer_dims()
            .into_iter()
            .map(|(inputs, outputs)| Dense {
                weight: (0..inputs * outputs)
                    .map(|_| rng.uniform(-1.5, 1.5) as f32)
                    .collect(),
                bias: (0..outputs)
                    .map(|_| rng.uniform(-0.5, 0.5) as f32)
                    .collect(),
            })
            .collect();
        Decoder::from_weights(arch, layers).unwrap()
    }

    /// Turning is exact (the bits of the original at −y) and leaves body
    /// rising with y; an already upright decoder is left alone.
    #[test]
    fn turning_the_pad_is_exact_and_puts_body_up() {
        let mut seen = [false; 2];
        for seed in 0..20 {
            let d = random_decoder(seed);
            let (t, turned) = oriented(d.clone()).unwrap();
            seen[usize::from(turned)] = true;
            assert!(body_db(&t, 0.5) >= body_db(&t, -0.5), "seed {seed}");
            for (x, y) in [(0.3f32, 0.7f32), (-1.0, -0.2), (0.0, 1.0), (0.9, -0.9)] {
                let want = d.decode(x, if turned { -y } else { y });
                assert_eq!(t.decode(x, y).normalized, want.normalized, "seed {seed}");
            }
        }
        assert_eq!(seen, [true, true], "both cases occur among the seeds");
    }
}
