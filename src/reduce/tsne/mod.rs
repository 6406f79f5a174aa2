//! t-SNE: parameters, validation and [`fit`].
//!
//! The pipeline, one module per concern:
//! 1. the `k = 3 · perplexity` nearest neighbours: a [`KnnGraph`] ([`crate::reduce::knn`]),
//!    found by [`fit`] or given to [`fit_with_graph`] (one graph can serve several maps, the
//!    page's neighbour lists and the quality checks);
//! 2. `affinities`: per-point binary search for the Gaussian precision, symmetric sparse P;
//! 3. initialisation: PCA scaled to standard deviation 1e-4 (default) or seeded Gaussian noise;
//! 4. `optimizer`: gradient descent with early exaggeration, momentum and gains, the gradient
//!    from `gradient` (exact, Barnes-Hut over the `tree`, or interpolated by `fft`).
//!
//! [`GradientMethod::Auto`] and [`NeighborMethod::Auto`] resolve by the number of points (and
//! dimensions): see [`FFT_MIN_POINTS`] and [`crate::reduce::knn::APPROX_MIN_POINTS`]
//! (measured crossovers).
//!
//! Learning-rate convention: the gradient carries the factor 4, as in scikit-learn and the
//! TensorBoard projector, so a rate here equals the projector's; openTSNE and FIt-SNE omit the
//! factor, so their rates are 4x ours for the same steps. [`LearningRate::Auto`] follows
//! openTSNE's schedule in this convention, `N / (4 · exaggeration)`: `N / 48` during early
//! exaggeration (12), the stable rate of that phase, and `max(N / 4, 50)` after it (with
//! scikit-learn's floor of 50). A floor during early exaggeration too (scikit-learn's constant
//! `max(N / 48, 50)`) is 30x the stable rate at 76 points: the phase oscillates, and the maps
//! of small sets ended at a worse KL (`scripts/compare_small.py`; the same rate from 2,400
//! points on).
//!
//! Internally the points are renumbered once, in the Morton (Z-order) order of the starting
//! embedding, so that each point's P-neighbours sit at nearby indices (the attractive term then
//! reads the embedding with locality); results and observers see the input's order.
//!
//! A perplexity above `(N - 1) / 3` is refused with an error (not clamped).
//!
//! The result is deterministic for a given seed, whatever the number of rayon threads, and
//! the same with AVX or portable sums (`simd`; `EMBEDSCOPE_SIMD=portable` forces the
//! latter, and a value it does not accept fails the run before any work).

pub(crate) mod affinities;
mod fft;
mod gradient;
pub mod observer;
mod optimizer;
mod simd;
pub mod transform;
mod tree;

/// The internals the benchmarks and `examples/bh_error.rs` time and check, with the `bench`
/// feature: the affinities, the gradient and its workspace, the Barnes-Hut tree and the SIMD
/// lanes. Not a stable API.
#[cfg(feature = "bench")]
pub mod bench {
    pub use super::affinities::{joint_probabilities, SparseP};
    pub use super::gradient::{gradient, Method, Workspace};
    pub use super::simd::Lanes;
    pub use super::tree::{Group, Interactions, Tree};
}

#[cfg(test)]
mod shape_tests;

use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};

use self::affinities::{conditionals, symmetrised, Lists};
use self::gradient::Method;
use self::observer::{IterationInfo, Observer};
use self::optimizer::Schedule;
use self::simd::Lanes;
use super::knn::{Knn, KnnGraph, KnnParams, Metric, NeighborMethod};
use super::{check_finite, pca, ReduceError};

/// Early-exaggeration factor.
pub const EARLY_EXAGGERATION: f64 = 12.0;
/// Iterations run with early exaggeration (fewer when the run is shorter).
pub const EXAGGERATION_ITERATIONS: usize = 250;
/// Momentum during, then after, early exaggeration.
pub const MOMENTUM: (f64, f64) = (0.5, 0.8);
/// Standard deviation of the initial embedding (first coordinate, for PCA).
pub const INIT_STD: f64 = 1e-4;
/// Floor of the automatic learning rate after early exaggeration.
const AUTO_RATE_FLOOR: f64 = 50.0;

/// Below this many points, `auto` uses Barnes-Hut rather than FFT (2-D only; 3-D always uses
/// Barnes-Hut). Measured with `scripts/crossover.py` on deformed digits (PCA-50, 1000
/// iterations, 2 threads, grouped walks with AVX sums): FFT's optimisation took 2.07x
/// Barnes-Hut's time at 10,000 points, 1.81x at 20,000 and 1.28x at 40,000; at 70,000 the two
/// were level (two interleaved pairs: 1.00x and 0.91x), and FFT grows more slowly beyond.
pub const FFT_MIN_POINTS: usize = 70_000;
/// How the gradient's repulsion is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradientMethod {
    /// FFT for 2-D maps of at least [`FFT_MIN_POINTS`] points, else Barnes-Hut.
    Auto,
    /// Barnes-Hut with opening angle θ; 2 or 3 dimensions.
    BarnesHut,
    /// FFT-accelerated interpolation (FIt-SNE); 2 dimensions.
    Fft,
    /// All pairs, O(N²) per iteration; 1 to 3 dimensions.
    Exact,
}

