//! The command line: clap definitions, each subcommand in its own file. Every subcommand turns
//! its raw flags into a validated configuration before any work starts (errors name the flag),
//! and this is the only layer that draws progress bars ([`progress`]).
//!
//! Two executables share these definitions: `embedscope` runs everything except `train` and
//! `encode`, which it hands to `embedscope-torch` ([`backend`]) so that it never loads
//! libtorch itself.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod backend;
pub mod demo;
pub mod encode;
pub mod export;
pub mod html;
pub mod inputs;
pub mod pca;
pub mod progress;
pub mod render;
pub mod train;
pub mod transform;
pub mod tsne;
pub mod umap;
pub mod view;

/// Visualise embeddings: train an MNIST autoencoder, reduce (t-SNE, PCA), plot, export.
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
    /// Embed the rows of a matrix in 2-D or 3-D with t-SNE (Barnes-Hut, FFT or exact).
    Tsne(tsne::TsneArgs),
    /// Embed the rows of a matrix in 2-D or 3-D with UMAP (umap-learn's defaults, reproducible).
    Umap(umap::UmapArgs),
    /// Project the rows of a matrix on their principal components; report explained variance.
    Pca(pca::PcaArgs),
    /// Write a TensorBoard log directory: scalars and the Embedding Projector.
    Export(export::ExportArgs),
    /// Draw points as a scatter plot (PNG/SVG), a digit map, or a turning 3-D GIF.
    Render(render::RenderArgs),
    /// Any vectors and metadata to t-SNE and PCA maps, GIFs, TensorBoard logs and a report.
    View(view::ViewArgs),
    /// Write one self-contained interactive HTML page of the maps (no server needed).
    Html(html::HtmlArgs),
    /// Place new vectors into a saved t-SNE map (`view --out`, `tsne --save-map`).
    Transform(transform::TransformArgs),
}

impl Cli {
    /// Runs the chosen subcommand in `embedscope`: `train` and `encode` go to
    /// `embedscope-torch`.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Demo(a) => a.run(),
            Command::Train(_) | Command::Encode(_) => Err(backend::exec_torch()),
            Command::Tsne(a) => a.run(),
            Command::Umap(a) => a.run(),
            Command::Pca(a) => a.run(),
            Command::Export(a) => a.run(),
            Command::Render(a) => a.run(),
            Command::View(a) => a.run(),
            Command::Html(a) => a.run(),
            Command::Transform(a) => a.run(),
        }
    }
}

/// Installs the Ctrl-C (SIGINT/SIGTERM) handler once per process: the first signal asks the
/// work to stop ([`embedscope::interrupt::request`]); a second exits at once with status 130.
pub fn install_interrupt_handler() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if embedscope::interrupt::request() {
                std::process::exit(130);
            }
        });
    });
}

/// The exit status for a command's result, printing the error chain on failure: 0 on success,
/// 1 on an error, 130 when interrupted (Ctrl-C).
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if embedscope::interrupt::requested() || err.is::<embedscope::interrupt::Interrupted>()
            {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The command-line flag of a library parameter: `learning_rate` is `--learning-rate`.
pub fn flag(param: &str) -> String {
    format!("--{}", param.replace('_', "-"))
}

/// A library error about a parameter, reworded with the flag that sets it; other errors pass.
pub fn flag_error<E>(err: E) -> anyhow::Error
where
    E: Into<anyhow::Error>,
{
    let err: anyhow::Error = err.into();
    let reduce = err
        .downcast_ref::<embedscope::reduce::ReduceError>()
        .or_else(|| {
            err.downcast_ref::<embedscope::pipeline::PipelineError>()
                .and_then(embedscope::pipeline::PipelineError::as_reduce)
        });
    if let Some(embedscope::reduce::ReduceError::InvalidParam {
        param,
        value,
        problem,
    }) = reduce
    {
        return anyhow::anyhow!("{} {value}: {problem}", flag(param));
    }
    err
}
