//! Automation files: a CSV of control values over time.
//!
//! ```text
//! time_s,b2_gain_db,amount
//! 0,0,100
//! 2.5,6,100
//! 5,6,50
//! ```
//!
//! The header is `time_s` followed by one or more control names (see
//! [`CONTROLS`]). Every row holds a time in seconds and one value per named
//! control. Times are finite, ≥ 0 and strictly increasing; values are finite
//! and inside the control's range. Between rows values are interpolated
//! linearly (switches such as `auto` step at the row); before the first row
//! the first row's values hold, after the last row the last row's. Blank
//! lines and lines starting with `#` are ignored; fields may be surrounded by
//! spaces; line ends may be `\n` or `\r\n`.
//!
//! With `sample` instead of `time_s` as the first column, rows are
//! parameter changes at whole sample positions, exactly as a host sends them
//! to the plug-in: each value holds until the next row and the plug-in's own
//! smoothing applies. Such a file reproduces a plug-in session bit for bit.
//!
//! [`parse`] is a pure function of the text, so it can be tested and fuzzed
//! without files.

use super::controls::{
    CONTROL_COUNT, CONTROLS, ControlValues, MODE, control_index, to_engine_unit,
};
use std::fmt;

/// The name of the first column of a file of interpolated breakpoints.
pub const TIME_COLUMN: &str = "time_s";
/// The name of the first column of a file of parameter changes.
pub const SAMPLE_COLUMN: &str = "sample";

/// What the first column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Breakpoints in seconds, interpolated linearly.
    Seconds,
    /// Parameter changes at sample positions, held until the next.
    Samples,
}

/// A parsed automation file.
#[derive(Clone, Debug, PartialEq)]
pub struct Automation {
    /// What [`Automation::times`] counts.
    timing: Timing,
    /// Control index (into [`CONTROLS`]) of each value column.
    columns: Vec<usize>,
    /// Row times (seconds or samples, see `timing`), strictly increasing.
    times: Vec<f64>,
    /// Row-major values, `times.len() × columns.len()`.
    values: Vec<f64>,
}

/// Why an automation file was rejected, and where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct AutomationError {
    /// 1-based line number in the file.
    pub line: usize,
    pub kind: AutomationErrorKind,
}

/// What is wrong with an automation file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AutomationErrorKind {
    #[error("the file is empty; expected a header 'time_s,<names…>'")]
    Empty,
    #[error("the first column must be 'time_s' or 'sample', found '{0}'")]
    FirstColumn(String),
    #[error("the header names no controls after 'time_s'")]
    NoControls,
    #[error("empty column name in the header")]
    EmptyName,
    #[error("unknown name '{0}' in the header (expected one of: {names})", names = KnownNames)]
    UnknownName(String),
    #[error("'{0}' appears more than once in the header")]
    DuplicateName(String),
    #[error("no data rows after the header")]
    NoRows,
    #[error("expected {expected} comma-separated fields, found {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("{column}: '{text}' is not a number")]
    NotANumber { column: &'static str, text: String },
    #[error("{column}: {value} is not a finite number")]
    NotFinite { column: &'static str, value: f64 },
    #[error("time_s {0} is negative")]
    NegativeTime(f64),
    #[error("sample {0} is not a whole number of samples from 0 to 2^53")]
    BadSample(f64),
    #[error("time {time} is not greater than the previous row's {previous}")]
    TimeNotIncreasing { time: f64, previous: f64 },
    #[error("{column} = {value} is outside {min}..{max}")]
    OutOfRange {
        column: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("mode = {0} is not 0 (pad), 1 (morph) or 2 (manual)")]
    BadMode(f64),
}

/// Lists the valid header names in error messages.
struct KnownNames;

impl fmt::Display for KnownNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in CONTROLS.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c.name)?;
        }
        Ok(())
    }
}

