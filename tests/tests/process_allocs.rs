//! No allocation, no free, in `process()`: proved with nice-plug's own guard.
//!
//! The plug-in is built as a debug cdylib with the `assert_process_allocs`,
//! `analyser_tap_always` and `audition_cycle` features (the analyser's tap
//! then copies every block, and band solo moves through every band and
//! none, as with the editor open), in its own target directory, so the
//! normal build is untouched.
//! nice-plug then wraps every `process()` call in `assert_no_alloc`, and any
//! allocation or deallocation aborts the process. The hosting runs in a
//! child process so that an abort shows up as a failed test with a reason.
//!
//! It runs host block sizes 1 to 4096, blocks split by parameter events at
//! random offsets in every block (all parameters, extreme values included),
//! and a model swap: a state naming a model file is loaded, and the audio
//! thread swaps the new decoder in (and hands the old one back) mid-stream.

mod host;

use clack_extensions::state::PluginState;
use clack_host::prelude::*;
use host::{Event, params, process, process_with, workspace_root};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Cursor;
use std::path::PathBuf;
use std::process::Command;

const CHILD_ENV: &str = "SEMANTIC_EQ_ALLOC_CHILD";

/// Builds (incrementally) the guarded debug plug-in and returns its path.
fn guarded_plugin() -> PathBuf {
    let root = workspace_root();
    let target = root.join("target/alloc-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "semantic-eq",
            "--lib",
            "--features",
            "assert_process_allocs,analyser_tap_always,audition_cycle",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(&root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the guarded plug-in failed");
    target.join("debug/libsemantic_eq.so")
}

#[test]
fn process_never_allocates_under_nice_plugs_guard() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return host_everything();
    }
    let plugin = guarded_plugin();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "process_never_allocates_under_nice_plugs_guard",
            "--nocapture",
        ])
        .env(CHILD_ENV, &plugin)
        .output()
        .expect("run the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the guarded plug-in failed ({:?}):\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains("guarded blocks processed"),
        "the child did not run: {stderr}"
    );
    eprint!("{stderr}");
}

/// Runs in the child: any allocation in `process()` aborts it.
fn host_everything() {
    let path = PathBuf::from(std::env::var_os(CHILD_ENV).unwrap());
    // SAFETY: our own plug-in, just built.
    let entry = unsafe { PluginEntry::load(&path).expect("load the guarded plug-in") };
    let mut inst = host::instance(&entry);
    let p = params(&mut inst);
    let ids: Vec<ClapId> = p.values().map(|v| v.0).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut blocks_run = 0usize;
    for block in [1usize, 2, 3, 7, 31, 32, 33, 64, 100, 256, 512, 1000, 4096] {
        let frames = (block * 6).clamp(400, 20_000);
        let input: Vec<Vec<f32>> = (0..2)
            .map(|_| (0..frames).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        // Events at random offsets inside every block, so the wrapper
        // splits each one.
        let mut events: Vec<Event> = Vec::new();
        for start in (0..frames).step_by(block) {
            for _ in 0..2 {
                let at = start + rng.random_range(0..block.min(frames - start));
                let v = match rng.random_range(0..8) {
                    0 => 0.0,
                    1 => 1.0,
                    _ => rng.random_range(0.0..1.0),
                };
                events.push((at, ids[rng.random_range(0..ids.len())], v));
            }
        }
        events.sort_by_key(|e| e.0);
        let out = process(&mut inst, 48_000.0, &input, &events, &[block]);
        assert!(out.iter().flatten().all(|v| v.is_finite()));
        blocks_run += frames.div_ceil(block);
    }

    // A model swap on the audio thread: load a state that names a model
    // file (a copy of the shipped one), then process.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("other.safetensors");
    std::fs::copy(workspace_root().join("assets/decoder.safetensors"), &model).unwrap();
    let mut state = Vec::new();
    {
        let h = inst.plugin_handle();
        let ext: PluginState = h.get_extension().expect("state extension");
        ext.save(&h, &mut state).expect("save");
    }
    let edited = edit_model_path(&state, model.to_str().unwrap());
    let input: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..48_000).map(|_| rng.random_range(-0.5..0.5)).collect())
        .collect();
    let x = p["Warm ↔"].0;
    let mut loaded = false;
    let out = process_with(
        &mut inst,
        48_000.0,
        &input,
        &[(100, x, 0.9)],
        &[256],
        &mut |at, inst| {
            if at >= 24_000 && !loaded {
                loaded = true;
                let h = inst.plugin_handle();
                let ext: PluginState = h.get_extension().expect("state extension");
                ext.load(&h, &mut Cursor::new(&edited)).expect("load");
            }
        },
    );
    assert!(loaded);
    assert!(out.iter().flatten().all(|v| v.is_finite()));
    blocks_run += 48_000 / 256;
    eprintln!("{blocks_run} guarded blocks processed without an allocation");
}

/// nice-plug's CLAP state: an 8-byte little-endian length, then JSON with
/// persisted fields under "fields". Sets the "model" field to `path`.
fn edit_model_path(state: &[u8], path: &str) -> Vec<u8> {
    let json: &[u8] = &state[8..];
    let mut v: serde_json::Value = serde_json::from_slice(json).expect("state JSON");
    v["fields"]["model"] = serde_json::Value::String(serde_json::to_string(path).unwrap());
    let body = serde_json::to_vec(&v).unwrap();
    let mut out = (body.len() as u64).to_le_bytes().to_vec();
    out.extend(body);
    out
}
