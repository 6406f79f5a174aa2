//! `embedscope tsne`: embed a matrix with Barnes-Hut (or exact) t-SNE.
//!
//! Reads `.npy` (float32/float64, 2-D) or TSV/CSV, writes the embedding as float32 `.npy`, and
//! optionally a JSON report (parameters, KL history, seconds per phase). Progress and the
//! current KL show on a progress bar on stderr, driven by an [`Observer`]; further observers
//! (the `--gif` recorder) join the same [`Observers`] list.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use ndarray::Array2;

use super::inputs;
use crate::progress::Bars;
use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::fsutil::write_json;
use embedscope::pipeline::map_dir::{FitRecord, Map, MapKind};
use embedscope::pipeline::reports::{params_caption, TsneReport};
use embedscope::reduce::knn::{Metric, NeighborMethod};
use embedscope::reduce::scale::Standardization;
use embedscope::reduce::tsne::observer::{Observer, Observers, ProgressObserver};
use embedscope::reduce::tsne::{self, GradientMethod, Init, LearningRate, TsneParams};
use embedscope::render::animation::{GifOptions, TsneRecorder};
use embedscope::render::colouring::{self, Colouring};

/// The t-SNE flags shared by `tsne` and `view`. Their values parse with the library's own
/// names (`FromStr`), so the command line, the reports and the page spell them alike.
#[derive(clap::Args, Debug, Clone)]
pub struct TsneFlags {
    /// Perplexity: the effective number of neighbours, at least 1 and at most (N - 1) / 3.
    #[arg(long, default_value_t = 25.0)]
    pub perplexity: f64,
    /// Learning rate, a number or 'auto'. Convention: scikit-learn's and the TensorBoard
    /// projector's (gradient with the factor 4), so 10 is the projector's 10; openTSNE and
    /// FIt-SNE rates are 4x ours. 'auto' follows openTSNE's schedule in this convention:
    /// N/48 during early exaggeration, max(N/4, 50) after it. Default: 10 for
    /// `tsne` (the projector's), auto for `view` (which, like the demo, wants converged maps
    /// in 1000 iterations).
    #[arg(long, value_name = "RATE|auto")]
    pub learning_rate: Option<LearningRate>,
    /// Gradient-descent iterations, including the 250 of early exaggeration.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Barnes-Hut opening angle: a cell is summarised when its side / distance < theta.
    #[arg(long, default_value_t = 0.5)]
    pub theta: f64,
    /// How the repulsion is computed: auto (FFT for 2-D maps of 70,000 points or more, the
    /// measured crossover, else Barnes-Hut), bh (Barnes-Hut, 2-D or 3-D), fft (FIt-SNE's
    /// interpolation, 2-D only) or exact (O(N²), small inputs only; also 1-D).
    #[arg(long, value_name = "auto|bh|fft|exact", default_value = "auto")]
    pub method: GradientMethod,
    /// Same as --method exact (kept for old scripts).
    #[arg(long, hide = true, conflicts_with = "method")]
    pub exact: bool,
    /// How the input's nearest neighbours are found: auto (approximate from 50,000 points,
    /// 20,000 for inputs of at most 8 columns, else exact), exact (brute force) or approx
    /// (random-projection forest refined by neighbour descent; its recall, measured on a
    /// sample, goes in the report).
    #[arg(long, value_name = "auto|exact|approx", default_value = "auto")]
    pub neighbors: NeighborMethod,
    /// The distance between input points: euclidean, or cosine (1 - cos, the usual choice
    /// for text embeddings; rows of length 0 are refused).
    #[arg(long, value_name = "euclidean|cosine", default_value = "euclidean")]
    pub metric: Metric,
    /// Seed of the random initialisation and of the approximate neighbour search.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Initialisation: pca (principal components scaled to standard deviation 1e-4) or
    /// random (seeded Gaussian noise of standard deviation 1e-4).
    #[arg(long, value_name = "pca|random", default_value = "pca")]
    pub init: Init,
}

