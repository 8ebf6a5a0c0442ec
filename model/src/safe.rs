//! Loader for the SAFE equaliser user data (`SAFEEqualiserUserData.csv`).
//!
//! The file has no header line and 25 columns per record (see the data's
//! README): entry id, descriptor, blank, two small integers, the 13 EQ values
//! in [`PARAMS`] order (columns 5..=17), genre, instrument, four blank
//! columns and a feature hash.
//!
//! # What the loader does
//!
//! * [`parse_csv`] splits the bytes into records (RFC 4180 style, see its
//!   documentation for the exact rules and how malformed quoting is handled).
//! * [`parse_safe`] / [`load`] turn each record into a [`SafeRow`] or a
//!   [`Rejected`] entry with the 1-based line number and a [`RejectReason`].
//!   Nothing is clamped or repaired: a value outside the plug-in's range
//!   rejects its row. (The copy measured when this loader was written has no
//!   out-of-range value at all; several parameters sit exactly on their range
//!   limits, which [`EqParams::validate`] accepts, so no tolerance is needed.)
//! * A file that cannot be read, or that yields no good row, is a
//!   [`LoadError`]. No input bytes make the loader panic.
//! * [`Descriptor`] holds the normalised descriptor; [`validation_split`] and
//!   [`descriptor_counts`] work on it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::params::{BANDS, BandKind, EqParams, NUM_PARAMS, PARAMS, ParamError};
use crate::rng::SplitMix64;

/// Columns per record in the SAFE equaliser file.
pub const SAFE_COLUMNS: usize = 25;
/// Column of the entry id.
pub const COL_ENTRY_ID: usize = 0;
/// Column of the descriptor text.
pub const COL_DESCRIPTOR: usize = 1;
/// Column of the first of the 13 EQ values (low shelf gain).
pub const COL_FIRST_PARAM: usize = 5;
/// Column of the genre text.
pub const COL_GENRE: usize = 18;
/// Column of the instrument / source text.
pub const COL_INSTRUMENT: usize = 19;
/// Column of the hash linking a row to the SAFE audio-feature table.
pub const COL_FEATURE_HASH: usize = 24;

/// The validation fraction used unless a caller has a reason to differ.
pub const DEFAULT_VALIDATION_FRACTION: f64 = 0.15;

/// Longest excerpt of offending text quoted in a [`RejectReason`].
const MAX_QUOTED_CHARS: usize = 40;

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Why a record could not be split into fields.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A quoted field runs to the end of the input.
    #[error("the quoted field in column {column} is never closed")]
    UnterminatedQuote { column: usize },
    /// Something other than `,` or a line end follows a closing quote
    /// (`"abc"def`).
    #[error("text after the closing quote in column {column}")]
    TextAfterQuote { column: usize },
    /// The field's bytes are not UTF-8.
    #[error("column {column} is not valid UTF-8")]
    InvalidUtf8 { column: usize },
}

/// One record of a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRecord {
    /// 1-based line on which the record starts.
    pub line: usize,
    /// The fields, or why the record is malformed.
    pub fields: Result<Vec<String>, CsvError>,
}

/// Length of the line break starting at `i` (`\r\n`, `\n` or a lone `\r`).
fn line_break_len(input: &[u8], i: usize) -> Option<usize> {
    match input.get(i) {
        Some(b'\n') => Some(1),
        Some(b'\r') if input.get(i + 1) == Some(&b'\n') => Some(2),
        Some(b'\r') => Some(1),
        _ => None,
    }
}

/// Position just after the line break that ends the line containing `i`,
/// or the end of the input.
fn after_line_containing(input: &[u8], i: usize) -> (usize, usize) {
    let mut j = i;
    while j < input.len() {
        if let Some(n) = line_break_len(input, j) {
            return (j + n, 1);
        }
        j += 1;
    }
    (input.len(), 0)
}