/// Parses an automation file.
pub fn parse(text: &str) -> Result<Automation, AutomationError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // (1-based line number, line) for every line that carries content.
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });

    let (header_line, header) = lines.next().ok_or(AutomationError {
        line: 1,
        kind: AutomationErrorKind::Empty,
    })?;
    let err = |line: usize, kind| AutomationError { line, kind };
    let mut names = header.split(',').map(str::trim);
    let first = names.next().unwrap_or_default();
    let timing = match first {
        TIME_COLUMN => Timing::Seconds,
        SAMPLE_COLUMN => Timing::Samples,
        _ => {
            return Err(err(
                header_line,
                AutomationErrorKind::FirstColumn(first.to_string()),
            ));
        }
    };
    let mut columns = Vec::new();
    for name in names {
        if name.is_empty() {
            return Err(err(header_line, AutomationErrorKind::EmptyName));
        }
        if name == TIME_COLUMN || name == SAMPLE_COLUMN {
            return Err(err(
                header_line,
                AutomationErrorKind::DuplicateName(name.to_string()),
            ));
        }
        let index = control_index(name).ok_or_else(|| {
            err(
                header_line,
                AutomationErrorKind::UnknownName(name.to_string()),
            )
        })?;
        if columns.contains(&index) {
            return Err(err(
                header_line,
                AutomationErrorKind::DuplicateName(name.to_string()),
            ));
        }
        columns.push(index);
    }
    if columns.is_empty() {
        return Err(err(header_line, AutomationErrorKind::NoControls));
    }

    let mut times: Vec<f64> = Vec::new();
    let mut values = Vec::new();
    for (line_no, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != columns.len() + 1 {
            return Err(err(
                line_no,
                AutomationErrorKind::FieldCount {
                    expected: columns.len() + 1,
                    found: fields.len(),
                },
            ));
        }
        let number = |column: &'static str, text: &str| -> Result<f64, AutomationError> {
            let value: f64 = text.parse().map_err(|_| {
                err(
                    line_no,
                    AutomationErrorKind::NotANumber {
                        column,
                        text: text.to_string(),
                    },
                )
            })?;
            if !value.is_finite() {
                return Err(err(
                    line_no,
                    AutomationErrorKind::NotFinite { column, value },
                ));
            }
            Ok(value)
        };
        let time = number(
            if timing == Timing::Seconds {
                TIME_COLUMN
            } else {
                SAMPLE_COLUMN
            },
            fields[0],
        )?;
        if timing == Timing::Samples
            && !(time >= 0.0 && time.fract() == 0.0 && time <= 2f64.powi(53))
        {
            return Err(err(line_no, AutomationErrorKind::BadSample(time)));
        }
        if time < 0.0 {
            return Err(err(line_no, AutomationErrorKind::NegativeTime(time)));
        }
        if let Some(&previous) = times.last()
            && time <= previous
        {
            return Err(err(
                line_no,
                AutomationErrorKind::TimeNotIncreasing { time, previous },
            ));
        }
        times.push(time);
        for (&index, field) in columns.iter().zip(&fields[1..]) {
            let spec = &CONTROLS[index];
            let value = number(spec.name, field)?;
            if !spec.contains(value) {
                return Err(err(
                    line_no,
                    AutomationErrorKind::OutOfRange {
                        column: spec.name,
                        value,
                        min: spec.min,
                        max: spec.max,
                    },
                ));
            }
            if index == MODE && value.fract() != 0.0 {
                return Err(err(line_no, AutomationErrorKind::BadMode(value)));
            }
            values.push(value);
        }
    }
    if times.is_empty() {
        return Err(err(header_line, AutomationErrorKind::NoRows));
    }
    Ok(Automation {
        timing,
        columns,
        times,
        values,
    })
}

impl Automation {
    /// Control indices (into [`CONTROLS`]) the file automates, in column order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// Row times, in [`Automation::timing`] units.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Seconds or samples.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// The values of row `i`, in column order.
    pub fn row_values(&self, i: usize) -> &[f64] {
        self.row(i)
    }

    fn row(&self, i: usize) -> &[f64] {
        let n = self.columns.len();
        &self.values[i * n..(i + 1) * n]
    }

