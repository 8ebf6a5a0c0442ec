use super::*;
use crate::cascade_magnitude_db;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

const REAL_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/safe/SAFEEqualiserUserData.csv"
);

/// A flat, valid setting as SAFE columns 5..=17.
const FLAT: [&str; NUM_PARAMS] = [
    "0", "100", "0", "250", "1", "0", "1000", "1", "0", "4000", "1", "0", "8000",
];

/// One SAFE record (no line end). `descriptor` is inserted verbatim, so the
/// caller does the CSV quoting.
fn record(id: &str, descriptor: &str, params: &[&str]) -> String {
    let mut f: Vec<String> = vec![
        id.into(),
        descriptor.into(),
        String::new(),
        "1".into(),
        "1".into(),
    ];
    f.extend(params.iter().map(|s| s.to_string()));
    f.extend(["rock".to_string(), "guitar".to_string()]);
    f.extend(std::iter::repeat_n(String::new(), 4));
    f.push(format!("hash{id}"));
    f.join(",")
}

/// `FLAT` with one column (0-based within the 13) replaced.
fn flat_with(k: usize, value: &str) -> Vec<&str> {
    let mut p = FLAT.to_vec();
    p[k] = value;
    p
}

fn ok(line: usize, fields: &[&str]) -> CsvRecord {
    CsvRecord {
        line,
        fields: Ok(fields.iter().map(|s| s.to_string()).collect()),
    }
}

fn bad(line: usize, e: CsvError) -> CsvRecord {
    CsvRecord {
        line,
        fields: Err(e),
    }
}

// --- CSV -------------------------------------------------------------------

#[test]
fn csv_quoted_commas_and_doubled_quotes() {
    assert_eq!(
        parse_csv_str("1,\"a, b\",\"say \"\"hi\"\"\",\"\",x\n"),
        vec![ok(1, &["1", "a, b", "say \"hi\"", "", "x"])]
    );
    assert_eq!(
        parse_csv_str("a,\n,"),
        vec![ok(1, &["a", ""]), ok(2, &["", ""])]
    );
}

#[test]
fn csv_line_ends_crlf_lf_and_cr() {
    assert_eq!(
        parse_csv_str("a,b\r\nc,d\ne,f\rg,h"),
        vec![
            ok(1, &["a", "b"]),
            ok(2, &["c", "d"]),
            ok(3, &["e", "f"]),
            ok(4, &["g", "h"])
        ]
    );
}

#[test]
fn csv_embedded_newlines_are_kept_and_counted() {
    assert_eq!(
        parse_csv_str("1,\"two\nlines\",x\n2,y,z\n"),
        vec![ok(1, &["1", "two\nlines", "x"]), ok(3, &["2", "y", "z"])]
    );
    assert_eq!(
        parse_csv_str("\"x\r\ny\",z\r\nw\r\n"),
        vec![ok(1, &["x\r\ny", "z"]), ok(3, &["w"])]
    );
    // A quote that closes several lines later is legal CSV: one record.
    assert_eq!(
        parse_csv_str("1,\"abc\n2,b\"\n3,d"),
        vec![ok(1, &["1", "abc\n2,b"]), ok(3, &["3", "d"])]
    );
}

#[test]
fn csv_blank_lines_bom_and_missing_final_newline() {
    assert_eq!(
        parse_csv_str("\u{feff}a\n\n\r\nb"),
        vec![ok(1, &["a"]), ok(4, &["b"])]
    );
    assert_eq!(parse_csv(b""), vec![]);
    assert_eq!(parse_csv(b"\n\r\n\r"), vec![]);
}

#[test]
fn csv_unterminated_quote_costs_one_record() {
    assert_eq!(
        parse_csv_str("1,\"abc\n2,b,c\n3,d,e"),
        vec![
            bad(1, CsvError::UnterminatedQuote { column: 1 }),
            ok(2, &["2", "b", "c"]),
            ok(3, &["3", "d", "e"])
        ]
    );
    // The record spans two lines before the bad quote opens on line 2;
    // parsing resumes on line 3.
    assert_eq!(
        parse_csv_str("\"a\nb\",\"c\nx,y\n"),
        vec![
            bad(1, CsvError::UnterminatedQuote { column: 1 }),
            ok(3, &["x", "y"])
        ]
    );
    assert_eq!(
        parse_csv_str("\""),
        vec![bad(1, CsvError::UnterminatedQuote { column: 0 })]
    );
}

