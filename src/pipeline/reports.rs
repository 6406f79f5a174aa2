//! The JSON reports of the stages, shared by the single-stage commands and the demo (so
//! `report.json` and the standalone reports have the same shape and numbers): t-SNE, UMAP, PCA,
//! and the training report `train.json` (plain data, readable without libtorch).

use serde::{Deserialize, Serialize};

use crate::data::history::TrainHistory;
use crate::reduce::pca::PcaResult;
use crate::reduce::tsne::{self, TsneParams, TsneResult, ValidTsneParams};
use crate::reduce::umap::{layout, UmapResult, ValidUmapParams};

/// A t-SNE run's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TsneReport {
    /// Always `tsne`.
    pub command: String,
    /// The input (a file, or what the demo embedded).
    pub input: String,
    /// The output `.npy`.
    pub output: String,
    /// Number of points.
    pub points: usize,
    /// Dimensions of the input.
    pub input_dims: usize,
    /// The parameters actually used.
    pub parameters: TsneReportParams,
    /// Final KL(P||Q) (sparse P, Barnes-Hut Z; see `kl_note`).
    pub kl_divergence: f64,
    /// KL every 50 iterations and at the end.
    pub kl_history: Vec<KlPoint>,
    /// Seconds per phase.
    pub seconds: TsneSeconds,
    /// How the KL is computed.
    pub kl_note: String,
    /// What the run was made from, when a cached pipeline stage made it (`pipeline::cache`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// The t-SNE parameters of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TsneReportParams {
    /// Output dimensions.
    pub dims: usize,
    /// Perplexity.
    pub perplexity: f64,
    /// Nearest neighbours per point in P.
    pub neighbors: usize,
    /// How they were found: `exact` or `approx`.
    pub neighbor_search: String,
    /// The distance between input points: `euclidean` or `cosine`.
    pub metric: String,
    /// For an approximate search, its recall measured on a sample of points.
    pub neighbor_recall: Option<f64>,
    /// As given: a number or `auto`.
    pub learning_rate: String,
    /// Rate during early exaggeration.
    pub learning_rate_early_exaggeration: f64,
    /// Rate after early exaggeration.
    pub learning_rate_after: f64,
    /// The convention of the rates.
    pub learning_rate_convention: String,
    /// Total iterations.
    pub iterations: usize,
    /// Early exaggeration factor.
    pub early_exaggeration: f64,
    /// Iterations of early exaggeration.
    pub early_exaggeration_iterations: usize,
    /// The gradient method used: `bh` (Barnes-Hut), `fft` or `exact`.
    pub method: String,
    /// Barnes-Hut opening angle (cell side / distance), absent for the other methods.
    pub theta: Option<f64>,
    /// `pca` or `random`.
    pub init: String,
    /// Seed.
    pub seed: u64,
    /// Worker threads (the result does not depend on it).
    pub threads: usize,
}

/// One KL evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KlPoint {
    /// Iteration, 1-based.
    pub iteration: usize,
    /// KL(P||Q) there.
    pub kl: f64,
}

/// The part of a t-SNE report that a KL plot needs: what `export --tsne-report` reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KlHistory {
    /// KL every 50 iterations and at the end.
    pub kl_history: Vec<KlPoint>,
}

/// Seconds per t-SNE phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TsneSeconds {
    /// Nearest-neighbour search (0 when the graph was found for the other map of a view).
    pub neighbors: f64,
    /// Affinities P.
    pub affinities: f64,
    /// Gradient descent.
    pub optimization: f64,
    /// Everything, reading and writing included.
    pub total: f64,
}

impl TsneReport {
    /// The report of `result`, computed from `input` (`input_dims` columns) into `output`.
    pub fn new(
        input: &str,
        output: &str,
        valid: &ValidTsneParams,
        input_dims: usize,
        result: &TsneResult,
        total_seconds: f64,
        threads: usize,
    ) -> Self {
        let p = valid.params();
        Self {
            command: "tsne".into(),
            input: input.into(),
            output: output.into(),
            points: valid.n_points(),
            input_dims,
            parameters: TsneReportParams {
                dims: p.dims,
                perplexity: result.perplexity,
                neighbors: result.neighbors,
                neighbor_search: result.neighbor_method.name().into(),
                metric: result.metric.name().into(),
                neighbor_recall: result.neighbor_recall,
                learning_rate: p.learning_rate.to_string(),
                learning_rate_early_exaggeration: result.learning_rate.0,
                learning_rate_after: result.learning_rate.1,
                learning_rate_convention:
                    "scikit-learn / TensorBoard projector (gradient with factor 4)".into(),
                iterations: p.iterations,
                early_exaggeration: tsne::EARLY_EXAGGERATION,
                early_exaggeration_iterations: tsne::EXAGGERATION_ITERATIONS.min(p.iterations),
                method: result.method.name().into(),
                theta: (result.method == tsne::GradientMethod::BarnesHut).then_some(p.theta),
                init: p.init.name().into(),
                seed: p.seed,
                threads,
            },
            kl_divergence: result.kl_divergence,
            kl_history: result
                .kl_history
                .iter()
                .map(|&(iteration, kl)| KlPoint { iteration, kl })
                .collect(),
            seconds: TsneSeconds {
                neighbors: result.timings.neighbors,
                affinities: result.timings.affinities,
                optimization: result.timings.optimization,
                total: total_seconds,
            },
            kl_note: "over the sparse k-NN P, with the Barnes-Hut estimate of Z, as openTSNE \
                      reports it"
                .into(),
            fingerprint: None,
        }
    }

