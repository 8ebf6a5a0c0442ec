//! Prints the SAFE rows as the cross-validation sees them, for analyses
//! outside Rust (`docs/experiments/frontier.py`): one tab-separated line
//! per non-noise row with its fold (`safe::kfold_split`, 5 folds, seed 1:
//! the folds of `semantic-eq train --folds 5 --seed 1`), its warm/bright
//! label (−1 warm, +1 bright, 0 other), its normalised descriptor and its
//! dB curve on the metrics' 128-point grid, comma-separated.
//!
//! `cargo run --release -p semantic-eq-model --features train --example curves -- SAFE.csv`

use semantic_eq_model::metrics::{self, Side};
use semantic_eq_model::{safe, train::pipeline};

const FOLDS: usize = 5;
const SEED: u64 = 1;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: curves SAFE.csv");
        std::process::exit(2);
    };
    let dataset = match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| pipeline::load_dataset(&b, &path).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let mut fold_of = vec![0usize; dataset.rows.len()];
    for (fold, split) in safe::kfold_split(&dataset.rows, FOLDS, SEED)
        .iter()
        .enumerate()
    {
        for &i in &split.validation {
            fold_of[i] = fold;
        }
    }
    for (row, fold) in dataset.rows.iter().zip(fold_of) {
        let label = match Side::of(&row.descriptor) {
            Some(Side::Warm) => -1,
            Some(Side::Bright) => 1,
            None => 0,
        };
        let curve: Vec<String> = metrics::curve(&row.params)
            .iter()
            .map(|db| format!("{db:.4}"))
            .collect();
        println!(
            "{fold}\t{label}\t{}\t{}",
            row.descriptor.as_str().replace(['\t', '\n'], " "),
            curve.join(",")
        );
    }
}
