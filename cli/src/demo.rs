//! `embedscope demo`: the whole pipeline on the embedded MNIST (or `--data DIR`), writing the
//! README's pictures, TensorBoard logs and `report.json` into `--out` (default `output/`).
//! The training runs in `embedscope-torch` (see [`super::backend`]); everything else here.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::backend::run_torch;
use super::progress::Bars;
use super::train::{DeviceArg, TrainArgs};
use embedscope::pipeline::demo::{self, DemoConfig};
use embedscope::pipeline::view::{Names, Settings};
use embedscope::reduce::tsne::{LearningRate, TsneParams};

/// Flags of `embedscope demo`. The defaults were chosen by measurement (see the README): about a
/// minute on 2 CPU cores after the build, with converged t-SNE pictures.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory of MNIST IDX files. Default: the embedded MNIST-10k digits.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Redo every stage, even those whose outputs from an earlier run are still valid.
    #[arg(long)]
    pub force: bool,
    /// Autoencoder training epochs.
    #[arg(long, default_value_t = 6)]
    pub epochs: usize,
    /// Where to train: CUDA when available (auto), or force cpu / cuda.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Seed of the autoencoder and the t-SNE.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// t-SNE perplexity.
    #[arg(long, default_value_t = 25.0)]
    pub perplexity: f64,
    /// t-SNE iterations. The demo uses the `auto` learning rate: at lr 10 (the `tsne`
    /// command's default) 1000 iterations stay far from converged (see the README).
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// A GIF frame every this many t-SNE iterations.
    #[arg(long, default_value_t = 10)]
    pub gif_every: usize,
    /// libtorch CPU threads for the autoencoder (t-SNE uses all cores).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Use only the first N images.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl DemoArgs {
    /// Validates the flags, then runs the demo and prints its summary.
    pub fn run(self) -> anyhow::Result<()> {
        if self.gif_every == 0 {
            bail!("--gif-every 0: must be at least 1");
        }
        let cfg = DemoConfig {
            data: self.data.clone(),
            limit: self.limit,
            view: Settings {
                out: self.out.clone(),
                force: self.force,
                tsne: TsneParams {
                    perplexity: self.perplexity,
                    learning_rate: LearningRate::Auto,
                    iterations: self.iterations,
                    seed: self.seed,
                    ..TsneParams::default()
                },
                gif_every: self.gif_every,
                colour_by: None,
                label_by: None,
                pca_dims: 0,
                maps: None,
                names: Names::for_stem("mnist_autoencoder"),
                input_scalars: Vec::new(),
                standardized: None,
            },
        };
        let mut train = |model_dir: &std::path::Path| {
            let mut args = TrainArgs::demo_command(
                self.data.as_deref(),
                model_dir,
                self.epochs,
                self.seed,
                self.device,
                self.threads,
                self.limit,
            );
            if self.force {
                args.retain(|a| a != "--reuse");
            }
            run_torch(&args).map_err(Into::into)
        };
        let mut bars = Bars::new();
        let report = demo::run(&cfg, &mut train, &mut bars).map_err(super::flag_error)?;
        println!("{}", demo::summary(&report, &cfg.view.out));
        Ok(())
    }
}