#[test]
fn csv_stray_quotes() {
    assert_eq!(
        parse_csv_str("\"ab\"c,d\n2,e"),
        vec![
            bad(1, CsvError::TextAfterQuote { column: 0 }),
            ok(2, &["2", "e"])
        ]
    );
    // Quotes inside an unquoted field, or after leading spaces, are text.
    assert_eq!(
        parse_csv_str("12\" cone,x\n \"a\",b"),
        vec![ok(1, &["12\" cone", "x"]), ok(2, &[" \"a\"", "b"])]
    );
}

#[test]
fn csv_invalid_utf8_spoils_only_its_record() {
    assert_eq!(
        parse_csv(b"1,\xff,x\n2,\xc3\xa9,y\n3,\"\xc3\",z"),
        vec![
            bad(1, CsvError::InvalidUtf8 { column: 1 }),
            ok(2, &["2", "é", "y"]),
            bad(3, CsvError::InvalidUtf8 { column: 1 }),
        ]
    );
}

#[test]
fn csv_many_quotes_stays_fast() {
    // 50 000 lines of `"a`: each quote closes the previous line's field.
    let text = "\"a\n".repeat(50_000);
    let recs = parse_csv_str(&text);
    assert_eq!(recs.len(), 25_000);
    for (k, r) in recs.iter().enumerate() {
        assert_eq!(r, &bad(2 * k + 1, CsvError::TextAfterQuote { column: 0 }));
    }
    // One never-closed quote followed by many quoted lines.
    let text = format!("x,\"open\n{}", "\"\"\"\"\n".repeat(100_000));
    let recs = parse_csv_str(&text);
    assert_eq!(recs.len(), 100_001);
    assert_eq!(recs[0], bad(1, CsvError::UnterminatedQuote { column: 1 }));
    assert_eq!(recs[1], ok(2, &["\""]));
}

// --- Descriptors -----------------------------------------------------------

#[test]
fn descriptor_normalisation() {
    assert_eq!(normalize_text("  Warm \t\n  BRIGHT  "), "warm bright");
    let term = |s: &str| Descriptor::Term(s.to_string());
    for raw in [
        "warm", "Warm ", "WARM", "  warm\t", "warmer", "Warmth", "WARMEST",
    ] {
        assert_eq!(Descriptor::from_raw(raw), term("warm"), "{raw:?}");
    }
    for raw in ["bright", "Bright ", "brighter", " Brightness", "brightest"] {
        assert_eq!(Descriptor::from_raw(raw), term("bright"), "{raw:?}");
    }
    // Only whole descriptors are aliased, and only for warm and bright.
    assert_eq!(
        Descriptor::from_raw("Warmer  Vocals"),
        term("warmer vocals")
    );
    assert_eq!(
        Descriptor::from_raw("brightens sax "),
        term("brightens sax")
    );
    assert_eq!(Descriptor::from_raw("fuller"), term("full"));
    assert_eq!(
        Descriptor::from_raw("Fuller  vocals"),
        term("fuller vocals")
    );
    assert_eq!(
        Descriptor::from_raw("Low mid scoop,  "),
        term("low mid scoop,")
    );
    assert_eq!(Descriptor::from_raw("ÉCLAT"), term("éclat"));
    // Noise.
    assert_eq!(
        Descriptor::from_raw("test"),
        Descriptor::Noise("test".into())
    );
    assert_eq!(
        Descriptor::from_raw(" TEST "),
        Descriptor::Noise("test".into())
    );
    assert_eq!(Descriptor::from_raw(""), Descriptor::Noise(String::new()));
    assert_eq!(
        Descriptor::from_raw(" \r\n "),
        Descriptor::Noise(String::new())
    );
    assert_eq!(Descriptor::from_raw("test1"), term("test1"));
    assert!(Descriptor::from_raw("Test").is_noise());
    assert_eq!(Descriptor::from_raw("Test").term(), None);
    assert_eq!(Descriptor::from_raw("Warm").term(), Some("warm"));
    assert_eq!(Descriptor::from_raw("").to_string(), "(empty)");
    assert_eq!(
        Descriptor::from_raw(" Bass  Boost").to_string(),
        "bass boost"
    );
}

// --- Loader ----------------------------------------------------------------

