//! `embedscope tsne`: embed a matrix with Barnes-Hut (or exact) t-SNE.
//!
//! Reads `.npy` (float32/float64, 2-D) or TSV/CSV, writes the embedding as float32 `.npy`, and
//! optionally a JSON report (parameters, KL history, seconds per phase). Progress and the
//! current KL show on a progress bar on stderr, driven by an [`Observer`]; further observers
//! (the `--gif` recorder) join the same [`Observers`] list.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::cli::progress::TsneProgress;
use crate::data::matrix::{read_labels, read_matrix, write_npy};
use crate::pipeline::reports::TsneReport;
use crate::pipeline::train::write_json;
use crate::reduce::tsne::observer::{Observer, Observers};
use crate::reduce::tsne::{self, Init, LearningRate, TsneParams};
use crate::render::animation::{GifOptions, TsneRecorder};

/// Initialisations selectable on the command line.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitArg {
    /// Principal components scaled to standard deviation 1e-4.
    Pca,
    /// Seeded Gaussian noise of standard deviation 1e-4.
    Random,
}

/// Flags of `embedscope tsne`.
#[derive(clap::Args, Debug)]
pub struct TsneArgs {
    /// Input matrix, one point per row: .npy (float32/float64, 2-D), .tsv, .csv or .txt.
    pub input: PathBuf,
    /// Output embedding (float32 .npy, N x dims).
    #[arg(long)]
    pub out: PathBuf,
    /// Output dimensions: 2 or 3 (also 1 with --exact).
    #[arg(long, default_value_t = 2)]
    pub dims: usize,
    /// Perplexity: the effective number of neighbours, at least 1 and at most (N - 1) / 3.
    #[arg(long, default_value_t = 25.0)]
    pub perplexity: f64,
    /// Learning rate, a number or 'auto'. Convention: scikit-learn's and the TensorBoard
    /// projector's (gradient with the factor 4), so 10 is the projector's 10; openTSNE and
    /// FIt-SNE rates are 4x ours. 'auto' follows openTSNE's schedule in this convention:
    /// max(N/48, 50) during early exaggeration, max(N/4, 50) after it.
    #[arg(long, default_value = "10")]
    pub learning_rate: String,
    /// Gradient-descent iterations, including the 250 of early exaggeration.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Barnes-Hut opening angle: a cell is summarised when its side / distance < theta.
    #[arg(long, default_value_t = 0.5)]
    pub theta: f64,
    /// Exact O(N²) gradient instead of Barnes-Hut (small inputs only).
    #[arg(long)]
    pub exact: bool,
    /// Seed of the random initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Initialisation.
    #[arg(long, value_enum, default_value_t = InitArg::Pca)]
    pub init: InitArg,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write a JSON report (parameters, KL history, seconds per phase).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Record the optimisation as an animated GIF (needs --labels to colour the points).
    #[arg(long, value_name = "FILE.gif", requires = "labels")]
    pub gif: Option<PathBuf>,
    /// Labels of the points (.npy or text, one per row, 0-9), to colour the GIF.
    #[arg(long, value_name = "LABELS")]
    pub labels: Option<PathBuf>,
    /// A GIF frame every this many iterations (default: about 100 frames in all).
    #[arg(long, value_name = "K")]
    pub gif_every: Option<usize>,
}

/// The validated configuration of one run.
#[derive(Debug)]
struct TsneConfig {
    input: PathBuf,
    out: PathBuf,
    report: Option<PathBuf>,
    threads: Option<usize>,
    params: TsneParams,
    gif: Option<(PathBuf, PathBuf, Option<usize>)>,
}

