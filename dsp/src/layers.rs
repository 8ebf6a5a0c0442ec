//! The crate's layering, as a test: every module names only modules of a
//! lower layer (the table in the crate's doc), so the imports have no cycles
//! and a kernel never reaches up into the engine.

/// Each module, its layer and its source.
const MODULES: &[(&str, u8, &str)] = &[
    ("consts", 0, include_str!("consts.rs")),
    ("fastmath", 0, include_str!("fastmath.rs")),
    ("smoother", 0, include_str!("smoother.rs")),
    ("audition", 1, include_str!("audition.rs")),
    ("cascade", 1, include_str!("cascade.rs")),
    ("cpu", 1, include_str!("cpu.rs")),
    ("fpenv", 1, include_str!("fpenv.rs")),
    ("io", 1, include_str!("io.rs")),
    ("coeffs", 2, include_str!("coeffs.rs")),
    ("kernel", 3, include_str!("kernel.rs")),
    ("engine", 4, include_str!("engine.rs")),
    ("autogain", 5, include_str!("autogain.rs")),
    ("controls", 5, include_str!("controls.rs")),
    ("processor", 6, include_str!("processor.rs")),
];

/// The crate's modules a source names, as `crate::m`, `super::m` or `m::`
/// of a sibling, outside comments.
fn uses(source: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        for &(name, _, _) in MODULES {
            let named = [format!("crate::{name}"), format!("super::{name}")]
                .iter()
                .any(|p| {
                    code.match_indices(p.as_str()).any(|(i, _)| {
                        let after = code[i + p.len()..].chars().next();
                        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                });
            if named && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn layers_import_only_downwards() {
    let layer = |m: &str| MODULES.iter().find(|(n, _, _)| *n == m).unwrap().1;
    let mut wrong = Vec::new();
    for &(name, own, source) in MODULES {
        for used in uses(source) {
            if used != name && layer(used) >= own {
                wrong.push(format!(
                    "{name} (layer {own}) uses {used} (layer {})",
                    layer(used)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering: {wrong:#?}");
}

/// The scanner sees an import, ignores comments and partial names.
#[test]
fn scanner_finds_imports() {
    assert_eq!(uses("use crate::engine::GRID;"), ["engine"]);
    assert_eq!(uses("use super::kernel::{self, Io};"), ["kernel"]);
    assert!(uses("// use crate::engine::GRID;").is_empty());
    assert!(uses("use crate::engine_x::A;").is_empty());
    assert_eq!(uses("let g = crate::consts::GRID;"), ["consts"]);
}