/// Splits CSV bytes into records. Pure, total and linear in the input size;
/// never panics.
///
/// Rules (RFC 4180 with the usual relaxations):
/// * Fields are separated by `,`; records end at `\r\n`, `\n` or a lone `\r`.
///   The last record needs no line end. Completely empty lines are skipped
///   (they are not records); a UTF-8 byte-order mark at the start is ignored.
/// * A field that *starts* with `"` is quoted: it ends at the next `"` that is
///   not doubled, `""` inside it stands for one `"`, and commas and line
///   breaks inside it are part of the value (kept byte for byte, so an
///   embedded `\r\n` stays `\r\n`). Line numbers keep counting inside quotes,
///   so a record's `line` is where it starts in the file.
/// * A `"` inside an unquoted field is an ordinary character (`12" cone`),
///   and so is leading whitespace: ` "a"` is the four characters ` "a"`.
/// * Text between a closing quote and the next `,` or line end makes the
///   record [`CsvError::TextAfterQuote`]; the record's framing is kept.
/// * A quoted field that is never closed makes the record
///   [`CsvError::UnterminatedQuote`]. Parsing then resumes after the line on
///   which that quote opened, so one stray quote costs one record rather than
///   the rest of the file. (This stays linear: a field that never closes
///   proves every later run of quotes has even length, so every later field
///   that opens a quote closes it within the same run.)
/// * Bytes are split first and decoded per field afterwards (`,`, `"`, `\r`
///   and `\n` never occur inside a multi-byte UTF-8 sequence), so a field
///   that is not UTF-8 makes its record [`CsvError::InvalidUtf8`] and leaves
///   the other records alone.
pub fn parse_csv(input: &[u8]) -> Vec<CsvRecord> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut records = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while pos < input.len() {
        if let Some(n) = line_break_len(input, pos) {
            pos += n;
            line += 1;
            continue;
        }
        let scanned = scan_record(input, pos);
        debug_assert!(scanned.next > pos);
        records.push(CsvRecord {
            line,
            fields: scanned.fields,
        });
        pos = scanned.next;
        line += scanned.lines;
    }
    records
}

/// [`parse_csv`] over text.
pub fn parse_csv_str(input: &str) -> Vec<CsvRecord> {
    parse_csv(input.as_bytes())
}

struct Scanned {
    fields: Result<Vec<String>, CsvError>,
    /// Where the next record starts.
    next: usize,
    /// Line breaks consumed.
    lines: usize,
}

