//! `semantic-eq describe` and `semantic-eq words`: a curve read back as
//! words, packs exported and imported, bad input refused with one line and
//! nothing lost.

use semantic_eq_model::words::{self, Loaded};
use semantic_eq_model::{Decoder, EqParams};
use std::path::Path;
use std::process::{Command, Output};

fn run(library: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
        .args(args)
        .env("SEMANTIC_EQ_WORDS", library)
        .output()
        .expect("run semantic-eq")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure: non-zero, one `error:` line, no panic.
fn assert_refused(o: &Output, part: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(err.contains(part), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn eq(ls: f64, hs: f64) -> EqParams {
    EqParams {
        ls_gain_db: ls,
        hs_gain_db: hs,
        ..EqParams::default()
    }
}

#[test]
fn describe_names_the_landmark_at_a_landmarks_point_first() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("words.csv");
    let d = Decoder::embedded();
    let warm = d.landmark("warm").expect("the shipped model has warm");
    let o = run(
        &lib,
        &[
            "describe",
            "--x",
            &warm.x.to_string(),
            "--y",
            &warm.y.to_string(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    assert!(line.starts_with("warm 0.0 dB · "), "{line}");
    assert_eq!(line.matches(" dB").count(), 3, "{line}");
    // The same through --eq: the decoded setting's 13 numbers.
    let p = d.decode(warm.x, warm.y).params.to_array();
    let list: Vec<String> = p.iter().map(|v| v.to_string()).collect();
    let o = run(&lib, &["describe", "--eq", &list.join(","), "--count", "1"]);
    assert_eq!(stdout(&o).trim(), "warm 0.0 dB");
    // A taught word at that point is marked and wins over the landmark.
    words::update(&lib, |l| l.teach("cosy", &d.decode(warm.x, warm.y).params)).unwrap();
    let o = run(&lib, &["describe", "--eq", &list.join(","), "--count", "2"]);
    let line = stdout(&o);
    assert!(line.contains("cosy* "), "{line}");
    // Bad input: one line each.
    assert_refused(
        &run(&lib, &["describe", "--x", "3", "--y", "0"]),
        "within -1..1",
    );
    assert_refused(&run(&lib, &["describe", "--eq", "1,2,3"]), "invalid --eq");
    assert_refused(&run(&lib, &["describe"]), "give --eq");
}

#[test]
fn packs_export_and_import_without_duplicates_and_report_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("mine.csv");
    let theirs = dir.path().join("theirs.csv");
    words::update(&mine, |l| {
        l.teach("cosy", &eq(4.0, -2.0))?;
        l.teach("glassy", &eq(-2.0, 5.0))
    })
    .unwrap();
    let pack = dir.path().join("pack.csv");
    let o = run(
        &mine,
        &[
            "words",
            "export",
            pack.to_str().unwrap(),
            "--name",
            "Mix room",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&pack).unwrap();
    assert!(text.contains("# pack: Mix room\n"), "{text}");
    // Their library has cosy already, with the same EQ; the pack gets two
    // bad rows appended.
    words::update(&theirs, |l| l.teach("cosy", &eq(4.0, -2.0))).unwrap();
    let mut damaged = text.clone();
    damaged.push_str("7,broken\n");
    damaged.push_str(&text.lines().last().unwrap().replacen("-2", "NaN", 1));
    damaged.push('\n');
    std::fs::write(&pack, &damaged).unwrap();
    let o = run(&theirs, &["words", "import", pack.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("imported 1 new row(s) of 2 from Mix room"),
        "{out}"
    );
    assert!(out.contains("1 already there, 2 skipped"), "{out}");
    assert!(
        stderr(&o).contains("2 damaged row(s) skipped"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&pack).unwrap(),
        damaged,
        "the pack untouched"
    );
    let lib = words::load(&theirs).unwrap();
    assert_eq!(lib.words(), [("cosy".into(), 1), ("glassy".into(), 1)]);
    // Again: nothing new.
    let o = run(&theirs, &["words", "import", pack.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("imported 0 new row(s)"),
        "{}",
        stdout(&o)
    );
    // List, remove.
    let o = run(&theirs, &["words", "list"]);
    assert!(stdout(&o).contains("2 word(s)") && stdout(&o).contains("glassy\t1 row(s)\tat x"));
    let o = run(&theirs, &["words", "remove", "Glassy"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(words::load(&theirs).unwrap().words(), [("cosy".into(), 1)]);
    assert_refused(
        &run(&theirs, &["words", "remove", "glassy"]),
        "no word 'glassy'",
    );
}

#[test]
fn a_damaged_library_is_never_written_and_a_bad_pack_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("words.csv");
    let mut l = Loaded::default();
    l.teach("cosy", &eq(3.0, 0.0)).unwrap();
    let damaged = format!("{}12,half a row", l.to_csv(None));
    std::fs::write(&lib, &damaged).unwrap();
    let pack = dir.path().join("pack.csv");
    let mut p = Loaded::default();
    p.teach("airy", &eq(0.0, 4.0)).unwrap();
    std::fs::write(&pack, p.to_csv(Some("p"))).unwrap();
    for args in [
        vec!["words", "import", pack.to_str().unwrap()],
        vec!["words", "remove", "cosy"],
    ] {
        assert_refused(&run(&lib, &args), "not written");
        assert_eq!(std::fs::read_to_string(&lib).unwrap(), damaged);
    }
    // Reading still works, with a note.
    let o = run(&lib, &["words", "list"]);
    assert!(o.status.success() && stderr(&o).contains("1 damaged row(s) skipped"));
    // A pack with no usable row, a missing pack, the library as its own
    // pack: refused, the library untouched.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "# pack: nothing\nnot,a,row\n").unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, l.to_csv(None)).unwrap();
    assert_refused(
        &run(&good, &["words", "import", empty.to_str().unwrap()]),
        "no usable rows",
    );
    assert_refused(
        &run(&good, &["words", "import", "/no/such/pack.csv"]),
        "cannot read pack",
    );
    assert_refused(
        &run(&good, &["words", "export", good.to_str().unwrap()]),
        "the word library itself",
    );
    assert_eq!(std::fs::read_to_string(&good).unwrap(), l.to_csv(None));
}
