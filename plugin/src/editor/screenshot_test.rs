//! Runs `scripts/screenshot.sh` and checks the picture: the editor really
//! drew (the curve's colour is there, several distinct regions, no uniform
//! fill).
//!
//! It builds the release standalone (about 6 minutes cold on 2 cores) and
//! may install system packages, so it is ignored by default; CI runs it:
//! `cargo test -p semantic-eq --lib editor::screenshot_test -- --ignored`.

use super::theme;
use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// RGB pixels of a PNG.
fn decode(path: &std::path::Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::fs::File::open(path).expect("the screenshot exists");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|c| match channels {
            1 | 2 => [c[0]; 3],
            _ => [c[0], c[1], c[2]],
        })
        .collect();
    (info.width, info.height, px)
}

fn near(a: [u8; 3], b: egui::Color32, tol: i32) -> bool {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).abs();
    d(a[0], b.r()) <= tol && d(a[1], b.g()) <= tol && d(a[2], b.b()) <= tol
}

/// The checks on a screenshot; the reason when one fails.
fn check(path: &std::path::Path) -> Result<(), String> {
    let (w, h, px) = decode(path);
    if w < 800 || h < 500 {
        return Err(format!("window of {w}x{h}"));
    }
    let n = px.len();

    // The curve: its exact colour (anti-aliased edges aside) over a stretch.
    let curve = px.iter().filter(|p| near(**p, theme::CURVE, 24)).count();
    if curve < 400 {
        return Err(format!("{curve} pixels of the curve's colour"));
    }
    // Text and the pad point: near-white pixels.
    let light = px.iter().filter(|p| near(**p, theme::TEXT, 30)).count();
    if light < 300 {
        return Err(format!("{light} light (text) pixels"));
    }

    // Distinct regions: colours quantised to 3 bits a channel, the ones
    // covering at least 0.5 % of the window; none may fill it.
    let mut hist = std::collections::HashMap::<[u8; 3], usize>::new();
    for p in &px {
        *hist.entry(p.map(|c| c >> 5)).or_default() += 1;
    }
    let big = hist.values().filter(|&&c| c * 200 >= n).count();
    let top = hist.values().copied().max().unwrap_or(0);
    if big < 4 {
        return Err(format!("only {big} sizeable colours"));
    }
    if top * 100 >= 90 * n {
        return Err(format!(
            "one colour covers {:.0} %",
            100.0 * top as f64 / n as f64
        ));
    }

    // Tiles differ: a 4x4 grid of mean brightness is not flat.
    let mut tiles = [0.0f64; 16];
    for (i, p) in px.iter().enumerate() {
        let (x, y) = (i as u32 % w, i as u32 / w);
        let t = (y * 4 / h * 4 + x * 4 / w) as usize;
        tiles[t] += p.iter().map(|&c| f64::from(c)).sum::<f64>();
    }
    let lo = tiles.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = tiles.iter().copied().fold(0.0, f64::max);
    if hi <= lo * 1.15 {
        return Err(format!("tiles are all alike ({lo} .. {hi})"));
    }
    Ok(())
}

#[test]
#[ignore = "builds the release standalone and runs it under Xvfb; CI runs it"]
fn screenshot_shows_the_editor() {
    let root = workspace();
    let out = root.join("target/screenshots/editor-test.png");
    let _ = std::fs::remove_file(&out);
    let status = Command::new("bash")
        .arg(root.join("scripts/screenshot.sh"))
        .arg(&out)
        .current_dir(&root)
        .status()
        .expect("bash runs");
    assert!(status.success(), "scripts/screenshot.sh failed: {status}");
    if let Err(why) = check(&out) {
        panic!("{}: {why}", out.display());
    }
}

/// The checks themselves: the committed screenshot passes, a window of
/// plain background fails.
#[test]
fn the_checks_pass_the_committed_screenshot_and_fail_a_blank_one() {
    let docs = workspace().join("docs/editor.png");
    assert_eq!(check(&docs), Ok(()), "{}", docs.display());

    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.png");
    let (w, h) = (1080u32, 700u32);
    let file = std::fs::File::create(&blank).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().unwrap();
    let bg = theme::BG;
    let data: Vec<u8> = (0..w * h).flat_map(|_| [bg.r(), bg.g(), bg.b()]).collect();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    assert!(check(&blank).is_err());
}
