//! Semantic EQ as a standalone application: the plug-in and its editor in
//! nice-plug's standalone wrapper (JACK, ALSA, or `--backend dummy` for no
//! audio at all). All of nice-plug's standalone options apply (`--help`),
//! plus these of our own, applied when the editor opens, as a user's
//! gestures would be (for screenshots and demos):
//!
//! - `--pad X,Y` moves the pad to (X, Y), each −1..1;
//! - `--from NAME`, `--to NAME` set the morph line's ends (warm, bright,
//!   airy, boomy, clear, muddy, thin, full; re27 and vocals are retired);
//! - `--from-word WORD`, `--to-word WORD` put one of your own words there
//!   (from the library `SEMANTIC_EQ_WORDS` or the per-user one);
//! - `--words-panel` opens the words panel;
//! - `--morph PERCENT` sets the position on it (−50..150);
//! - `--mode pad|morph|manual` switches the mode;
//! - `--edit-curve` then presses "Edit this curve" once the audio thread
//!   plays the requested point: the decoded EQ is copied into the manual
//!   bands and the mode becomes manual;
//! - `--bands-off ls,b1,b2,b3,hs` then switches these manual bands off;
//! - `--pink` plays pink noise (about −18 dBFS RMS) in place of the input;
//! - `--analyser off|post|pre|both` chooses what the analyser shows;
//! - `--ab-b X,Y` then holds all that as setting A, switches to B and moves
//!   B's pad to (X, Y);
//! - `--solo ls|b1|b2|b3|hs` solos that band.

use nice_plug::prelude::Enum;
use semantic_eq::editor::{StartRequest, request_start};
use semantic_eq::params::{Descriptor, ModeChoice};
use semantic_eq_model::BANDS;
use std::process::ExitCode;

const OURS: [&str; 11] = [
    "--ab-b",
    "--from-word",
    "--to-word",
    "--solo",
    "--pad",
    "--from",
    "--to",
    "--morph",
    "--mode",
    "--bands-off",
    "--analyser",
];

fn main() -> ExitCode {
    let mut args: Vec<String> = Vec::new();
    let mut request = StartRequest::default();
    let mut any = false;
    let mut it = std::env::args();
    while let Some(arg) = it.next() {
        if arg == "--edit-curve" {
            request.edit_curve = true;
            any = true;
            continue;
        }
        if arg == "--words-panel" {
            request.words_panel = true;
            any = true;
            continue;
        }
        if arg == "--pink" {
            semantic_eq::test_signal::enable();
            continue;
        }
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) if OURS.contains(&f) => (f.to_string(), v.to_string()),
            _ if OURS.contains(&arg.as_str()) => match it.next() {
                Some(v) => (arg.clone(), v),
                None => return usage(&format!("{arg} needs a value")),
            },
            _ => {
                args.push(arg);
                continue;
            }
        };
        if let Err(msg) = parse(&mut request, &flag, &value) {
            return usage(&msg);
        }
        any = true;
    }
    if any {
        request_start(request);
    }
    if nice_plug::prelude::nice_export_standalone_with_args::<semantic_eq::SemanticEq, _>(args) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn parse(request: &mut StartRequest, flag: &str, value: &str) -> Result<(), String> {
    let descriptor = |v: &str| {
        Descriptor::from_name(v.trim()).ok_or_else(|| {
            let names = Descriptor::variants().join(", ");
            format!("{flag} {v}: expected one of {names}")
        })
    };
    match flag {
        "--analyser" => {
            use semantic_eq::editor::analyser::Show;
            request.analyser = Some(match value.trim() {
                "off" => Show::Off,
                "post" => Show::Post,
                "pre" => Show::Pre,
                "both" => Show::Both,
                v => return Err(format!("--analyser {v}: expected off, post, pre or both")),
            });
        }
        "--pad" => request.pad = Some(point(flag, value)?),
        "--ab-b" => request.ab_b = Some(point(flag, value)?),
        "--solo" => {
            let b = BANDS
                .iter()
                .position(|b| b.name == value.trim())
                .ok_or_else(|| format!("--solo {value}: expected one of ls, b1, b2, b3, hs"))?;
            request.solo = Some(b);
        }
        "--from" => request.from = Some(descriptor(value)?),
        "--to" => request.to = Some(descriptor(value)?),
        "--from-word" | "--to-word" => {
            let w = semantic_eq_model::words::normalize_word(value)
                .map_err(|e| format!("{flag}: {e}"))?;
            if flag == "--from-word" {
                request.from_word = Some(w);
            } else {
                request.to_word = Some(w);
            }
        }
        "--morph" => {
            let pct = value
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|v| (-50.0..=150.0).contains(v))
                .ok_or_else(|| format!("--morph {value}: expected a percentage, -50 to 150"))?;
            request.morph = Some(pct / 100.0);
        }
        "--mode" => {
            request.mode = Some(match value.trim() {
                "pad" => ModeChoice::Pad,
                "morph" => ModeChoice::Morph,
                "manual" => ModeChoice::Manual,
                _ => return Err(format!("--mode {value}: expected pad, morph or manual")),
            });
        }
        "--bands-off" => {
            for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let b = BANDS.iter().position(|b| b.name == name).ok_or_else(|| {
                    format!("--bands-off {value}: expected names among ls, b1, b2, b3, hs")
                })?;
                request.bands_off[b] = true;
            }
        }
        _ => unreachable!("only our flags get here"),
    }
    Ok(())
}

/// A pad point, "X,Y" with both in −1..1.
fn point(flag: &str, value: &str) -> Result<[f32; 2], String> {
    let parsed: Option<Vec<f32>> = value
        .split(',')
        .map(|s| s.trim().parse::<f32>().ok().filter(|v| v.is_finite()))
        .collect();
    match parsed.as_deref() {
        Some(&[x, y]) if (-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y) => Ok([x, y]),
        _ => Err(format!("{flag} {value}: expected X,Y with both in -1..1")),
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("semantic-eq-standalone: {msg}");
    ExitCode::from(2)
}