impl GradientMethod {
    /// The name used on the command line, in reports and on the page: `auto`, `bh`, `fft`,
    /// `exact`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::BarnesHut => "bh",
            Self::Fft => "fft",
            Self::Exact => "exact",
        }
    }
}

impl std::str::FromStr for GradientMethod {
    type Err = ReduceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Auto, Self::BarnesHut, Self::Fft, Self::Exact]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ReduceError::InvalidParam {
                param: "method",
                value: s.to_string(),
                problem: "must be auto, bh, fft or exact".into(),
            })
    }
}

/// The learning rate (scikit-learn / TensorBoard-projector convention, gradient with factor 4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LearningRate {
    /// The same rate throughout.
    Fixed(f64),
    /// openTSNE's schedule in our convention: `N/48` during early exaggeration, `max(N/4, 50)`
    /// after (see the module's documentation).
    Auto,
}

impl std::fmt::Display for LearningRate {
    /// `auto` or the number, as the user writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Fixed(v) => write!(f, "{v}"),
        }
    }
}

impl std::str::FromStr for LearningRate {
    type Err = ReduceError;

    /// `auto` or a number (checked against the other parameters by [`TsneParams::check`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Self::Auto);
        }
        s.parse()
            .map(Self::Fixed)
            .map_err(|_| ReduceError::InvalidParam {
                param: "learning_rate",
                value: s.to_string(),
                problem: "must be a number or 'auto'".into(),
            })
    }
}

/// How the embedding starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// The first principal components, scaled so the first has standard deviation 1e-4.
    Pca,
    /// Gaussian noise of standard deviation 1e-4 from the seed (ChaCha8).
    Random,
}

impl Init {
    /// The name used on the command line and in reports: `pca`, `random`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pca => "pca",
            Self::Random => "random",
        }
    }
}

impl std::str::FromStr for Init {
    type Err = ReduceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Pca, Self::Random]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ReduceError::InvalidParam {
                param: "init",
                value: s.to_string(),
                problem: "must be pca or random".into(),
            })
    }
}

/// t-SNE parameters as the user gives them; [`TsneParams::check`] validates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsneParams {
    /// Output dimensions: 2 or 3 (1 too with the exact gradient; FFT: 2 only).
    pub dims: usize,
    /// Perplexity of the input affinities, `1 <= perplexity <= (N - 1) / 3`.
    pub perplexity: f64,
    /// The learning rate.
    pub learning_rate: LearningRate,
    /// Total gradient-descent iterations, early exaggeration included.
    pub iterations: usize,
    /// Barnes-Hut opening angle θ (cell side / distance).
    pub theta: f64,
    /// How the repulsion is computed.
    pub method: GradientMethod,
    /// How the input's nearest neighbours are found.
    pub neighbors: NeighborMethod,
    /// The distance between input points.
    pub metric: Metric,
    /// Seed of the random initialisation (and of the approximate neighbour search).
    pub seed: u64,
    /// The initialisation.
    pub init: Init,
}

impl Default for TsneParams {
    /// The user-facing defaults: 2-D, perplexity 25, learning rate 10, 1000 iterations, θ 0.5,
    /// automatic method and neighbours, seed 0, PCA initialisation.
    fn default() -> Self {
        Self {
            dims: 2,
            perplexity: 25.0,
            learning_rate: LearningRate::Fixed(10.0),
            iterations: 1000,
            theta: 0.5,
            method: GradientMethod::Auto,
            neighbors: NeighborMethod::Auto,
            metric: Metric::Euclidean,
            seed: 0,
            init: Init::Pca,
        }
    }
}

/// Parameters checked against a number of points (see [`TsneParams::check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidTsneParams {
    params: TsneParams,
    n_points: usize,
    /// The early exaggeration: factor and iterations ([`ValidTsneParams::with_exaggeration`]).
    exaggeration: (f64, usize),
}

/// The smallest input t-SNE accepts: perplexity 1 needs 3 neighbours per point.
pub const MIN_POINTS: usize = 4;

impl TsneParams {
    /// Validates the parameters for `n_points` points. Errors name the parameter (`perplexity`,
    /// `learning_rate`, `iterations`, `dims`, `method`, `theta`).
    ///
    /// A perplexity above `(N - 1) / 3` is refused (not clamped): it would need more
    /// neighbours than there are other points.
    pub fn check(&self, n_points: usize) -> Result<ValidTsneParams, ReduceError> {
        self.check_with(
            n_points,
            ((n_points.max(1) - 1) as f64 / 3.0, "(N - 1) / 3"),
        )
    }

    /// As [`TsneParams::check`], but a perplexity up to `N - 1` is accepted, its neighbours
    /// then every other point (`k = min(3 · perplexity, N - 1)`): scikit-learn's rule, for the
    /// Python binding's drop-in. A perplexity near `N - 1` gives nearly uniform affinities.
    pub fn check_allowing_all_neighbours(
        &self,
        n_points: usize,
    ) -> Result<ValidTsneParams, ReduceError> {
        self.check_with(n_points, ((n_points.max(1) - 1) as f64, "N - 1"))
    }

