//! End-to-end tests of `semantic-eq eval`: small SAFE-layout fixtures made
//! here (always run), and the real SAFE data in `../shared/data/safe/`
//! when it exists (otherwise skipped with a printed reason).

#[path = "common/safe_fixture.rs"]
mod safe_fixture;
use safe_fixture::{Lcg, record_with};

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PLOTS: [&str; 3] = ["latent", "warm-bright", "pad-grid"];

fn eval_in(cwd: &Path, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
        .arg("eval")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run semantic-eq")
}

/// One record in the SAFE layout (25 columns, no header).
fn record(id: usize, descriptor: &str, rng: &mut Lcg) -> String {
    record_with(id, descriptor, "", "", rng)
}

/// 40 rows (warm, bright, "bass boost", muddy, test noise) and one
/// out-of-range row: 32 evaluated, 8 noise, 1 rejected.
fn fixture(path: &Path) {
    let mut rng = Lcg::new(7);
    let names = ["warm", "Bright ", "bass boost", "muddy", "test"];
    let mut text: String = (0..40)
        .map(|i| record(i + 1, names[i % names.len()], &mut rng))
        .collect();
    text.push_str("99,warm,,2,2,40,100,0,400,1,0,1000,1,0,4000,1,0,8000,,,,,,,ff\n");
    fs::write(path, text).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// Checks a PNG: it decodes, has the expected size class and is not blank
/// (at least `min_colours` distinct colours, and not almost all one colour).
fn check_png(path: &Path, min_colours: usize) {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(
        info.width >= 600 && info.height >= 400,
        "{}",
        path.display()
    );
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let colours: HashSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        colours.len() >= min_colours,
        "{}: only {} colours",
        path.display(),
        colours.len()
    );
    let white = pixels
        .iter()
        .filter(|p| p.iter().all(|&v| v == 255))
        .count();
    assert!(
        (white as f64) < 0.98 * pixels.len() as f64,
        "{}: blank",
        path.display()
    );
}

fn plot_paths(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    PLOTS
        .iter()
        .map(|s| dir.join(format!("{prefix}-{s}.png")))
        .collect()
}

