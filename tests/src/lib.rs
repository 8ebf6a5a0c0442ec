//! Shared helpers for the integration tests live in `tests/tests/common`.
//!
//! [`bundle`]: the release bundles the host tests load, rebuilt when stale.
//!
//! [`fuzz_bodies`]: the fuzz targets' bodies, shared by `fuzz/` and the
//! corpus replay test (`tests/tests/fuzz_corpus.rs`).

pub mod bundle;
pub mod fuzz_bodies;
