//! The portability check: every `std::os::unix`, `libc::` or `/proc` use
//! in the workspace's Rust sources must stand inside an item gated on unix
//! (`#[cfg(unix)]`, `#[cfg(target_os = "linux")]`, `#[cfg(target_os =
//! "macos")]`, or a file-wide `#![cfg(…)]` of these), so that the crates
//! build for Windows. Windows and macOS targets' std is not installed on
//! the development and CI machines, so this check stands in for
//! `cargo check --target x86_64-pc-windows-msvc`.
//!
//! It is a line scanner, not a parser: it follows braces outside string
//! and character literals, which is enough for rustfmt-formatted code.

use std::path::{Path, PathBuf};

/// What must be gated.
const PATTERNS: [&str; 3] = ["std::os::unix", "libc::", "/proc"];

/// A use of a unix-only API outside a unix-gated item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line number.
    pub line: usize,
    /// The line, trimmed.
    pub text: String,
}

/// Whether an attribute line gates its item on a unix platform.
fn gates_unix(attr: &str) -> bool {
    let a: String = attr.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(cond) = a
        .strip_prefix("#[cfg(")
        .or_else(|| a.strip_prefix("#![cfg("))
    else {
        return false;
    };
    !cond.starts_with("not(")
        && (cond.starts_with("unix)")
            || cond.starts_with("target_os=\"linux\")")
            || cond.starts_with("target_os=\"macos\")")
            || cond.starts_with("all(unix"))
}

/// `line` with string and character literals blanked, so that braces in
/// them are not counted.
fn code_only(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_str = false,
            (true, _) => {}
            (false, '"') => in_str = true,
            (false, '\'') => {
                // A character literal ('{', '\n'), not a lifetime.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\\") {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, c) => out.push(c),
        }
    }
    out
}

/// The ungated uses in one file's text.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Depths at which a gated block was opened.
    let mut gated: Vec<i64> = Vec::new();
    let mut depth: i64 = 0;
    let mut pending = false;
    let mut file_gated = false;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.starts_with("//") || t.is_empty() {
            continue;
        }
        if t.starts_with("#![") {
            file_gated |= gates_unix(t);
            continue;
        }
        if t.starts_with("#[") {
            pending |= gates_unix(t);
            continue;
        }
        let covered = file_gated || pending || !gated.is_empty();
        if !covered && PATTERNS.iter().any(|p| t.contains(p)) {
            findings.push(Finding {
                line: i + 1,
                text: t.to_string(),
            });
        }
        let code = code_only(t);
        let opens = code.matches('{').count() as i64;
        let closes = code.matches('}').count() as i64;
        let before = depth;
        depth += opens - closes;
        if pending && depth > before {
            gated.push(before);
        }
        // An attribute covers one item: a block it opened, or this line.
        pending = false;
        while gated.last().is_some_and(|&d| depth <= d) {
            gated.pop();
        }
    }
    findings
}

/// Every `.rs` file under `root`, skipping `target/`, `vendor/` (upstream
/// code) and hidden folders.
pub fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if p.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "vendor") {
                    stack.push(p);
                }
            } else if name.ends_with(".rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ungated_uses_are_found() {
        let bad = "use std::os::unix::fs::PermissionsExt;\n\
                   fn f() {\n    let _ = std::fs::read(\"/proc/self/status\");\n}\n\
                   #[cfg(not(unix))]\nfn g() { libc::abort() }\n";
        let lines: Vec<usize> = scan(bad).iter().map(|f| f.line).collect();
        assert_eq!(lines, [1, 3, 6]);
    }

    #[test]
    fn gated_items_pass() {
        let good = "#[cfg(unix)]\nuse std::os::unix::fs::PermissionsExt;\n\
                    #[cfg(target_os = \"linux\")]\n#[inline]\nfn f() {\n    let s = \"{\";\n    \
                    if true {\n        libc::abort();\n    }\n    std::fs::read(\"/proc\");\n}\n\
                    fn g() {\n    #[cfg(unix)]\n    {\n        use std::os::unix::fs::MetadataExt;\n    }\n}\n";
        assert_eq!(scan(good), []);
        assert_eq!(scan("#![cfg(unix)]\nuse std::os::unix::net;\n"), []);
        // The gate ends with its block.
        let after = "#[cfg(unix)]\nfn f() {\n}\nfn g() { libc::abort() }\n";
        assert_eq!(scan(after).len(), 1);
    }
}