impl TsneFlags {
    /// The parameters (2-D; each command sets the dimensions it embeds in), with
    /// `default_rate` when no learning rate was given.
    pub fn params(&self, default_rate: LearningRate) -> TsneParams {
        TsneParams {
            dims: 2,
            perplexity: self.perplexity,
            learning_rate: self.learning_rate.unwrap_or(default_rate),
            iterations: self.iterations,
            theta: self.theta,
            method: if self.exact {
                GradientMethod::Exact
            } else {
                self.method
            },
            neighbors: self.neighbors,
            metric: self.metric,
            seed: self.seed,
            init: self.init,
        }
    }
}

/// Flags of `embedscope tsne`.
#[derive(clap::Args, Debug)]
pub struct TsneArgs {
    /// Input matrix, one point per row: .npy (any numeric dtype, 2-D), TSV/CSV (header or
    /// not), or word vectors (.txt/.vec: a word, then the numbers).
    pub input: PathBuf,
    /// Output embedding (float32 .npy, N x dims).
    #[arg(long)]
    pub out: PathBuf,
    /// Output dimensions: 2 or 3 (also 1 with --method exact; 2 only with --method fft).
    #[arg(long, default_value_t = 2)]
    pub dims: usize,
    /// The t-SNE settings.
    #[command(flatten)]
    pub tsne: TsneFlags,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write a JSON report (parameters, KL history, seconds per phase).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Record the optimisation as an animated GIF, coloured by --metadata (one colour
    /// without).
    #[arg(long, value_name = "FILE.gif")]
    pub gif: Option<PathBuf>,
    /// Metadata of the points, to colour the GIF (the projector's convention: one column
    /// without a header, or several with a header row; or a .npy label vector).
    #[arg(long, value_name = "FILE", alias = "labels", requires = "gif")]
    pub metadata: Option<PathBuf>,
    /// The metadata column that colours the GIF.
    /// Default: the first categorical column of 2 to 50 classes, else the first numeric
    /// one, never a column of nearly all distinct values (names, ids).
    #[arg(
        long = "color-by",
        alias = "colour-by",
        value_name = "COLUMN",
        requires = "metadata"
    )]
    pub colour_by: Option<String>,
    /// A GIF frame every this many iterations (default: about 100 frames in all).
    #[arg(long, value_name = "K")]
    pub gif_every: Option<usize>,
    /// Standardisation of the columns.
    #[command(flatten)]
    pub scale: super::inputs::ScaleFlags,
    /// Also write a map directory that `embedscope transform` places new points into: the
    /// input as float32, the map and map.json (2-D and 3-D maps only).
    #[arg(long, value_name = "DIR")]
    pub save_map: Option<PathBuf>,
}

/// The validated configuration of one run.
#[derive(Debug)]
struct TsneConfig {
    input: PathBuf,
    out: PathBuf,
    report: Option<PathBuf>,
    threads: Option<usize>,
    params: TsneParams,
    gif: Option<(PathBuf, Option<PathBuf>, Option<usize>)>,
    colour_by: Option<String>,
    scale: super::inputs::ScaleFlags,
    save_map: Option<(PathBuf, MapKind)>,
}

