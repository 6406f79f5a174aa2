//! UMAP (McInnes, Healy and Melville, 2018): parameters, validation and [`fit`], following
//! umap-learn 0.5 (its defaults and schedules), deterministic at any number of threads.
//!
//! The pipeline, one module per concern:
//! 1. the `n_neighbors - 1` nearest neighbours of each point (umap-learn counts the point
//!    itself): a [`KnnGraph`] ([`crate::reduce::knn`]), found by [`fit`] or given to
//!    [`fit_with_graph`];
//! 2. [`fuzzy`]: per-point `rho` and `sigma`, the fuzzy union, pruned below `max / n_epochs`;
//! 3. [`curve`]: `a`, `b` of the map's similarity `1 / (1 + a d^(2b))` from `min_dist` and
//!    `spread`;
//! 4. the starting layout: [`init`] (PCA) or [`spectral`], scaled to umap-learn's `[0, 10]`;
//! 5. [`layout`]: stochastic gradient descent with negative sampling on umap-learn's epoch
//!    schedule, bit-identical at any number of threads (see there how).
//!
//! An `n_neighbors` above the number of points is lowered to `N` (every other point a
//! neighbour), as umap-learn does; the result says the value used.

pub mod curve;
pub mod fuzzy;
pub mod init;
pub mod layout;
pub mod spectral;

use std::time::Instant;

use ndarray::{Array2, ArrayView2};

use self::fuzzy::FuzzyGraph;
use self::layout::Sgd;
use super::knn::{KnnGraph, KnnParams, Metric, NeighborMethod};
use super::tsne::observer::Observer;
use super::{check_finite, ReduceError};

/// The smallest input UMAP accepts.
pub const MIN_POINTS: usize = 3;
/// Up to this many points, the default is [`EPOCHS_SMALL`] epochs, else [`EPOCHS_LARGE`]
/// (umap-learn's).
pub const SMALL_INPUT: usize = 10_000;
/// Default epochs up to [`SMALL_INPUT`] points.
pub const EPOCHS_SMALL: usize = 500;
/// Default epochs above [`SMALL_INPUT`] points.
pub const EPOCHS_LARGE: usize = 200;

/// How the layout starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UmapInit {
    /// The graph's leading eigenvectors, per connected component ([`spectral`]).
    Spectral,
    /// The input's principal components ([`init::pca`]).
    Pca,
}

impl UmapInit {
    /// The name used on the command line and in reports: `spectral`, `pca`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Spectral => "spectral",
            Self::Pca => "pca",
        }
    }
}

impl std::str::FromStr for UmapInit {
    type Err = ReduceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Spectral, Self::Pca]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ReduceError::InvalidParam {
                param: "init",
                value: s.to_string(),
                problem: "must be spectral or pca".into(),
            })
    }
}

/// UMAP parameters as the user gives them (umap-learn's names and defaults);
/// [`UmapParams::check`] validates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UmapParams {
    /// Neighbours per point, the point itself included (umap-learn's counting), at least 2.
    pub n_neighbors: usize,
    /// The smallest distance between points of the map, `0 <= min_dist <= spread`.
    pub min_dist: f64,
    /// The scale of the map's distances, `> 0`.
    pub spread: f64,
    /// Output dimensions: 2 or 3.
    pub dims: usize,
    /// Epochs; `None`: [`EPOCHS_SMALL`] up to [`SMALL_INPUT`] points, else [`EPOCHS_LARGE`].
    pub n_epochs: Option<usize>,
    /// The starting layout.
    pub init: UmapInit,
    /// How the input's nearest neighbours are found.
    pub neighbors: NeighborMethod,
    /// The distance between input points.
    pub metric: Metric,
    /// Seed of the negative samples, the initial noise and the approximate neighbour search.
    pub seed: u64,
}

impl Default for UmapParams {
    /// umap-learn's defaults: 15 neighbours, `min_dist` 0.1, spread 1, 2-D, epochs by size,
    /// spectral initialisation (better than PCA on 70,000 deformed digits: see the README);
    /// and ours: automatic neighbours, euclidean, seed 0.
    fn default() -> Self {
        Self {
            n_neighbors: 15,
            min_dist: 0.1,
            spread: 1.0,
            dims: 2,
            n_epochs: None,
            init: UmapInit::Spectral,
            neighbors: NeighborMethod::Auto,
            metric: Metric::Euclidean,
            seed: 0,
        }
    }
}

