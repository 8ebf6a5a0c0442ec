//! The fuzz targets' bodies. They live in the test crate
//! (`tests/src/fuzz_bodies.rs`) so that `cargo test` replays the corpus
//! through the very same code; included here by path so that this crate
//! depends only on the two crates under test.

#[path = "../../tests/src/fuzz_bodies.rs"]
mod bodies;

pub use bodies::*;