impl TsneArgs {
    /// Validates the flags, embeds the input and writes the outputs.
    pub fn run(self) -> anyhow::Result<()> {
        let cfg = self.config()?;
        let start = Instant::now();
        let (data, standardized, notes) = cfg.scale.apply_noted(read_matrix(&cfg.input)?)?;
        let valid = cfg
            .params
            .check(data.nrows())
            .map_err(super::flag_error)
            .with_context(|| cfg.input.display().to_string())?;
        let mut recorder = match &cfg.gif {
            Some((gif, metadata_path, every)) => {
                let metadata =
                    inputs::metadata("metadata", metadata_path.as_deref(), data.nrows())?;
                let column = colouring::colour_column(&metadata, cfg.colour_by.as_deref())
                    .context("--color-by")?;
                let colouring = Colouring::from_column(column);
                let every = every.unwrap_or(cfg.params.iterations.div_ceil(100));
                let opts = GifOptions {
                    title: match column {
                        Some(c) => {
                            format!("t-SNE of {}, coloured by {}", file_stem(&cfg.input), c.name)
                        }
                        None => format!("t-SNE of {}", file_stem(&cfg.input)),
                    },
                    subtitle: params_caption(&cfg.params),
                    ..GifOptions::default()
                };
                let recorder = TsneRecorder::new(data.nrows(), colouring, every, opts)
                    .with_context(|| format!("--gif {}", gif.display()))?;
                Some(recorder)
            }
            None => None,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads.unwrap_or(0))
            .build()
            .context("could not start the worker threads")?;
        let mut bars = Bars::new();
        let mut progress = ProgressObserver::new(&mut bars);
        let mut observers: Vec<&mut dyn Observer> = vec![&mut progress];
        if let Some(r) = recorder.as_mut() {
            observers.push(r);
        }
        let mut observers = Observers(observers);
        let result = pool
            .install(|| tsne::fit(data.view(), &valid, &mut observers))
            .map_err(super::flag_error)
            .with_context(|| format!("t-SNE of {}", cfg.input.display()))?;
        if let Some((dir, kind)) = &cfg.save_map {
            let input = (data.clone(), standardized.clone());
            saved_map(input, &cfg.params, (*kind, result.embedding.clone()))
                .save(dir)
                .context("--save-map")?;
        }
        write_npy(&cfg.out, &result.embedding)?;
        if let (Some(r), Some((gif, _, _))) = (recorder, &cfg.gif) {
            pool.install(|| r.finish(gif, &mut Bars::new()))?;
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
        notes.iter().for_each(|n| eprintln!("{n}"));
        Ok(())
    }

    fn config(self) -> anyhow::Result<TsneConfig> {
        let params = TsneParams {
            dims: self.dims,
            ..self.tsne.params(LearningRate::Fixed(10.0))
        };
        if self.threads == Some(0) {
            bail!("--threads 0: must be at least 1");
        }
        if self.gif_every == Some(0) {
            bail!("--gif-every 0: must be at least 1");
        }
        let save_map = match (self.save_map, MapKind::of_dims(self.dims)) {
            (Some(dir), Some(kind)) => Some((dir, kind)),
            (Some(_), None) => bail!("--save-map: only 2-D and 3-D maps take new points"),
            (None, _) => None,
        };
        if let Some(gif) = &self.gif {
            if embedscope::fsutil::extension(gif) != "gif" {
                bail!("--gif {}: the file name must end in .gif", gif.display());
            }
        }
        Ok(TsneConfig {
            input: self.input,
            out: self.out,
            report: self.report,
            threads: self.threads,
            gif: self.gif.map(|gif| (gif, self.metadata, self.gif_every)),
            colour_by: self.colour_by,
            scale: self.scale,
            save_map,
            params,
        })
    }
}

/// The map directory of a run: the input as t-SNE saw it, the map, the parameters.
fn saved_map(
    (data, standardized): (Array2<f32>, Option<Standardization>),
    params: &TsneParams,
    (kind, coords): (MapKind, Array2<f32>),
) -> Map {
    Map {
        vectors: data,
        metric: params.metric,
        standardized,
        pre_pca: None,
        maps: vec![(kind, format!("tsne_{}d.npy", kind.dims()), coords)],
        fit: FitRecord {
            perplexity: params.perplexity,
            learning_rate: params.learning_rate.to_string(),
            iterations: params.iterations,
            seed: params.seed,
        },
    }
}

/// The input's name for titles: its file stem.
fn file_stem(p: &std::path::Path) -> String {
    p.file_stem().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