#[test]
fn eval_on_a_small_file_reports_figures_and_draws_the_plots() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mine.csv");
    fixture(&data);
    let plots = dir.path().join("plots");
    let out = eval_in(
        dir.path(),
        &[
            "--data".as_ref(),
            data.as_ref(),
            "--plots".as_ref(),
            plots.as_ref(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "41 records, 32 rows evaluated (8 noise dropped, 1 rejected",
        "embedded default",
        "coverage",
        "warm/bright accuracy",
        "(16 labelled)",
        "gate: smoothness",
        "gate: diversity",
        "meets every target:",
    ] {
        assert!(text.contains(want), "missing '{want}' in:\n{text}");
    }
    for p in plot_paths(&plots, "eval") {
        assert!(text.contains(&p.display().to_string()), "{text}");
        check_png(&p, 8);
    }
    // Only the three plots: no temporary files left behind.
    assert_eq!(fs::read_dir(&plots).unwrap().count(), 3);
}

#[test]
fn eval_json_parses_and_the_default_plot_folder_is_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mine.csv");
    fixture(&data);
    let out = eval_in(
        dir.path(),
        &["--data".as_ref(), data.as_ref(), "--json".as_ref()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data"]["records"], 41);
    assert_eq!(v["data"]["evaluated"], 32);
    assert_eq!(v["data"]["noise_dropped"], 8);
    assert_eq!(v["data"]["rejected"], 1);
    assert_eq!(v["model"]["source"], "embedded");
    let m = &v["metrics"];
    assert_eq!(m["settings"], 32);
    assert_eq!(m["labelled"], 16);
    assert_eq!(m["validity"], 1.0);
    let cov = m["coverage_db"].as_f64().unwrap();
    assert!(cov > 0.0 && cov < 10.0, "{cov}");
    let acc = m["warm_bright_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(
        m["gates"]["brightness_span_db"]
            .as_f64()
            .unwrap()
            .is_finite()
    );
    assert!(m["gates"]["all_pass"].is_boolean());
    let listed: Vec<&str> = v["plots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 3);
    for p in plot_paths(dir.path(), "eval") {
        assert!(p.exists(), "{}", p.display());
    }

    // --no-plots draws nothing.
    let empty = tempfile::tempdir().unwrap();
    let out = eval_in(
        empty.path(),
        &[
            "--data".as_ref(),
            data.as_ref(),
            "--json".as_ref(),
            "--no-plots".as_ref(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["plots"].as_array().unwrap().len(), 0);
    assert_eq!(fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn bad_inputs_fail_with_one_line_and_no_plots() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    let data = dir.path().join("mine.csv");
    fixture(&data);
    let check = |args: &[&std::ffi::OsStr], what: &str| -> String {
        let mut all: Vec<&std::ffi::OsStr> = args.to_vec();
        all.extend(["--plots".as_ref(), plots.as_os_str()]);
        let out = eval_in(dir.path(), &all);
        assert!(!out.status.success(), "{what}: succeeded");
        let text = stderr(&out);
        assert!(
            text.starts_with("error: ") && !text.contains('\n'),
            "{what}: {text}"
        );
        assert!(!text.contains("panicked"), "{what}: {text}");
        assert!(out.stdout.is_empty(), "{what}");
        assert!(
            !plots.exists() || fs::read_dir(&plots).unwrap().count() == 0,
            "{what}: wrote plots"
        );
        text
    };

    let missing = dir.path().join("missing.csv");
    let t = check(&["--data".as_ref(), missing.as_ref()], "missing file");
    assert!(t.contains("missing.csv"), "{t}");

    let garbage = dir.path().join("garbage.csv");
    fs::write(&garbage, "not,a,safe,file\n1,2,3\n\"unterminated\n").unwrap();
    let t = check(&["--data".as_ref(), garbage.as_ref()], "malformed CSV");
    assert!(t.contains("no usable SAFE rows"), "{t}");

    let binary = dir.path().join("binary.csv");
    fs::write(&binary, [0u8, 159, 146, 150, 255, 10, 1, 2]).unwrap();
    check(&["--data".as_ref(), binary.as_ref()], "binary file");

    let noise = dir.path().join("noise.csv");
    let mut rng = Lcg::new(3);
    let text: String = (1..=10).map(|i| record(i, "test", &mut rng)).collect();
    fs::write(&noise, text).unwrap();
    let t = check(&["--data".as_ref(), noise.as_ref()], "only noise");
    assert!(t.contains("noise"), "{t}");

    let model = dir.path().join("corrupt.safetensors");
    fs::write(&model, b"\x10\0\0\0\0\0\0\0{\"a\":1}").unwrap();
    let t = check(
        &[
            "--data".as_ref(),
            data.as_ref(),
            "--model".as_ref(),
            model.as_ref(),
        ],
        "corrupt model",
    );
    assert!(t.contains("corrupt.safetensors"), "{t}");

    let t = check(
        &[
            "--data".as_ref(),
            data.as_ref(),
            "--model".as_ref(),
            dir.path().join("none.safetensors").as_ref(),
        ],
        "missing model",
    );
    assert!(t.contains("none.safetensors"), "{t}");

    // Usage errors are one line too (exit status 2).
    check(&[], "no --data");
}

#[test]
fn plots_never_overwrite_the_input() {
    let dir = tempfile::tempdir().unwrap();
    // The data file has the name of a plot, in the plot folder.
    let data = dir.path().join("eval-warm-bright.png");
    fixture(&data);
    let before = fs::read(&data).unwrap();
    let out = eval_in(dir.path(), &["--data".as_ref(), data.as_ref()]);
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(
        text.starts_with("error: ") && text.contains("overwrite"),
        "{text}"
    );
    assert_eq!(fs::read(&data).unwrap(), before);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// The real SAFE data, found relative to the workspace root; every CSV in
/// that folder is evaluated (the training file, and a held-out file should
/// one ever be shipped next to it).
#[test]
fn eval_on_the_real_safe_data() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/safe");
    let main = folder.join("SAFEEqualiserUserData.csv");
    if !main.exists() {
        eprintln!(
            "SKIPPED eval_on_the_real_safe_data: {} not found (the SAFE data is not part of \
             the repository)",
            main.display()
        );
        return;
    }
    let mut files: Vec<PathBuf> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    for data in files {
        let dir = tempfile::tempdir().unwrap();
        let out = eval_in(
            dir.path(),
            &[
                "--data".as_ref(),
                data.as_ref(),
                "--json".as_ref(),
                "--plots".as_ref(),
                dir.path().as_ref(),
            ],
        );
        assert!(out.status.success(), "{}: {}", data.display(), stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let m = &v["metrics"];
        let settings = m["settings"].as_u64().unwrap();
        let cov = m["coverage_db"].as_f64().unwrap();
        let acc = m["warm_bright_accuracy"].as_f64().unwrap();
        let g = &m["gates"];
        eprintln!(
            "{}: {settings} rows, coverage {cov:.3} dB, warm/bright accuracy {acc:.3}, \
             span {} dB, step {} dB/%",
            data.display(),
            g["brightness_span_db"],
            g["max_step_db_per_percent"]
        );
        // Sane ranges: better than a flat EQ (4.28 dB), worse than the
        // nearest training preset could ever be (0.0), mostly right about
        // warm and bright, and the gates' figures physically plausible.
        assert!(settings >= 100, "{settings}");
        assert!(cov > 0.2 && cov < 4.28, "coverage {cov}");
        assert!(acc > 0.6 && acc <= 1.0, "accuracy {acc}");
        assert_eq!(m["validity"], 1.0);
        let span = g["brightness_span_db"].as_f64().unwrap();
        assert!(span > 0.0 && span < 60.0, "span {span}");
        let step = g["max_step_db_per_percent"].as_f64().unwrap();
        assert!(step > 0.0 && step < 5.0, "step {step}");
        let div = g["mean_pairwise_error_db"].as_f64().unwrap();
        assert!(div > 1.0 && div < 30.0, "diversity {div}");
        for p in plot_paths(dir.path(), "eval") {
            check_png(&p, 16);
        }
    }
}
