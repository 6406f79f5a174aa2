//! The command line: clap definitions, each subcommand in its own file. Every subcommand turns
//! its raw flags into a validated configuration before any work starts (errors name the flag).

use clap::{Parser, Subcommand};

pub mod demo;
pub mod encode;
pub mod export;
pub mod pca;
pub mod progress;
pub mod render;
pub mod train;
pub mod tsne;

/// Visualise an MNIST autoencoder's embedding: train, reduce (t-SNE, PCA), plot, export.
#[derive(Debug, Parser)]
#[command(name = "embedscope", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything on the embedded MNIST: train, t-SNE, PCA, pictures, TensorBoard logs.
    Demo(demo::DemoArgs),
    /// Train the autoencoder on MNIST and write its weights and the 64-d codes.
    Train(train::TrainArgs),
    /// Recompute codes.npy / labels.npy from saved weights, without retraining.
    Encode(encode::EncodeArgs),
    /// Embed the rows of a matrix in 2-D or 3-D with Barnes-Hut (or exact) t-SNE.
    Tsne(tsne::TsneArgs),
    /// Project the rows of a matrix on their principal components; report explained variance.
    Pca(pca::PcaArgs),
    /// Write a TensorBoard log directory: scalars and the Embedding Projector.
    Export(export::ExportArgs),
    /// Draw points as a scatter plot (PNG/SVG), a digit map, or a turning 3-D GIF.
    Render(render::RenderArgs),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Demo(a) => a.run(),
            Command::Train(a) => a.run(),
            Command::Encode(a) => a.run(),
            Command::Tsne(a) => a.run(),
            Command::Pca(a) => a.run(),
            Command::Export(a) => a.run(),
            Command::Render(a) => a.run(),
        }
    }
}