    /// The same automation with every value in the engine's smoothing units
    /// ([`to_engine_unit`]), so that interpolating between rows moves
    /// frequency and Q on a log scale, as the engine's own smoothing does,
    /// and evaluating it on the grid needs no logarithms.
    pub fn in_engine_units(&self) -> Self {
        let n = self.columns.len();
        let mut values = self.values.clone();
        for (i, v) in values.iter_mut().enumerate() {
            *v = to_engine_unit(self.columns[i % n], *v);
        }
        Self {
            values,
            ..self.clone()
        }
    }

    /// Overwrites the automated controls in `values` with their values at
    /// `time_s`: linear between rows (switches step), held outside them,
    /// exact at a row.
    pub fn apply_at(&self, time_s: f64, values: &mut ControlValues) {
        self.apply_to(time_s, &mut values.0);
    }

    /// [`Automation::apply_at`] on a bare array (plain or engine units,
    /// whichever the automation holds).
    pub fn apply_to(&self, time_s: f64, values: &mut [f64; CONTROL_COUNT]) {
        // Rows at or before `time_s`.
        let n = self.times.partition_point(|&t| t <= time_s);
        self.apply_rows(n, time_s, values);
    }

    /// [`Automation::apply_to`] for times that mostly move forward a little
    /// (a render, grid point by grid point): `hint` is where the last call
    /// found `time_s` among the rows, tried (and its successor) before
    /// searching.
    pub fn apply_to_from(&self, time_s: f64, values: &mut [f64; CONTROL_COUNT], hint: &mut usize) {
        let len = self.times.len();
        // `n` is `partition_point`'s answer: the only count of rows with
        // every row before it at or before `time_s`, and none after.
        let fits = |n: usize| {
            n <= len
                && (n == 0 || self.times[n - 1] <= time_s)
                // Row `n` is not at or before `time_s` (nothing is, for NaN).
                && (n == len || self.times[n] > time_s || time_s.is_nan())
        };
        let n = if fits(*hint) {
            *hint
        } else if fits(*hint + 1) {
            *hint + 1
        } else {
            self.times.partition_point(|&t| t <= time_s)
        };
        *hint = n;
        self.apply_rows(n, time_s, values);
    }

