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

use crate::decoder::{META_DATA_SHA256, META_LANDMARKS, META_METRICS};
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

/// Trains on the SAFE-layout `bytes` (named `origin` in messages), calling
/// `on_epoch` after every epoch.
pub fn train_safe_bytes(
    bytes: &[u8],
    origin: &str,
    config: &TrainConfig,
    seed: u64,
    on_epoch: &mut dyn FnMut(usize, &EpochLoss),
) -> Result<TrainOutcome, PipelineError> {
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
    let split = safe::validation_split(&rows, VALIDATION_FRACTION, seed);
    if split.validation.is_empty() || split.train.is_empty() {
        return Err(PipelineError::NoSplit {
            origin: origin.to_string(),
            rows: rows.len(),
        });
    }
    let to_train = |r: &SafeRow| TrainRow {
        normalized: r.with_bells_sorted().params.to_normalized(),
        label: Side::of(&r.descriptor),
    };
    let train_rows: Vec<TrainRow> = split.train.iter().map(|&i| to_train(&rows[i])).collect();

    let model = crate::train::train_with_progress(&train_rows, config, seed, on_epoch)?;
    let decoder = model.plain_decoder()?;

    let held_out: Vec<(EqParams, Option<Side>)> = split
        .validation
        .iter()
        .map(|&i| (rows[i].params, Side::of(&rows[i].descriptor)))
        .collect();
    let evaluation = metrics::evaluate(metrics::decoder_fn(&decoder), &held_out);

    let mut meta = BTreeMap::new();
    meta.insert(META_DATA_SHA256.to_string(), sha256);
    meta.insert(
        META_LANDMARKS.to_string(),
        landmarks(&model, &rows)?.to_string(),
    );
    meta.insert(
        META_METRICS.to_string(),
        json!({ "validation": evaluation.to_json() }).to_string(),
    );
    meta.insert(
        META_DATA_SUMMARY.to_string(),
        json!({
            "rows": rows.len() + noise.len() + rejected,
            "rejected": rejected,
            "noise_dropped": noise.len(),
            "train_rows": split.train.len(),
            "validation_rows": split.validation.len(),
            "validation_fraction": VALIDATION_FRACTION,
            "split": "stratified by descriptor, seeded with the training seed",
        })
        .to_string(),
    );
    let bytes = model.to_safetensors(&meta)?;
    Ok(TrainOutcome {
        bytes,
        evaluation,
        train_rows: split.train.len(),
        validation_rows: split.validation.len(),
        rejected,
        noise: noise.len(),
    })
}

/// The pad position of every descriptor with at least
/// [`LANDMARK_MIN_COUNT`] rows: the mean encoder latent of its rows, as
/// `{"warm": {"x": …, "y": …, "count": n}, …}`.
pub fn landmarks(model: &TrainedModel, rows: &[SafeRow]) -> Result<Value, TrainError> {
    let all: Vec<TrainRow> = rows
        .iter()
        .map(|r| TrainRow {
            normalized: r.with_bells_sorted().params.to_normalized(),
            label: None,
        })
        .collect();
    let latents = model.encode(&all)?;
    let mut out = serde_json::Map::new();
    for (descriptor, count) in safe::descriptors_with_at_least(rows, LANDMARK_MIN_COUNT) {
        let (mut x, mut y) = (0.0f64, 0.0f64);
        for (r, l) in rows.iter().zip(&latents) {
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
    Ok(Value::Object(out))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