/// Parameters checked against a number of points (see [`UmapParams::check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidUmapParams {
    params: UmapParams,
    n_points: usize,
}

impl UmapParams {
    /// Validates the parameters for `n_points` points. Errors name the parameter
    /// (`n_neighbors`, `min_dist`, `spread`, `dims`, `n_epochs`).
    pub fn check(&self, n_points: usize) -> Result<ValidUmapParams, ReduceError> {
        let bad = |param: &'static str, value: String, problem: &str| {
            Err(ReduceError::InvalidParam {
                param,
                value,
                problem: problem.into(),
            })
        };
        if n_points < MIN_POINTS {
            return Err(ReduceError::TooFewPoints {
                n: n_points,
                min: MIN_POINTS,
            });
        }
        if self.n_neighbors < 2 {
            return bad(
                "n_neighbors",
                self.n_neighbors.to_string(),
                "must be at least 2",
            );
        }
        if !(self.spread.is_finite() && self.spread > 0.0) {
            return bad("spread", self.spread.to_string(), "must be a number > 0");
        }
        if !(self.min_dist.is_finite() && self.min_dist >= 0.0) {
            return bad(
                "min_dist",
                self.min_dist.to_string(),
                "must be a number >= 0",
            );
        }
        if self.min_dist > self.spread {
            return bad(
                "min_dist",
                self.min_dist.to_string(),
                &format!("must be at most --spread ({})", self.spread),
            );
        }
        if !(2..=3).contains(&self.dims) {
            return bad("dims", self.dims.to_string(), "must be 2 or 3");
        }
        if self.n_epochs == Some(0) {
            return bad("n_epochs", "0".into(), "must be at least 1");
        }
        let valid = ValidUmapParams {
            params: *self,
            n_points,
        };
        if n_points.saturating_mul(2 * valid.neighbors()) > u32::MAX as usize {
            return bad(
                "n_neighbors",
                self.n_neighbors.to_string(),
                "too many graph entries for this many points (over 2^32); lower it",
            );
        }
        Ok(valid)
    }
}

impl ValidUmapParams {
    /// The validated parameters.
    pub fn params(&self) -> &UmapParams {
        &self.params
    }

    /// The number of points they were validated for.
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// `n_neighbors` as used: at most `N`.
    pub fn n_neighbors(&self) -> usize {
        self.params.n_neighbors.min(self.n_points)
    }

    /// The neighbours searched per point: `n_neighbors - 1` (the point itself is not in a
    /// [`KnnGraph`]).
    pub fn neighbors(&self) -> usize {
        self.n_neighbors() - 1
    }

    /// The epochs run.
    pub fn n_epochs(&self) -> usize {
        self.params
            .n_epochs
            .unwrap_or(if self.n_points <= SMALL_INPUT {
                EPOCHS_SMALL
            } else {
                EPOCHS_LARGE
            })
    }

    /// How [`fit`] searches the neighbours: the parameters' method, metric and seed.
    pub fn knn_params(&self) -> KnnParams {
        KnnParams {
            method: self.params.neighbors,
            metric: self.params.metric,
            seed: self.params.seed,
        }
    }
}

/// Seconds spent in each phase of [`fit`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UmapTimings {
    /// The k-nearest-neighbour search (the graph's own time for [`fit_with_graph`]).
    pub neighbors: f64,
    /// The fuzzy simplicial set.
    pub fuzzy_set: f64,
    /// The starting layout.
    pub init: f64,
    /// The stochastic gradient descent.
    pub optimization: f64,
}

/// The outcome of [`fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct UmapResult {
    /// The embedding, `N x dims`.
    pub embedding: Array2<f32>,
    /// The fitted curve parameter `a`.
    pub a: f64,
    /// The fitted curve parameter `b`.
    pub b: f64,
    /// `n_neighbors` as used (at most `N`).
    pub n_neighbors: usize,
    /// Epochs run.
    pub n_epochs: usize,
    /// Entries of the pruned symmetric graph (each pair counted from both ends).
    pub edges: usize,
    /// Connected components of the graph.
    pub components: usize,
    /// The neighbour search used (never `Auto`).
    pub neighbor_method: NeighborMethod,
    /// The metric of the input distances.
    pub metric: Metric,
    /// The recall of an approximate neighbour graph, measured on a sample.
    pub neighbor_recall: Option<f64>,
    /// Seconds per phase.
    pub timings: UmapTimings,
}