/// Scans one record starting at `start` (which is not a line break).
fn scan_record(input: &[u8], start: usize) -> Scanned {
    let len = input.len();
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut error: Option<CsvError> = None;
    let mut lines = 0;
    let mut i = start;
    loop {
        // At the start of a field.
        let column = fields.len();
        let mut field = Vec::new();
        let mut after_quote = false;
        if input.get(i) == Some(&b'"') {
            let open = i;
            let lines_at_open = lines;
            i += 1;
            loop {
                if i >= len {
                    let (next, breaks) = after_line_containing(input, open);
                    return Scanned {
                        fields: Err(CsvError::UnterminatedQuote { column }),
                        next,
                        lines: lines_at_open + breaks,
                    };
                }
                let b = input[i];
                if b == b'"' {
                    if input.get(i + 1) == Some(&b'"') {
                        field.push(b'"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if b == b'\n' || (b == b'\r' && input.get(i + 1) != Some(&b'\n')) {
                    lines += 1;
                }
                field.push(b);
                i += 1;
            }
            after_quote = true;
        }
        // Unquoted text (or what follows a closing quote).
        loop {
            if i >= len {
                fields.push(field);
                return finish(fields, error, len, lines);
            }
            if let Some(n) = line_break_len(input, i) {
                fields.push(field);
                return finish(fields, error, i + n, lines + 1);
            }
            let b = input[i];
            i += 1;
            if b == b',' {
                fields.push(field);
                break;
            }
            if after_quote && error.is_none() {
                error = Some(CsvError::TextAfterQuote { column });
            }
            field.push(b);
        }
    }
}

fn finish(fields: Vec<Vec<u8>>, error: Option<CsvError>, next: usize, lines: usize) -> Scanned {
    let fields = match error {
        Some(e) => Err(e),
        None => fields
            .into_iter()
            .enumerate()
            .map(|(column, f)| String::from_utf8(f).map_err(|_| CsvError::InvalidUtf8 { column }))
            .collect(),
    };
    Scanned {
        fields,
        next,
        lines,
    }
}

// ---------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------

/// Whole-descriptor aliases applied after [`normalize_text`]: the
/// comparative, superlative and noun forms of descriptors, folded into the
/// adjective (`warmer`, `warmth` → `warm`; `fuller` → `full`). Only whole
/// descriptors: `warmer vocals` or `warm bright` stay as typed. This is a
/// deliberate, explicit table, not a stemmer, so that no label is merged by
/// accident (`brightens sax` stays).
pub const DESCRIPTOR_ALIASES: &[(&str, &str)] = &[
    ("warmer", "warm"),
    ("warmest", "warm"),
    ("warmth", "warm"),
    ("brighter", "bright"),
    ("brightest", "bright"),
    ("brightness", "bright"),
    ("fuller", "full"),
    ("fullness", "full"),
    ("thinner", "thin"),
    ("clearer", "clear"),
    ("clarity", "clear"),
    ("airier", "airy"),
    ("muddier", "muddy"),
    ("boomier", "boomy"),
    ("darker", "dark"),
    ("deeper", "deep"),
    ("harsher", "harsh"),
    ("sharper", "sharp"),
    ("tighter", "tight"),
    ("crisper", "crisp"),
    ("punchier", "punchy"),
    ("boxier", "boxy"),
];

/// Normalised descriptors that carry no meaning: the empty string and `test`
/// (11 % of the SAFE rows, saved while trying the plug-in). Other near-misses
/// such as `test1` or `default` are kept as ordinary terms; callers that want
/// to drop rare labels use [`descriptors_with_at_least`].
pub const NOISE_DESCRIPTORS: &[&str] = &["", "test"];

/// Normalised descriptors that are placeholders, not words for a sound.
pub const PLACEHOLDER_DESCRIPTORS: &[&str] = &["default", "preset", "untitled", "new"];

/// Words for a sound's source (an instrument, a voice, a bus), which SAFE's
/// users sometimes typed as the descriptor. The data's own column 19 (the
/// source) adds to this list: see [`vocabulary`].
pub const SOURCE_WORDS: &[&str] = &[
    "vocals", "vocal", "vox", "voice", "guitar", "bass", "kick", "snare", "drums", "drum", "piano",
    "keys", "organ", "sax", "trumpet", "hihat", "hi hat", "overhead", "mix", "master",
];

/// Whether a normalised term is a descriptor of sound, the rule landmarks
/// follow: not noise or a placeholder ([`NOISE_DESCRIPTORS`],
/// [`PLACEHOLDER_DESCRIPTORS`]); no digit (IDs and model numbers such as
/// `test1` or the microphone `re27`); not a source ([`SOURCE_WORDS`], or
/// any of `sources`, the data's column 19 normalised).
pub fn is_descriptor_of_sound(term: &str, sources: &BTreeSet<String>) -> bool {
    !term.is_empty()
        && !NOISE_DESCRIPTORS.contains(&term)
        && !PLACEHOLDER_DESCRIPTORS.contains(&term)
        && !term.chars().any(|c| c.is_ascii_digit())
        && !SOURCE_WORDS.contains(&term)
        && !sources.contains(term)
}

/// The vocabulary of `rows`: every descriptor of sound
/// ([`is_descriptor_of_sound`], with the rows' own sources) with at least
/// `min_count` rows, most rows first (ties alphabetical), as
/// [`descriptor_counts`] orders them.
pub fn vocabulary(rows: &[SafeRow], min_count: usize) -> Vec<(Descriptor, usize)> {
    let sources: BTreeSet<String> = rows
        .iter()
        .map(|r| normalize_text(&r.instrument))
        .filter(|s| !s.is_empty())
        .collect();
    descriptors_with_at_least(rows, min_count)
        .into_iter()
        .filter(|(d, _)| {
            d.term()
                .is_some_and(|t| is_descriptor_of_sound(t, &sources))
        })
        .collect()
}

/// Trims, lowercases (Unicode) and collapses every run of whitespace
/// (including line breaks from quoted fields) to a single space.
pub fn normalize_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// A normalised descriptor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Descriptor {
    /// A usable semantic label, normalised and with [`DESCRIPTOR_ALIASES`] applied.
    Term(String),
    /// One of [`NOISE_DESCRIPTORS`]: loadable, but not a semantic label.
    Noise(String),
}

impl Descriptor {
    /// Normalises free descriptor text: [`normalize_text`], then
    /// [`DESCRIPTOR_ALIASES`], then the [`NOISE_DESCRIPTORS`] check.
    pub fn from_raw(raw: &str) -> Self {
        let text = normalize_text(raw);
        let text = match DESCRIPTOR_ALIASES.iter().find(|(from, _)| *from == text) {
            Some((_, to)) => (*to).to_string(),
            None => text,
        };
        if NOISE_DESCRIPTORS.contains(&text.as_str()) {
            Descriptor::Noise(text)
        } else {
            Descriptor::Term(text)
        }
    }

    /// The normalised text (empty for an empty descriptor).
    pub fn as_str(&self) -> &str {
        match self {
            Descriptor::Term(t) | Descriptor::Noise(t) => t,
        }
    }

    /// Whether callers should leave this row out of semantic use.
    pub fn is_noise(&self) -> bool {
        matches!(self, Descriptor::Noise(_))
    }

    /// The label, if this is a semantic term.
    pub fn term(&self) -> Option<&str> {
        match self {
            Descriptor::Term(t) => Some(t),
            Descriptor::Noise(_) => None,
        }
    }
}

impl fmt::Display for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            "" => f.write_str("(empty)"),
            t => f.write_str(t),
        }
    }
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/// One accepted SAFE record.
#[derive(Clone, Debug, PartialEq)]
pub struct SafeRow {
    /// 1-based line on which the record starts.
    pub line: usize,
    /// Column 0, unique within a load.
    pub entry_id: u64,
    /// Column 1 exactly as stored (quotes removed, nothing trimmed).
    pub descriptor_raw: String,
    /// Column 1 normalised.
    pub descriptor: Descriptor,
    /// Columns 5..=17, in range. Bells are as stored, which is not always in
    /// frequency order; see [`SafeRow::with_bells_sorted`].
    pub params: EqParams,
    /// Column 18 as stored (often empty).
    pub genre: String,
    /// Column 19 as stored (often empty).
    pub instrument: String,
    /// Column 24 as stored.
    pub feature_hash: String,
}

