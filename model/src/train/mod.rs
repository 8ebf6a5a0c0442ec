//! Training the pad decoder with candle (cargo feature `train`).
//!
//! * [`nets`]: the candle [`Encoder`] and [`Decoder`] (the decoder is the
//!   twin of the plain [`crate::Decoder`]: same architecture, tensor names,
//!   operation order and bounded heads), seeded initialisation and weight
//!   export.
//! * [`response`]: the differentiable, numerically stable dB response of the
//!   cascade, the training loss.
//! * [`trainer`]: the training loop and the file export.
//! * The seeded generator that makes all of it reproducible is
//!   [`SplitMix64`], from the crate's one RNG module ([`crate::rng`]).
//!
//! candle is re-exported so that callers (the CLI, the tests) use exactly the
//! pinned version.
//!
//! Performance notes (measured, see the shared notes): set
//! `RAYON_NUM_THREADS` before any thread starts, and use a faster global
//! allocator (e.g. mimalloc) in the training binary; glibc malloc makes a
//! training step about 2.7× slower.

pub mod nets;
pub mod pipeline;
pub mod response;
pub mod trainer;

pub use crate::rng::SplitMix64;
pub use candle_core;
pub use candle_nn;
pub use nets::{Decoder, DecoderOutput, Encoder, export_decoder, new_varmap, seeded_init};
pub use response::{LOSS_SAMPLE_RATE, ResponseGrid, log_spaced_frequencies};
pub use trainer::{
    EpochLoss, Side, TrainConfig, TrainError, TrainRow, TrainedModel, train, train_with_progress,
};
