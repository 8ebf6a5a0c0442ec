//! Semantic EQ: the realtime EQ engine and the command-line renderer.
//!
//! `dsp` holds plain structs that never see host types; the nice-plug
//! plugin and the CLI both drive the same [`dsp::EqEngine`], which is what
//! makes an offline render equal what was heard.

pub mod cli;
pub mod dsp;