#[test]
fn loads_a_good_row_exactly() {
    let p = [
        "3.5", "120", "-2", "400", "0.7", "1.5", "1500", "2", "-4", "6000", "3", "5", "9000",
    ];
    let text = format!("{}\r\n", record("17", "\"Bright, airy \"", &p));
    let report = parse_safe(text.as_bytes()).unwrap();
    assert!(report.rejected.is_empty());
    assert_eq!(
        report.rows,
        vec![SafeRow {
            line: 1,
            entry_id: 17,
            descriptor_raw: "Bright, airy ".into(),
            descriptor: Descriptor::Term("bright, airy".into()),
            params: EqParams::parse_list("3.5,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000").unwrap(),
            genre: "rock".into(),
            instrument: "guitar".into(),
            feature_hash: "hash17".into(),
        }]
    );
}

#[test]
fn bad_rows_are_skipped_with_reason_and_line() {
    let lines = [
        record("1", "Warm ", &FLAT),                             // 1 ok
        "2,warm,,1,1,0".to_string(),                             // 2 short
        record("x3", "warm", &FLAT),                             // 3 bad id
        record("4", "warm", &flat_with(2, "NaN")),               // 4 NaN
        record("5", "warm", &flat_with(1, "-inf")),              // 5 inf
        record("6", "warm", &flat_with(4, "abc")),               // 6 garbage
        record("7", "warm", &flat_with(0, "")),                  // 7 empty number
        record("8", "warm", &flat_with(12, "20000.5")),          // 8 out of range
        record("1", "bright", &FLAT),                            // 9 duplicate id
        record("10", "w\u{fffd}rm", &FLAT),                      // 10 (made invalid below)
        record("11", "test", &flat_with(0, " 1e1 ")),            // 11 ok, noise
        record("12", "\"Warmer\nthan before\"", &FLAT),          // 12-13 ok, multi-line
        record("14", "WARM", &flat_with(5, "-12.5")),            // 14 out of range
        record("15", "warmer", &[&FLAT[..12], &["1"]].concat()), // 15 hs freq 1 Hz
    ];
    let mut bytes = lines.join("\n").into_bytes();
    // Replace the U+FFFD on line 10 by a lone continuation byte.
    let pos = bytes
        .windows(3)
        .position(|w| w == "\u{fffd}".as_bytes())
        .unwrap();
    bytes.splice(pos..pos + 3, [0x80]);

    let report = parse_safe(&bytes).unwrap();
    let ids: Vec<u64> = report.rows.iter().map(|r| r.entry_id).collect();
    assert_eq!(ids, [1, 11, 12]);
    assert_eq!(report.rows[0].descriptor, Descriptor::Term("warm".into()));
    assert_eq!(report.rows[1].descriptor, Descriptor::Noise("test".into()));
    assert_eq!(report.rows[1].params.ls_gain_db, 10.0);
    assert_eq!(report.rows[2].line, 12);
    assert_eq!(report.rows[2].descriptor_raw, "Warmer\nthan before");
    assert_eq!(
        report.rows[2].descriptor,
        Descriptor::Term("warmer than before".into())
    );

    let expected = vec![
        (2, RejectReason::WrongFieldCount { got: 6 }),
        (3, RejectReason::BadEntryId { text: "x3".into() }),
        (
            4,
            RejectReason::NotFinite {
                column: 7,
                name: "b1_gain_db",
                text: "NaN".into(),
            },
        ),
        (
            5,
            RejectReason::NotFinite {
                column: 6,
                name: "ls_freq_hz",
                text: "-inf".into(),
            },
        ),
        (
            6,
            RejectReason::NotANumber {
                column: 9,
                name: "b1_q",
                text: "abc".into(),
            },
        ),
        (
            7,
            RejectReason::NotANumber {
                column: 5,
                name: "ls_gain_db",
                text: "".into(),
            },
        ),
        (
            8,
            RejectReason::OutOfRange(ParamError::OutOfRange {
                name: "hs_freq_hz",
                value: 20000.5,
                min: 580.0,
                max: 20000.0,
            }),
        ),
        (
            9,
            RejectReason::DuplicateId {
                id: 1,
                first_line: 1,
            },
        ),
        (10, RejectReason::Csv(CsvError::InvalidUtf8 { column: 1 })),
        (
            14,
            RejectReason::OutOfRange(ParamError::OutOfRange {
                name: "b2_gain_db",
                value: -12.5,
                min: -12.0,
                max: 12.0,
            }),
        ),
        (
            15,
            RejectReason::OutOfRange(ParamError::OutOfRange {
                name: "hs_freq_hz",
                value: 1.0,
                min: 580.0,
                max: 20000.0,
            }),
        ),
    ];
    let got: Vec<(usize, RejectReason)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(report.records(), 14);
    assert_eq!(
        report.rejection_counts(),
        vec![
            ("bad entry id", 1),
            ("duplicate id", 1),
            ("invalid utf-8", 1),
            ("not a number", 2),
            ("not finite", 2),
            ("out of range", 3),
            ("wrong field count", 1),
        ]
    );
    assert_eq!(
        report.rejected[2].to_string(),
        "line 4: column 7 (b1_gain_db) \"NaN\" is not finite"
    );
    assert_eq!(
        report.rejected[7].to_string(),
        "line 9: entry id 1 already used on line 1"
    );
}