    /// The checks, with the largest perplexity and its rule in words.
    fn check_with(
        &self,
        n_points: usize,
        (max_p, rule): (f64, &str),
    ) -> Result<ValidTsneParams, ReduceError> {
        let bad = |param: &'static str, value: String, problem: String| {
            Err(ReduceError::InvalidParam {
                param,
                value,
                problem,
            })
        };
        if n_points < MIN_POINTS {
            return Err(ReduceError::TooFewPoints {
                n: n_points,
                min: MIN_POINTS,
            });
        }
        let p = self.perplexity;
        if !p.is_finite() || p < 1.0 {
            return bad("perplexity", p.to_string(), "must be a number >= 1".into());
        }
        if p > max_p {
            return bad(
                "perplexity",
                p.to_string(),
                format!("too large for {n_points} points: at most {rule} = {max_p:.2}"),
            );
        }
        let k = ((3.0 * p) as usize).min(n_points - 1);
        if n_points.saturating_mul(k) > u32::MAX as usize {
            return bad(
                "perplexity",
                p.to_string(),
                format!(
                    "{k} neighbours for each of {n_points} points is over 2^32 graph entries; \
                     lower it"
                ),
            );
        }
        if let LearningRate::Fixed(r) = self.learning_rate {
            if !(r.is_finite() && r > 0.0) {
                return bad(
                    "learning_rate",
                    r.to_string(),
                    "must be > 0 or 'auto'".into(),
                );
            }
        }
        if self.iterations == 0 {
            return bad("iterations", "0".into(), "must be at least 1".into());
        }
        let dims = self.dims.to_string();
        match self.method {
            GradientMethod::Exact if !(1..=3).contains(&self.dims) => {
                return bad("dims", dims, "must be 1, 2 or 3".into());
            }
            GradientMethod::Auto | GradientMethod::BarnesHut
                if self.dims != 2 && self.dims != 3 =>
            {
                return bad(
                    "dims",
                    dims,
                    "Barnes-Hut supports 2 or 3 dimensions; the exact method also supports 1"
                        .into(),
                );
            }
            GradientMethod::Fft if self.dims != 2 => {
                return bad(
                    "method",
                    "fft".into(),
                    format!("supports 2 dimensions only, not {dims}; use bh or exact"),
                );
            }
            _ => {}
        }
        if matches!(
            self.method,
            GradientMethod::Auto | GradientMethod::BarnesHut
        ) && !(self.theta.is_finite() && self.theta >= 0.0)
        {
            return bad(
                "theta",
                self.theta.to_string(),
                "must be a number >= 0".into(),
            );
        }
        Ok(ValidTsneParams {
            params: *self,
            n_points,
            exaggeration: (EARLY_EXAGGERATION, EXAGGERATION_ITERATIONS),
        })
    }
}

impl ValidTsneParams {
    /// The validated parameters.
    pub fn params(&self) -> &TsneParams {
        &self.params
    }

    /// The same parameters with another early exaggeration: P multiplied by `factor` (finite,
    /// `> 0`; default [`EARLY_EXAGGERATION`]) for the first `iterations` iterations (default
    /// [`EXAGGERATION_ITERATIONS`]; at most the run's). The automatic learning rate follows the
    /// factor (`N / (4 · factor)` during the phase). For callers that expose these settings (the
    /// Python binding's scikit-learn and openTSNE interfaces); errors name `early_exaggeration`.
    pub fn with_exaggeration(self, factor: f64, iterations: usize) -> Result<Self, ReduceError> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(ReduceError::InvalidParam {
                param: "early_exaggeration",
                value: factor.to_string(),
                problem: "must be a number > 0".into(),
            });
        }
        Ok(Self {
            exaggeration: (factor, iterations),
            ..self
        })
    }

    /// The early exaggeration: its factor and how many iterations it lasts.
    pub fn exaggeration(&self) -> (f64, usize) {
        (
            self.exaggeration.0,
            self.exaggeration.1.min(self.params.iterations),
        )
    }

    /// The number of points they were validated for.
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// Nearest neighbours per point used for P: `floor(3 · perplexity)`.
    pub fn neighbors(&self) -> usize {
        ((3.0 * self.params.perplexity) as usize).min(self.n_points - 1)
    }

    /// The learning rate during, then after, early exaggeration.
    pub fn learning_rates(&self) -> (f64, f64) {
        match self.params.learning_rate {
            LearningRate::Fixed(r) => (r, r),
            LearningRate::Auto => {
                let n = self.n_points as f64;
                (
                    n / (4.0 * self.exaggeration.0),
                    (n / 4.0).max(AUTO_RATE_FLOOR),
                )
            }
        }
    }

    /// The gradient method used: [`GradientMethod::Auto`] resolved for these points.
    pub fn gradient_method(&self) -> GradientMethod {
        match self.params.method {
            GradientMethod::Auto if self.params.dims == 2 && self.n_points >= FFT_MIN_POINTS => {
                GradientMethod::Fft
            }
            GradientMethod::Auto => GradientMethod::BarnesHut,
            m => m,
        }
    }

    /// How [`fit`] searches the neighbours: the parameters' method, metric and seed.
    pub fn knn_params(&self) -> KnnParams {
        KnnParams {
            method: self.params.neighbors,
            metric: self.params.metric,
            seed: self.params.seed,
        }
    }

    fn method(&self) -> Method {
        match self.gradient_method() {
            GradientMethod::Exact => Method::Exact,
            GradientMethod::Fft => Method::Fft,
            GradientMethod::BarnesHut | GradientMethod::Auto => Method::BarnesHut {
                theta: self.params.theta,
            },
        }
    }
}

