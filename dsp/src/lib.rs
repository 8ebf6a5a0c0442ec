//! The EQ engine: smoothing, coefficient computation and the filter cascade.

pub mod autogain;
pub mod coeffs;
pub mod controls;
pub mod engine;
mod fastmath;
mod kernel;
pub mod processor;
mod skew;

pub use kernel::Kernel;
pub mod smoother;

pub use engine::{EngineError, EqEngine, NormTargets, Targets};
pub use processor::{Control, Mode, Processor, Settings};