#[test]
fn range_limits_are_accepted_without_tolerance() {
    let lo: Vec<String> = PARAMS.iter().map(|p| p.min.to_string()).collect();
    let hi: Vec<String> = PARAMS.iter().map(|p| p.max.to_string()).collect();
    let lo: Vec<&str> = lo.iter().map(String::as_str).collect();
    let hi: Vec<&str> = hi.iter().map(String::as_str).collect();
    let text = format!(
        "{}\n{}\n{}\n",
        record("1", "a", &lo),
        record("2", "b", &hi),
        record("3", "c", &flat_with(3, "81.99999")),
    );
    let report = parse_safe(text.as_bytes()).unwrap();
    assert_eq!(report.rows.len(), 2);
    assert_eq!(report.rows[0].params.to_array(), PARAMS.map(|p| p.min));
    assert_eq!(report.rows[1].params.to_array(), PARAMS.map(|p| p.max));
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].reason.kind(), "out of range");
}

#[test]
fn duplicate_of_a_rejected_row_is_accepted() {
    let text = format!(
        "{}\n{}\n{}\n",
        record("7", "a", &flat_with(0, "99")),
        record("7", "b", &FLAT),
        record("7", "c", &FLAT),
    );
    let report = parse_safe(text.as_bytes()).unwrap();
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.rows[0].line, 2);
    assert_eq!(
        report.rejected[1],
        Rejected {
            line: 3,
            reason: RejectReason::DuplicateId {
                id: 7,
                first_line: 2
            }
        }
    );
}

#[test]
fn nothing_usable_is_an_error_with_one_line() {
    let err = parse_safe(b"").unwrap_err();
    assert!(matches!(
        err,
        LoadError::NoGoodRows {
            records: 0,
            first: None,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "<memory>: no usable SAFE rows in 0 records"
    );

    let err = parse_safe(b"\n\nhello,\"world\nagain\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "<memory>: no usable SAFE rows in 2 records \
         (first rejected at line 3: malformed CSV: the quoted field in column 1 is never closed)"
    );

    let long = format!("{}\n", record(&"9".repeat(100), "x", &FLAT));
    let err = parse_safe(long.as_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("is not an unsigned integer") && err.contains('…'),
        "{err}"
    );
    assert!(!err.contains('\n'));
}

#[test]
fn load_reports_the_path() {
    let missing = Path::new("/nonexistent/dir/SAFE.csv");
    let err = load(missing).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }));
    let msg = err.to_string();
    assert!(
        msg.starts_with("cannot read SAFE data /nonexistent/dir/SAFE.csv: "),
        "{msg}"
    );
    assert!(!msg.contains('\n'));

    let path =
        std::env::temp_dir().join(format!("semantic-eq-safe-test-{}.csv", std::process::id()));
    std::fs::write(&path, "just,garbage\n").unwrap();
    let result = load(&path);
    let _ = std::fs::remove_file(&path);
    match result {
        Err(LoadError::NoGoodRows {
            origin,
            records,
            first,
        }) => {
            assert_eq!(origin, path.display().to_string());
            assert_eq!(records, 1);
            assert_eq!(
                first.unwrap().reason,
                RejectReason::WrongFieldCount { got: 2 }
            );
        }
        other => panic!("expected NoGoodRows, got {other:?}"),
    }
}

// --- Bells -----------------------------------------------------------------

