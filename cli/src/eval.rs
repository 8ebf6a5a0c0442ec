//! `semantic-eq eval`: a decoder judged on any file in the SAFE layout.
//!
//! The whole file is held-out data: every accepted row except noise (`test`,
//! empty descriptors) is a target. The figures are the metrics
//! ([`semantic_eq_model::metrics`]): coverage on the 101 × 101 grid,
//! warm/bright accuracy of the best-fit points, validity and the four gates.
//! Then the plots ([`super::plots`]) are drawn.
//!
//! No candle on this path: it runs the plain-Rust decoder only.

use super::decode::load_model;
use super::plots::{self, PlotInput, ScatterPoint};
use anyhow::{Context, Result, bail};
use semantic_eq_model::metrics::{
    self, COVERAGE_GRID, Coverage, Evaluation, Gates, MAX_REVERSAL_DB, MAX_STEP_DB,
    MIN_DIVERSITY_DB, MIN_SPAN_DB, PLAUSIBILITY_GRID, Pad, Plausibility, Side,
};
use semantic_eq_model::safe::{self, SafeRow};
use semantic_eq_model::{Decoder, EqParams};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Coverage target of the issue, dB (also in [`Evaluation::meets_targets`]).
pub const TARGET_COVERAGE_DB: f64 = 1.50;
/// Warm/bright accuracy target of the issue.
pub const TARGET_ACCURACY: f64 = 0.90;
/// File-name prefix of the plots `eval` writes.
pub const PLOT_PREFIX: &str = "eval";

/// Everything `eval` needs, already parsed by the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalOptions {
    pub data: PathBuf,
    pub model: Option<PathBuf>,
    pub json: bool,
    /// Folder for the plots (created if missing); `None`: no plots.
    pub plots: Option<PathBuf>,
}

/// A SAFE file, read for evaluation.
#[derive(Clone, Debug)]
pub struct EvalData {
    /// Accepted rows without noise, in file order.
    pub rows: Vec<SafeRow>,
    /// Records seen.
    pub records: usize,
    /// Rejected records per reason.
    pub rejections: Vec<(&'static str, usize)>,
    /// Accepted rows dropped as noise.
    pub noise: usize,
}

impl EvalData {
    pub fn rejected(&self) -> usize {
        self.rejections.iter().map(|r| r.1).sum()
    }
}

/// Reads a SAFE file; an error if no row is left after dropping noise.
pub fn load_data(path: &Path) -> Result<EvalData> {
    let report = safe::load(path)?;
    let records = report.records();
    let rejections = report.rejection_counts();
    let (rows, noise): (Vec<SafeRow>, Vec<SafeRow>) = report
        .rows
        .into_iter()
        .partition(|r| !r.descriptor.is_noise());
    if rows.is_empty() {
        bail!(
            "{}: no rows left to evaluate after dropping {} noise rows (`test` or empty descriptor)",
            path.display(),
            noise.len()
        );
    }
    Ok(EvalData {
        rows,
        records,
        rejections,
        noise: noise.len(),
    })
}

/// The figures, and each row's best-fit `(x, y, error)`.
pub struct Outcome {
    pub evaluation: Evaluation,
    pub best: Vec<(f64, f64, f64)>,
}

/// Evaluates `decoder` on `rows`: the same figures as
/// [`metrics::evaluate`], computed once with the best-fit points kept (the
/// scatter plot needs them) and the coverage search spread over the cores.
pub fn evaluate(decoder: &Decoder, rows: &[SafeRow]) -> Outcome {
    let f = metrics::decoder_fn(decoder);
    let pad = Pad::decode(&f, COVERAGE_GRID);
    let targets: Vec<EqParams> = rows.iter().map(|r| r.params).collect();
    let labels: Vec<Option<Side>> = rows.iter().map(|r| Side::of(&r.descriptor)).collect();
    let cov = parallel_coverage(&pad, &targets);
    let evaluation = Evaluation {
        settings: rows.len(),
        coverage_db: cov.mean_db,
        labelled: labels.iter().flatten().count(),
        warm_bright_accuracy: metrics::warm_bright_accuracy(&cov.best, &labels),
        validity: pad.validity(),
        gates: Gates::measure(&f, &pad),
        pad_plausibility: Plausibility::of_pad(&Pad::decode(&f, PLAUSIBILITY_GRID)),
        data_plausibility: Plausibility::of_settings(&targets),
    };
    Outcome {
        evaluation,
        best: cov.best,
    }
}

/// [`metrics::coverage`] over contiguous chunks on scoped threads; the
/// mean is summed in input order, so the result is identical.
fn parallel_coverage(pad: &Pad, targets: &[EqParams]) -> Coverage {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = targets.len().div_ceil(threads).max(64);
    let best: Vec<(f64, f64, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .chunks(chunk)
            .map(|c| s.spawn(move || metrics::coverage(pad, c).best))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("coverage thread"))
            .collect()
    });
    let mean_db = if best.is_empty() {
        f64::NAN
    } else {
        best.iter().map(|b| b.2).sum::<f64>() / best.len() as f64
    };
    Coverage { mean_db, best }
}