    /// A caption line, e.g. `t-SNE, perplexity 25, lr auto, 1000 iterations, KL 1.71`.
    pub fn caption(&self) -> String {
        format!(
            "t-SNE, perplexity {}, lr {}, {} iterations, KL {:.2}",
            short_number(self.parameters.perplexity),
            self.parameters.learning_rate,
            self.parameters.iterations,
            self.kl_divergence
        )
    }
}

/// A number for a caption: whole numbers as they are, others to at most 2 decimals
/// (`6.333333333333333` reads `6.33`).
pub fn short_number(v: f64) -> String {
    let text = format!("{v:.2}");
    let short = text.trim_end_matches('0').trim_end_matches('.');
    if short.is_empty() {
        "0".into()
    } else {
        short.to_string()
    }
}

/// `perplexity 25, lr 10, 1000 iterations`: the parameters of a run not yet made, as a caption
/// (the GIF's subtitle while the KL is unknown).
pub fn params_caption(p: &TsneParams) -> String {
    format!(
        "perplexity {}, lr {}, {} iterations",
        short_number(p.perplexity),
        p.learning_rate,
        p.iterations
    )
}

/// A UMAP run's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UmapReport {
    /// Always `umap`.
    pub command: String,
    /// The input.
    pub input: String,
    /// The output `.npy`.
    pub output: String,
    /// Number of points.
    pub points: usize,
    /// Dimensions of the input.
    pub input_dims: usize,
    /// The parameters actually used.
    pub parameters: UmapReportParams,
    /// The fitted curve `1 / (1 + a d^(2b))`: `a`.
    pub a: f64,
    /// The fitted curve: `b`.
    pub b: f64,
    /// Entries of the pruned symmetric fuzzy graph (each pair from both ends).
    pub graph_edges: usize,
    /// Connected components of that graph.
    pub graph_components: usize,
    /// Seconds per phase.
    pub seconds: UmapSeconds,
    /// What the run was made from, when a cached pipeline stage made it (`pipeline::cache`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// The UMAP parameters of a report (umap-learn's names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UmapReportParams {
    /// Output dimensions (umap-learn's `n_components`).
    pub dims: usize,
    /// Neighbours per point, the point itself included, as used (at most N).
    pub n_neighbors: usize,
    /// As given.
    pub n_neighbors_requested: usize,
    /// How they were found: `exact` or `approx`.
    pub neighbor_search: String,
    /// `euclidean` or `cosine`.
    pub metric: String,
    /// For an approximate search, its recall measured on a sample of points.
    pub neighbor_recall: Option<f64>,
    /// The smallest distance in the map.
    pub min_dist: f64,
    /// The scale of the map's distances.
    pub spread: f64,
    /// Epochs run.
    pub n_epochs: usize,
    /// Negative samples per sampled edge.
    pub negative_sample_rate: f64,
    /// `spectral` or `pca`.
    pub init: String,
    /// Seed.
    pub seed: u64,
    /// Worker threads (the result does not depend on it).
    pub threads: usize,
}

/// Seconds per UMAP phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UmapSeconds {
    /// Nearest-neighbour search.
    pub neighbors: f64,
    /// The fuzzy simplicial set.
    pub fuzzy_set: f64,
    /// The starting layout.
    pub init: f64,
    /// Stochastic gradient descent.
    pub optimization: f64,
    /// Everything, reading and writing included.
    pub total: f64,
}

