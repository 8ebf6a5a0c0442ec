//! Your own words: a user's library of descriptors, each with the EQ
//! settings it was taught, kept in SAFE's column layout so that
//! `semantic-eq train --data FILE` trains on it as on SAFE.
//!
//! - A library or a word pack is a SAFE CSV file; lines starting with `#`
//!   are comments, and a pack names itself in one (`# pack: NAME`).
//! - Reading never fails: bad rows are skipped and counted
//!   ([`Loaded::skipped`]), so a damaged file still gives its good rows.
//! - Writing is atomic ([`write_atomic`]: a temporary file in the same
//!   folder, then a rename), so a crash leaves the old file or the new one.
//!   A file whose bad rows were skipped is never written back by the
//!   plug-in (it would lose them); the CLI says so and refuses too.
//! - A word becomes a landmark at the pad point whose decoded curve is
//!   closest to its rows' curves on average ([`word_landmarks`]): the
//!   best-fit search `eval` uses, over the same 101² grid.
//! - [`nearest`] reads any curve back as words: the descriptors whose
//!   landmarks' curves are closest to it, with the distance in dB.

use crate::decoder::{Decoder, Landmark};
use crate::metrics::{COVERAGE_GRID, Curve, Pad, curve, curve_error, decoder_fn, linspace};
use crate::params::EqParams;
use crate::safe::{
    COL_DESCRIPTOR, COL_ENTRY_ID, COL_FIRST_PARAM, COL_INSTRUMENT, SAFE_COLUMNS, SafeRow,
    normalize_text, read_rows,
};
use std::path::{Path, PathBuf};

/// The library's file name inside the user's config folder.
pub const LIBRARY_FILE: &str = "words.csv";

/// Entry IDs of taught rows start here, far above SAFE's, so that a
/// library and SAFE can be trained on together without clashing.
pub const FIRST_USER_ID: u64 = 1_000_000_000;

/// The longest word accepted, in characters.
pub const MAX_WORD_CHARS: usize = 32;

/// The user's library file: `words.csv` in the per-user config folder
/// (`$XDG_CONFIG_HOME/semantic-eq` or `~/.config/semantic-eq` on Linux,
/// `~/Library/Application Support/org.semantic-eq.semantic-eq` on macOS,
/// `%APPDATA%\semantic-eq\semantic-eq\config` on Windows). `SEMANTIC_EQ_WORDS`
/// names another file (tests, shared setups). `None` if the system has no
/// home folder.
pub fn library_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SEMANTIC_EQ_WORDS") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("org", "semantic-eq", "semantic-eq")
        .map(|d| d.config_dir().join(LIBRARY_FILE))
}

/// Why a word or a file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WordError {
    #[error(
        "a word is one or two words of letters (and - or '), at most {MAX_WORD_CHARS} characters: {0:?}"
    )]
    BadWord(String),
    #[error("the EQ is not valid: {0}")]
    BadEq(String),
    #[error("{path}: {why}")]
    Io { path: String, why: String },
    #[error(
        "{path}: {skipped} damaged row(s) (first at line {line}: {why}); not written, so that nothing in it is lost: repair or move the file"
    )]
    Damaged {
        path: String,
        skipped: usize,
        line: usize,
        why: String,
    },
}

/// A word as it is stored: one or two words of letters, normalised (lower
/// case, single spaces).
pub fn normalize_word(raw: &str) -> Result<String, WordError> {
    let w = normalize_text(raw);
    let words = w.split(' ').count();
    let ok = !w.is_empty()
        && words <= 2
        && w.chars().count() <= MAX_WORD_CHARS
        && w.chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'');
    if ok {
        Ok(w)
    } else {
        Err(WordError::BadWord(raw.to_string()))
    }
}

/// A library or pack as read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// The good rows, in file order.
    pub rows: Vec<SafeRow>,
    /// The pack's name, from a `# pack: NAME` comment.
    pub name: Option<String>,
    /// Rows that could not be used.
    pub skipped: usize,
    /// The first of them: line and reason.
    pub first_skipped: Option<(usize, String)>,
}

