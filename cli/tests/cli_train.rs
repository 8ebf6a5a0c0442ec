//! End-to-end tests of `semantic-eq train` (cargo feature `train`) on a
//! small synthetic file in the SAFE layout written here.
#![cfg(feature = "train")]

#[path = "common/safe_fixture.rs"]
mod safe_fixture;
use safe_fixture::{Lcg, record_with};

use semantic_eq_model::Decoder;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
        .args(args)
        // Same thread count on every machine, as the binary would choose on two cores.
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("run semantic-eq")
}

fn train(data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "train".as_ref(),
        "--data".as_ref(),
        data.as_ref(),
        "--out".as_ref(),
        out.as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run(&args)
}

/// One record in the SAFE layout (25 columns, no header).
fn record(id: usize, descriptor: &str, rng: &mut Lcg) -> String {
    record_with(id, descriptor, "rock", "guitar", rng)
}

/// 90 rows: warm, bright, two other terms and some `test` noise.
fn fixture(path: &Path) {
    let mut rng = Lcg::new(42);
    let mut text = String::new();
    let names = ["warm", "Bright ", "warmer", "muddy", "air y", "test"];
    for id in 0..90 {
        text.push_str(&record(id + 1, names[id % names.len()], &mut rng));
    }
    fs::write(path, text).unwrap();
}

fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn train_writes_a_loadable_file_with_its_metadata_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("safe.csv");
    fixture(&data);
    let (a, b, c) = (
        dir.path().join("a.safetensors"),
        dir.path().join("b.safetensors"),
        dir.path().join("c.safetensors"),
    );
    let args = ["--seed", "3", "--epochs", "4", "-q"];
    let out = train(&data, &a, &args);
    assert!(out.status.success(), "{}", first_line(&out));
    assert!(out.stderr.is_empty(), "{}", first_line(&out));
    let bytes = fs::read(&a).unwrap();
    let decoder = Decoder::from_safetensors(&bytes).unwrap();
    let meta = decoder.metadata();
    for key in [
        "format",
        "format_version",
        "architecture",
        "params",
        "seed",
        "train_config",
        "landmarks",
        "data_sha256",
        "metrics",
        "data",
    ] {
        assert!(meta.contains_key(key), "missing metadata '{key}'");
    }
    assert_eq!(meta["seed"], "3");
    assert!(meta["train_config"].contains("\"epochs\":4"));
    // SHA-256 of the exact input file.
    let sha = &meta["data_sha256"];
    assert_eq!(sha.len(), 64);
    assert!(sha.bytes().all(|b| b.is_ascii_hexdigit()));
    // Landmarks: descriptors with >= 5 rows, `warmer` folded into `warm`, no noise.
    let lm: serde_json::Value = serde_json::from_str(&meta["landmarks"]).unwrap();
    let lm = lm.as_object().unwrap();
    assert!(lm.contains_key("warm") && lm.contains_key("bright") && lm.contains_key("air y"));
    assert!(!lm.contains_key("test") && !lm.contains_key("warmer"));
    assert_eq!(lm["warm"]["count"], 30);
    for v in lm.values() {
        assert!(v["x"].as_f64().unwrap().abs() < 1.0 && v["y"].as_f64().unwrap().abs() < 1.0);
    }
    let m: serde_json::Value = serde_json::from_str(&meta["metrics"]).unwrap();
    let v = &m["validation"];
    assert!(v["coverage_db"].as_f64().unwrap() > 0.0);
    assert_eq!(v["validity"], 1.0);
    assert!(v["gates"]["brightness_span_db"].is_number());
    let d: serde_json::Value = serde_json::from_str(&meta["data"]).unwrap();
    assert_eq!(d["noise_dropped"], 15);
    assert_eq!(
        d["train_rows"].as_u64().unwrap() + d["validation_rows"].as_u64().unwrap(),
        75
    );

    // Same seed: byte-identical. Other seed: different.
    assert!(train(&data, &b, &args).status.success());
    assert!(fs::read(&b).unwrap() == bytes, "same seed, different file");
    assert!(
        train(&data, &c, &["--seed", "4", "--epochs", "4", "-q"])
            .status
            .success()
    );
    assert!(fs::read(&c).unwrap() != bytes, "different seeds, same file");
    // No temporary files left behind.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The data, three models and each model's three plots (see cli_eval.rs).
    assert_eq!(names.len(), 4 + 3 * 3, "{names:?}");
    for stem in ["a", "b", "c"] {
        for plot in ["latent", "warm-bright", "pad-grid"] {
            let name = format!("{stem}-{plot}.png");
            assert!(names.contains(&name), "{name} missing: {names:?}");
        }
    }
}

#[test]
fn bad_inputs_fail_with_one_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let check = |o: Output, what: &str| {
        assert!(!o.status.success(), "{what}: succeeded");
        let text = first_line(&o);
        assert!(
            text.starts_with("error: ") && !text.contains('\n'),
            "{what}: {text}"
        );
        assert!(!out.exists(), "{what}: wrote output");
        text
    };
    let t = check(
        train(&dir.path().join("missing.csv"), &out, &["--epochs", "1"]),
        "missing file",
    );
    assert!(t.contains("missing.csv"), "{t}");

    let garbage = dir.path().join("garbage.csv");
    fs::write(&garbage, "not,a,safe,file\n1,2,3\n").unwrap();
    let t = check(train(&garbage, &out, &["--epochs", "1"]), "no good rows");
    assert!(t.contains("no usable SAFE rows"), "{t}");

    let noise = dir.path().join("noise.csv");
    let mut rng = Lcg::new(1);
    let text: String = (1..=20).map(|i| record(i, "test", &mut rng)).collect();
    fs::write(&noise, text).unwrap();
    let t = check(train(&noise, &out, &["--epochs", "1"]), "only noise");
    assert!(t.contains("noise"), "{t}");

    let data = dir.path().join("safe.csv");
    fixture(&data);
    let nowhere = dir.path().join("no-such-dir").join("m.safetensors");
    let o = train(&data, &nowhere, &["--epochs", "1"]);
    assert!(!o.status.success());
    assert!(
        first_line(&o).starts_with("error: cannot write"),
        "{}",
        first_line(&o)
    );
    assert!(!nowhere.exists());
    // A directory as output.
    let o = train(&data, dir.path(), &["--epochs", "1"]);
    assert!(!o.status.success() && first_line(&o).starts_with("error: "));
    // Bad options.
    check(train(&data, &out, &["--seed", "-1"]), "negative seed");
    // Only the inputs we made are left.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 3);
}
