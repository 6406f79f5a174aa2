//! `embedscope encode`: recompute the codes of a dataset from saved weights.
//!
//! Like `train`, it runs in `embedscope-torch` (see [`super::backend`]).

use std::path::PathBuf;

use clap::Args;

use super::train::DeviceArg;

/// Flags of `embedscope encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Saved weights (model.safetensors written by `train`).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Directory of MNIST IDX files. Default: the embedded MNIST-10k digits.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Output directory for codes.npy and labels.npy.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where to run: CUDA when available (auto), or force cpu / cuda.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// libtorch CPU threads for the network (1 is fastest for this small model on shared cores).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Use only the first N images.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}
