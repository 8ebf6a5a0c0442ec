//! Shared helpers for the integration tests live in `tests/tests/common`.
//!
//! [`fuzz_bodies`]: the fuzz targets' bodies, shared by `fuzz/` and the
//! corpus replay test (`tests/tests/fuzz_corpus.rs`).

pub mod fuzz_bodies;