impl UmapReport {
    /// The report of `result`, computed from `input` (`input_dims` columns) into `output`.
    pub fn new(
        input: &str,
        output: &str,
        valid: &ValidUmapParams,
        input_dims: usize,
        result: &UmapResult,
        total_seconds: f64,
        threads: usize,
    ) -> Self {
        let p = valid.params();
        Self {
            command: "umap".into(),
            input: input.into(),
            output: output.into(),
            points: valid.n_points(),
            input_dims,
            parameters: UmapReportParams {
                dims: p.dims,
                n_neighbors: result.n_neighbors,
                n_neighbors_requested: p.n_neighbors,
                neighbor_search: result.neighbor_method.name().into(),
                metric: result.metric.name().into(),
                neighbor_recall: result.neighbor_recall,
                min_dist: p.min_dist,
                spread: p.spread,
                n_epochs: result.n_epochs,
                negative_sample_rate: layout::NEGATIVE_SAMPLE_RATE,
                init: p.init.name().into(),
                seed: p.seed,
                threads,
            },
            a: result.a,
            b: result.b,
            graph_edges: result.edges,
            graph_components: result.components,
            seconds: UmapSeconds {
                neighbors: result.timings.neighbors,
                fuzzy_set: result.timings.fuzzy_set,
                init: result.timings.init,
                optimization: result.timings.optimization,
                total: total_seconds,
            },
            fingerprint: None,
        }
    }

    /// A caption line, e.g. `UMAP, 15 neighbours, min_dist 0.1, 500 epochs`.
    pub fn caption(&self) -> String {
        let p = &self.parameters;
        format!(
            "UMAP, {} neighbours, min_dist {}, {} epochs",
            p.n_neighbors,
            short_number(p.min_dist),
            p.n_epochs
        )
    }
}

/// A PCA's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaReport {
    /// Always `pca`.
    pub command: String,
    /// The input.
    pub input: String,
    /// The output `.npy`.
    pub output: String,
    /// Number of points.
    pub points: usize,
    /// Dimensions of the input.
    pub input_dims: usize,
    /// Components kept.
    pub components: usize,
    /// Trace of the covariance.
    pub total_variance: f64,
    /// Variance along each kept component.
    pub explained_variance: Vec<f64>,
    /// Per-component share of the total variance.
    pub explained_variance_ratio: Vec<f64>,
    /// Running sums of the shares.
    pub cumulative_ratio: Vec<f64>,
    /// e.g. `PC1-PC3 explain 19.8% of the variance`.
    pub summary: String,
    /// What the run was made from, when a cached pipeline stage made it (`pipeline::cache`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Components always described in the summary line (PC1-PC3), when there are that many.
pub const SUMMARY_COMPONENTS: usize = 3;

impl PcaReport {
    /// The report of the first `k` components of `fitted`.
    pub fn new(input: &str, output: &str, fitted: &PcaResult, input_dims: usize, k: usize) -> Self {
        Self {
            command: "pca".into(),
            input: input.into(),
            output: output.into(),
            points: fitted.projected.nrows(),
            input_dims,
            components: k,
            total_variance: fitted.total_variance,
            explained_variance: fitted.explained_variance[..k].to_vec(),
            explained_variance_ratio: fitted.explained_variance_ratio[..k].to_vec(),
            cumulative_ratio: fitted.cumulative_ratio[..k].to_vec(),
            summary: fitted.summary(SUMMARY_COMPONENTS),
            fingerprint: None,
        }
    }
}

/// File names inside a train output directory.
pub const MODEL_FILE: &str = "model.safetensors";
/// The codes, `N x code_dim` float32.
pub const CODES_FILE: &str = "codes.npy";
/// The labels, `N` int64.
pub const LABELS_FILE: &str = "labels.npy";
/// The training report.
pub const TRAIN_REPORT_FILE: &str = "train.json";

/// What `train.json` holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainReport {
    /// Where the data came from.
    pub data: String,
    /// Number of images encoded (all of them, train and held-out).
    pub n_images: usize,
    /// Images trained on (the first ones).
    pub n_train: usize,
    /// Images held out (the last ones).
    pub n_test: usize,
    /// The device trained on.
    pub device: String,
    /// The training parameters.
    pub params: serde_json::Value,
    /// The network.
    pub model: serde_json::Value,
    /// Per-epoch losses and seconds, and per-step training loss.
    #[serde(flatten)]
    pub history: TrainHistory,
    /// What the run was made from (see `pipeline::cache`); absent in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Held-out reconstruction loss (per-pixel BCE) after the last epoch.
    pub test_loss: f64,
    /// Mean seconds per epoch.
    pub seconds_per_epoch: f64,
    /// Seconds of training, encoding, and the whole stage.
    pub seconds: StageSeconds,
}

/// Seconds spent in the train stage.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct StageSeconds {
    /// Training (all epochs).
    pub train: f64,
    /// Encoding every image.
    pub encode: f64,
    /// Everything, including saving.
    pub total: f64,
}
