//! `embedscope train`: train the autoencoder and write weights, codes, labels and a report.
//!
//! The flags are parsed by both executables (so `embedscope train --help` needs no libtorch);
//! the work runs in `embedscope-torch`, which `embedscope` starts for it (see [`super::backend`]).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;

/// The network family, as the command line names it.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchArg {
    /// Fully connected layers (784-512-256-code).
    #[default]
    Dense,
    /// Convolutional encoder and transposed-convolution decoder.
    Conv,
}

/// Where the network runs, as the command line names it.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceArg {
    /// CUDA device 0 when libtorch sees one, otherwise the CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// CUDA device 0; an error when there is none.
    Cuda,
}

impl DeviceArg {
    /// The flag's value as written on a command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }
}

/// Flags of `embedscope train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Directory of MNIST IDX files (gzip or raw; standard train-/t10k- names or
    /// images-/labels-idx?-ubyte). Default: the embedded MNIST-10k digits.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Output directory: model.safetensors, codes.npy, labels.npy, train.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Passes over the training split.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Images per optimisation step.
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// Dimension of the code (the embedding).
    #[arg(long, default_value_t = 64)]
    pub code_dim: usize,
    /// Network: fully connected, or convolutional.
    #[arg(long, value_enum, default_value_t = ArchArg::Dense)]
    pub arch: ArchArg,
    /// Seed of the weight initialisation and the batch order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to train: CUDA when available (auto), or force cpu / cuda.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// libtorch CPU threads for the network (1 is fastest for this small model on shared cores).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Use only the first N images.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Keep the outputs of an earlier run in --out when they were made from the same data
    /// with the same parameters (the demo's cache).
    #[arg(long)]
    pub reuse: bool,
}

impl TrainArgs {
    /// The demo's training run as `embedscope-torch` arguments.
    pub fn demo_command(
        data: Option<&std::path::Path>,
        out: &std::path::Path,
        epochs: usize,
        seed: u64,
        device: DeviceArg,
        threads: usize,
        limit: Option<usize>,
    ) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["train".into(), "--out".into(), out.into()];
        if let Some(dir) = data {
            args.extend(["--data".into(), dir.into()]);
        }
        for (flag, value) in [
            ("--epochs", epochs.to_string()),
            ("--seed", seed.to_string()),
            ("--device", device.as_str().to_string()),
            ("--threads", threads.to_string()),
        ] {
            args.extend([flag.into(), value.into()]);
        }
        if let Some(n) = limit {
            args.extend(["--limit".into(), n.to_string().into()]);
        }
        args.push("--reuse".into());
        args
    }
}
