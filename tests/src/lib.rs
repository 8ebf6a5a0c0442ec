//! Shared helpers for the integration tests live in `tests/tests/common`.
//!
//! [`bundle`]: the release bundles the host tests load, rebuilt when stale.
//!
//! [`fuzz_bodies`]: the fuzz targets' bodies, shared by `fuzz/` and the
//! corpus replay test (`tests/tests/fuzz_corpus.rs`).
//!
//! [`portable`]: the scanner behind `tests/tests/portable.rs`.
//!
//! [`wav_files`]: WAV/RIFF files built byte by byte, for the WAV reader's
//! tests here and in the CLI (which include the file by path).

pub mod bundle;
pub mod fuzz_bodies;
pub mod portable;
pub mod wav_files;