#[test]
fn bells_sort_by_frequency_as_triples() {
    let p = EqParams::parse_list("3,120,1,3000,0.5,2,200,2,3,1000,3,5,9000").unwrap();
    let s = sort_bells_by_frequency(&p);
    assert_eq!(
        s,
        EqParams::parse_list("3,120,2,200,2,3,1000,3,1,3000,0.5,5,9000").unwrap()
    );
    s.validate().unwrap();
    // Ties keep the stored order.
    let p = EqParams::parse_list("0,100,1,500,1,2,500,2,3,400,3,0,8000").unwrap();
    assert_eq!(
        sort_bells_by_frequency(&p),
        EqParams::parse_list("0,100,3,400,3,1,500,1,2,500,2,0,8000").unwrap()
    );
    let row = SafeRow {
        line: 1,
        entry_id: 1,
        descriptor_raw: "x".into(),
        descriptor: Descriptor::from_raw("x"),
        params: p,
        genre: String::new(),
        instrument: String::new(),
        feature_hash: String::new(),
    };
    let sorted = row.with_bells_sorted();
    assert_eq!(sorted.params, sort_bells_by_frequency(&p));
    assert_eq!(sorted.entry_id, row.entry_id);
    assert_eq!(row.params, p, "the stored row is untouched");
}

#[test]
fn sorted_bells_stay_valid_and_sound_the_same() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..2000 {
        let n: [f64; NUM_PARAMS] = std::array::from_fn(|_| rng.random_range(0.0..=1.0));
        let p = EqParams::from_normalized(&n);
        let s = sort_bells_by_frequency(&p);
        s.validate().unwrap();
        assert!(s.b1_freq_hz <= s.b2_freq_hz && s.b2_freq_hz <= s.b3_freq_hz);
        let triples = |e: &EqParams| {
            let mut t: Vec<[u64; 3]> = (1..4)
                .map(|b| {
                    let band = e.band(b);
                    [
                        band.gain_db.to_bits(),
                        band.freq_hz.to_bits(),
                        band.q.to_bits(),
                    ]
                })
                .collect();
            t.sort_unstable();
            t
        };
        assert_eq!(triples(&p), triples(&s));
        for f in [30.0, 200.0, 1000.0, 5000.0, 15000.0] {
            let a = cascade_magnitude_db(&p, f, 48000.0);
            let b = cascade_magnitude_db(&s, f, 48000.0);
            assert!((a - b).abs() < 1e-9, "{a} vs {b} at {f} Hz");
        }
    }
}

// --- Statistics and split --------------------------------------------------

fn synthetic_row(entry_id: u64, descriptor: &str) -> SafeRow {
    SafeRow {
        line: entry_id as usize,
        entry_id,
        descriptor_raw: descriptor.into(),
        descriptor: Descriptor::from_raw(descriptor),
        params: EqParams::default(),
        genre: String::new(),
        instrument: String::new(),
        feature_hash: String::new(),
    }
}

/// 100 warm, 60 bright, 20 test, 40 singletons, interleaved.
fn synthetic_rows() -> Vec<SafeRow> {
    let mut rows = Vec::new();
    let mut id = 1000;
    let mut push = |d: String| {
        rows.push(synthetic_row(id, &d));
        id += 3;
    };
    for k in 0..100 {
        push(if k % 2 == 0 {
            "Warm".into()
        } else {
            "warmer ".into()
        });
        if k < 60 {
            push("bright".into());
        }
        if k < 20 {
            push("test".into());
        }
        if k < 40 {
            push(format!("word{k}"));
        }
    }
    rows
}

#[test]
fn descriptor_statistics() {
    let rows: Vec<SafeRow> = [
        "warm", "Bright", "warmer", "test", "", "TEST", "thin", "bright ", "WARM", "boomy",
    ]
    .iter()
    .enumerate()
    .map(|(i, d)| synthetic_row(i as u64, d))
    .collect();
    let t = |s: &str| Descriptor::Term(s.into());
    let n = |s: &str| Descriptor::Noise(s.into());
    assert_eq!(
        descriptor_counts(&rows),
        vec![
            (t("warm"), 3),
            (t("bright"), 2),
            (n("test"), 2),
            (t("boomy"), 1),
            (t("thin"), 1),
            (n(""), 1),
        ]
    );
    assert_eq!(
        descriptors_with_at_least(&rows, 2),
        vec![(t("warm"), 3), (t("bright"), 2)]
    );
    assert_eq!(descriptors_with_at_least(&rows, 4), vec![]);
    assert_eq!(descriptor_counts(&[]), vec![]);
}

