//! The pipeline: stages that read inputs and write their outputs to a directory.
//!
//! - [`view`]: any vectors and metadata to maps, pictures, logs and a report;
//! - [`demo`]: the autoencoder's codes (trained by `embedscope-torch`), viewed;
//! - [`map_dir`]: maps that can be reopened, and new points placed into them;
//! - [`reports`]: the JSON reports shared with the single-stage commands; [`cache`]: reuse;
//! - [`PipelineError`]: what can stop them.

pub mod cache;
pub mod demo;
mod error;
pub mod map_dir;
pub mod reports;
pub mod view;

pub use error::{PipelineError, Result};
