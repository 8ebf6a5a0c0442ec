//! The Semantic EQ parameter space.
//!
//! Everything that needs to know what a five-band EQ setting *is* (the engine,
//! the command-line tool, training, evaluation, the editor's curve, the tests)
//! goes through this crate, so ranges and formulas live in exactly one place.
//! [`safe`] reads the SAFE equaliser data the decoder is trained on.
//! [`decoder`] is the plain-Rust, allocation-free pad decoder the plug-in runs;
//! `train` (cargo feature `train`, candle) trains it and writes its file.

pub mod decoder;
pub mod file;
pub mod metrics;
pub mod params;
pub mod response;
pub mod rng;
pub mod safe;
#[cfg(feature = "train")]
pub mod train;
pub mod words;

pub use decoder::{Arch, DecodedEq, Decoder, Density, EMBEDDED_MODEL, LATENT_BOX, Landmark};
pub use params::{
    BAND_COUNT, BANDS, Band, BandKind, BandSpec, EqParams, NUM_PARAMS, PARAMS, ParamError,
    ParamScale, ParamSpec, SHELF_Q,
};
pub use response::{BiquadCoeffs, MAX_FREQ_RATIO, band_coeffs, cascade_magnitude_db};