#[test]
fn split_is_stratified_and_complete() {
    let rows = synthetic_rows();
    assert_eq!(rows.len(), 220);
    let split = validation_split(&rows, 0.15, 42);
    // 220 * 0.15 = 33: warm 15, bright 9, test 3, and the 6 leftover rows
    // go to 6 of the 40 singletons (largest remainder 0.15).
    assert_eq!(split.validation.len(), 33);
    let mut per: HashMap<&str, usize> = HashMap::new();
    for &i in &split.validation {
        let d = rows[i].descriptor.as_str();
        *per.entry(if d.starts_with("word") { "word" } else { d })
            .or_default() += 1;
    }
    assert_eq!(per["warm"], 15);
    assert_eq!(per["bright"], 9);
    assert_eq!(per["test"], 3);
    assert_eq!(per["word"], 6);
    // A partition, ascending.
    let all: Vec<usize> = split
        .train
        .iter()
        .chain(&split.validation)
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(all, (0..rows.len()).collect::<Vec<_>>());
    assert_eq!(split.train.len() + split.validation.len(), rows.len());
    assert!(split.train.windows(2).all(|w| w[0] < w[1]));
    assert!(split.validation.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn split_depends_on_seed_not_on_row_order() {
    let rows = synthetic_rows();
    let ids = |rows: &[SafeRow], idx: &[usize]| -> BTreeSet<u64> {
        idx.iter().map(|&i| rows[i].entry_id).collect()
    };
    let a = validation_split(&rows, 0.15, 7);
    assert_eq!(a, validation_split(&rows, 0.15, 7));
    let b = validation_split(&rows, 0.15, 8);
    assert_ne!(ids(&rows, &a.validation), ids(&rows, &b.validation));

    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..5 {
        let mut shuffled = rows.clone();
        for i in (1..shuffled.len()).rev() {
            let j = rng.random_range(0..=i);
            shuffled.swap(i, j);
        }
        let s = validation_split(&shuffled, 0.15, 7);
        assert_eq!(ids(&shuffled, &s.validation), ids(&rows, &a.validation));
        assert_eq!(ids(&shuffled, &s.train), ids(&rows, &a.train));
    }
}

#[test]
fn split_edge_fractions() {
    let rows = synthetic_rows();
    let n = rows.len();
    assert_eq!(
        validation_split(&rows, 0.0, 1).validation,
        Vec::<usize>::new()
    );
    assert_eq!(
        validation_split(&rows, f64::NAN, 1).validation,
        Vec::<usize>::new()
    );
    assert_eq!(validation_split(&rows, -3.0, 1).train.len(), n);
    assert_eq!(validation_split(&rows, 1.0, 1).validation.len(), n);
    assert_eq!(validation_split(&rows, 7.0, 1).train, Vec::<usize>::new());
    assert_eq!(validation_split(&[], 0.15, 1), Split::default());
    let one = [synthetic_row(1, "warm")];
    assert_eq!(validation_split(&one, 0.15, 1).train, vec![0]);
    assert_eq!(validation_split(&one, 0.6, 1).validation, vec![0]);
}

// --- The real file ---------------------------------------------------------

#[test]
fn real_safe_file() {
    let path = Path::new(REAL_FILE);
    if !path.exists() {
        println!(
            "SKIPPED: {} not found (see README: the SAFE data is not part of the repository)",
            path.display()
        );
        return;
    }
    let report = load(path).unwrap();
    let total = report.records();
    println!("SAFE file {}: {total} records", path.display());
    println!("  good rows: {}", report.rows.len());
    println!("  rejected:  {}", report.rejected.len());
    for (kind, n) in report.rejection_counts() {
        println!("    {kind}: {n}");
    }
    for r in report.rejected.iter().take(10) {
        println!("    {r}");
    }
    assert_eq!(total, 1444, "the README says 1444 rows");
    // Measured on this copy: every row parses and is inside the plug-in's
    // ranges, so nothing needs clamping.
    assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());

    let counts = descriptor_counts(&report.rows);
    println!(
        "  {} distinct normalised descriptors; top 15:",
        counts.len()
    );
    for (d, n) in counts.iter().take(15) {
        println!(
            "    {:>4}  {:5.1} %  {d}{}",
            n,
            100.0 * *n as f64 / total as f64,
            if d.is_noise() { "  (noise)" } else { "" }
        );
    }
    let share = |name: &str| {
        counts
            .iter()
            .find(|(d, _)| d.as_str() == name)
            .map_or(0.0, |(_, n)| *n as f64 / total as f64)
    };
    let (warm, bright, test) = (share("warm"), share("bright"), share("test"));
    assert!((warm - 0.31).abs() < 0.03, "warm {warm}");
    assert!((bright - 0.30).abs() < 0.03, "bright {bright}");
    assert!((test - 0.11).abs() < 0.03, "test {test}");
    assert!(
        counts
            .iter()
            .any(|(d, _)| d == &Descriptor::Noise("test".into()))
    );
    // Beyond warm, bright and test, no descriptor reaches 10 rows.
    let frequent = descriptors_with_at_least(&report.rows, 10);
    println!("  descriptors with >= 10 rows: {frequent:?}");
    assert_eq!(
        frequent.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>(),
        ["warm", "bright"]
    );

    // Range use: how often each parameter sits exactly on a limit.
    println!("  values on a range limit (min / max):");
    for (k, spec) in PARAMS.iter().enumerate() {
        let values: Vec<f64> = report.rows.iter().map(|r| r.params.to_array()[k]).collect();
        let at_min = values.iter().filter(|&&v| v == spec.min).count();
        let at_max = values.iter().filter(|&&v| v == spec.max).count();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        println!(
            "    {:<11} {at_min:>4} / {at_max:>4}   observed {lo} ..= {hi}",
            spec.name
        );
    }

    // Bells: stored order vs frequency order.
    let unsorted = report
        .rows
        .iter()
        .filter(|r| {
            !(r.params.b1_freq_hz <= r.params.b2_freq_hz
                && r.params.b2_freq_hz <= r.params.b3_freq_hz)
        })
        .count();
    println!("  rows whose bells are not stored in frequency order: {unsorted}");
    assert!(
        unsorted > 0,
        "the README says bells are not always in order"
    );
    for r in &report.rows {
        r.with_bells_sorted().params.validate().unwrap();
    }

    let ids: BTreeSet<u64> = report.rows.iter().map(|r| r.entry_id).collect();
    assert_eq!(ids.len(), report.rows.len());

    let semantic: Vec<SafeRow> = report
        .rows
        .iter()
        .filter(|r| !r.descriptor.is_noise())
        .cloned()
        .collect();
    let split = validation_split(&semantic, DEFAULT_VALIDATION_FRACTION, 1);
    println!(
        "  split of {} semantic rows: {} train / {} validation",
        semantic.len(),
        split.train.len(),
        split.validation.len()
    );
    assert_eq!(
        split.validation.len(),
        (semantic.len() as f64 * DEFAULT_VALIDATION_FRACTION).round() as usize
    );
}

// --- Robustness ------------------------------------------------------------

/// Invariants that must hold for any input.
fn check_invariants(bytes: &[u8]) {
    let records = parse_csv(bytes);
    let breaks = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
    for w in records.windows(2) {
        assert!(w[0].line < w[1].line);
    }
    for r in &records {
        assert!(r.line >= 1 && r.line <= breaks + 1);
    }
    let report = read_rows(bytes);
    assert_eq!(report.records(), records.len());
    for row in &report.rows {
        row.params.validate().unwrap();
        row.with_bells_sorted().params.validate().unwrap();
    }
    for r in &report.rejected {
        let s = r.to_string();
        assert!(!s.contains('\n') && !s.contains('\r'), "{s:?}");
    }
    match parse_safe(bytes) {
        Ok(rep) => assert_eq!(rep, report),
        Err(e) => {
            assert!(report.rows.is_empty());
            assert!(!e.to_string().contains('\n'));
        }
    }
    let _ = descriptor_counts(&report.rows);
    let split = validation_split(&report.rows, 0.15, 5);
    assert_eq!(
        split.train.len() + split.validation.len(),
        report.rows.len()
    );
}

const SPECIAL: &[u8] = b"\",\r\n 0123456789.-eE+naifNI\xff\xc3\xa9\x80";

fn random_byte(rng: &mut ChaCha8Rng) -> u8 {
    if rng.random_range(0..4) == 0 {
        rng.random_range(0..=255u8)
    } else {
        SPECIAL[rng.random_range(0..SPECIAL.len())]
    }
}

/// A valid synthetic file with varied descriptors, quoting and line ends.
fn valid_file(rng: &mut ChaCha8Rng, rows: usize) -> Vec<u8> {
    let descriptors = [
        "warm",
        "\"Bright \"",
        "test",
        "\"a, b\"",
        "\"say \"\"x\"\"\"",
        "\"two\nlines\"",
        "",
    ];
    let mut out = String::new();
    for id in 0..rows {
        let n: [f64; NUM_PARAMS] = std::array::from_fn(|_| rng.random_range(0.0..=1.0));
        let p = EqParams::from_normalized(&n)
            .to_array()
            .map(|v| v.to_string());
        let p: Vec<&str> = p.iter().map(String::as_str).collect();
        let d = descriptors[rng.random_range(0..descriptors.len())];
        out.push_str(&record(&id.to_string(), d, &p));
        out.push_str(if rng.random_range(0..2) == 0 {
            "\n"
        } else {
            "\r\n"
        });
    }
    out.into_bytes()
}

fn mutate(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..6) {
        let len = bytes.len();
        match rng.random_range(0..6) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                bytes[i] = random_byte(rng);
            }
            1 => {
                let i = rng.random_range(0..=len);
                bytes.insert(i, random_byte(rng));
            }
            2 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(1..40)).min(len);
                bytes.drain(a..b);
            }
            3 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(1..200)).min(len);
                let chunk = bytes[a..b].to_vec();
                let at = rng.random_range(0..=bytes.len());
                bytes.splice(at..at, chunk);
            }
            4 => bytes.truncate(rng.random_range(0..=len)),
            _ => {
                let i = rng.random_range(0..=len);
                bytes.insert(i, b'"');
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5AFE);
    for _ in 0..3000 {
        let len = rng.random_range(0..300);
        let bytes: Vec<u8> = (0..len).map(|_| random_byte(&mut rng)).collect();
        check_invariants(&bytes);
    }
}

