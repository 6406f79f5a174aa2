//! `embedscope umap`: embed a matrix with UMAP ([`embedscope::reduce::umap`]).
//!
//! Reads the same inputs as `tsne` (`.npy`, TSV/CSV, word vectors), writes the embedding as
//! float32 `.npy`, and optionally a JSON report (parameters, `a` and `b`, the graph, seconds
//! per phase). The epochs show on a progress bar on stderr, driven by an observer; Ctrl-C stops
//! between epochs without writing anything.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::progress::Bars;
use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::fsutil::write_json;
use embedscope::pipeline::reports::UmapReport;
use embedscope::reduce::knn::{Metric, NeighborMethod};
use embedscope::reduce::tsne::observer::ProgressObserver;
use embedscope::reduce::umap::{self, UmapInit, UmapParams};

/// Flags of `embedscope umap` (umap-learn's parameter names and defaults).
#[derive(clap::Args, Debug)]
pub struct UmapArgs {
    /// Input matrix, one point per row: .npy (any numeric dtype, 2-D), TSV/CSV (header or
    /// not), or word vectors (.txt/.vec: a word, then the numbers).
    pub input: PathBuf,
    /// Output embedding (float32 .npy, N x dims).
    #[arg(long)]
    pub out: PathBuf,
    /// Neighbours per point, the point itself included (umap-learn's counting), at least 2;
    /// lowered to N for smaller inputs.
    #[arg(long, default_value_t = 15)]
    pub n_neighbors: usize,
    /// The smallest distance between points of the map (0 to --spread).
    #[arg(long, default_value_t = 0.1)]
    pub min_dist: f64,
    /// The scale of the map's distances.
    #[arg(long, default_value_t = 1.0)]
    pub spread: f64,
    /// Output dimensions: 2 or 3.
    #[arg(long, default_value_t = 2)]
    pub dims: usize,
    /// Epochs of the optimisation (default: 500 up to 10,000 points, else 200, as umap-learn).
    #[arg(long, value_name = "E")]
    pub n_epochs: Option<usize>,
    /// The starting layout: spectral (the graph's leading eigenvectors, per connected
    /// component, approximated by 100 block iterations from the PCA start) or pca (the
    /// input's principal components); both scaled to umap-learn's [0, 10].
    #[arg(long, value_name = "spectral|pca", default_value = "spectral")]
    pub init: UmapInit,
    /// The distance between input points: euclidean, or cosine (1 - cos; rows of length 0
    /// are refused).
    #[arg(long, value_name = "euclidean|cosine", default_value = "euclidean")]
    pub metric: Metric,
    /// How the input's nearest neighbours are found: auto (approximate from 50,000 points,
    /// 20,000 for inputs of at most 8 columns, else exact), exact or approx (its recall,
    /// measured on a sample, goes in the report).
    #[arg(long, value_name = "auto|exact|approx", default_value = "auto")]
    pub neighbors: NeighborMethod,
    /// Seed of the negative samples, the initial noise and the approximate neighbour search.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write a JSON report (parameters, a and b, the graph, seconds per phase).
    #[arg(long)]
    pub report: Option<PathBuf>,
}

impl UmapArgs {
    /// Validates the flags, embeds the input and writes the outputs.
    pub fn run(self) -> anyhow::Result<()> {
        if self.threads == Some(0) {
            bail!("--threads 0: must be at least 1");
        }
        let params = UmapParams {
            n_neighbors: self.n_neighbors,
            min_dist: self.min_dist,
            spread: self.spread,
            dims: self.dims,
            n_epochs: self.n_epochs,
            init: self.init,
            neighbors: self.neighbors,
            metric: self.metric,
            seed: self.seed,
        };
        // Flags that do not depend on the input fail before it is read.
        params
            .check(umap::MIN_POINTS.max(params.n_neighbors))
            .map_err(super::flag_error)?;
        let start = Instant::now();
        let data = read_matrix(&self.input)?;
        let valid = params
            .check(data.nrows())
            .map_err(super::flag_error)
            .with_context(|| self.input.display().to_string())?;
        if valid.n_neighbors() < params.n_neighbors {
            eprintln!(
                "note: --n-neighbors {} lowered to {} (the number of points)",
                params.n_neighbors,
                valid.n_neighbors()
            );
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()
            .context("could not start the worker threads")?;
        let mut bars = Bars::new();
        let mut progress = ProgressObserver::for_task(&mut bars, "UMAP");
        let result = pool
            .install(|| umap::fit(data.view(), &valid, &mut progress))
            .map_err(super::flag_error)
            .with_context(|| format!("UMAP of {}", self.input.display()))?;
        write_npy(&self.out, &result.embedding)?;
        let total = start.elapsed().as_secs_f64();
        if let Some(path) = &self.report {
            let report = UmapReport::new(
                &self.input.display().to_string(),
                &self.out.display().to_string(),
                &valid,
                data.ncols(),
                &result,
                total,
                pool.current_num_threads(),
            );
            write_json(path, &report)?;
        }
        eprintln!(
            "UMAP: {} points -> {} ({} epochs, {:.1} s)",
            data.nrows(),
            self.out.display(),
            result.n_epochs,
            total
        );
        Ok(())
    }
}
