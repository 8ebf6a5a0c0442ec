//! The built VST3 in two real third-party hosts built on JUCE's VST3
//! hosting, pedalboard and dawdreamer, driven from Python by
//! `tests/hosts/juce_hosts.py`: the parameter list and texts as the hosts
//! show them, renders bit-identical to `semantic-eq render` from the first
//! sample at block sizes 1 to 4096 and at 8 to 192 kHz, state and preset
//! round trips, automation, a refused activation, and 50 instances in one
//! process. The script prints one line per result; this test echoes them and
//! fails when the script does.
//!
//! The hosts come from PyPI: `scripts/host-venv.sh` puts them in
//! `target/host-venv` (CI runs it); `SEMANTIC_EQ_HOST_PYTHON` names another
//! Python. Without a Python that imports both, the test prints `SKIPPED` and
//! passes.

use semantic_eq_tests::bundle::{release_cli, vst3_bundle, workspace_root};
use std::path::PathBuf;
use std::process::Command;

/// A Python that imports both hosts, or why there is none.
fn host_python() -> Result<PathBuf, String> {
    let python = match std::env::var_os("SEMANTIC_EQ_HOST_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("target/host-venv/bin/python"),
    };
    if !python.exists() {
        return Err(format!(
            "no Python at {} (run scripts/host-venv.sh, or set SEMANTIC_EQ_HOST_PYTHON)",
            python.display()
        ));
    }
    let probe = Command::new(&python)
        .args(["-c", "import numpy, soundfile, pedalboard, dawdreamer"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if probe.status.success() {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import the hosts (run scripts/host-venv.sh): {}",
            python.display(),
            String::from_utf8_lossy(&probe.stderr).trim()
        ))
    }
}

#[test]
fn pedalboard_and_dawdreamer_agree_with_semantic_eq_render() {
    let python = match host_python() {
        Ok(p) => p,
        Err(why) => {
            println!("SKIPPED: {why}");
            return;
        }
    };
    // Builds the bundle (and with it the release CLI) when missing or stale.
    let vst3 = vst3_bundle();
    let cli = release_cli();
    assert!(cli.exists(), "{} was not built", cli.display());
    let work = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(&python)
        .arg(workspace_root().join("tests/hosts/juce_hosts.py"))
        .arg("--vst3")
        .arg(&vst3)
        .arg("--cli")
        .arg(&cli)
        .arg("--work")
        .arg(work.path())
        .output()
        .expect("run tests/hosts/juce_hosts.py");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "a JUCE host check failed ({}); see the FAIL lines above",
        out.status
    );
}