/// The scatter's points: each row at its best-fit pad point.
pub fn scatter_points(rows: &[SafeRow], best: &[(f64, f64, f64)]) -> Vec<ScatterPoint> {
    rows.iter()
        .zip(best)
        .map(|(r, b)| ScatterPoint {
            x: b.0,
            y: b.1,
            descriptor: r.descriptor.as_str().to_string(),
        })
        .collect()
}

fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The `eval` subcommand.
pub fn eval(opts: &EvalOptions) -> Result<()> {
    let (decoder, model_label) = match &opts.model {
        Some(path) => (load_model(path)?, format!("model {}", file_label(path))),
        None => (Decoder::embedded(), "embedded default model".to_string()),
    };
    let data = load_data(&opts.data)?;
    let outcome = evaluate(&decoder, &data.rows);

    let plots = match &opts.plots {
        None => Vec::new(),
        Some(dir) => {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create plot folder '{}'", dir.display()))?;
            }
            let points = scatter_points(&data.rows, &outcome.best);
            let input = PlotInput {
                decoder: &decoder,
                model_label: model_label.clone(),
                data_label: file_label(&opts.data),
                points: &points,
            };
            let mut protect: Vec<&Path> = vec![&opts.data];
            if let Some(m) = &opts.model {
                protect.push(m);
            }
            plots::write_all(&input, dir, PLOT_PREFIX, &protect)?
        }
    };

    if opts.json {
        let report = json_report(opts, &decoder, &data, &outcome.evaluation, &plots);
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!(
            "{}",
            text_report(opts, &decoder, &data, &outcome.evaluation, &plots)
        );
    }
    Ok(())
}

fn model_json(opts: &EvalOptions, decoder: &Decoder) -> Value {
    let meta = decoder.metadata();
    let parsed = |key: &str| {
        meta.get(key).map_or(Value::Null, |t| {
            serde_json::from_str(t).unwrap_or(Value::String(t.clone()))
        })
    };
    json!({
        "source": opts.model.as_ref().map_or("embedded".to_string(), |p| p.display().to_string()),
        "architecture": parsed(semantic_eq_model::decoder::META_ARCHITECTURE),
        "seed": parsed(semantic_eq_model::decoder::META_SEED),
        "data_sha256": meta.get(semantic_eq_model::decoder::META_DATA_SHA256),
        "landmarks": decoder.landmarks().len(),
    })
}

