//! The built VST3 in two real third-party hosts, pedalboard and dawdreamer
//! (both on JUCE's VST3 hosting), driven from Python by
//! `tests/hosts/juce_hosts.py`: the parameter list and texts as the hosts
//! show them, renders bit-identical to `semantic-eq render` from the first
//! sample at block sizes 1 to 4096 and at 8 to 192 kHz, state and preset
//! round trips, a refused activation, and 50 instances in one process.
//!
//! The hosts come from PyPI: `scripts/host-venv.sh` puts them in
//! `target/host-venv` (CI runs it). Another Python can be named with
//! `SEMANTIC_EQ_HOST_PYTHON`. Without one the test prints why and passes.

use semantic_eq_tests::bundle::{release_cli, vst3_bundle, workspace_root};
use std::path::PathBuf;
use std::process::Command;

fn host_python() -> Result<PathBuf, String> {
    let python = std::env::var_os("SEMANTIC_EQ_HOST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/host-venv/bin/python"));
    let ok = Command::new(&python)
        .args(["-c", "import pedalboard, dawdreamer, soundfile, numpy"])
        .output()
        .map_err(|e| format!("no Python at {}: {e}", python.display()))?;
    if ok.status.success() {
        Ok(python)
    } else {
        Err(format!(
            "{} lacks pedalboard or dawdreamer (run scripts/host-venv.sh)",
            python.display()
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
    let vst3 = vst3_bundle();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(python)
        .arg(workspace_root().join("tests/hosts/juce_hosts.py"))
        .arg("--vst3")
        .arg(&vst3)
        .arg("--cli")
        .arg(release_cli())
        .arg("--work")
        .arg(work.path())
        .output()
        .expect("run juce_hosts.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "a host check failed");
    assert!(stdout.contains("all passed"));
}
