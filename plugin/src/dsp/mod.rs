//! The EQ engine: smoothing, coefficient computation and the filter cascade.

pub mod coeffs;
pub mod engine;
mod fastmath;
mod kernel;

pub use kernel::Kernel;
pub mod smoother;

pub use engine::{EngineError, EqEngine, NormTargets, Targets};