/// The `--json` report.
pub fn json_report(
    opts: &EvalOptions,
    decoder: &Decoder,
    data: &EvalData,
    evaluation: &Evaluation,
    plots: &[PathBuf],
) -> Value {
    let rejections: serde_json::Map<String, Value> = data
        .rejections
        .iter()
        .map(|(k, n)| ((*k).to_string(), json!(n)))
        .collect();
    json!({
        "data": {
            "path": opts.data.display().to_string(),
            "records": data.records,
            "evaluated": data.rows.len(),
            "noise_dropped": data.noise,
            "rejected": data.rejected(),
            "rejections": rejections,
        },
        "model": model_json(opts, decoder),
        "metrics": evaluation.to_json(),
        "plots": plots.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

fn verdict(ok: bool) -> &'static str {
    if ok { "pass" } else { "FAIL" }
}

/// The human-readable report.
pub fn text_report(
    opts: &EvalOptions,
    decoder: &Decoder,
    data: &EvalData,
    e: &Evaluation,
    plots: &[PathBuf],
) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let mut rejected = String::new();
    if data.rejected() > 0 {
        let kinds: Vec<String> = data
            .rejections
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        rejected = format!(", {} rejected: {}", data.rejected(), kinds.join(", "));
    }
    let _ = writeln!(
        s,
        "data:  {}: {} records, {} rows evaluated ({} noise dropped{rejected})",
        opts.data.display(),
        data.records,
        data.rows.len(),
        data.noise,
    );
    let seed = decoder
        .metadata()
        .get(semantic_eq_model::decoder::META_SEED)
        .map_or(String::new(), |s| format!(", seed {s}"));
    let _ = writeln!(
        s,
        "model: {}{seed}",
        opts.model.as_ref().map_or(
            "embedded default (assets/decoder.safetensors)".to_string(),
            |p| p.display().to_string()
        ),
    );
    let g = &e.gates;
    let acc = e
        .warm_bright_accuracy
        .map_or("n/a".to_string(), |a| format!("{a:.3}"));
    let acc_ok = e.warm_bright_accuracy.is_some_and(|a| a >= TARGET_ACCURACY);
    let rows = [
        (
            "coverage".to_string(),
            format!("{:.3} dB", e.coverage_db),
            format!("<= {TARGET_COVERAGE_DB:.2} dB"),
            e.coverage_db <= TARGET_COVERAGE_DB,
        ),
        (
            "warm/bright accuracy".to_string(),
            format!("{acc} ({} labelled)", e.labelled),
            format!(">= {TARGET_ACCURACY:.2}"),
            acc_ok,
        ),
        (
            "validity".to_string(),
            format!("{:.1} %", e.validity * 100.0),
            "100 %".to_string(),
            e.validity == 1.0,
        ),
        (
            "gate: smoothness".to_string(),
            format!("{:.3} dB per 1 %", g.max_step_db),
            format!("<= {MAX_STEP_DB} dB"),
            g.smooth(),
        ),
        (
            "gate: monotonicity".to_string(),
            format!("{:.4} dB reversal", g.max_reversal_db),
            format!("<= {MAX_REVERSAL_DB} dB"),
            g.monotonic(),
        ),
        (
            "gate: span".to_string(),
            format!("{:.2} dB", g.span_db),
            format!(">= {MIN_SPAN_DB} dB"),
            g.span(),
        ),
        (
            "gate: diversity".to_string(),
            format!("{:.2} dB", g.diversity_db),
            format!(">= {MIN_DIVERSITY_DB} dB"),
            g.diverse(),
        ),
    ];
    for (name, value, target, ok) in rows {
        let _ = writeln!(
            s,
            "  {name:<21} {value:<26} target {target:<11} {}",
            verdict(ok)
        );
    }
    let _ = writeln!(
        s,
        "meets every target: {}",
        if e.meets_targets() { "yes" } else { "no" }
    );
    let (pad, own) = (&e.pad_plausibility, &e.data_plausibility);
    let _ = writeln!(
        s,
        "plausibility ({PLAUSIBILITY_GRID}x{PLAUSIBILITY_GRID} pad vs the evaluated rows' own settings):"
    );
    for (name, pv, ov, target, ok) in [
        (
            "fighting bells",
            format!("{:.1} %", pad.fighting * 100.0),
            format!("{:.1} %", own.fighting * 100.0),
            format!("<= {:.0} %", Plausibility::MAX_FIGHTING * 100.0),
            pad.fighting <= Plausibility::MAX_FIGHTING,
        ),
        (
            "pinned bands",
            format!("{:.1} %", pad.pinned * 100.0),
            format!("{:.1} %", own.pinned * 100.0),
            format!("<= {:.0} %", Plausibility::MAX_PINNED * 100.0),
            pad.pinned <= Plausibility::MAX_PINNED,
        ),
        (
            "effort",
            format!("{:.2}", pad.effort),
            format!("{:.2}", own.effort),
            format!("<= {:.1}", Plausibility::MAX_EFFORT),
            pad.effort <= Plausibility::MAX_EFFORT,
        ),
    ] {
        let _ = writeln!(
            s,
            "  {name:<21} pad {pv:<9} rows {ov:<9} target {target:<8} {}",
            verdict(ok)
        );
    }
    for p in plots {
        let _ = writeln!(s, "plot:  {}", p.display());
    }
    s
}

/// After `train`: draws the plots next to the model file `out` (named
/// `<stem>-latent.png` and so on), with every non-noise row of `data` on the
/// scatter. `model` is the file's bytes.
pub fn write_training_plots(data: &Path, model: &[u8], out: &Path, quiet: bool) -> Result<()> {
    let decoder = Decoder::from_safetensors(model).context("the trained model")?;
    let rows = load_data(data)?.rows;
    let best = evaluate_best(&decoder, &rows);
    let points = scatter_points(&rows, &best);
    let input = PlotInput {
        decoder: &decoder,
        model_label: format!("model {}", file_label(out)),
        data_label: file_label(data),
        points: &points,
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let stem = out
        .file_stem()
        .map_or_else(|| "model".to_string(), |s| s.to_string_lossy().into_owned());
    let paths = plots::write_all(&input, dir, &stem, &[data, out])
        .with_context(|| format!("model written to '{}', but its plots failed", out.display()))?;
    if !quiet {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("plots: {}", names.join(", "));
    }
    Ok(())
}

/// Only the best-fit points (no gates): what the training plots need.
fn evaluate_best(decoder: &Decoder, rows: &[SafeRow]) -> Vec<(f64, f64, f64)> {
    let pad = Pad::from_decoder(decoder, COVERAGE_GRID);
    let targets: Vec<EqParams> = rows.iter().map(|r| r.params).collect();
    parallel_coverage(&pad, &targets).best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluate_matches_the_metrics_module() {
        let decoder = Decoder::embedded();
        let mut rows = Vec::new();
        let text: String = (0..150)
            .map(|i| {
                let d = ["warm", "bright", "muddy"][i % 3];
                let g = (i % 13) as f64 - 6.0;
                format!(
                    "{},{d},,2,2,{g},120,1,400,1,-1,1500,2,0.5,5000,1,{},8000,,,,,,,h{i}\n",
                    i + 1,
                    -g
                )
            })
            .collect();
        for r in safe::parse_safe(text.as_bytes()).unwrap().rows {
            rows.push(r);
        }
        assert_eq!(rows.len(), 150);
        let ours = evaluate(&decoder, &rows);
        let held: Vec<(EqParams, Option<Side>)> = rows
            .iter()
            .map(|r| (r.params, Side::of(&r.descriptor)))
            .collect();
        let theirs = metrics::evaluate(metrics::decoder_fn(&decoder), &held);
        assert_eq!(ours.evaluation, theirs);
        assert_eq!(ours.best.len(), 150);
    }
}