impl SafeRow {
    /// The same row with its bells reordered by frequency; see
    /// [`sort_bells_by_frequency`].
    pub fn with_bells_sorted(&self) -> SafeRow {
        SafeRow {
            params: sort_bells_by_frequency(&self.params),
            ..self.clone()
        }
    }
}

/// The setting with its three bells (each as a gain, frequency, Q triple)
/// reordered so that `b1_freq_hz <= b2_freq_hz <= b3_freq_hz`; ties keep the
/// stored order. Shelves are untouched.
///
/// The loader keeps bells as stored (that is what the user saw); a decoder
/// whose bells have fixed, overlapping frequency ranges wants this order, so
/// that "bell 1" always means the lowest bell. Reordering does not change the
/// sound: the bells are cascaded linear filters, which commute. If the input
/// is valid, so is the result: the lowest of three in-range bell frequencies
/// is within bell 1's range, the middle within bell 2's, the highest within
/// bell 3's.
pub fn sort_bells_by_frequency(p: &EqParams) -> EqParams {
    let mut a = p.to_array();
    let bell_specs: Vec<_> = BANDS.iter().filter(|b| b.kind == BandKind::Bell).collect();
    let mut bells: Vec<[f64; 3]> = bell_specs
        .iter()
        .map(|b| {
            let q = b.q_index.map_or(f64::NAN, |i| a[i]);
            [a[b.gain_index], a[b.freq_index], q]
        })
        .collect();
    bells.sort_by(|x, y| x[1].total_cmp(&y[1]));
    for (spec, bell) in bell_specs.iter().zip(&bells) {
        a[spec.gain_index] = bell[0];
        a[spec.freq_index] = bell[1];
        if let Some(i) = spec.q_index {
            a[i] = bell[2];
        }
    }
    EqParams::from_array(a)
}

/// Why a record was not accepted.
#[derive(Clone, Debug, PartialEq)]
pub enum RejectReason {
    /// The record could not be split into fields.
    Csv(CsvError),
    /// Not [`SAFE_COLUMNS`] fields.
    WrongFieldCount { got: usize },
    /// Column 0 is not a non-negative integer.
    BadEntryId { text: String },
    /// An EQ column does not parse as a number.
    NotANumber {
        column: usize,
        name: &'static str,
        text: String,
    },
    /// An EQ column parses to NaN or an infinity.
    NotFinite {
        column: usize,
        name: &'static str,
        text: String,
    },
    /// A value outside the plug-in's range ([`EqParams::validate`]).
    OutOfRange(ParamError),
    /// An earlier accepted record has the same entry id (the first one wins).
    DuplicateId { id: u64, first_line: usize },
}

