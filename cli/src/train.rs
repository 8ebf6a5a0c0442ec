//! `semantic-eq train` (cargo feature `train`): SAFE data in, decoder file out.
//!
//! The run itself (hash, split, training, evaluation, landmarks, metadata)
//! is [`semantic_eq_model::train::pipeline`]; this module reads the input,
//! shows progress, and writes the file atomically (a temporary file in the
//! output's folder, created before training so an unwritable destination
//! fails at once, renamed into place at the end), then the training plots.

use anyhow::{Context, Result, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use semantic_eq_model::train::pipeline;
use semantic_eq_model::train::{EpochLoss, TrainConfig};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

pub use pipeline::{LANDMARK_MIN_COUNT, META_DATA_SUMMARY, VALIDATION_FRACTION, landmarks};

/// Everything `train` needs, already parsed by the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    pub data: PathBuf,
    pub out: PathBuf,
    pub seed: u64,
    pub config: TrainConfig,
    pub quiet: bool,
    /// `--folds`: cross-validate with this many folds instead (0 = off).
    pub folds: usize,
}

/// The default training configuration of the command:
/// [`TrainConfig::tuned`] (its documentation says what and why).
pub fn default_config() -> TrainConfig {
    TrainConfig::tuned()
}

/// What a finished run produced, and how long it took.
pub struct TrainOutcome {
    pub model: pipeline::TrainOutcome,
    /// Wall time of reading and training, s.
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
    let tmp = tempfile::Builder::new()
        .prefix(".semantic-eq-train-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write to '{}'", dir.display()))?;

    if opts.folds > 0 {
        let cv = cross_validate(opts)?;
        let table = cv.table();
        let json = serde_json::to_string_pretty(&cv.to_json())? + "\n";
        write_persist(tmp, json.as_bytes(), &opts.out)?;
        if !opts.quiet {
            eprintln!(
                "{}-fold cross-validation of the training configuration (held-out rows of each fold):",
                cv.folds.len()
            );
        }
        print!("{table}");
        if !opts.quiet {
            eprintln!("wrote {}", opts.out.display());
        }
        return Ok(());
    }

    let TrainOutcome {
        model: outcome,
        seconds,
    } = run(opts)?;
    write_persist(tmp, &outcome.bytes, &opts.out)?;
    if !opts.quiet {
        eprintln!(
            "{} rows ({} rejected, {} noise dropped): trained on {}, validated on {}; {:.1} s",
            outcome.train_rows + outcome.validation_rows,
            outcome.rejected,
            outcome.noise,
            outcome.train_rows,
            outcome.validation_rows,
            seconds
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
    let origin = opts.data.display().to_string();
    let bar = progress_bar(opts.config.epochs, opts.quiet);
    let mut on_epoch = |epoch: usize, loss: &EpochLoss| {
        bar.set_position(epoch as u64 + 1);
        if epoch.is_multiple_of(10) {
            bar.set_message(format!("response {:.2} dB²", loss.response));
        }
    };
    let outcome =
        pipeline::train_safe_bytes(&bytes, &origin, &opts.config, opts.seed, &mut on_epoch)?;
    bar.finish_and_clear();
    Ok(TrainOutcome {
        model: outcome,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Writes `bytes` to the temporary file and renames it to `out`. tempfile
/// creates 0600; an output is ordinary data (umask applies only at
/// creation, so use the usual 0644).
fn write_persist(
    mut tmp: tempfile::NamedTempFile,
    bytes: &[u8],
    out: &std::path::Path,
) -> Result<()> {
    tmp.write_all(bytes)
        .and_then(|()| crate::platform::make_readable(tmp.as_file()))
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write '{}'", out.display()))?;
    tmp.persist(out)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write '{}'", out.display()))?;
    Ok(())
}

/// `--folds`: the cross-validation, with a progress bar over every fold's
/// epochs.
pub fn cross_validate(opts: &TrainOptions) -> Result<pipeline::CrossValidation> {
    let bytes = std::fs::read(&opts.data)
        .with_context(|| format!("cannot read SAFE data '{}'", opts.data.display()))?;
    let origin = opts.data.display().to_string();
    let epochs = opts.config.epochs;
    let bar = progress_bar(epochs * opts.folds, opts.quiet);
    let mut on_epoch = |fold: usize, epoch: usize, loss: &EpochLoss| {
        bar.set_position((fold * epochs + epoch) as u64 + 1);
        if epoch.is_multiple_of(10) {
            bar.set_message(format!(
                "fold {} response {:.2} dB²",
                fold + 1,
                loss.response
            ));
        }
    };
    let cv = pipeline::cross_validate(
        &bytes,
        &origin,
        &opts.config,
        opts.seed,
        opts.folds,
        &mut on_epoch,
    )?;
    bar.finish_and_clear();
    Ok(cv)
}

/// A progress bar over the epochs, on a terminal only.
fn progress_bar(epochs: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(epochs as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "training {bar:30} {pos}/{len} epochs, {elapsed_precise} (eta {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar
}
