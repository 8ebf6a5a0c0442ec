//! `semantic-eq decode`: the decoded pad as CSV.

use anyhow::{Context, Result, ensure};
use semantic_eq_model::metrics::linspace;
use semantic_eq_model::{Decoder, PARAMS};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Largest `--grid` (a million rows).
pub const MAX_GRID: usize = 1000;

/// Everything `decode` needs, already parsed by the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeOptions {
    pub grid: usize,
    pub model: Option<PathBuf>,
}

/// Reads and validates a decoder file.
pub fn load_model(path: &Path) -> Result<Decoder> {
    let bytes =
        semantic_eq_model::file::read_regular_file(path, semantic_eq_model::file::MAX_MODEL_BYTES)
            .with_context(|| format!("cannot read model '{}'", path.display()))?;
    Decoder::from_safetensors(&bytes).with_context(|| format!("model '{}'", path.display()))
}

/// The CSV header: `x,y` and the 13 parameter names.
pub fn header() -> String {
    let mut h = String::from("x,y");
    for p in &PARAMS {
        h.push(',');
        h.push_str(p.name);
    }
    h
}

/// Writes the CSV for `x` and `y` each on `linspace(-1, 1, n)` (x outer,
/// y inner), at amount 100 %.
pub fn write_csv(decoder: &Decoder, n: usize, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{}", header())?;
    let coords = linspace(n);
    for &x in &coords {
        for &y in &coords {
            let p = decoder.decode(x as f32, y as f32).params;
            write!(out, "{x},{y}")?;
            for v in p.to_array() {
                write!(out, ",{v}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The `decode` subcommand.
pub fn decode(opts: &DecodeOptions) -> Result<()> {
    ensure!(
        (1..=MAX_GRID).contains(&opts.grid),
        "--grid {} is outside 1..={MAX_GRID}",
        opts.grid
    );
    let decoder = match &opts.model {
        Some(path) => load_model(path)?,
        None => Decoder::embedded(),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    write_csv(&decoder, opts.grid, &mut out)
        .and_then(|()| out.flush())
        .context("cannot write to standard output")?;
    Ok(())
}
