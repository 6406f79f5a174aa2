//! `embedscope transform`: place new vectors into a map directory's t-SNE map
//! ([`embedscope::pipeline::map_dir`]), writing their coordinates as float32 `.npy`.
//!
//! Everything is checked before any work (the map directory, the input's width, the flags);
//! progress shows on a bar on stderr, Ctrl-C stops the run with nothing written.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use serde::Serialize;

use crate::progress::Bars;
use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::fsutil::write_json;
use embedscope::pipeline::map_dir::{self, Map, MapKind, PlaceParams};
use embedscope::reduce::tsne::observer::ProgressObserver;
use embedscope::reduce::tsne::transform::TransformParams;

/// Flags of `embedscope transform`.
#[derive(clap::Args, Debug)]
pub struct TransformArgs {
    /// The map directory (`view --out DIR` or `tsne --save-map DIR`).
    pub map_dir: PathBuf,
    /// The new vectors, one point per row, with the width of the map's input: .npy, TSV/CSV,
    /// or word vectors (.txt/.vec), as `view` reads them. They go through the map's PCA
    /// pre-reduction, if it has one.
    pub new_vectors: PathBuf,
    /// Output coordinates of the new points (float32 .npy, M x 2 or M x 3), in the map's frame.
    #[arg(long)]
    pub out: PathBuf,
    /// Which map to place them into.
    #[arg(long, value_name = "tsne2|tsne3", default_value = "tsne2")]
    pub map: MapKind,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed of the approximate neighbour search (maps of 50,000 points or more, 20,000 for
    /// inputs of at most 8 columns; smaller maps are searched exactly). Nothing else is random:
    /// the start is the neighbours' median.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also write a JSON report (parameters, seconds per phase, mean KL of the new points).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Reference neighbours per new point (its affinities and its median start).
    #[arg(long, default_value_t = TransformParams::default().neighbors)]
    pub neighbors: usize,
    /// Perplexity of each new point's affinities to its reference neighbours.
    #[arg(long, default_value_t = TransformParams::default().perplexity)]
    pub perplexity: f64,
    /// Gradient-descent iterations.
    #[arg(long, default_value_t = TransformParams::default().iterations)]
    pub iterations: usize,
    /// Learning rate in openTSNE's convention (its `transform`'s 0.1; no factor 4 in the
    /// gradient, unlike `tsne --learning-rate`).
    #[arg(long, default_value_t = TransformParams::default().learning_rate)]
    pub learning_rate: f64,
    /// Exaggeration of the attraction to the reference neighbours.
    #[arg(long, default_value_t = TransformParams::default().exaggeration)]
    pub exaggeration: f64,
    /// Barnes-Hut opening angle of the repulsion from the reference map.
    #[arg(long, default_value_t = TransformParams::default().theta)]
    pub theta: f64,
}

/// `--report`.
#[derive(Debug, Serialize)]
struct TransformReport<'a> {
    map_dir: String,
    input: String,
    out: String,
    map: &'static str,
    points: usize,
    reference_points: usize,
    input_dims: usize,
    params: Params,
    seed: u64,
    threads: usize,
    neighbor_method: &'static str,
    neighbor_recall: Option<f64>,
    mean_kl: f64,
    seconds: Seconds,
    fit: &'a map_dir::FitRecord,
}

/// The optimisation's parameters, as run.
#[derive(Debug, Serialize)]
struct Params {
    neighbors: usize,
    perplexity: f64,
    iterations: usize,
    learning_rate: f64,
    exaggeration: f64,
    momentum: f64,
    max_grad_norm: f64,
    theta: f64,
}

/// Seconds per phase.
#[derive(Debug, Serialize)]
struct Seconds {
    load: f64,
    neighbors: f64,
    affinities: f64,
    optimization: f64,
    total: f64,
}

impl TransformArgs {
    /// Validates the flags and the map, places the new vectors and writes the outputs.
    pub fn run(self) -> anyhow::Result<()> {
        let start = Instant::now();
        if self.threads == Some(0) {
            bail!("--threads 0: must be at least 1");
        }
        let params = PlaceParams {
            map: self.map,
            transform: TransformParams {
                neighbors: self.neighbors,
                perplexity: self.perplexity,
                iterations: self.iterations,
                learning_rate: self.learning_rate,
                exaggeration: self.exaggeration,
                theta: self.theta,
                seed: self.seed,
                ..TransformParams::default()
            },
        };
        let map = Map::open(&self.map_dir)?;
        let Some(coords) = map.coords(self.map) else {
            bail!(
                "{}: no {} map in this directory (--map)",
                self.map_dir.display(),
                self.map.name()
            );
        };
        params
            .transform
            .check(coords.nrows())
            .map_err(super::flag_error)?;
        let raw = read_matrix(&self.new_vectors)?;
        map.check_input(raw.view(), &self.new_vectors)?;
        let load = start.elapsed().as_secs_f64();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()
            .context("could not start the worker threads")?;
        let mut bars = Bars::new();
        let mut progress = ProgressObserver::new(&mut bars);
        let placed = pool
            .install(|| map_dir::transform(&map, raw.view(), &params, &mut progress))
            .map_err(super::flag_error)
            .with_context(|| format!("placing {}", self.new_vectors.display()))?;
        write_npy(&self.out, &placed.embedding)?;
        let total = start.elapsed().as_secs_f64();
        if let Some(path) = &self.report {
            let t = params.transform;
            let report = TransformReport {
                map_dir: self.map_dir.display().to_string(),
                input: self.new_vectors.display().to_string(),
                out: self.out.display().to_string(),
                map: self.map.name(),
                points: raw.nrows(),
                reference_points: coords.nrows(),
                input_dims: raw.ncols(),
                params: Params {
                    neighbors: t.neighbors,
                    perplexity: t.perplexity,
                    iterations: t.iterations,
                    learning_rate: t.learning_rate,
                    exaggeration: t.exaggeration,
                    momentum: t.momentum,
                    max_grad_norm: t.max_grad_norm,
                    theta: t.theta,
                },
                seed: self.seed,
                threads: pool.current_num_threads(),
                neighbor_method: placed.neighbors.0.name(),
                neighbor_recall: placed.neighbors.1,
                mean_kl: placed.kl,
                seconds: Seconds {
                    load,
                    neighbors: placed.seconds.0,
                    affinities: placed.seconds.1,
                    optimization: placed.seconds.2,
                    total,
                },
                fit: &map.fit,
            };
            write_json(path, &report)?;
        }
        eprintln!(
            "transform: {} points into the {} map of {} -> {} (mean KL {:.4}, {:.1} s)",
            raw.nrows(),
            self.map.name(),
            self.map_dir.display(),
            self.out.display(),
            placed.kl,
            total
        );
        Ok(())
    }
}
