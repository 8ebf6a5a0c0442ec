//! The release bundles under `target/bundled/`, built with `cargo xtask
//! bundle semantic-eq --release` once per test binary when missing or older
//! than their sources. Shared by every test that loads the plug-in in a host
//! (clack-host, the validators, the JUCE hosts).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// What the bundle is built from: if any of it is newer, it is rebuilt.
const SOURCES: [&str; 6] = [
    "plugin/src",
    "dsp/src",
    "model/src",
    "vendor",
    "assets",
    "Cargo.lock",
];

fn newest_source(path: &Path) -> SystemTime {
    let own = path
        .metadata()
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    match std::fs::read_dir(path) {
        Ok(entries) => entries
            .flatten()
            .map(|e| newest_source(&e.path()))
            .fold(own, SystemTime::max),
        Err(_) => own,
    }
}

/// `target/bundled/`, holding `Semantic EQ.clap` and `Semantic EQ.vst3`.
pub fn bundled_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace_root();
        let built = ["Semantic EQ.clap", "Semantic EQ.vst3"]
            .iter()
            .map(|b| {
                root.join("target/bundled")
                    .join(b)
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
            })
            .min()
            .flatten();
        let sources = SOURCES
            .iter()
            .map(|s| newest_source(&root.join(s)))
            .max()
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if built.is_none_or(|b| b < sources) {
            eprintln!("building the bundle: cargo xtask bundle semantic-eq --release");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["xtask", "bundle", "semantic-eq", "--release"])
                .current_dir(&root)
                .status()
                .expect("run cargo xtask");
            assert!(status.success(), "cargo xtask bundle failed");
        }
        root.join("target/bundled")
    })
}

/// The built `.clap` file.
pub fn clap_bundle() -> PathBuf {
    bundled_dir().join("Semantic EQ.clap")
}

/// The built `.vst3` bundle (a folder).
pub fn vst3_bundle() -> PathBuf {
    bundled_dir().join("Semantic EQ.vst3")
}

/// The release `semantic-eq` CLI (`cargo build --release -p
/// semantic-eq-cli`, run once per test binary; cargo rebuilds only what
/// changed).
pub fn release_cli() -> PathBuf {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let root = workspace_root();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "semantic-eq-cli",
                "--bin",
                "semantic-eq",
            ])
            .current_dir(&root)
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p semantic-eq-cli failed");
        root.join("target/release/semantic-eq")
    })
    .clone()
}