#[test]
fn mutated_files_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xF11E);
    let mut accepted = 0;
    for _ in 0..3000 {
        let rows = rng.random_range(1..12);
        let mut bytes = valid_file(&mut rng, rows);
        // The unmutated file loads completely.
        let clean = read_rows(&bytes);
        assert_eq!((clean.rows.len(), clean.rejected.len()), (rows, 0));
        mutate(&mut rng, &mut bytes);
        check_invariants(&bytes);
        accepted += read_rows(&bytes).rows.len();
    }
    // The mutations leave most rows intact, so the test exercises the
    // accepting path as well as the rejecting one.
    assert!(accepted > 3000, "{accepted}");

    if let Ok(real) = std::fs::read(REAL_FILE) {
        for _ in 0..100 {
            let mut bytes = real.clone();
            mutate(&mut rng, &mut bytes);
            check_invariants(&bytes);
        }
    }
}

#[test]
fn kfold_partitions_and_stratifies() {
    let rows = synthetic_rows();
    let folds = kfold_split(&rows, 5, 42);
    assert_eq!(folds.len(), 5);
    // Every row is held out by exactly one fold; each fold's train is the rest.
    let mut held = vec![0usize; rows.len()];
    for f in &folds {
        for &i in &f.validation {
            held[i] += 1;
        }
        assert_eq!(f.train.len() + f.validation.len(), rows.len());
        let both: BTreeSet<usize> = f.train.iter().chain(&f.validation).copied().collect();
        assert_eq!(both.len(), rows.len());
    }
    assert!(held.iter().all(|&h| h == 1));
    // Sizes within one row of each other (220 / 5 = 44).
    let sizes: Vec<usize> = folds.iter().map(|f| f.validation.len()).collect();
    assert!(sizes.iter().all(|&s| s == 44), "{sizes:?}");
    // Each descriptor spread evenly: warm's 100 rows give 20 per fold.
    for f in &folds {
        let warm = f
            .validation
            .iter()
            .filter(|&&i| rows[i].descriptor.as_str() == "warm")
            .count();
        assert_eq!(warm, 20);
    }
    // Deterministic, seed-dependent.
    assert_eq!(folds, kfold_split(&rows, 5, 42));
    assert_ne!(folds, kfold_split(&rows, 5, 43));
    // k clamped.
    assert_eq!(kfold_split(&rows, 0, 1).len(), 1);
    assert_eq!(kfold_split(&rows[..3], 5, 1).len(), 3);
}