impl RejectReason {
    /// A short stable name for counting reasons.
    pub fn kind(&self) -> &'static str {
        match self {
            RejectReason::Csv(CsvError::UnterminatedQuote { .. }) => "unterminated quote",
            RejectReason::Csv(CsvError::TextAfterQuote { .. }) => "text after quote",
            RejectReason::Csv(CsvError::InvalidUtf8 { .. }) => "invalid utf-8",
            RejectReason::WrongFieldCount { .. } => "wrong field count",
            RejectReason::BadEntryId { .. } => "bad entry id",
            RejectReason::NotANumber { .. } => "not a number",
            RejectReason::NotFinite { .. } => "not finite",
            RejectReason::OutOfRange(_) => "out of range",
            RejectReason::DuplicateId { .. } => "duplicate id",
        }
    }
}

/// A short, single-line, debug-quoted excerpt of untrusted text.
struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        let head: String = chars.by_ref().take(MAX_QUOTED_CHARS).collect();
        let more = if chars.next().is_some() { "…" } else { "" };
        write!(f, "{head:?}{more}")
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::Csv(e) => write!(f, "malformed CSV: {e}"),
            RejectReason::WrongFieldCount { got } => {
                write!(f, "expected {SAFE_COLUMNS} fields, got {got}")
            }
            RejectReason::BadEntryId { text } => {
                write!(f, "entry id {} is not an unsigned integer", Excerpt(text))
            }
            RejectReason::NotANumber { column, name, text } => {
                write!(
                    f,
                    "column {column} ({name}) {} is not a number",
                    Excerpt(text)
                )
            }
            RejectReason::NotFinite { column, name, text } => {
                write!(
                    f,
                    "column {column} ({name}) {} is not finite",
                    Excerpt(text)
                )
            }
            RejectReason::OutOfRange(e) => write!(f, "{e}"),
            RejectReason::DuplicateId { id, first_line } => {
                write!(f, "entry id {id} already used on line {first_line}")
            }
        }
    }
}

/// A record that was skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    /// 1-based line on which the record starts.
    pub line: usize,
    pub reason: RejectReason,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// The result of reading a SAFE file.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadReport {
    /// Accepted rows in file order.
    pub rows: Vec<SafeRow>,
    /// Skipped records in file order.
    pub rejected: Vec<Rejected>,
}

impl LoadReport {
    /// Records seen (accepted + rejected); empty lines are not records.
    pub fn records(&self) -> usize {
        self.rows.len() + self.rejected.len()
    }