/// Seconds spent in each phase of [`fit`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PhaseTimings {
    /// The k-nearest-neighbour search.
    pub neighbors: f64,
    /// The binary searches and symmetrisation of P.
    pub affinities: f64,
    /// Initialisation and gradient descent.
    pub optimization: f64,
}

/// The outcome of [`fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct TsneResult {
    /// The embedding, `N x dims`.
    pub embedding: Array2<f32>,
    /// KL(P‖Q) of the final embedding (sparse P, Barnes-Hut estimate of Z, as openTSNE reports).
    pub kl_divergence: f64,
    /// `(iteration, KL)` every 50 iterations and after the last.
    pub kl_history: Vec<(usize, f64)>,
    /// Seconds per phase.
    pub timings: PhaseTimings,
    /// The learning rate used during, then after, early exaggeration.
    pub learning_rate: (f64, f64),
    /// The perplexity used.
    pub perplexity: f64,
    /// Nearest neighbours per point used for P.
    pub neighbors: usize,
    /// The gradient method used (never `Auto`).
    pub method: GradientMethod,
    /// The neighbour search used (never `Auto`).
    pub neighbor_method: NeighborMethod,
    /// The metric of the input distances.
    pub metric: Metric,
    /// The recall of an approximate neighbour graph, measured on a sample.
    pub neighbor_recall: Option<f64>,
}

/// What a run checks before any work: refuses data whose number of rows is not the one the
/// parameters were checked for, non-finite data, and a value of [`simd::SIMD_VAR`] that is not
/// accepted; returns the lanes of the sums.
fn start(data: ArrayView2<f32>, params: &ValidTsneParams) -> Result<Lanes, ReduceError> {
    let n = data.nrows();
    if n != params.n_points {
        return Err(ReduceError::Shape(format!(
            "parameters were checked for {} points, the data has {n}",
            params.n_points
        )));
    }
    check_finite(data)?;
    Lanes::chosen()
}

/// Embeds `data` (`N x D`, the `N` the parameters were checked for) with t-SNE, calling
/// `observer` after every iteration: finds the neighbour graph (by the parameters' method,
/// metric and seed), then optimises.
///
/// ```
/// use embedscope::reduce::tsne::{fit, observer::NoObserver, TsneParams};
/// // Two far groups of 10 points.
/// let x = ndarray::Array2::from_shape_fn((20, 3), |(i, k)| (i / 10 * 50 + i % 10 + k) as f32);
/// let params = TsneParams { perplexity: 3.0, iterations: 300, ..TsneParams::default() };
/// let map = fit(x.view(), &params.check(20)?, &mut NoObserver)?;
/// assert_eq!(map.embedding.dim(), (20, 2));
/// assert!(map.kl_divergence.is_finite());
/// # Ok::<(), embedscope::reduce::ReduceError>(())
/// ```
pub fn fit(
    data: ArrayView2<f32>,
    params: &ValidTsneParams,
    observer: &mut dyn Observer,
) -> Result<TsneResult, ReduceError> {
    let lanes = start(data, params)?;
    let k = params.neighbors();
    let graph = KnnGraph::find(data, k, &params.knn_params())?;
    let info = GraphInfo::of(&graph);
    let perplexity = params.params.perplexity;
    // The graph is this call's own: its distances go as soon as the conditional rows exist.
    let build_p = move |order: &[u32]| {
        let cond = conditionals(&Lists::of(&graph, k), perplexity);
        let Knn { indices, .. } = graph.into_lists();
        let lists = Lists {
            indices: &indices,
            dist2: &[],
            stride: k,
            k,
        };
        symmetrised(&lists, cond, Some(order))
    };
    optimize_from(data, params, lanes, (info, None), build_p, observer)
}

/// [`fit`] with a neighbour graph already found for the same data (by [`KnnGraph::find`],
/// with at least [`ValidTsneParams::neighbors`] neighbours per point; the first that many are
/// used). The result's neighbour time is the graph's [`KnnGraph::seconds`].
///
/// `scores`, when given, are `data`'s principal-component scores already computed (`N` rows,
/// leading components first, at least `dims` of them, as [`pca::fit`]'s `projected`): with
/// [`Init::Pca`] the map starts from them instead of a new PCA of `data`.
pub fn fit_with_graph(
    data: ArrayView2<f32>,
    params: &ValidTsneParams,
    graph: &KnnGraph,
    scores: Option<ArrayView2<f32>>,
    observer: &mut dyn Observer,
) -> Result<TsneResult, ReduceError> {
    let lanes = start(data, params)?;
    if let Some(s) =
        scores.filter(|s| s.nrows() != params.n_points || s.ncols() < params.params.dims)
    {
        return Err(ReduceError::Shape(format!(
            "the principal-component scores ({} x {}) do not fit {} points in {} dimensions",
            s.nrows(),
            s.ncols(),
            params.n_points,
            params.params.dims
        )));
    }
    let k = params.neighbors();
    if graph.n() != params.n_points || graph.k() < k {
        return Err(ReduceError::Shape(format!(
            "the neighbour graph ({} neighbours of {} points) is too small for these \
             parameters ({k} neighbours of {} points)",
            graph.k(),
            graph.n(),
            params.n_points
        )));
    }
    let lists = Lists::of(graph, k);
    let perplexity = params.params.perplexity;
    optimize_from(
        data,
        params,
        lanes,
        (GraphInfo::of(graph), scores),
        |order| symmetrised(&lists, conditionals(&lists, perplexity), Some(order)),
        observer,
    )
}

