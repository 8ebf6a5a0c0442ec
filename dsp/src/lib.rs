//! The EQ engine: smoothing, coefficient computation and the filter cascade.
//! Plain structs, no host types: the plug-in and the CLI both drive
//! [`Processor`].
//!
//! # Layers
//!
//! Each module imports only from the layers below it (checked by the
//! `layers_import_only_downwards` test), so there are no cycles:
//!
//! | layer | modules | what |
//! |---|---|---|
//! | 0 | `consts`, `fastmath`, [`smoother`] | the grid, limits and cascade shape; `exp`/`tan`; ramps |
//! | 1 | `cascade`, `cpu`, `io`, `fpenv`, [`audition`] | the coefficient type; [`Kernel`] and its proof [`Checked`]; audio access; FTZ/DAZ; band solo |
//! | 2 | [`coeffs`] | band settings → cascade coefficients (scalar and batched) |
//! | 3 | `kernel` | the filter loop: scalar (the reference, and ARM's path) and SSE2/FMA (one generic over `Madd`) |
//! | 4 | [`engine`] | smoothing, grid interpolation, kernel dispatch |
//! | 5 | [`autogain`], [`controls`] | loudness match; the one control table |
//! | 6 | [`processor`] | modes, morph, mix, bypass: what a host drives |

// Layer 0.
mod consts;
mod fastmath;
pub mod smoother;
// Layer 1.
pub mod audition;
mod cascade;
mod cpu;
mod fpenv;
mod io;
// Layer 2.
pub mod coeffs;
// Layer 3.
mod kernel;
// Layer 4.
pub mod engine;
// Layer 5.
pub mod autogain;
pub mod controls;
// Layer 6.
pub mod processor;

pub use cpu::{Checked, Kernel};
pub use engine::{EngineError, EqEngine, NormTargets, Targets};
pub use processor::{Control, Mode, Processor, Settings};

#[cfg(test)]
mod layers;
