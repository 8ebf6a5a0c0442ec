//! Semantic EQ as a standalone application: the plug-in and its editor in
//! nice-plug's standalone wrapper (JACK, ALSA, or `--backend dummy` for no
//! audio at all). All of nice-plug's standalone options apply (`--help`),
//! plus one of our own:
//!
//! `--pad X,Y` moves the pad to (X, Y), each −1..1, when the editor opens,
//! as a user gesture would (for screenshots and demos).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = Vec::new();
    let mut it = std::env::args();
    while let Some(arg) = it.next() {
        let value = if arg == "--pad" {
            match it.next() {
                Some(v) => v,
                None => return usage("--pad needs a value: --pad X,Y"),
            }
        } else if let Some(v) = arg.strip_prefix("--pad=") {
            v.to_string()
        } else {
            args.push(arg);
            continue;
        };
        let parsed: Option<Vec<f32>> = value
            .split(',')
            .map(|s| s.trim().parse::<f32>().ok().filter(|v| v.is_finite()))
            .collect();
        match parsed.as_deref() {
            Some(&[x, y]) if (-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y) => {
                semantic_eq::editor::request_start_pad(x, y);
            }
            _ => return usage(&format!("--pad {value}: expected X,Y with both in -1..1")),
        }
    }
    if nice_plug::prelude::nice_export_standalone_with_args::<semantic_eq::SemanticEq, _>(args) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("semantic-eq-standalone: {msg}");
    ExitCode::from(2)
}
