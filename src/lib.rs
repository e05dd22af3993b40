//! The `comply` command line over the engine (`comply_engine`): one file per subcommand in `cli`.
//!
//! The engine's modules are re-exported, so `comply::explain`, `comply::Rulebook` and the rest read as they
//! did before the engine became its own crate; the engine itself builds without clap, rayon or csv.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub use comply_engine::*;

pub mod cli;