impl Loaded {
    /// The words and their row counts, alphabetical.
    pub fn words(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for r in &self.rows {
            let w = r.descriptor.as_str();
            match out.iter_mut().find(|(n, _)| n == w) {
                Some(e) => e.1 += 1,
                None => out.push((w.to_string(), 1)),
            }
        }
        out.sort();
        out
    }

    /// A one-line account of what was skipped, if anything was.
    pub fn skipped_note(&self) -> Option<String> {
        self.first_skipped.as_ref().map(|(line, why)| {
            format!(
                "{} damaged row(s) skipped (first at line {line}: {why})",
                self.skipped
            )
        })
    }

    /// Adds `eq` as a row taught `word`. Duplicates (the same word with
    /// the same 13 values) are not added; returns whether it was.
    pub fn teach(&mut self, word: &str, eq: &EqParams) -> Result<bool, WordError> {
        let word = normalize_word(word)?;
        eq.validate().map_err(|e| WordError::BadEq(e.to_string()))?;
        let row = SafeRow {
            line: 0,
            entry_id: self.next_id(),
            descriptor_raw: word.clone(),
            descriptor: crate::safe::Descriptor::Term(word),
            params: *eq,
            genre: String::new(),
            instrument: String::new(),
            feature_hash: String::new(),
        };
        Ok(self.merge(std::slice::from_ref(&row)) == 1)
    }

    /// Adds the rows of `other` that are not already here (same word, same
    /// 13 values), renumbering their IDs past this library's; returns how
    /// many were added.
    pub fn merge(&mut self, other: &[SafeRow]) -> usize {
        let mut added = 0;
        for r in other {
            let dup = self.rows.iter().any(|h| {
                h.descriptor == r.descriptor && h.params.to_array() == r.params.to_array()
            });
            if !dup && r.descriptor.term().is_some_and(|t| !t.is_empty()) {
                let id = self.next_id();
                self.rows.push(SafeRow {
                    entry_id: id,
                    ..r.clone()
                });
                added += 1;
            }
        }
        added
    }

    /// Removes every row of `word`; returns how many went.
    pub fn remove(&mut self, word: &str) -> usize {
        let w = normalize_text(word);
        let before = self.rows.len();
        self.rows.retain(|r| r.descriptor.as_str() != w);
        before - self.rows.len()
    }

    fn next_id(&self) -> u64 {
        self.rows
            .iter()
            .map(|r| r.entry_id + 1)
            .max()
            .unwrap_or(FIRST_USER_ID)
            .max(FIRST_USER_ID)
    }

