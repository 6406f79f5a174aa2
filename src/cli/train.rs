//! `embedscope train`: train the autoencoder and write weights, codes, labels and a report.

use std::path::PathBuf;

use clap::Args;

use crate::cli::progress::TrainProgress;
use crate::data::Dataset;
use crate::model::train::TrainConfig;
use crate::model::{Arch, DeviceChoice};
use crate::pipeline::train::{train_to_dir, CODES_FILE, MODEL_FILE};

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
    #[arg(long, value_enum, default_value_t = Arch::Dense)]
    pub arch: Arch,
    /// Seed of the weight initialisation and the batch order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to train: CUDA when available (auto), or force cpu / cuda.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// libtorch CPU threads for the network (1 is fastest for this small model on shared cores).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Use only the first N images.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl TrainArgs {
    /// Validates the flags and the data, then trains.
    pub fn run(self) -> anyhow::Result<()> {
        let cfg = TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            code_dim: self.code_dim,
            arch: self.arch,
            seed: self.seed,
            ..TrainConfig::default()
        }
        .check()?;
        let mut data = Dataset::load(self.data.as_deref())?;
        if let Some(n) = self.limit {
            data.truncate(n);
        }
        cfg.split(data.len())?;
        let device = self.device.resolve()?;
        crate::model::device::set_cpu_threads(self.threads)?;
        eprintln!(
            "training on {} images of {} ({}x{}), device {}",
            data.len(),
            data.source,
            data.rows,
            data.cols,
            crate::model::device::device_name(device)
        );
        let mut progress = TrainProgress::new(cfg.epochs);
        let report = train_to_dir(&data, &cfg, device, &self.out, &mut progress)?;
        println!(
            "held-out reconstruction loss {:.5} (per-pixel BCE) after {} epochs, {:.2} s/epoch",
            report.test_loss, cfg.epochs, report.seconds_per_epoch
        );
        println!(
            "wrote {} and {} ({} x {}) in {}",
            MODEL_FILE,
            CODES_FILE,
            report.n_images,
            cfg.code_dim,
            self.out.display()
        );
        Ok(())
    }
}
