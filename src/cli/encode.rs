//! `embedscope encode`: recompute the codes of a dataset from saved weights.

use std::path::PathBuf;

use clap::Args;

use crate::data::Dataset;
use crate::model::DeviceChoice;
use crate::pipeline::train::encode_to_dir;

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
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// libtorch CPU threads for the network (1 is fastest for this small model on shared cores).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Use only the first N images.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl EncodeArgs {
    /// Loads the model and data, then encodes.
    pub fn run(self) -> anyhow::Result<()> {
        let mut data = Dataset::load(self.data.as_deref())?;
        if let Some(n) = self.limit {
            data.truncate(n);
        }
        let device = self.device.resolve()?;
        crate::model::device::set_cpu_threads(self.threads)?;
        let (spec, [codes, labels]) = encode_to_dir(&self.model, &data, device, &self.out)?;
        println!(
            "wrote {} ({} x {}) and {}",
            codes.display(),
            data.len(),
            spec.code_dim,
            labels.display()
        );
        Ok(())
    }
}