/// What a result reports of its neighbour graph.
struct GraphInfo {
    method: NeighborMethod,
    metric: Metric,
    recall: Option<f64>,
    seconds: f64,
}

impl GraphInfo {
    fn of(graph: &KnnGraph) -> Self {
        Self {
            method: graph.method(),
            metric: graph.metric(),
            recall: graph.recall(),
            seconds: graph.seconds(),
        }
    }
}

/// P (from `build_p`, given the optimiser's point order), then the optimisation, from the
/// principal-component `scores` when given, with its sums in `lanes`.
fn optimize_from(
    data: ArrayView2<f32>,
    params: &ValidTsneParams,
    lanes: Lanes,
    (graph, scores): (GraphInfo, Option<ArrayView2<f32>>),
    build_p: impl FnOnce(&[u32]) -> affinities::SparseP,
    observer: &mut dyn Observer,
) -> Result<TsneResult, ReduceError> {
    let d = data.ncols();
    let p = params.params;
    let k = params.neighbors();

    // Renumber the points in the Morton order of the starting embedding: P's neighbours then
    // sit at nearby indices, so the attractive term reads the embedding with locality.
    let t = Instant::now();
    let y0 = initial_embedding(data, &p, d, scores)?;
    let order = morton_order(&y0, p.dims);
    let t_init = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let affinity = build_p(&order);
    let t_affinities = t.elapsed().as_secs_f64();
    crate::interrupt::check()?;

    let t = Instant::now();
    let mut y: Vec<f64> = order
        .iter()
        .flat_map(|&i| &y0[i as usize * p.dims..(i as usize + 1) * p.dims])
        .copied()
        .collect();
    let mut observer = InOrder {
        inner: observer,
        order: &order,
    };
    let learning_rate = params.learning_rates();
    let (exaggeration, exaggeration_iterations) = params.exaggeration();
    let schedule = Schedule {
        iterations: p.iterations,
        exaggeration,
        exaggeration_iterations,
        momentum: MOMENTUM,
        learning_rate,
    };
    let method = params.method();
    let trace = optimizer::optimize(
        &mut y,
        p.dims,
        &affinity,
        method,
        lanes,
        &schedule,
        &mut observer,
    )?;
    let t_optimization = t_init + t.elapsed().as_secs_f64();

    let embedding = observer.original_order(&y);
    Ok(TsneResult {
        embedding,
        kl_divergence: trace.final_kl,
        kl_history: trace.kl_history,
        timings: PhaseTimings {
            neighbors: graph.seconds,
            affinities: t_affinities,
            optimization: t_optimization,
        },
        learning_rate,
        perplexity: p.perplexity,
        neighbors: k,
        method: params.gradient_method(),
        neighbor_method: graph.method,
        metric: graph.metric,
        neighbor_recall: graph.recall,
    })
}

/// The Morton (Z-order) ranking of the points of `y` (`N x dims`): a locality-preserving
/// numbering. The identity for 1-D embeddings.
fn morton_order(y: &[f64], dims: usize) -> Vec<u32> {
    fn of<const D: usize>(y: &[f64]) -> Vec<u32> {
        let mut t = tree::Tree::<D>::new();
        t.build(y);
        t.order().to_vec()
    }
    match dims {
        2 => of::<2>(y),
        3 => of::<3>(y),
        _ => (0..(y.len() / dims) as u32).collect(),
    }
}

/// Forwards to the caller's observer, with coordinates put back in the input's order.
struct InOrder<'a> {
    inner: &'a mut dyn Observer,
    /// Internal point `r` is input point `order[r]`.
    order: &'a [u32],
}

impl InOrder<'_> {
    /// `y` (internal order, `N x dims` row-major) as an `N x dims` float32 matrix in input order.
    fn original_order<T: Copy + Into<f64>>(&self, y: &[T]) -> Array2<f32> {
        let n = self.order.len();
        let dims = y.len() / n;
        let mut out = Array2::<f32>::zeros((n, dims));
        for (r, &i) in self.order.iter().enumerate() {
            for k in 0..dims {
                out[[i as usize, k]] = y[r * dims + k].into() as f32;
            }
        }
        out
    }
}

impl Observer for InOrder<'_> {
    fn wants_coords(&self, iteration: usize) -> bool {
        self.inner.wants_coords(iteration)
    }

    fn on_iteration(&mut self, info: &IterationInfo<'_>) {
        let coords = info.coords.as_ref().map(|c| {
            let c = c.as_standard_layout();
            self.original_order(c.as_slice().expect("standard layout"))
        });
        self.inner.on_iteration(&IterationInfo {
            coords: coords.as_ref().map(|c| c.view()),
            ..info.clone()
        });
    }
}

