//! Runs `scripts/screenshot.sh` and checks the pictures: the editor really
//! drew (the curve's colour is there, several distinct regions, no uniform
//! fill), each shows the mode it was taken in (the mode selector's lit
//! segment), and the morph picture has its line.
//!
//! It builds the release standalone (about 6 minutes cold on 2 cores) and
//! may install system packages, so it is ignored by default; CI runs it:
//! `cargo test -p semantic-eq --lib editor::screenshot_test -- --ignored`.

use super::{DEFAULT_SIZE, MARGIN, theme};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// RGB pixels of a PNG.
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
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
fn check(path: &Path) -> Result<(), String> {
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

/// Which segment of the mode selector is lit (0 pad, 1 morph, 2 manual):
/// the selector sits left of the bypass button at the header's right end
/// (see `EditorApp::header`), its lit segment tinted with the accent.
/// The one header segment, among those centred at `centres` (x, logical
/// points), whose fill is `lit`: a short run across its middle, above its
/// label, is read from the picture.
fn lit_segment(
    path: &Path,
    centres: &[f32],
    lit: egui::Color32,
    what: &str,
) -> Result<usize, String> {
    let (w, h, px) = decode(path);
    // The screenshot is at the default size (scale 1) or a multiple of it.
    let scale = w as f32 / DEFAULT_SIZE.0;
    let y = ((MARGIN + 2.0 + 5.0) * scale) as u32;
    let found: Vec<usize> = (0..centres.len())
        .filter(|&i| {
            let hits = (-10..=10)
                .filter(|dx| {
                    let x = ((centres[i] + *dx as f32) * scale) as u32;
                    x < w && y < h && near(px[(y * w + x) as usize], lit, 14)
                })
                .count();
            hits >= 15
        })
        .collect();
    match found[..] {
        [i] => Ok(i),
        _ => Err(format!("lit {what} segments: {found:?}")),
    }
}

/// The right edge of the mode selector (the header's layout).
const MODES_RIGHT: f32 = DEFAULT_SIZE.0 - MARGIN - 118.0 - 16.0;

fn lit_mode(path: &Path) -> Result<usize, String> {
    let seg_w = 78.0;
    let centres: Vec<f32> = (0..3)
        .map(|i| MODES_RIGHT - (3 - i) as f32 * seg_w + seg_w * 0.5)
        .collect();
    lit_segment(
        path,
        &centres,
        theme::mix(theme::WELL, theme::ACCENT, 0.22),
        "mode",
    )
}

/// Which A/B segment is lit (0 = A, 1 = B), from where the header puts
/// the A/B control (left of the mode selector).
fn lit_ab(path: &Path) -> Result<usize, String> {
    let ab_left = MODES_RIGHT - 3.0 * 78.0 - 16.0 - 112.0;
    let centres = [ab_left + 15.0, ab_left + 45.0];
    lit_segment(
        path,
        &centres,
        theme::mix(theme::WELL, theme::SOLO, 0.22),
        "A/B",
    )
}

/// Pixels of the analyser's post-EQ fill (its colour at 22 % over the
/// plot's well) in the curve's part of the window: the right card, above
/// the band cards.
fn spectrum_pixels(path: &Path) -> usize {
    let (w, h, px) = decode(path);
    let fill = theme::mix(theme::WELL, theme::SPECTRUM_POST, 0.22);
    px.iter()
        .enumerate()
        .filter(|(i, p)| {
            let (x, y) = (*i as u32 % w, *i as u32 / w);
            x > w * 45 / 100 && y < h * 65 / 100 && near(**p, fill, 14)
        })
        .count()
}

/// Pixels of the morph line's colour.
fn morph_pixels(path: &Path) -> usize {
    colour_pixels(path, theme::MORPH_LINE)
}

/// Pixels of `colour` (within 24 per channel).
fn colour_pixels(path: &Path, colour: egui::Color32) -> usize {
    let (_, _, px) = decode(path);
    px.iter().filter(|p| near(**p, colour, 24)).count()
}

/// Share of pixels that differ between two pictures of the same size.
fn differing(a: &Path, b: &Path) -> f64 {
    let (wa, ha, pa) = decode(a);
    let (wb, hb, pb) = decode(b);
    if (wa, ha) != (wb, hb) {
        return 1.0;
    }
    let n = pa.iter().zip(&pb).filter(|(x, y)| x != y).count();
    n as f64 / pa.len() as f64
}

/// All checks on the three pictures `base`.png, `base`-manual.png and
/// `base`-morph.png.
fn check_set(base: &Path) -> Result<(), String> {
    let with = |suffix: &str| {
        let mut name = base.file_stem().unwrap().to_os_string();
        name.push(suffix);
        name.push(".png");
        base.with_file_name(name)
    };
    let (pad, manual, morph) = (with(""), with("-manual"), with("-morph"));
    for (path, mode) in [(&pad, 0), (&manual, 2), (&morph, 1)] {
        let tag = |e: String| format!("{}: {e}", path.display());
        check(path).map_err(tag)?;
        let lit = lit_mode(path).map_err(tag)?;
        if lit != mode {
            return Err(tag(format!("shows mode {lit}, expected {mode}")));
        }
    }
    let line = morph_pixels(&morph);
    if line < 150 {
        return Err(format!(
            "{}: {line} pixels of the morph line",
            morph.display()
        ));
    }
    if morph_pixels(&pad) > 20 {
        return Err(format!("{}: a morph line in pad mode", pad.display()));
    }
    // The analyser playing pink noise: its fill behind the curve; and the
    // A/B picture: B lit, the analyser on.
    let (analyser, ab) = (with("-analyser"), with("-ab"));
    for path in [&analyser, &ab] {
        let tag = |e: String| format!("{}: {e}", path.display());
        check(path).map_err(tag)?;
        let n = spectrum_pixels(path);
        if n < 3000 {
            return Err(tag(format!("{n} pixels of the analyser's fill")));
        }
    }
    let side = |p: &Path| lit_ab(p).map_err(|e| format!("{}: {e}", p.display()));
    if side(&pad)? != 0 || side(&ab)? != 1 {
        return Err(format!(
            "A/B: {} should show A, {} B",
            pad.display(),
            ab.display()
        ));
    }
    // Your words: their diamonds and labels (and the words line's name)
    // in their colour, the morph line to one of them; none elsewhere.
    let words = with("-words");
    check(&words).map_err(|e| format!("{}: {e}", words.display()))?;
    let user = colour_pixels(&words, theme::USER_WORD);
    if user < 250 || morph_pixels(&words) < 150 {
        return Err(format!(
            "{}: {user} pixels of the user words' colour, {} of the morph line",
            words.display(),
            morph_pixels(&words)
        ));
    }
    for path in [&pad, &manual, &morph] {
        if colour_pixels(path, theme::USER_WORD) > 20 {
            return Err(format!("{}: user words without a library", path.display()));
        }
    }
    let d = differing(&pad, &manual);
    if d < 0.02 {
        return Err(format!(
            "the manual picture is {:.1} % different only",
            100.0 * d
        ));
    }
    Ok(())
}

#[test]
#[ignore = "builds the release standalone and runs it under Xvfb; CI runs it"]
fn screenshot_shows_the_editor() {
    let root = workspace();
    let out = root.join("target/screenshots/editor-test.png");
    for suffix in ["", "-manual", "-morph", "-analyser", "-ab", "-words"] {
        let _ =
            std::fs::remove_file(root.join(format!("target/screenshots/editor-test{suffix}.png")));
    }
    let status = Command::new("bash")
        .arg(root.join("scripts/screenshot.sh"))
        .arg(&out)
        .current_dir(&root)
        .status()
        .expect("bash runs");
    assert!(status.success(), "scripts/screenshot.sh failed: {status}");
    if let Err(why) = check_set(&out) {
        panic!("{why}");
    }
}

/// The user words' colour is told apart from every other colour the
/// editor draws with (by more than the pictures' tolerance in some
/// channel), so counting its pixels finds the words and nothing else.
#[test]
fn the_user_words_colour_is_distinct() {
    let others = [
        theme::BG,
        theme::PANEL,
        theme::WELL,
        theme::BORDER,
        theme::GRID,
        theme::GRID_STRONG,
        theme::DATA,
        theme::SPECTRUM_POST,
        theme::SPECTRUM_PRE,
        theme::TEXT,
        theme::TEXT_DIM,
        theme::TEXT_FAINT,
        theme::CURVE,
        theme::MORPH_LINE,
        theme::BAND_OFF,
        theme::WARM,
        theme::BRIGHT,
        theme::ACCENT,
        theme::FILL,
        theme::FILL_HOT,
        theme::ERROR,
        theme::SOLO,
        theme::BYPASS_ON,
    ];
    for c in others.iter().chain(&theme::BAND) {
        let px = [c.r(), c.g(), c.b()];
        assert!(!near(px, theme::USER_WORD, 24), "{c:?}");
    }
}

/// The checks themselves: the committed screenshots pass, a window of
/// plain background fails.
#[test]
fn the_checks_pass_the_committed_screenshots_and_fail_a_blank_one() {
    let docs = workspace().join("docs/editor.png");
    assert_eq!(check_set(&docs), Ok(()), "{}", docs.display());

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
    assert!(lit_mode(&blank).is_err());
    assert!(lit_ab(&blank).is_err());
    assert_eq!(spectrum_pixels(&blank), 0);
    assert_eq!(colour_pixels(&blank, theme::USER_WORD), 0);
}