    /// Number of rejections per [`RejectReason::kind`], sorted by kind.
    pub fn rejection_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for r in &self.rejected {
            *counts.entry(r.reason.kind()).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

/// Why a SAFE file could not be used at all.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input has no acceptable row.
    NoGoodRows {
        /// The path, or `<memory>` for [`parse_safe`].
        origin: String,
        records: usize,
        /// The first rejection, to say what is wrong with the file.
        first: Option<Rejected>,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read { path, source } => {
                write!(f, "cannot read SAFE data {}: {source}", path.display())
            }
            LoadError::NoGoodRows {
                origin,
                records,
                first,
            } => {
                write!(f, "{origin}: no usable SAFE rows in {records} records")?;
                match first {
                    Some(r) => write!(f, " (first rejected at {r})"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Read { source, .. } => Some(source),
            LoadError::NoGoodRows { .. } => None,
        }
    }
}

/// Reads and parses a SAFE equaliser file; see [`parse_safe`].
pub fn load(path: impl AsRef<Path>) -> Result<LoadReport, LoadError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    match parse_safe(&bytes) {
        Err(LoadError::NoGoodRows { records, first, .. }) => Err(LoadError::NoGoodRows {
            origin: path.display().to_string(),
            records,
            first,
        }),
        other => other,
    }
}

/// Parses SAFE equaliser data held in memory; an error if no row is usable.
pub fn parse_safe(bytes: &[u8]) -> Result<LoadReport, LoadError> {
    let report = read_rows(bytes);
    if report.rows.is_empty() {
        return Err(LoadError::NoGoodRows {
            origin: "<memory>".to_string(),
            records: report.records(),
            first: report.rejected.first().cloned(),
        });
    }
    Ok(report)
}

/// Parses SAFE equaliser data, accepting what it can. Never fails and never
/// panics; an empty report is possible.
///
/// Each record is checked in this order, and the first failure is its
/// reason: CSV framing and UTF-8, field count, entry id, the 13 numbers
/// (parse, then finiteness), the plug-in ranges, then uniqueness of the
/// entry id among the rows accepted so far (so of two records with the same
/// id the first *accepted* one is kept). Fields are trimmed before parsing
/// numbers; text fields are kept as stored. Columns 2–4 and 20–23 are not
/// checked.
pub fn read_rows(bytes: &[u8]) -> LoadReport {
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for record in parse_csv(bytes) {
        let line = record.line;
        match to_row(record, &seen) {
            Ok(row) => {
                seen.insert(row.entry_id, line);
                rows.push(row);
            }
            Err(reason) => rejected.push(Rejected { line, reason }),
        }
    }
    LoadReport { rows, rejected }
}

fn to_row(record: CsvRecord, seen: &HashMap<u64, usize>) -> Result<SafeRow, RejectReason> {
    let fields = record.fields.map_err(RejectReason::Csv)?;
    if fields.len() != SAFE_COLUMNS {
        return Err(RejectReason::WrongFieldCount { got: fields.len() });
    }
    let id_text = &fields[COL_ENTRY_ID];
    let entry_id: u64 = id_text
        .trim()
        .parse()
        .map_err(|_| RejectReason::BadEntryId {
            text: id_text.clone(),
        })?;
    let mut values = [0.0; NUM_PARAMS];
    for (k, (slot, spec)) in values.iter_mut().zip(&PARAMS).enumerate() {
        let column = COL_FIRST_PARAM + k;
        let text = &fields[column];
        let v: f64 = text.trim().parse().map_err(|_| RejectReason::NotANumber {
            column,
            name: spec.name,
            text: text.clone(),
        })?;
        if !v.is_finite() {
            return Err(RejectReason::NotFinite {
                column,
                name: spec.name,
                text: text.clone(),
            });
        }
        *slot = v;
    }
    let params = EqParams::from_array(values);
    params.validate().map_err(RejectReason::OutOfRange)?;
    if let Some(&first_line) = seen.get(&entry_id) {
        return Err(RejectReason::DuplicateId {
            id: entry_id,
            first_line,
        });
    }
    let mut fields = fields;
    let take = |fields: &mut Vec<String>, i: usize| std::mem::take(&mut fields[i]);
    let descriptor_raw = take(&mut fields, COL_DESCRIPTOR);
    Ok(SafeRow {
        line: record.line,
        entry_id,
        descriptor: Descriptor::from_raw(&descriptor_raw),
        descriptor_raw,
        params,
        genre: take(&mut fields, COL_GENRE),
        instrument: take(&mut fields, COL_INSTRUMENT),
        feature_hash: take(&mut fields, COL_FEATURE_HASH),
    })
}

// ---------------------------------------------------------------------------
// Statistics and the validation split
// ---------------------------------------------------------------------------

/// Rows per normalised descriptor, noise included, most frequent first
/// (ties: terms before noise, then by text).
pub fn descriptor_counts(rows: &[SafeRow]) -> Vec<(Descriptor, usize)> {
    let mut counts: HashMap<&Descriptor, usize> = HashMap::new();
    for r in rows {
        *counts.entry(&r.descriptor).or_default() += 1;
    }
    let mut out: Vec<(Descriptor, usize)> =
        counts.into_iter().map(|(d, n)| (d.clone(), n)).collect();
    out.sort_by(|(da, na), (db, nb)| nb.cmp(na).then_with(|| da.cmp(db)));
    out
}

/// The semantic descriptors (noise excluded) with at least `n` rows, in
/// [`descriptor_counts`] order.
pub fn descriptors_with_at_least(rows: &[SafeRow], n: usize) -> Vec<(Descriptor, usize)> {
    descriptor_counts(rows)
        .into_iter()
        .filter(|(d, count)| !d.is_noise() && *count >= n)
        .collect()
}

/// Indices into the rows given to [`validation_split`], each list ascending.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// FNV-1a, to derive a per-descriptor stream from the seed.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// A deterministic `k`-fold split, stratified by normalised descriptor:
/// fold `i`'s rows are `folds[i].validation`, the others' are its `train`.
///
/// Each descriptor's rows are ordered by entry id, shuffled with
/// [`SplitMix64`] (seeded from `seed` and the descriptor, as in
/// [`validation_split`]) and dealt to the folds in turn; the dealing goes on
/// from one descriptor to the next (in descriptor order), so folds differ
/// in size by at most one row and a descriptor with fewer than `k` rows
/// lands in as many different folds as it has rows. `k` is clamped to
/// `1..=rows.len()` (at least 1).
pub fn kfold_split(rows: &[SafeRow], k: usize, seed: u64) -> Vec<Split> {
    let k = k.clamp(1, rows.len().max(1));
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry(r.descriptor.as_str()).or_default().push(i);
    }
    let mut fold_of = vec![0usize; rows.len()];
    let mut next = 0usize;
    for (key, mut indices) in groups {
        indices.sort_by_key(|&i| (rows[i].entry_id, i));
        SplitMix64::new(seed ^ fnv1a(key)).shuffle(&mut indices);
        for i in indices {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    (0..k)
        .map(|f| {
            let (validation, train): (Vec<usize>, Vec<usize>) =
                (0..rows.len()).partition(|&i| fold_of[i] == f);
            Split { train, validation }
        })
        .collect()
}

/// A deterministic train/validation split, stratified by normalised
/// descriptor (noise descriptors form their own strata; filter them out first
/// if they should not take part).
///
/// * The validation set has `round(rows.len() * fraction)` rows. Each
///   descriptor gets `floor(count * fraction)` of them, and the rows left
///   over go one each to the descriptors with the largest remainders (ties
///   broken by a seeded hash of the descriptor), so rare descriptors land in
///   validation in the right proportion overall instead of never.
/// * Within a descriptor, rows are ordered by entry id and shuffled with
///   [`SplitMix64`] seeded from `seed` and the descriptor text; the first ones
///   go to validation.
/// * Hence the same seed gives the same split, and the split (as sets of
///   entry ids) does not depend on the order of `rows`. Rows sharing an entry
///   id (impossible after [`read_rows`]) are ordered by position.
///
/// `fraction` is clamped to `0..=1`; NaN counts as 0.
pub fn validation_split(rows: &[SafeRow], fraction: f64, seed: u64) -> Split {
    let fraction = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry(r.descriptor.as_str()).or_default().push(i);
    }
    let target = ((rows.len() as f64 * fraction).round() as usize).min(rows.len());

    struct Stratum<'a> {
        indices: Vec<usize>,
        take: usize,
        remainder: f64,
        tie: u64,
        key: &'a str,
    }
    let mut strata: Vec<Stratum> = groups
        .into_iter()
        .map(|(key, mut indices)| {
            indices.sort_by_key(|&i| (rows[i].entry_id, i));
            let quota = indices.len() as f64 * fraction;
            let take = (quota.floor() as usize).min(indices.len());
            let tie = SplitMix64::new(seed ^ fnv1a(key) ^ 0x5EED_7E5E_7E5E_7E5E).next_u64();
            Stratum {
                remainder: quota - take as f64,
                tie,
                take,
                indices,
                key,
            }
        })
        .collect();

    let assigned: usize = strata.iter().map(|s| s.take).sum();
    let mut leftover = target.saturating_sub(assigned);
    let mut order: Vec<usize> = (0..strata.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (&strata[a], &strata[b]);
        sb.remainder
            .total_cmp(&sa.remainder)
            .then(sa.tie.cmp(&sb.tie))
            .then(sa.key.cmp(sb.key))
    });
    for &k in &order {
        if leftover == 0 {
            break;
        }
        let s = &mut strata[k];
        if s.take < s.indices.len() {
            s.take += 1;
            leftover -= 1;
        }
    }

    let mut split = Split::default();
    for s in &mut strata {
        SplitMix64::new(seed ^ fnv1a(s.key)).shuffle(&mut s.indices);
        let (val, train) = s.indices.split_at(s.take);
        split.validation.extend_from_slice(val);
        split.train.extend_from_slice(train);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split
}

#[cfg(test)]
mod tests;
