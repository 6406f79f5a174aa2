//! embedscope: visualise an MNIST autoencoder's embedding, natively.
//!
//! The modules follow the pipeline:
//! - [`data`]: MNIST IDX, `.npy` and TSV/CSV in and out, the [`data::Dataset`];
//! - [`model`]: the libtorch autoencoder that turns digits into 64-d codes;
//! - [`cli`]: the command line, turned into validated configurations before any work starts.

pub mod cli;
pub mod data;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod interrupt;
pub mod pipeline;
pub mod progress;
pub mod reduce;
pub mod render;