/// Embeds `data` (`N x D`, the `N` the parameters were checked for) with UMAP, calling
/// `observer` after every epoch: finds the neighbour graph, then lays it out.
///
/// ```
/// use embedscope::reduce::tsne::observer::NoObserver;
/// use embedscope::reduce::umap::{fit, UmapParams};
/// // Two far groups of 10 points.
/// let x = ndarray::Array2::from_shape_fn((20, 3), |(i, k)| (i / 10 * 50 + i % 10 + k) as f32);
/// let params = UmapParams { n_neighbors: 5, n_epochs: Some(100), ..UmapParams::default() };
/// let map = fit(x.view(), &params.check(20)?, &mut NoObserver)?;
/// assert_eq!(map.embedding.dim(), (20, 2));
/// assert!(map.embedding.iter().all(|v| v.is_finite()));
/// assert_eq!(map.components, 2);
/// # Ok::<(), embedscope::reduce::ReduceError>(())
/// ```
pub fn fit(
    data: ArrayView2<f32>,
    params: &ValidUmapParams,
    observer: &mut dyn Observer,
) -> Result<UmapResult, ReduceError> {
    check_shape(data, params)?;
    let graph = KnnGraph::find(data, params.neighbors(), &params.knn_params())?;
    fit_with_graph(data, params, &graph, observer)
}

/// [`fit`] with a neighbour graph already found for the same data (by [`KnnGraph::find`],
/// with at least [`ValidUmapParams::neighbors`] neighbours per point; the first that many are
/// used). The result's neighbour time is the graph's [`KnnGraph::seconds`].
pub fn fit_with_graph(
    data: ArrayView2<f32>,
    params: &ValidUmapParams,
    graph: &KnnGraph,
    observer: &mut dyn Observer,
) -> Result<UmapResult, ReduceError> {
    check_shape(data, params)?;
    let k = params.neighbors();
    if graph.n() != params.n_points || graph.k() < k {
        return Err(ReduceError::Shape(format!(
            "the neighbour graph ({} points, {} neighbours) does not fit {} points with {k}",
            graph.n(),
            graph.k(),
            params.n_points
        )));
    }
    let p = params.params;
    let n_epochs = params.n_epochs();
    let t = Instant::now();
    let fuzzy = if graph.k() == k {
        FuzzyGraph::of(graph)
    } else {
        FuzzyGraph::of(&graph.prefix(k))
    }
    .pruned(n_epochs);
    let fuzzy_seconds = t.elapsed().as_secs_f64();
    crate::interrupt::check()?;
    let t = Instant::now();
    let start = match p.init {
        UmapInit::Pca => init::pca(data, p.dims, p.seed)?,
        UmapInit::Spectral => init::scaled(spectral::layout(data, &fuzzy, p.dims, p.seed)?, p.seed),
    };
    let init_seconds = t.elapsed().as_secs_f64();
    crate::interrupt::check()?;
    let (a, b) = curve::fit_ab(p.spread, p.min_dist);
    let t = Instant::now();
    let sgd = Sgd {
        graph: &fuzzy,
        a: a as f32,
        b: b as f32,
        n_epochs,
        seed: p.seed,
    };
    let mut positions = start;
    match p.dims {
        2 => sgd.run::<2>(&mut positions, observer)?,
        _ => sgd.run::<3>(&mut positions, observer)?,
    }
    let embedding =
        Array2::from_shape_vec((params.n_points, p.dims), positions).expect("N x dims positions");
    Ok(UmapResult {
        embedding,
        a,
        b,
        n_neighbors: params.n_neighbors(),
        n_epochs,
        edges: fuzzy.cols.len(),
        components: fuzzy.components().1,
        neighbor_method: graph.method(),
        metric: graph.metric(),
        neighbor_recall: graph.recall(),
        timings: UmapTimings {
            neighbors: graph.seconds(),
            fuzzy_set: fuzzy_seconds,
            init: init_seconds,
            optimization: t.elapsed().as_secs_f64(),
        },
    })
}

/// Refuses data whose number of rows is not the one the parameters were checked for, and
/// non-finite data.
fn check_shape(data: ArrayView2<f32>, params: &ValidUmapParams) -> Result<(), ReduceError> {
    if data.nrows() != params.n_points {
        return Err(ReduceError::Shape(format!(
            "parameters were checked for {} points, the data has {}",
            params.n_points,
            data.nrows()
        )));
    }
    check_finite(data)
}

#[cfg(test)]
mod tests;
