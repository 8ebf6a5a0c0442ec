//! The release bundles through the industry's conformance tools:
//! free-audio's clap-validator 0.4.1 and Steinberg's VST3 validator 3.7.14
//! (extensive mode), run by `validate-plugin` from the shared tools folder
//! (`../shared/tools/validators/`, beside the project). Zero failures and
//! no allocation warning from nice-plug are required.
//!
//! The tools are prebuilt binaries that live outside the project; where
//! they are absent (a user's machine) the test prints why and passes.

use semantic_eq_tests::bundle::{bundled_dir, workspace_root};
use std::process::Command;

#[test]
fn clap_validator_and_vst3_validator_report_no_failure() {
    let script = workspace_root().join("../shared/tools/validators/validate-plugin");
    if !script.is_file() {
        println!("SKIPPED: no validators at {}", script.display());
        return;
    }
    let dir = bundled_dir();
    let out = Command::new(&script)
        .arg(dir)
        .output()
        .expect("run validate-plugin");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "validate-plugin reported failures");
    // Both summaries must be there: a tool that did not run is no pass.
    assert!(
        text.contains("clap-validator: {"),
        "no clap-validator summary"
    );
    assert!(
        text.contains("vst3-validator: Result:") && text.contains(" 0 tests failed"),
        "no clean vst3-validator summary"
    );
    // nice-plug's warning when its event queue must grow on the audio
    // thread; the tools themselves do not count it as a failure.
    assert!(
        !text.to_lowercase().contains("allocation"),
        "an allocation warning"
    );
}