    /// The values at `time_s`, which lies after the first `n` rows.
    fn apply_rows(&self, n: usize, time_s: f64, values: &mut [f64; CONTROL_COUNT]) {
        if n == 0 || n == self.times.len() {
            let row = self.row(if n == 0 { 0 } else { n - 1 });
            for (&c, &v) in self.columns.iter().zip(row) {
                values[c] = v;
            }
            return;
        }
        let (t0, t1) = (self.times[n - 1], self.times[n]);
        let frac = (time_s - t0) / (t1 - t0);
        for ((&c, &a), &b) in self.columns.iter().zip(self.row(n - 1)).zip(self.row(n)) {
            values[c] = if self.timing == Timing::Samples || CONTROLS[c].stepped {
                a
            } else {
                a + (b - a) * frac
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::controls::{AMOUNT, OUT_DB};
    use super::*;
    use AutomationErrorKind as K;

    fn fails(text: &str) -> AutomationError {
        parse(text).expect_err(text)
    }

    #[test]
    fn hinted_lookup_equals_the_search() {
        let a =
            parse("time_s,b2_gain_db,amount\n0,0,100\n0.5,6,80\n2,-3,100\n2.001,5,50\n4,6,50\n")
                .unwrap();
        let mut hint = 0;
        let mut times: Vec<f64> = (-10..5000).map(|k| k as f64 * 1e-3).collect();
        // Backwards jumps, repeats and NaN too.
        times.extend([3.0, 0.1, 0.1, f64::NAN, 5.0, 2.0005, 1e9, -1.0]);
        for t in times {
            let (mut want, mut got) = ([0.0; CONTROL_COUNT], [0.0; CONTROL_COUNT]);
            a.apply_to(t, &mut want);
            a.apply_to_from(t, &mut got, &mut hint);
            assert_eq!(want.map(f64::to_bits), got.map(f64::to_bits), "t = {t}");
        }
    }

    #[test]
    fn parses_and_interpolates() {
        let a = parse("time_s,b2_gain_db,amount\n0,0,100\n2,6,100\n4,6,50\n").unwrap();
        assert_eq!(a.columns(), &[5, AMOUNT]);
        assert_eq!(a.times(), &[0.0, 2.0, 4.0]);
        let mut v = ControlValues::default();
        let at = |t: f64, v: &mut ControlValues| {
            a.apply_at(t, v);
            (v.0[5], v.0[AMOUNT])
        };
        assert_eq!(at(0.0, &mut v), (0.0, 100.0));
        assert_eq!(at(1.0, &mut v), (3.0, 100.0));
        assert_eq!(at(2.0, &mut v), (6.0, 100.0));
        assert_eq!(at(3.0, &mut v), (6.0, 75.0));
        assert_eq!(at(4.0, &mut v), (6.0, 50.0));
        assert_eq!(at(100.0, &mut v), (6.0, 50.0));
        // Untouched controls keep their value.
        assert_eq!(v.0[OUT_DB], 0.0);
        assert_eq!(v.0[6], 1000.0);
    }

    #[test]
    fn sample_files_are_held_parameter_changes() {
        let a = parse("sample,x,auto\n0,-1,0\n4800,0.5,1\n").unwrap();
        assert_eq!(a.timing(), Timing::Samples);
        assert_eq!(a.times(), &[0.0, 4800.0]);
        let mut v = [0.0; CONTROL_COUNT];
        let x = super::super::controls::X;
        a.apply_to(4799.0, &mut v);
        assert_eq!(v[x], -1.0, "held, not interpolated");
        a.apply_to(4800.0, &mut v);
        assert_eq!(v[x], 0.5);
        for bad in [
            "sample,x\n0.5,0\n",
            "sample,x\n-1,0\n",
            "sample,x\n1e300,0\n",
        ] {
            assert!(matches!(fails(bad).kind, K::BadSample(_)), "{bad}");
        }
        assert!(matches!(
            fails("sample,x\n5,0\n5,1\n").kind,
            K::TimeNotIncreasing { .. }
        ));
    }

    #[test]
    fn switches_step_in_time_files() {
        let a = parse("time_s,auto,mix\n0,0,0\n1,1,100\n").unwrap();
        let mut v = [0.0; CONTROL_COUNT];
        a.apply_to(0.75, &mut v);
        let (auto, mix) = (super::super::controls::AUTO, super::super::controls::MIX);
        assert_eq!((v[auto], v[mix]), (0.0, 75.0));
    }

    #[test]
    fn holds_before_the_first_row() {
        let a = parse("time_s,out_db\n1,-6\n3,6").unwrap();
        let mut v = ControlValues::default();
        a.apply_at(0.0, &mut v);
        assert_eq!(v.0[OUT_DB], -6.0);
        a.apply_at(2.0, &mut v);
        assert_eq!(v.0[OUT_DB], 0.0);
        a.apply_at(f64::NAN, &mut v);
        assert_eq!(v.0[OUT_DB], -6.0);
    }

    #[test]
    fn exact_at_rows_with_awkward_times() {
        let a = parse("time_s,b1_freq_hz\n0.1,100\n0.3,3000\n0.7,82").unwrap();
        let mut v = ControlValues::default();
        for (t, want) in [(0.1, 100.0), (0.3, 3000.0), (0.7, 82.0)] {
            a.apply_at(t, &mut v);
            assert_eq!(v.0[3], want);
        }
    }

    #[test]
    fn tolerates_crlf_spaces_bom_comments_and_blank_lines() {
        let text = "\u{feff}# made by hand\r\n time_s , hs_gain_db \r\n\r\n0, -3\r\n  \r\n# later\r\n1.5e0 ,+3\r\n";
        let a = parse(text).unwrap();
        assert_eq!(a.columns(), &[11]);
        assert_eq!(a.times(), &[0.0, 1.5]);
        let mut v = ControlValues::default();
        a.apply_at(0.75, &mut v);
        assert_eq!(v.0[11], 0.0);
    }

    #[test]
    fn header_errors() {
        assert_eq!(
            fails(""),
            AutomationError {
                line: 1,
                kind: K::Empty
            }
        );
        assert_eq!(fails("\n\n# x\n").kind, K::Empty);
        assert_eq!(
            fails("\ntime,amount\n0,1"),
            AutomationError {
                line: 2,
                kind: K::FirstColumn("time".into())
            }
        );
        assert_eq!(fails("time_s\n0").kind, K::NoControls);
        assert_eq!(fails("time_s,\n0,").kind, K::EmptyName);
        assert_eq!(
            fails("time_s,amount,gain\n0,1,2").kind,
            K::UnknownName("gain".into())
        );
        assert_eq!(
            fails("time_s,amount,amount\n0,1,2").kind,
            K::DuplicateName("amount".into())
        );
        assert_eq!(
            fails("time_s,time_s\n0,1").kind,
            K::DuplicateName("time_s".into())
        );
        assert_eq!(
            fails("time_s,amount\n"),
            AutomationError {
                line: 1,
                kind: K::NoRows
            }
        );
        // The message lists the valid names.
        let msg = fails("time_s,Amount\n0,1").to_string();
        assert!(msg.starts_with("line 1: unknown name 'Amount'"), "{msg}");
        assert!(
            msg.contains("ls_gain_db") && msg.contains("out_db"),
            "{msg}"
        );
    }

    #[test]
    fn row_errors_name_the_line() {
        let h = "time_s,b2_gain_db,amount\n0,0,100\n";
        let case = |row: &str| fails(&format!("{h}{row}"));
        assert_eq!(
            case("1,2"),
            AutomationError {
                line: 3,
                kind: K::FieldCount {
                    expected: 3,
                    found: 2
                }
            }
        );
        assert_eq!(
            case("1,2,3,4").kind,
            K::FieldCount {
                expected: 3,
                found: 4
            }
        );
        assert_eq!(
            case("1,x,3").kind,
            K::NotANumber {
                column: "b2_gain_db",
                text: "x".into()
            }
        );
        assert_eq!(
            case("1,,3").kind,
            K::NotANumber {
                column: "b2_gain_db",
                text: "".into()
            }
        );
        assert!(matches!(
            case("inf,0,3").kind,
            K::NotFinite {
                column: "time_s",
                ..
            }
        ));
        assert!(matches!(
            case("1,NaN,3").kind,
            K::NotFinite {
                column: "b2_gain_db",
                ..
            }
        ));
        assert_eq!(
            case("0,0,100").kind,
            K::TimeNotIncreasing {
                time: 0.0,
                previous: 0.0
            }
        );
        assert_eq!(
            case("1,12.5,100").kind,
            K::OutOfRange {
                column: "b2_gain_db",
                value: 12.5,
                min: -12.0,
                max: 12.0
            }
        );
        assert!(matches!(
            case("1,0,201").kind,
            K::OutOfRange {
                column: "amount",
                ..
            }
        ));
        assert_eq!(fails("time_s,amount\n-0.5,1").kind, K::NegativeTime(-0.5));
        // Blank lines still count towards line numbers.
        let e = fails("time_s,amount\n\n0,1\n\n1,x");
        assert_eq!(e.line, 5);
        assert_eq!(e.to_string(), "line 5: amount: 'x' is not a number");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A tiny deterministic fuzz until the real fuzzer lands.
        let alphabet = [
            "time_s", "amount", "out_db", ",", "\n", "\r", "0", "1.5", "-", "e9", " ", "#", "nan",
            "b1_q",
        ];
        let mut rng = semantic_eq_model::rng::XorShift64::new(0x9e37_79b9_7f4a_7c15);
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(s % 24) {
                s = rng.next_u64();
                text.push_str(alphabet[(s % alphabet.len() as u64) as usize]);
            }
            if let Ok(a) = parse(&text) {
                let mut v = ControlValues::default();
                for t in [0.0, 0.5, 1.0, 1e9] {
                    a.apply_at(t, &mut v);
                }
            }
            s = s.wrapping_add(1);
        }
    }
}
