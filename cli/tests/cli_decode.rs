//! End-to-end tests of `semantic-eq decode` on a decoder file made here
//! from seeded random weights (no training needed).

use semantic_eq_model::decoder::Dense;
use semantic_eq_model::rng::Lcg64;
use semantic_eq_model::{Arch, Decoder, EqParams, NUM_PARAMS, PARAMS};
use std::collections::BTreeMap;
use std::process::{Command, Output};

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
        .args(args)
        .output()
        .expect("run semantic-eq")
}

fn model_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut rng = Lcg64::new(0x1234_5678);
    let mut next = || ((rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 4.0;
    let arch = Arch::default();
    let layers = arch
        .layer_dims()
        .iter()
        .map(|&(i, o)| Dense {
            weight: (0..i * o).map(|_| next()).collect(),
            bias: (0..o).map(|_| next()).collect(),
        })
        .collect();
    let d = Decoder::from_weights(arch, layers).unwrap();
    let path = dir.join("m.safetensors");
    std::fs::write(&path, d.to_safetensors(&BTreeMap::new()).unwrap()).unwrap();
    path
}

#[test]
fn decode_prints_the_header_and_n_squared_valid_rows() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_file(dir.path());
    let n = 7;
    let out = run(&[
        "decode".as_ref(),
        "--grid".as_ref(),
        "7".as_ref(),
        "--model".as_ref(),
        model.as_ref(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "x,y,ls_gain_db,ls_freq_hz,b1_gain_db,b1_freq_hz,b1_q,b2_gain_db,b2_freq_hz,b2_q,\
         b3_gain_db,b3_freq_hz,b3_q,hs_gain_db,hs_freq_hz"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), n * n);
    let decoder = Decoder::from_safetensors(&std::fs::read(&model).unwrap()).unwrap();
    let mut xs: Vec<f64> = Vec::new();
    for r in &rows {
        assert_eq!(r.len(), 2 + NUM_PARAMS);
        let p = EqParams::from_array(std::array::from_fn(|i| r[2 + i]));
        p.validate().unwrap();
        // The printed values are the decoder's, exactly (shortest round-trip text).
        assert_eq!(p, decoder.decode(r[0] as f32, r[1] as f32).params);
        if !xs.contains(&r[0]) {
            xs.push(r[0]);
        }
        assert!(PARAMS.len() == NUM_PARAMS);
    }
    let want: Vec<f64> = (0..n).map(|i| -1.0 + 2.0 * i as f64 / 6.0).collect();
    assert_eq!(xs.len(), n);
    for (x, w) in xs.iter().zip(&want) {
        assert!((x - w).abs() < 1e-12, "{x} vs {w}");
    }
    assert_eq!((rows[0][0], rows[0][1]), (-1.0, -1.0));
    assert_eq!((rows[n * n - 1][0], rows[n * n - 1][1]), (1.0, 1.0));
}

#[test]
fn decode_rejects_bad_grids_and_models_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.safetensors");
    std::fs::write(&bad, b"not a model").unwrap();
    for args in [
        vec!["decode", "--grid", "0", "--model", bad.to_str().unwrap()],
        vec!["decode", "--grid", "3", "--model", bad.to_str().unwrap()],
        vec![
            "decode",
            "--grid",
            "3",
            "--model",
            "/nonexistent/m.safetensors",
        ],
    ] {
        let a: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let out = run(&a);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.trim().lines().count() == 1,
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn decode_without_model_uses_the_embedded_default() {
    let out = run(&["decode".as_ref(), "--grid".as_ref(), "3".as_ref()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 9);
    let decoder = Decoder::embedded();
    for r in &rows {
        let p = EqParams::from_array(std::array::from_fn(|i| r[2 + i]));
        assert_eq!(p, decoder.decode(r[0] as f32, r[1] as f32).params);
    }
}
