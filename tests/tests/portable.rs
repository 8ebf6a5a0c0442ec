//! No `std::os::unix`, `libc::` or `/proc` use in the workspace stands
//! outside a unix-gated item (see `semantic_eq_tests::portable`), so the
//! crates can build for Windows; the targets' std is not installed here to
//! check that directly.

use semantic_eq_tests::bundle::workspace_root;
use semantic_eq_tests::portable::{rust_files, scan};

#[test]
fn unix_only_calls_are_behind_cfg() {
    let root = workspace_root();
    let files = rust_files(&root);
    assert!(files.len() > 50, "found only {} Rust files", files.len());
    let mut report = String::new();
    // The scanner names the patterns and holds bad examples for its own
    // tests; it is the one file they may appear in.
    let scanner = root.join("tests/src/portable.rs");
    for f in files.iter().filter(|f| **f != scanner) {
        let text = std::fs::read_to_string(f).unwrap();
        for finding in scan(&text) {
            let rel = f.strip_prefix(&root).unwrap_or(f);
            report += &format!("{}:{}: {}\n", rel.display(), finding.line, finding.text);
        }
    }
    assert!(
        report.is_empty(),
        "unix-only code outside cfg(unix):\n{report}"
    );
}