/// The starting embedding, `N x dims` row-major; the PCA one from `scores` when given.
fn initial_embedding(
    data: ArrayView2<f32>,
    p: &TsneParams,
    d: usize,
    scores: Option<ArrayView2<f32>>,
) -> Result<Vec<f64>, ReduceError> {
    let n = data.nrows();
    match p.init {
        Init::Pca => {
            if d < p.dims {
                return Err(ReduceError::InvalidParam {
                    param: "init",
                    value: "pca".into(),
                    problem: format!(
                        "needs at least {} input columns, the input has {d}; use random",
                        p.dims
                    ),
                });
            }
            let proj = match scores {
                Some(s) => s.slice(ndarray::s![.., ..p.dims]).mapv(f64::from),
                None => pca::fit(data, p.dims)?.projected.mapv(f64::from),
            };
            let col = proj.column(0);
            let mean = col.sum() / n as f64;
            let std = (col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt();
            let scale = if std > 0.0 { INIT_STD / std } else { 0.0 };
            Ok(proj.iter().map(|v| v * scale).collect())
        }
        Init::Random => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
            Ok((0..n * p.dims)
                .map(|_| INIT_STD * standard_normal(&mut rng))
                .collect())
        }
    }
}

/// A standard normal draw (Box-Muller).
pub(crate) fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::observer::NoObserver;
    use super::*;
    use crate::reduce::quality::knn_accuracy;

    /// Three well-separated Gaussian blobs in 10-D.
    fn blobs(n: usize, seed: u64) -> (Array2<f32>, Vec<u8>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let labels: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
        let x = Array2::from_shape_fn((n, 10), |(i, k)| {
            let centre = if k == labels[i] as usize { 10.0 } else { 0.0 };
            centre + standard_normal(&mut rng) as f32
        });
        (x, labels)
    }

    #[test]
    fn given_principal_components_start_the_same_map_as_a_new_pca() {
        let (x, _) = blobs(200, 3);
        let p = TsneParams {
            perplexity: 10.0,
            iterations: 100,
            ..TsneParams::default()
        }
        .check(200)
        .unwrap();
        let graph = KnnGraph::find(x.view(), p.neighbors(), &p.knn_params()).unwrap();
        let own = fit_with_graph(x.view(), &p, &graph, None, &mut NoObserver).unwrap();
        // More components than the map has dimensions, as a view's one PCA keeps.
        let scores = pca::fit(x.view(), 5).unwrap().projected;
        let given =
            fit_with_graph(x.view(), &p, &graph, Some(scores.view()), &mut NoObserver).unwrap();
        assert_eq!(own.embedding, given.embedding);
        let short = scores.slice(ndarray::s![..100, ..]);
        let e = fit_with_graph(x.view(), &p, &graph, Some(short), &mut NoObserver).unwrap_err();
        assert!(e.to_string().contains("(100 x 5)"), "{e}");
    }

    #[test]
    fn one_neighbour_search_serves_maps_of_any_dimension() {
        let (x, _) = blobs(300, 7);
        let params = |dims: usize, perplexity: f64, seed: u64| {
            TsneParams {
                dims,
                perplexity,
                seed,
                iterations: 60,
                neighbors: NeighborMethod::Approx,
                ..TsneParams::default()
            }
            .check(300)
            .unwrap()
        };
        let p10 = params(2, 10.0, 3);
        let graph = KnnGraph::find(x.view(), p10.neighbors(), &p10.knn_params()).unwrap();
        for dims in [2, 3] {
            let p = params(dims, 10.0, 3);
            let shared = fit_with_graph(x.view(), &p, &graph.reused(), None, &mut NoObserver);
            let shared = shared.unwrap();
            let own = fit(x.view(), &p, &mut NoObserver).unwrap();
            assert_eq!(shared.embedding, own.embedding, "{dims}-D");
            assert_eq!(shared.timings.neighbors, 0.0);
            assert_eq!(shared.neighbor_method, NeighborMethod::Approx);
            assert!(shared.neighbor_recall.is_some_and(|r| r > 0.9));
        }
        // A smaller perplexity reads the first neighbours of the lists: an exact graph gives
        // the same map as its own search.
        let exact = |perplexity: f64| TsneParams {
            neighbors: NeighborMethod::Exact,
            ..*params(2, perplexity, 3).params()
        };
        let wide = exact(10.0).check(300).unwrap();
        let graph = KnnGraph::find(x.view(), wide.neighbors(), &wide.knn_params()).unwrap();
        let narrow = exact(5.0).check(300).unwrap();
        let shared = fit_with_graph(x.view(), &narrow, &graph, None, &mut NoObserver).unwrap();
        assert_eq!(
            shared.embedding,
            fit(x.view(), &narrow, &mut NoObserver).unwrap().embedding
        );
        // A graph of too few neighbours is refused.
        let e = fit_with_graph(x.view(), &params(2, 20.0, 3), &graph, None, &mut NoObserver)
            .unwrap_err()
            .to_string();
        assert!(e.contains("neighbour graph"), "{e}");
    }

    #[test]
    fn early_exaggeration_and_scikit_learns_perplexity_rule_can_be_chosen() {
        let wide = TsneParams {
            perplexity: 30.0,
            ..TsneParams::default()
        };
        assert!(wide.check(50).is_err());
        let all = wide.check_allowing_all_neighbours(50).unwrap();
        assert_eq!(all.neighbors(), 49);
        let e = TsneParams {
            perplexity: 50.0,
            ..wide
        }
        .check_allowing_all_neighbours(50)
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "perplexity 50: too large for 50 points: at most N - 1 = 49.00"
        );

        let (x, labels) = blobs(120, 5);
        let p = TsneParams {
            perplexity: 10.0,
            learning_rate: LearningRate::Auto,
            iterations: 300,
            ..TsneParams::default()
        }
        .check(120)
        .unwrap();
        assert_eq!(p.exaggeration(), (EARLY_EXAGGERATION, 250));
        let same = p.with_exaggeration(EARLY_EXAGGERATION, 250).unwrap();
        let mild = p.with_exaggeration(4.0, 100).unwrap();
        assert_eq!(mild.exaggeration(), (4.0, 100));
        assert_eq!(mild.learning_rates().0, 120.0 / 16.0);
        assert_eq!(
            p.with_exaggeration(4.0, 1000).unwrap().exaggeration(),
            (4.0, 300)
        );
        let e = p.with_exaggeration(0.0, 10).unwrap_err().to_string();
        assert_eq!(e, "early_exaggeration 0: must be a number > 0");
        let fitted = |v: &ValidTsneParams| fit(x.view(), v, &mut NoObserver).unwrap();
        let (default, same, mild) = (fitted(&p), fitted(&same), fitted(&mild));
        assert_eq!(default.embedding, same.embedding);
        assert_ne!(default.embedding, mild.embedding);
        assert_eq!(knn_accuracy(mild.embedding.view(), &labels, 5), 1.0);
        // The exaggerated phase shows in the KL history: over at iteration 100, not 250.
        assert!(
            mild.kl_history[2].1 < default.kl_history[2].1,
            "{:?}",
            mild.kl_history
        );
    }

    #[test]
    fn exact_tsne_separates_tiny_blobs_and_lowers_kl() {
        // Several draws, so that the check does not hang on one lucky start. The projector's
        // learning rate 10: at 60 points `auto` (50) makes the exaggerated phase oscillate.
        for seed in 1..=4 {
            let (x, labels) = blobs(60, seed);
            let params = TsneParams {
                perplexity: 5.0,
                method: GradientMethod::Exact,
                learning_rate: LearningRate::Fixed(10.0),
                iterations: 400,
                ..TsneParams::default()
            }
            .check(60)
            .unwrap();
            let r = fit(x.view(), &params, &mut NoObserver).unwrap();
            assert_eq!(r.embedding.dim(), (60, 2));
            assert!(r.embedding.iter().all(|v| v.is_finite()));
            let accuracy = knn_accuracy(r.embedding.view(), &labels, 5);
            assert_eq!(accuracy, 1.0, "seed {seed}: {:?}", r.kl_history);
            let first = r.kl_history[0].1;
            assert!(r.kl_divergence < 0.5 * first, "{:?}", r.kl_history);
            assert_eq!(r.kl_history.last().unwrap(), &(400, r.kl_divergence));
            // The reported (sparse) KL agrees with the exact KL over all pairs (an independent
            // computation, `quality::exact_kl`) up to the neighbour truncation of P: within 5%.
            let exact = crate::reduce::quality::exact_kl(x.view(), r.embedding.view(), 5.0);
            let rel = (r.kl_divergence - exact).abs() / exact;
            assert!(rel < 0.05, "sparse KL {} vs exact {exact}", r.kl_divergence);
        }
    }

    /// Keeps the coordinates of the last iteration and counts the calls.
    struct LastCoords {
        calls: usize,
        coords: Option<Array2<f32>>,
        kls: Vec<(usize, f64)>,
    }

    impl Observer for LastCoords {
        fn wants_coords(&self, iteration: usize) -> bool {
            iteration % 100 == 0
        }
        fn on_iteration(&mut self, info: &IterationInfo<'_>) {
            self.calls += 1;
            assert_eq!(info.coords.is_some(), info.iteration % 100 == 0);
            if let Some(c) = &info.coords {
                self.coords = Some(c.to_owned());
            }
            if let Some(kl) = info.kl {
                self.kls.push((info.iteration, kl));
            }
        }
    }

    #[test]
    fn observer_sees_every_iteration_with_coords_in_input_order() {
        let (x, _) = blobs(200, 4);
        let params = TsneParams {
            perplexity: 10.0,
            iterations: 300,
            ..TsneParams::default()
        }
        .check(200)
        .unwrap();
        let mut obs = LastCoords {
            calls: 0,
            coords: None,
            kls: Vec::new(),
        };
        let r = fit(x.view(), &params, &mut obs).unwrap();
        assert_eq!(obs.calls, 300);
        assert_eq!(obs.coords.unwrap(), r.embedding);
        assert_eq!(obs.kls, r.kl_history);
    }

    #[test]
    fn same_seed_is_bit_identical_across_thread_counts() {
        let (x, _) = blobs(700, 2);
        let cases = [
            (
                Init::Random,
                GradientMethod::BarnesHut,
                NeighborMethod::Exact,
                3,
            ),
            (
                Init::Pca,
                GradientMethod::BarnesHut,
                NeighborMethod::Approx,
                2,
            ),
            (Init::Pca, GradientMethod::Exact, NeighborMethod::Exact, 2),
            (Init::Pca, GradientMethod::Fft, NeighborMethod::Approx, 2),
        ];
        for (init, method, neighbors, dims) in cases {
            let params = TsneParams {
                perplexity: 10.0,
                iterations: 120,
                dims,
                method,
                neighbors,
                init,
                seed: 9,
                learning_rate: LearningRate::Auto,
                ..TsneParams::default()
            }
            .check(700)
            .unwrap();
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| fit(x.view(), &params, &mut NoObserver).unwrap())
            };
            let one = run(1);
            assert!(one.embedding.iter().all(|v| v.is_finite()));
            for threads in [2, 3] {
                let many = run(threads);
                assert_eq!(
                    one.embedding, many.embedding,
                    "{init:?} {method:?} {neighbors:?} {threads} threads"
                );
                assert_eq!(one.kl_history, many.kl_history);
            }
        }
    }

    #[test]
    fn params_are_validated_with_parameter_names() {
        let ok = TsneParams::default();
        let msg = |p: TsneParams, n: usize| p.check(n).unwrap_err().to_string();
        assert!(msg(ok, 3).contains("at least 4"));
        assert_eq!(
            msg(ok, 50),
            "perplexity 25: too large for 50 points: at most (N - 1) / 3 = 16.33"
        );
        assert!(msg(
            TsneParams {
                perplexity: 0.5,
                ..ok
            },
            50
        )
        .starts_with("perplexity 0.5"));
        // A neighbour graph past 2^32 entries (here 1.5 million neighbours each) is refused
        // before anything is allocated.
        let huge = TsneParams {
            perplexity: 500_000.0,
            ..ok
        };
        assert!(msg(huge, 3_000_000).contains("over 2^32 graph entries"));
        assert!(TsneParams {
            perplexity: 1_000.0,
            ..ok
        }
        .check(1_000_000)
        .is_ok());
        assert!(msg(TsneParams { dims: 4, ..ok }, 100).starts_with("dims 4"));
        let exact = TsneParams {
            method: GradientMethod::Exact,
            ..ok
        };
        assert!(TsneParams { dims: 1, ..exact }.check(100).is_ok());
        assert!(msg(TsneParams { dims: 4, ..exact }, 100).starts_with("dims 4"));
        let fft = TsneParams {
            method: GradientMethod::Fft,
            ..ok
        };
        assert!(msg(TsneParams { dims: 3, ..fft }, 100).starts_with("method fft: supports 2"));
        // θ only matters to Barnes-Hut.
        assert!(TsneParams {
            theta: f64::NAN,
            ..fft
        }
        .check(100)
        .is_ok());
        let lr = TsneParams {
            learning_rate: LearningRate::Fixed(-1.0),
            ..ok
        };
        assert!(msg(lr, 100).starts_with("learning_rate -1"));
        assert!(msg(
            TsneParams {
                theta: f64::NAN,
                ..ok
            },
            100
        )
        .starts_with("theta NaN"));
        assert!(msg(
            TsneParams {
                iterations: 0,
                ..ok
            },
            100
        )
        .starts_with("iterations 0"));
        let auto = TsneParams {
            learning_rate: LearningRate::Auto,
            ..ok
        };
        assert_eq!(auto.check(9600).unwrap().learning_rates(), (200.0, 2400.0));
        assert_eq!(
            auto.check(1000).unwrap().learning_rates(),
            (1000.0 / 48.0, 250.0)
        );
        assert_eq!(auto.check(120).unwrap().learning_rates(), (2.5, 50.0));
        // Auto methods resolve by size and dimensions.
        let resolved = |n: usize| ok.check(n).unwrap().gradient_method();
        use GradientMethod::{BarnesHut, Fft};
        assert_eq!(resolved(FFT_MIN_POINTS - 1), BarnesHut);
        assert_eq!(resolved(FFT_MIN_POINTS), Fft);
        let big3 = TsneParams { dims: 3, ..ok }.check(FFT_MIN_POINTS).unwrap();
        assert_eq!(big3.gradient_method(), GradientMethod::BarnesHut);
    }

    #[test]
    fn nan_rows_are_named_and_duplicates_stay_finite() {
        let (mut x, _) = blobs(40, 3);
        x[[17, 4]] = f32::NAN;
        let params = TsneParams {
            perplexity: 5.0,
            iterations: 60,
            ..TsneParams::default()
        };
        let valid = params.check(40).unwrap();
        let e = fit(x.view(), &valid, &mut NoObserver)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 17") && e.contains("NaN"), "{e}");
        let mut dup = Array2::<f32>::zeros((40, 5));
        dup.row_mut(39).fill(1.0);
        let r = fit(dup.view(), &valid, &mut NoObserver).unwrap();
        assert!(r.embedding.iter().all(|v| v.is_finite()));
        assert!(r.kl_divergence.is_finite());
    }
}
