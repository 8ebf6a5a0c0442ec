//! `semantic-eq train` (cargo feature `train`): SAFE data in, decoder file out.
//!
//! 1. Reads the file once, hashes it (SHA-256) and parses it with the SAFE
//!    loader; rejected rows are counted, noise rows (`test`, empty) dropped.
//! 2. Carves a validation split, stratified by descriptor and fixed by the
//!    seed ([`safe::validation_split`], [`VALIDATION_FRACTION`]).
//! 3. Trains the encoder/decoder on the training part (warm/bright
//!    supervision on x, y free), bells sorted by frequency.
//! 4. Evaluates the plain-Rust decoder on the validation part
//!    ([`semantic_eq_model::metrics`]) and computes the landmarks.
//! 5. Writes the file atomically (a temporary file in the output's folder,
//!    created before training so an unwritable destination fails at once,
//!    renamed into place at the end).
//!
//! Same data, options and seed give a byte-identical file: nothing in it
//! depends on time, paths or the machine's thread count (training runs
//! with a fixed `RAYON_NUM_THREADS`, see the binary).

use anyhow::{Context, Result, bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use semantic_eq_model::EqParams;
use semantic_eq_model::decoder::{META_DATA_SHA256, META_LANDMARKS, META_METRICS};
use semantic_eq_model::metrics::{self, Evaluation, Side};
use semantic_eq_model::safe::{self, SafeRow};
use semantic_eq_model::train::{EpochLoss, TrainConfig, TrainRow, TrainedModel};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Instant;

/// Fraction of the given rows held out for validation.
pub const VALIDATION_FRACTION: f64 = safe::DEFAULT_VALIDATION_FRACTION;
/// Descriptors with at least this many rows get a landmark.
pub const LANDMARK_MIN_COUNT: usize = 5;
/// Metadata key: rows used, rejected and held out (JSON).
pub const META_DATA_SUMMARY: &str = "data";

/// Everything `train` needs, already parsed by the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    pub data: PathBuf,
    pub out: PathBuf,
    pub seed: u64,
    pub config: TrainConfig,
    pub quiet: bool,
}

/// The default training configuration of the command:
/// [`TrainConfig::tuned`] (its documentation says what and why).
pub fn default_config() -> TrainConfig {
    TrainConfig::tuned()
}

/// What a finished run produced.
pub struct TrainOutcome {
    pub bytes: Vec<u8>,
    pub evaluation: Evaluation,
    pub train_rows: usize,
    pub validation_rows: usize,
    pub rejected: usize,
    pub noise: usize,
    pub seconds: f64,
}

/// The `train` subcommand.
pub fn train(opts: &TrainOptions) -> Result<()> {
    // Fail on an unwritable destination before spending a minute training.
    let dir = match opts.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    ensure!(
        !opts.out.is_dir(),
        "output '{}' is a directory",
        opts.out.display()
    );
    let mut tmp = tempfile::Builder::new()
        .prefix(".semantic-eq-train-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write to '{}'", dir.display()))?;

    let outcome = run(opts)?;

    // tempfile creates 0600; a model file is ordinary data (umask applies
    // only at creation, so use the usual 0644).
    tmp.write_all(&outcome.bytes)
        .and_then(|()| {
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
        })
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write '{}'", opts.out.display()))?;
    tmp.persist(&opts.out)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write '{}'", opts.out.display()))?;
    if !opts.quiet {
        eprintln!(
            "{} rows ({} rejected, {} noise dropped): trained on {}, validated on {}; {:.1} s",
            outcome.train_rows + outcome.validation_rows,
            outcome.rejected,
            outcome.noise,
            outcome.train_rows,
            outcome.validation_rows,
            outcome.seconds
        );
        eprintln!("validation: {}", outcome.evaluation.summary());
        eprintln!("wrote {}", opts.out.display());
    }
    super::eval::write_training_plots(&opts.data, &outcome.bytes, &opts.out, opts.quiet)?;
    Ok(())
}

/// Loads, trains and evaluates; returns the file's bytes (nothing written).
pub fn run(opts: &TrainOptions) -> Result<TrainOutcome> {
    let start = Instant::now();
    let bytes = std::fs::read(&opts.data)
        .with_context(|| format!("cannot read SAFE data '{}'", opts.data.display()))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let report = safe::parse_safe(&bytes).map_err(|e| match e {
        safe::LoadError::NoGoodRows { records, first, .. } => safe::LoadError::NoGoodRows {
            origin: opts.data.display().to_string(),
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
        bail!(
            "{}: {} usable rows after dropping {} noise rows; need at least 2",
            opts.data.display(),
            rows.len(),
            noise.len()
        );
    }
    let split = safe::validation_split(&rows, VALIDATION_FRACTION, opts.seed);
    if split.validation.is_empty() || split.train.is_empty() {
        bail!(
            "{}: too few rows ({}) for a validation split",
            opts.data.display(),
            rows.len()
        );
    }
    let to_train = |r: &SafeRow| TrainRow {
        normalized: r.with_bells_sorted().params.to_normalized(),
        label: Side::of(&r.descriptor),
    };
    let train_rows: Vec<TrainRow> = split.train.iter().map(|&i| to_train(&rows[i])).collect();

    let model = fit(&train_rows, &opts.config, opts.seed, opts.quiet)?;
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
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Trains, with a progress bar on a terminal.
fn fit(rows: &[TrainRow], config: &TrainConfig, seed: u64, quiet: bool) -> Result<TrainedModel> {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(config.epochs as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "training {bar:30} {pos}/{len} epochs, {elapsed_precise} (eta {eta}) {msg}",
            )
            .expect("valid template"),
        );
        bar
    };
    let mut on_epoch = |epoch: usize, loss: &EpochLoss| {
        bar.set_position(epoch as u64 + 1);
        if epoch.is_multiple_of(10) {
            bar.set_message(format!("response {:.2} dB²", loss.response));
        }
    };
    let model = semantic_eq_model::train::train_with_progress(rows, config, seed, &mut on_epoch)
        .context("training failed")?;
    bar.finish_and_clear();
    Ok(model)
}

/// The pad position of every descriptor with at least
/// [`LANDMARK_MIN_COUNT`] rows: the mean encoder latent of its rows, as
/// `{"warm": {"x": …, "y": …, "count": n}, …}`.
pub fn landmarks(model: &TrainedModel, rows: &[SafeRow]) -> Result<Value> {
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
