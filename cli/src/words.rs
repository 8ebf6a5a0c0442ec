//! `semantic-eq describe` (any EQ read back as the descriptors nearest to
//! it) and `semantic-eq words` (the user's word library: list, export,
//! import, remove). The library and its rules are
//! [`semantic_eq_model::words`].

use anyhow::{Context, Result, bail, ensure};
use semantic_eq_model::words::{self, describe_line, nearest, word_landmarks};
use semantic_eq_model::{Decoder, EqParams};
use std::path::{Path, PathBuf};

/// Landmarks of the model with fewer training rows than this are not
/// offered (the editor draws the same ones).
pub const MIN_LANDMARK_COUNT: usize = 5;

/// What `describe` reads.
#[derive(Clone, Debug, PartialEq)]
pub struct DescribeOptions {
    /// The 13 numbers of `--eq`, unparsed.
    pub eq: Option<String>,
    /// A pad point instead.
    pub pad: Option<(f64, f64)>,
    /// How many descriptors to name.
    pub count: usize,
    pub model: Option<PathBuf>,
    /// The word library (default: the user's).
    pub words: Option<PathBuf>,
}

fn library(path: &Option<PathBuf>) -> Result<PathBuf> {
    path.clone()
        .or_else(words::library_path)
        .context("no word library: this system has no home folder (pass --words FILE)")
}

/// The pad point of the user's word `name` on `decoder`'s pad (the
/// plug-in's *user word* slots play the same point), from the library at
/// `path` (default: the user's); `None` if the library lacks it.
pub fn word_point(
    decoder: &Decoder,
    name: &str,
    path: &Option<PathBuf>,
) -> Result<Option<(f32, f32)>> {
    let Ok(word) = words::normalize_word(name) else {
        return Ok(None);
    };
    let Some(file) = path.clone().or_else(words::library_path) else {
        return Ok(None);
    };
    let lib = words::load(&file)?;
    let rows: Vec<_> = lib
        .rows
        .into_iter()
        .filter(|r| r.descriptor.as_str() == word)
        .collect();
    // Each word is placed on its own rows alone, as the plug-in does.
    Ok(word_landmarks(decoder, &rows).first().map(|l| (l.x, l.y)))
}

fn decoder(model: &Option<PathBuf>) -> Result<Decoder> {
    match model {
        Some(p) => crate::decode::load_model(p),
        None => Ok(Decoder::embedded()),
    }
}

/// The `describe` subcommand: prints e.g. "warm 1.2 dB · muddy 2.8 dB ·
/// boomy 3.1 dB" (user words marked with `*`), and a note on stderr when
/// the library had damaged rows.
pub fn describe(opts: &DescribeOptions) -> Result<()> {
    ensure!(
        (1..=20).contains(&opts.count),
        "--count {} is outside 1..=20",
        opts.count
    );
    let decoder = decoder(&opts.model)?;
    let eq = match (&opts.eq, opts.pad) {
        (Some(text), None) => {
            EqParams::parse_list(text).with_context(|| format!("invalid --eq '{text}'"))?
        }
        (None, Some((x, y))) => {
            ensure!(
                x.is_finite() && y.is_finite() && x.abs() <= 1.0 && y.abs() <= 1.0,
                "--x {x} --y {y}: each must be within -1..1 (the pad)"
            );
            decoder.decode(x as f32, y as f32).params
        }
        _ => bail!("give --eq (13 numbers) or --x and --y"),
    };
    let lib = words::load(&library(&opts.words)?)?;
    if let Some(note) = lib.skipped_note() {
        eprintln!("note: word library: {note}");
    }
    let user = word_landmarks(&decoder, &lib.rows);
    let near = nearest(
        &decoder,
        &decoder.landmarks(),
        &user,
        &eq,
        opts.count,
        MIN_LANDMARK_COUNT,
    );
    let marked: Vec<_> = near
        .into_iter()
        .map(|mut n| {
            if n.user {
                n.name.push('*');
            }
            n
        })
        .collect();
    println!("{}", describe_line(&marked));
    Ok(())
}