    /// The file's text: an optional `# pack: NAME` line, then one SAFE row
    /// per setting (bells as taught; columns SAFE leaves personal blank).
    pub fn to_csv(&self, name: Option<&str>) -> String {
        let mut out = String::new();
        out.push_str("# Semantic EQ word library: SAFE equaliser layout (25 columns, no header)\n");
        if let Some(n) = name {
            let n: String = n.chars().filter(|c| !c.is_control()).collect();
            out.push_str(&format!("# pack: {}\n", n.trim()));
        }
        for r in &self.rows {
            let mut fields = vec![String::new(); SAFE_COLUMNS];
            fields[COL_ENTRY_ID] = r.entry_id.to_string();
            fields[COL_DESCRIPTOR] = quote(r.descriptor.as_str());
            fields[3] = "2".into();
            fields[4] = "2".into();
            for (k, v) in r.params.to_array().iter().enumerate() {
                // Shortest text that reads back to the same f64.
                fields[COL_FIRST_PARAM + k] = format!("{v}");
            }
            fields[COL_INSTRUMENT] = quote(&r.instrument);
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }
}

/// A CSV field, quoted when it holds a space, comma or quote.
fn quote(s: &str) -> String {
    if s.contains([' ', ',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Reads a library or pack from its bytes. Never fails: comment lines
/// (`#`) are dropped (a `# pack: NAME` one names the pack) and bad rows
/// are counted.
pub fn parse(bytes: &[u8]) -> Loaded {
    let mut name = None;
    // Comment lines become blank lines, so line numbers stay the file's.
    let mut cleaned = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.first() == Some(&b'#') {
            let text = String::from_utf8_lossy(line);
            if let Some(n) = text.trim().strip_prefix("# pack:") {
                name = Some(n.trim().to_string());
            }
            cleaned.push(b'\n');
        } else {
            cleaned.extend_from_slice(line);
        }
    }
    let report = read_rows(&cleaned);
    let mut rows = Vec::new();
    let mut skipped = report.rejected.len();
    let mut first_skipped = report
        .rejected
        .first()
        .map(|r| (r.line, r.reason.to_string()));
    for r in report.rows {
        match r.descriptor.term().map(normalize_word) {
            Some(Ok(_)) => rows.push(r),
            _ => {
                skipped += 1;
                if first_skipped.as_ref().is_none_or(|(l, _)| r.line < *l) {
                    first_skipped = Some((r.line, format!("{:?} is not a word", r.descriptor_raw)));
                }
            }
        }
    }
    Loaded {
        rows,
        name,
        skipped,
        first_skipped,
    }
}

/// Reads the file at `path`; a missing file is an empty library.
pub fn load(path: &Path) -> Result<Loaded, WordError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(parse(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Loaded::default()),
        Err(e) => Err(WordError::Io {
            path: path.display().to_string(),
            why: e.to_string(),
        }),
    }
}

/// Loads the library at `path`, lets `change` edit it, and writes it back
/// atomically, unless it had damaged rows (then nothing is written and the
/// error says why). Returns what `change` returned.
pub fn update<R>(
    path: &Path,
    change: impl FnOnce(&mut Loaded) -> Result<R, WordError>,
) -> Result<R, WordError> {
    let mut lib = load(path)?;
    if let Some((line, why)) = lib.first_skipped.clone() {
        return Err(WordError::Damaged {
            path: path.display().to_string(),
            skipped: lib.skipped,
            line,
            why,
        });
    }
    let out = change(&mut lib)?;
    let name = lib.name.clone();
    write_atomic(path, lib.to_csv(name.as_deref()).as_bytes())?;
    Ok(out)
}

/// Writes `bytes` to `path` through a temporary file in the same folder
/// and a rename, creating the folder if needed: `path` holds the old
/// contents or the new, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WordError> {
    let io = |e: std::io::Error| WordError::Io {
        path: path.display().to_string(),
        why: e.to_string(),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "words".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// Each word's landmark on `decoder`'s pad: the point of the
/// [`COVERAGE_GRID`]² grid whose curve is closest (mean absolute dB over
/// the curve's points) to the word's rows' curves on average; `count` is
/// the word's rows. Alphabetical. The same points as [`landmarks_on`] a
/// decoded [`Pad`], but the grid is decoded one point at a time, so a
/// plug-in instance never holds the pad's 10 MB of curves.
pub fn word_landmarks(decoder: &Decoder, rows: &[SafeRow]) -> Vec<Landmark> {
    let groups = word_curves(rows);
    if groups.is_empty() {
        return Vec::new();
    }
    let coords = linspace(COVERAGE_GRID);
    let decode = decoder_fn(decoder);
    // Per word: (grid index, mean error) of the best point so far.
    let mut best = vec![(0usize, f64::INFINITY); groups.len()];
    for (iy, &y) in coords.iter().enumerate() {
        for (ix, &x) in coords.iter().enumerate() {
            let c = curve(&decode(x, y));
            for ((_, curves), b) in groups.iter().zip(best.iter_mut()) {
                let e = mean_error(&c, curves);
                // Strictly less: the first point in grid order wins a tie,
                // as in `best_fit_all`.
                if e < b.1 {
                    *b = (iy * COVERAGE_GRID + ix, e);
                }
            }
        }
    }
    groups
        .into_iter()
        .zip(best)
        .map(|((word, curves), (i, _))| Landmark {
            name: word,
            x: coords[i % COVERAGE_GRID] as f32,
            y: coords[i / COVERAGE_GRID] as f32,
            count: curves.len(),
        })
        .collect()
}

/// Each word (alphabetical) with its rows' curves.
fn word_curves(rows: &[SafeRow]) -> Vec<(String, Vec<Curve>)> {
    let lib = Loaded {
        rows: rows.to_vec(),
        ..Loaded::default()
    };
    lib.words()
        .into_iter()
        .map(|(word, _)| {
            let curves = rows
                .iter()
                .filter(|r| r.descriptor.as_str() == word)
                .map(|r| curve(&r.params))
                .collect();
            (word, curves)
        })
        .collect()
}

/// Mean curve error of `c` to each of `targets`.
fn mean_error(c: &Curve, targets: &[Curve]) -> f64 {
    targets.iter().map(|t| curve_error(c, t)).sum::<f64>() / targets.len() as f64
}

/// [`word_landmarks`] on a pad already decoded.
pub fn landmarks_on(pad: &Pad, rows: &[SafeRow]) -> Vec<Landmark> {
    word_curves(rows)
        .into_iter()
        .map(|(word, curves)| {
            let (i, _) = best_fit_all(pad, &curves);
            let (x, y) = pad.point(i);
            Landmark {
                name: word,
                x: x as f32,
                y: y as f32,
                count: curves.len(),
            }
        })
        .collect()
}

/// The grid point with the least mean curve error to all of `targets`.
pub fn best_fit_all(pad: &Pad, targets: &[Curve]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (i, c) in pad.curves.iter().enumerate() {
        let e = mean_error(c, targets);
        if e < best.1 {
            best = (i, e);
        }
    }
    best
}

/// A descriptor near a curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Near {
    /// The descriptor.
    pub name: String,
    /// Mean absolute difference between the curves, dB.
    pub distance_db: f64,
    /// One of the user's words (else a model landmark).
    pub user: bool,
}

/// A descriptor's curve, to compare others with.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The descriptor.
    pub name: String,
    /// Its curve: the decoder's EQ at its pad point, amount 100 %.
    pub curve: Curve,
    /// One of the user's words (else a model landmark).
    pub user: bool,
}

/// The candidates [`nearest`] compares with: `user` words, then the
/// `model` landmarks with at least `min_count` rows that no user word
/// shadows (a user word of the same name wins).
pub fn candidates(
    decoder: &Decoder,
    model: &[Landmark],
    user: &[Landmark],
    min_count: usize,
) -> Vec<Candidate> {
    let at = |l: &Landmark, user: bool| {
        let n = decoder.decode_normalized(l.x, l.y).map(f64::from);
        Candidate {
            name: l.name.clone(),
            curve: curve(&EqParams::from_normalized(&n)),
            user,
        }
    };
    let mut out: Vec<Candidate> = user.iter().map(|l| at(l, true)).collect();
    for l in model.iter().filter(|l| l.count >= min_count) {
        if !user.iter().any(|u| u.name == l.name) {
            out.push(at(l, false));
        }
    }
    out
}

/// The `k` candidates nearest to `eq`'s curve, by mean absolute dB over
/// 20 Hz–20 kHz, nearest first.
pub fn nearest_of(candidates: &[Candidate], eq: &EqParams, k: usize) -> Vec<Near> {
    let target = curve(eq);
    let mut out: Vec<Near> = candidates
        .iter()
        .map(|c| Near {
            name: c.name.clone(),
            distance_db: curve_error(&c.curve, &target),
            user: c.user,
        })
        .collect();
    out.sort_by(|a, b| a.distance_db.total_cmp(&b.distance_db));
    out.truncate(k);
    out
}

/// The `k` descriptors nearest to `eq`: [`nearest_of`] the
/// [`candidates`].
pub fn nearest(
    decoder: &Decoder,
    model: &[Landmark],
    user: &[Landmark],
    eq: &EqParams,
    k: usize,
    min_count: usize,
) -> Vec<Near> {
    nearest_of(&candidates(decoder, model, user, min_count), eq, k)
}

/// "warm 1.2 dB · muddy 2.8 dB · boomy 3.1 dB".
pub fn describe_line(near: &[Near]) -> String {
    near.iter()
        .map(|n| format!("{} {:.1} dB", n.name, n.distance_db))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests;
