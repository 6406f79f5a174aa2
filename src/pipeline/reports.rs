//! The JSON reports of the reduction stages, shared by the `tsne`/`pca` commands and the demo
//! (so `report.json` and the standalone reports have the same shape and numbers).

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::reduce::pca::PcaResult;
use crate::reduce::tsne::{self, Init, LearningRate, TsneResult, ValidTsneParams};

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
    /// `barnes-hut` or `exact`.
    pub method: String,
    /// Barnes-Hut opening angle (cell side / distance), absent for exact.
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

/// Seconds per t-SNE phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TsneSeconds {
    /// Nearest-neighbour search.
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
                learning_rate: match p.learning_rate {
                    LearningRate::Auto => "auto".to_string(),
                    LearningRate::Fixed(v) => v.to_string(),
                },
                learning_rate_early_exaggeration: result.learning_rate.0,
                learning_rate_after: result.learning_rate.1,
                learning_rate_convention:
                    "scikit-learn / TensorBoard projector (gradient with factor 4)".into(),
                iterations: p.iterations,
                early_exaggeration: tsne::EARLY_EXAGGERATION,
                early_exaggeration_iterations: tsne::EXAGGERATION_ITERATIONS.min(p.iterations),
                method: if p.exact { "exact" } else { "barnes-hut" }.into(),
                theta: (!p.exact).then_some(p.theta),
                init: match p.init {
                    Init::Pca => "pca",
                    Init::Random => "random",
                }
                .into(),
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
        }
    }

    /// A caption line, e.g. `t-SNE, perplexity 25, lr auto, KL 1.71`.
    pub fn caption(&self) -> String {
        format!(
            "t-SNE, perplexity {}, lr {}, {} iterations, KL {:.2}",
            self.parameters.perplexity,
            self.parameters.learning_rate,
            self.parameters.iterations,
            self.kl_divergence
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
        }
    }
}

/// Reads a JSON file written by one of our stages.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not a valid report", path.display()))
}