/// What `words` does.
#[derive(Clone, Debug, PartialEq)]
pub enum WordsAction {
    /// Print each word, its rows and its pad point.
    List,
    /// Write the library (or some words of it) as a pack.
    Export {
        file: PathBuf,
        name: Option<String>,
        only: Vec<String>,
    },
    /// Merge a pack into the library.
    Import { file: PathBuf },
    /// Remove a word.
    Remove { word: String },
}

/// The `words` subcommand on the library at `words` (default: the user's).
pub fn words(action: &WordsAction, library_file: &Option<PathBuf>) -> Result<()> {
    let path = library(library_file)?;
    match action {
        WordsAction::List => {
            let lib = words::load(&path)?;
            if let Some(note) = lib.skipped_note() {
                eprintln!("note: {}: {note}", path.display());
            }
            let marks = word_landmarks(&Decoder::embedded(), &lib.rows);
            println!("{}: {} word(s)", path.display(), marks.len());
            for m in marks {
                println!(
                    "{}\t{} row(s)\tat x {:+.2}, y {:+.2}",
                    m.name, m.count, m.x, m.y
                );
            }
        }
        WordsAction::Export { file, name, only } => {
            let mut lib = words::load(&path)?;
            if let Some(note) = lib.skipped_note() {
                eprintln!("note: {}: {note}", path.display());
            }
            if !only.is_empty() {
                let keep: Vec<String> = only
                    .iter()
                    .map(|w| words::normalize_word(w))
                    .collect::<Result<_, _>>()?;
                lib.rows
                    .retain(|r| keep.iter().any(|k| k == r.descriptor.as_str()));
            }
            ensure!(
                !lib.rows.is_empty(),
                "nothing to export from {}",
                path.display()
            );
            refuse_same(file, &path)?;
            let name = name.clone().or_else(|| stem(file));
            words::write_atomic(file, lib.to_csv(name.as_deref()).as_bytes())?;
            println!(
                "exported {} row(s) of {} word(s) to {}",
                lib.rows.len(),
                lib.words().len(),
                file.display()
            );
        }
        WordsAction::Import { file } => {
            refuse_same(file, &path)?;
            let bytes = semantic_eq_model::file::read_regular_file(file, 64 << 20)
                .with_context(|| format!("cannot read pack '{}'", file.display()))?;
            let pack = words::parse(&bytes);
            if let Some(note) = pack.skipped_note() {
                eprintln!("note: {}: {note}", file.display());
            }
            ensure!(
                !pack.rows.is_empty(),
                "{}: no usable rows{}",
                file.display(),
                pack.skipped_note()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
            let added = words::update(&path, |lib| Ok(lib.merge(&pack.rows)))?;
            println!(
                "imported {added} new row(s) of {} from {} into {} ({} already there, {} skipped)",
                pack.rows.len(),
                pack.name.as_deref().unwrap_or("an unnamed pack"),
                path.display(),
                pack.rows.len() - added,
                pack.skipped
            );
        }
        WordsAction::Remove { word } => {
            let w = words::normalize_word(word)?;
            let gone = words::update(&path, |lib| Ok(lib.remove(&w)))?;
            ensure!(gone > 0, "no word '{w}' in {}", path.display());
            println!("removed '{w}' ({gone} row(s)) from {}", path.display());
        }
    }
    Ok(())
}

fn stem(file: &Path) -> Option<String> {
    file.file_stem().map(|s| s.to_string_lossy().into_owned())
}

/// Refuses a pack that is the library itself (an export would replace the
/// library with a subset of it; an import would do nothing).
fn refuse_same(file: &Path, library: &Path) -> Result<()> {
    let same = match (file.canonicalize(), library.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => file == library,
    };
    ensure!(!same, "'{}' is the word library itself", file.display());
    Ok(())
}