impl TsneArgs {
    /// Validates the flags, embeds the input and writes the outputs.
    pub fn run(self) -> anyhow::Result<()> {
        let cfg = self.config()?;
        let start = Instant::now();
        let data = read_matrix(&cfg.input)?;
        let valid = cfg
            .params
            .check(data.nrows())
            .with_context(|| cfg.input.display().to_string())?;
        let mut recorder = match &cfg.gif {
            Some((gif, labels_path, every)) => {
                let labels = read_labels(labels_path)?;
                if labels.len() != data.nrows() {
                    bail!(
                        "--labels {}: {} labels for {} points",
                        labels_path.display(),
                        labels.len(),
                        data.nrows()
                    );
                }
                let every = every.unwrap_or(cfg.params.iterations.div_ceil(100));
                let opts = GifOptions {
                    title: format!("t-SNE of {}", file_name(&cfg.input)),
                    subtitle: params_caption(&cfg.params),
                    ..GifOptions::default()
                };
                let recorder = TsneRecorder::new(labels, every, opts)
                    .with_context(|| format!("--gif {}", gif.display()))?;
                Some(recorder)
            }
            None => None,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads.unwrap_or(0))
            .build()
            .context("could not start the worker threads")?;
        let mut progress = TsneProgress::new(cfg.params.iterations);
        let mut observers: Vec<&mut dyn Observer> = vec![&mut progress];
        if let Some(r) = recorder.as_mut() {
            observers.push(r);
        }
        let mut observers = Observers(observers);
        let result = pool
            .install(|| tsne::fit(data.view(), &valid, &mut observers))
            .with_context(|| format!("t-SNE of {}", cfg.input.display()))?;
        progress.finish();
        write_npy(&cfg.out, &result.embedding)?;
        if let (Some(r), Some((gif, _, _))) = (recorder, &cfg.gif) {
            pool.install(|| r.finish(gif))?;
        }
        let total = start.elapsed().as_secs_f64();
        if let Some(path) = &cfg.report {
            let report = TsneReport::new(
                &cfg.input.display().to_string(),
                &cfg.out.display().to_string(),
                &valid,
                data.ncols(),
                &result,
                total,
                pool.current_num_threads(),
            );
            write_json(path, &report)?;
        }
        eprintln!(
            "t-SNE: {} points -> {} (KL {:.4}, {:.1} s)",
            data.nrows(),
            cfg.out.display(),
            result.kl_divergence,
            total
        );
        Ok(())
    }

    fn config(self) -> anyhow::Result<TsneConfig> {
        let learning_rate = parse_learning_rate(&self.learning_rate)?;
        if self.threads == Some(0) {
            bail!("--threads 0: must be at least 1");
        }
        if self.gif_every == Some(0) {
            bail!("--gif-every 0: must be at least 1");
        }
        if let Some(gif) = &self.gif {
            if !gif
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gif"))
            {
                bail!("--gif {}: the file name must end in .gif", gif.display());
            }
        }
        Ok(TsneConfig {
            input: self.input,
            out: self.out,
            report: self.report,
            threads: self.threads,
            gif: self
                .gif
                .zip(self.labels)
                .map(|(gif, labels)| (gif, labels, self.gif_every)),
            params: TsneParams {
                dims: self.dims,
                perplexity: self.perplexity,
                learning_rate,
                iterations: self.iterations,
                theta: self.theta,
                exact: self.exact,
                seed: self.seed,
                init: match self.init {
                    InitArg::Pca => Init::Pca,
                    InitArg::Random => Init::Random,
                },
            },
        })
    }
}

/// `perplexity 25, lr 10, 1000 iterations`: the parameters as a caption.
pub fn params_caption(p: &TsneParams) -> String {
    let lr = match p.learning_rate {
        LearningRate::Auto => "auto".to_string(),
        LearningRate::Fixed(v) => v.to_string(),
    };
    format!(
        "perplexity {}, lr {lr}, {} iterations",
        p.perplexity, p.iterations
    )
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `auto` or a positive number.
fn parse_learning_rate(s: &str) -> anyhow::Result<LearningRate> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(LearningRate::Auto);
    }
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(LearningRate::Fixed(r)),
        _ => bail!("--learning-rate {s}: expected a number > 0 or 'auto'"),
    }
}
