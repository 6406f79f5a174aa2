//! The k-nearest-neighbour graph of an input, found once and read by everything that needs
//! neighbours: t-SNE's affinities, the page's neighbour lists, the 10-NN accuracies (each a
//! [`KnnGraph::prefix`] of the same graph).
//!
//! - `exact`: blocked brute force, `O(N² D)`, exact; for maps (1 to 3 columns) a uniform grid
//!   instead (`grid`), about `O(N k)`, also exact;
//! - `approx`: a random-projection forest refined by neighbour descent, `O(N D log N)`;
//! - `query`: the nearest reference points of new points, by the same searches.

//!
//! [`NeighborMethod::resolve`] chooses between them by size ([`APPROX_MIN_POINTS`], measured).
//! Two metrics: [`Metric::Euclidean`] and [`Metric::Cosine`] (`1 - cos`, the usual choice for
//! text embeddings), searched as the Euclidean neighbours of the rows scaled to unit length,
//! whose squared distance is `2 (1 - cos)`. An approximate graph measures its recall on a
//! seeded sample of points against the exact search ([`KnnGraph::recall`]).
//!
//! Both searches are deterministic for a seed at any number of threads; ties go to the lower
//! index.

mod approx;
mod exact;
mod grid;
mod query;

use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use rand::seq::index::sample;
use rand::SeedableRng;
use rayon::prelude::*;

use super::{check_finite, ReduceError};

/// From this many points on, [`NeighborMethod::Auto`] searches approximately (inputs of more
/// than `exact::DIRECT_MAX_DIMS` columns). Measured with `scripts/crossover.py` (deformed
/// digits, PCA-50, k = 75): the approximate search took 1.40x the exact one's time at 20,000
/// points and 0.89x at 50,000 (recall 0.939 and 0.934); at 70,000 its recall is 0.93.
pub const APPROX_MIN_POINTS: usize = 50_000;
/// The same for inputs of at most `exact::DIRECT_MAX_DIMS` columns (maps, small tables),
/// whose exact search measures every pair directly rather than by matrix products, so costs
/// more per pair.
pub const APPROX_MIN_POINTS_NARROW: usize = 20_000;
/// Points whose exact neighbours the recall of an approximate graph is measured against, at
/// most; fewer on large inputs, so the check costs at most about [`RECALL_WORK`] multiply-adds
/// (at least [`RECALL_MIN_SAMPLE`] points: with `k = 75`, a standard error of about 0.003).
pub const RECALL_SAMPLE: usize = 500;
/// The fewest points of the recall sample.
pub const RECALL_MIN_SAMPLE: usize = 100;
/// The recall check's budget of multiply-adds (sample x N x D): 500 points up to 40,000 points
/// of 50 columns, 285 at 70,000, 100 from 200,000 on.
pub const RECALL_WORK: usize = 1_000_000_000;
/// Mixed into the seed for the recall sample, so that it is not the forest's stream.
const RECALL_SEED_MIX: u64 = 0x7ec4_11a5_a3b1_e000;

/// The distance neighbours are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// `|x - y|`.
    #[default]
    Euclidean,
    /// `1 - cos(x, y)`; rows of length 0 are refused.
    Cosine,
}

impl Metric {
    /// The name used on the command line, in reports and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Self::Euclidean => "euclidean",
            Self::Cosine => "cosine",
        }
    }

    /// The metric's distance from a squared distance of the searched rows (for cosine, rows
    /// scaled to unit length, whose squared distance is `2 (1 - cos)`).
    pub fn distance(self, dist2: f64) -> f64 {
        match self {
            Self::Euclidean => dist2.sqrt(),
            Self::Cosine => dist2 / 2.0,
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = ReduceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Euclidean, Self::Cosine]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ReduceError::InvalidParam {
                param: "metric",
                value: s.to_string(),
                problem: "must be euclidean or cosine".into(),
            })
    }
}

/// How the neighbours are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NeighborMethod {
    /// Exact below [`APPROX_MIN_POINTS`] points (or [`APPROX_MIN_POINTS_NARROW`] for narrow
    /// inputs), else approximate; maps of at most 3 columns always exact (on a grid).
    #[default]
    Auto,
    /// Exact, by blocked brute force.
    Exact,
    /// Approximate (`approx`).
    Approx,
}

impl NeighborMethod {
    /// The name used on the command line, in reports and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Exact => "exact",
            Self::Approx => "approx",
        }
    }

    /// The search used for `n` points of `d` columns: never `Auto`. Maps (at most 3 columns)
    /// are always searched exactly, on a grid, in about `O(N k)`.
    pub fn resolve(self, n: usize, d: usize) -> Self {
        if d <= grid::GRID_MAX_DIMS && self == Self::Auto {
            return Self::Exact;
        }
        let threshold = if d <= exact::DIRECT_MAX_DIMS {
            APPROX_MIN_POINTS_NARROW
        } else {
            APPROX_MIN_POINTS
        };
        match self {
            Self::Auto if n >= threshold => Self::Approx,
            Self::Auto => Self::Exact,
            m => m,
        }
    }
}

impl std::str::FromStr for NeighborMethod {
    type Err = ReduceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Auto, Self::Exact, Self::Approx]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ReduceError::InvalidParam {
                param: "neighbors",
                value: s.to_string(),
                problem: "must be auto, exact or approx".into(),
            })
    }
}

/// How to search: the method, the metric and the seed of the approximate search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KnnParams {
    /// Exact, approximate, or by size.
    pub method: NeighborMethod,
    /// The distance.
    pub metric: Metric,
    /// Seed of the approximate search (and of the recall sample).
    pub seed: u64,
}

/// Raw neighbour lists: `N x k` row-major indices (nearest first, ties to the lower index, the
/// point itself excluded) and their squared distances in the searched space.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Knn {
    pub(crate) k: usize,
    pub(crate) indices: Vec<u32>,
    pub(crate) dist2: Vec<f64>,
}

#[cfg(test)]
impl Knn {
    /// The neighbours of point `i` and their squared distances.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = i * self.k..(i + 1) * self.k;
        (&self.indices[r.clone()], &self.dist2[r])
    }
}

/// Each point's `k` nearest other points, with how they were found.
#[derive(Debug, Clone, PartialEq)]
pub struct KnnGraph {
    lists: Knn,
    metric: Metric,
    method: NeighborMethod,
    seed: u64,
    seconds: f64,
    recall: Option<f64>,
}

impl KnnGraph {
    /// Finds the `k` nearest neighbours of every row of `data` (`N x D`, finite values,
    /// `1 <= k < N`). Errors name the parameter (`k`) or the first bad row.
    ///
    /// ```
    /// use embedscope::reduce::knn::{KnnGraph, KnnParams, Metric};
    /// let x = ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]];
    /// let g = KnnGraph::find(x.view(), 1, &KnnParams::default()).unwrap();
    /// assert_eq!(g.neighbors(0), &[1]);
    /// assert_eq!(g.neighbors(2), &[3]);
    /// assert_eq!(g.distances(2).collect::<Vec<_>>(), [1.0]);
    /// assert_eq!(g.metric(), Metric::Euclidean);
    /// ```
    pub fn find(
        data: ArrayView2<f32>,
        k: usize,
        params: &KnnParams,
    ) -> Result<KnnGraph, ReduceError> {
        let (n, d) = data.dim();
        check_k(k, n)?;
        check_finite(data)?;
        let t = Instant::now();
        let unit = match params.metric {
            Metric::Euclidean => None,
            Metric::Cosine => Some(unit_rows(data)?),
        };
        let searched = unit.as_ref().map_or(data, |u| u.view());
        let method = params.method.resolve(n, d);
        let lists = match method {
            NeighborMethod::Approx => approx::knn(searched, k, params.seed),
            _ => exact::knn(searched, k),
        };
        crate::interrupt::check()?;
        let recall = (method == NeighborMethod::Approx)
            .then(|| sampled_recall(searched, &lists, params.seed));
        Ok(Self::made(lists, params, method, (t, recall)))
    }

    /// The `k` nearest neighbours of every point from the dense `N x N` matrix of their
    /// distances (`metric="precomputed"` in the Python binding): finite and non-negative, the
    /// diagonal ignored (a point is never its own neighbour), ties to the lower index, as
    /// [`KnnGraph::find`]. The matrix need not be symmetric: row `i` ranks the others from `i`.
    /// The graph is exact and its [`KnnGraph::metric`] is [`Metric::Euclidean`]: t-SNE's
    /// Gaussian kernel reads the squared distances, as for Euclidean vectors. `O(N² log k)`
    /// time; errors name the first bad cell.
    ///
    /// ```
    /// use embedscope::reduce::knn::KnnGraph;
    /// let d = ndarray::array![
    ///     [0.0f32, 1.0, 5.0, 6.0],
    ///     [1.0, 0.0, 4.0, 5.0],
    ///     [5.0, 4.0, 0.0, 2.0],
    ///     [6.0, 5.0, 2.0, 0.0],
    /// ];
    /// let g = KnnGraph::from_distances(d.view(), 2).unwrap();
    /// assert_eq!(g.neighbors(0), &[1, 2]);
    /// assert_eq!(g.neighbors(3), &[2, 1]);
    /// assert_eq!(g.distances(3).collect::<Vec<_>>(), [2.0, 5.0]);
    /// ```
    pub fn from_distances(distances: ArrayView2<f32>, k: usize) -> Result<KnnGraph, ReduceError> {
        let (n, m) = distances.dim();
        if n != m {
            return Err(ReduceError::Shape(format!(
                "a distance matrix must be square (N x N), not {n} x {m}"
            )));
        }
        check_k(k, n)?;
        check_finite(distances)?;
        if let Some(((row, col), v)) = distances.indexed_iter().find(|(_, v)| **v < 0.0) {
            return Err(ReduceError::InvalidParam {
                param: "distances",
                value: format!("{v} at row {row}, column {col} (0-based)"),
                problem: "distances must be >= 0".into(),
            });
        }
        let t = Instant::now();
        let mut indices = vec![0u32; n * k];
        let mut dist2 = vec![0.0f64; n * k];
        indices
            .par_chunks_mut(k)
            .zip(dist2.par_chunks_mut(k))
            .enumerate()
            .for_each(|(i, (idx, d2))| {
                let row = distances.row(i);
                let mut others: Vec<(f32, u32)> = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| (row[j], j as u32))
                    .collect();
                let by = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                if k < others.len() {
                    others.select_nth_unstable_by(k, by);
                    others.truncate(k);
                }
                others.sort_unstable_by(by);
                for (slot, (d, j)) in others.into_iter().enumerate() {
                    idx[slot] = j;
                    d2[slot] = f64::from(d) * f64::from(d);
                }
            });
        crate::interrupt::check()?;
        let params = KnnParams {
            method: NeighborMethod::Exact,
            ..KnnParams::default()
        };
        let lists = Knn { k, indices, dist2 };
        Ok(Self::made(lists, &params, NeighborMethod::Exact, (t, None)))
    }

    /// The graph of `lists`, found by `method` with `params` since `started`, with its
    /// measured `recall` (approximate searches).
    fn made(
        lists: Knn,
        params: &KnnParams,
        method: NeighborMethod,
        (started, recall): (Instant, Option<f64>),
    ) -> KnnGraph {
        KnnGraph {
            lists,
            metric: params.metric,
            method,
            seed: params.seed,
            seconds: started.elapsed().as_secs_f64(),
            recall,
        }
    }

    /// Neighbours per point.
    pub fn k(&self) -> usize {
        self.lists.k
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.lists.indices.len() / self.lists.k
    }

    /// The neighbours of point `i`, nearest first.
    pub fn neighbors(&self, i: usize) -> &[u32] {
        let k = self.lists.k;
        &self.lists.indices[i * k..(i + 1) * k]
    }

    /// The distances (in the metric) of point `i`'s neighbours, nearest first.
    pub fn distances(&self, i: usize) -> impl Iterator<Item = f64> + '_ {
        let k = self.lists.k;
        self.lists.dist2[i * k..(i + 1) * k]
            .iter()
            .map(|&d| self.metric.distance(d))
    }

    /// Every list, `N x k` row-major: the indices.
    pub fn indices(&self) -> &[u32] {
        &self.lists.indices
    }

    /// The squared distances in the searched space (Euclidean; for cosine, of the rows scaled
    /// to unit length), `N x k` row-major: what t-SNE's Gaussian kernel reads.
    pub fn squared_distances(&self) -> &[f64] {
        &self.lists.dist2
    }

    /// Every list's distances in the metric, `N x k` row-major, in float32 (the page's).
    pub fn distances_f32(&self) -> Vec<f32> {
        self.lists
            .dist2
            .iter()
            .map(|&d| self.metric.distance(d) as f32)
            .collect()
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The search used: `Exact` or `Approx`.
    pub fn method(&self) -> NeighborMethod {
        self.method
    }

    /// The seed of the approximate search.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Seconds the search took (0 for a graph reused from an earlier one).
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// For an approximate graph, the fraction of the true `k` nearest neighbours it found on
    /// [`RECALL_SAMPLE`] points or fewer, drawn with its seed; `None` for an exact graph
    /// (recall 1).
    pub fn recall(&self) -> Option<f64> {
        self.recall
    }

    /// How the graph was found, in words: `exact, euclidean` or `approximate (recall 0.998 on
    /// a sample), cosine`; shown beside the neighbours on the page and in the logs.
    pub fn description(&self) -> String {
        let search = match self.recall {
            Some(r) => format!("approximate (recall {r:.3} on a sample)"),
            None => "exact".to_string(),
        };
        format!("{search}, {}", self.metric.name())
    }

    /// The first `k` neighbours of every list (a graph of fewer neighbours: exact graphs give
    /// exactly the `k`-neighbour graph). The recall is kept (that of the full lists).
    ///
    /// # Panics
    /// If `k` is 0 or more than [`KnnGraph::k`].
    pub fn prefix(&self, k: usize) -> KnnGraph {
        let full = self.lists.k;
        assert!(k >= 1 && k <= full, "prefix of {k} of {full} neighbours");
        fn take<T: Copy>(v: &[T], full: usize, k: usize) -> Vec<T> {
            v.chunks(full).flat_map(|r| &r[..k]).copied().collect()
        }
        KnnGraph {
            lists: Knn {
                k,
                indices: take(&self.lists.indices, full, k),
                dist2: take(&self.lists.dist2, full, k),
            },
            metric: self.metric,
            method: self.method,
            seed: self.seed,
            seconds: self.seconds,
            recall: self.recall,
        }
    }

    /// The graph without its time: a graph reused by a second consumer, whose report then
    /// counts no time for the search.
    pub fn reused(&self) -> KnnGraph {
        KnnGraph {
            seconds: 0.0,
            ..self.clone()
        }
    }

    /// The fraction of `exact`'s lists (the true neighbours of the same points, same `k`) that
    /// this graph found: its recall over every point.
    ///
    /// # Panics
    /// If the two graphs differ in size.
    pub fn recall_against(&self, exact: &KnnGraph) -> f64 {
        approx::recall(&self.lists, &exact.lists)
    }

    /// The exact graph of `data` (tests).
    #[cfg(test)]
    pub(crate) fn exact(data: ArrayView2<f32>, k: usize) -> KnnGraph {
        let params = KnnParams {
            method: NeighborMethod::Exact,
            ..KnnParams::default()
        };
        Self::find(data, k, &params).expect("a valid test input")
    }

    /// Takes the raw lists out (to free their memory as soon as a consumer is done).
    pub(crate) fn into_lists(self) -> Knn {
        self.lists
    }
}

/// Refuses `k` neighbours of `n` points unless `1 <= k < n`.
fn check_k(k: usize, n: usize) -> Result<(), ReduceError> {
    if k == 0 || k >= n {
        return Err(ReduceError::InvalidParam {
            param: "k",
            value: k.to_string(),
            problem: format!("must be between 1 and N - 1 = {} neighbours", n.max(1) - 1),
        });
    }
    Ok(())
}

/// The rows scaled to unit length (in f64, then float32); a row of length 0 is refused.
pub(super) fn unit_rows(data: ArrayView2<f32>) -> Result<Array2<f32>, ReduceError> {
    let mut out = data.to_owned();
    for (row, mut r) in out.rows_mut().into_iter().enumerate() {
        let norm = r.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Err(ReduceError::InvalidParam {
                param: "metric",
                value: "cosine".into(),
                problem: format!(
                    "row {row} (0-based) is all zeros, whose cosine distance is undefined"
                ),
            });
        }
        r.mapv_inplace(|v| (f64::from(v) / norm) as f32);
    }
    Ok(out)
}

/// The recall of approximate `lists` on [`RECALL_SAMPLE`] points or fewer (drawn with `seed`)
/// against their exact neighbours.
fn sampled_recall(data: ArrayView2<f32>, lists: &Knn, seed: u64) -> f64 {
    let rows = recall_sample(data.nrows(), data.len(), seed);
    let exact = exact::knn_of_rows(data, &rows, lists.k);
    recall_on(lists, &rows, &exact)
}

/// The rows of `m` whose lists a recall is measured on: [`RECALL_SAMPLE`] or fewer, so that
/// their exact search against `searched` values costs about [`RECALL_WORK`], drawn with
/// `seed`, in increasing order.
pub(super) fn recall_sample(m: usize, searched: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ RECALL_SEED_MIX);
    let budget = RECALL_WORK / searched.max(1);
    let size = budget.clamp(RECALL_MIN_SAMPLE, RECALL_SAMPLE).min(m);
    let mut rows = sample(&mut rng, m, size).into_vec();
    rows.sort_unstable();
    rows
}

/// The fraction of the exact lists `exact` (of the rows `rows`, row-major) found in `lists`.
pub(super) fn recall_on(lists: &Knn, rows: &[usize], exact: &[u32]) -> f64 {
    let k = lists.k;
    let found: usize = rows
        .iter()
        .zip(exact.chunks(k))
        .map(|(&i, want)| {
            let got = &lists.indices[i * k..(i + 1) * k];
            want.iter().filter(|j| got.contains(j)).count()
        })
        .sum();
    found as f64 / (rows.len() * k) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn a_distance_matrix_gives_the_graph_of_its_vectors() {
        let x = clustered(300, 6, 4);
        let d = Array2::from_shape_fn((300, 300), |(i, j)| {
            let diff = &x.row(i) - &x.row(j);
            diff.mapv(|v| f64::from(v) * f64::from(v)).sum().sqrt() as f32
        });
        let given = KnnGraph::from_distances(d.view(), 12).unwrap();
        let found = KnnGraph::exact(x.view(), 12);
        assert_eq!((given.n(), given.k()), (300, 12));
        assert!(given.recall_against(&found) > 0.99);
        for i in [0, 17, 299] {
            assert!(!given.neighbors(i).contains(&(i as u32)));
            let dist: Vec<f64> = given.distances(i).collect();
            assert!(dist.windows(2).all(|w| w[0] <= w[1]), "{dist:?}");
        }
        let e = KnnGraph::from_distances(d.slice(ndarray::s![..200, ..]), 12).unwrap_err();
        assert!(
            e.to_string()
                .contains("must be square (N x N), not 200 x 300"),
            "{e}"
        );
        let e = KnnGraph::from_distances(d.view(), 300).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("k 300: must be between 1 and N - 1"),
            "{e}"
        );
        let mut bad = d.clone();
        bad[[3, 7]] = -2.0;
        let e = KnnGraph::from_distances(bad.view(), 12).unwrap_err();
        assert_eq!(
            e.to_string(),
            "distances -2 at row 3, column 7 (0-based): distances must be >= 0"
        );
        bad[[3, 7]] = f32::NAN;
        let e = KnnGraph::from_distances(bad.view(), 12).unwrap_err();
        assert!(
            e.to_string().starts_with("row 3 (0-based), column 7"),
            "{e}"
        );
    }

    fn clustered(n: usize, d: usize, seed: u64) -> Array2<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let centres: Vec<f32> = (0..20 * d).map(|_| rng.random::<f32>() * 10.0).collect();
        Array2::from_shape_fn((n, d), |(i, c)| {
            centres[(i % 20) * d + c] + rng.random::<f32>() + 0.5
        })
    }

    #[test]
    fn cosine_neighbours_match_a_brute_force_ranking_by_angle() {
        let x = clustered(300, 12, 1);
        let params = KnnParams {
            metric: Metric::Cosine,
            method: NeighborMethod::Exact,
            seed: 0,
        };
        let g = KnnGraph::find(x.view(), 8, &params).unwrap();
        let cos = |i: usize, j: usize| {
            let (a, b) = (x.row(i), x.row(j));
            let dot: f64 = a
                .iter()
                .zip(b)
                .map(|(&p, &q)| f64::from(p) * f64::from(q))
                .sum();
            let na: f64 = a.iter().map(|&p| f64::from(p).powi(2)).sum::<f64>().sqrt();
            let nb: f64 = b.iter().map(|&p| f64::from(p).powi(2)).sum::<f64>().sqrt();
            1.0 - dot / (na * nb)
        };
        for i in 0..300 {
            let mut all: Vec<(f64, u32)> = (0..300)
                .filter(|&j| j != i)
                .map(|j| (cos(i, j), j as u32))
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = all.iter().take(8).map(|p| p.1).collect();
            assert_eq!(g.neighbors(i), want.as_slice(), "row {i}");
            for (got, (d, _)) in g.distances(i).zip(&all) {
                assert!((got - d).abs() < 1e-6, "row {i}: {got} vs {d}");
            }
        }
        // Scaling a row does not move it under the cosine metric.
        let mut scaled = x.clone();
        scaled.row_mut(5).mapv_inplace(|v| v * 1000.0);
        let h = KnnGraph::find(scaled.view(), 8, &params).unwrap();
        assert_eq!(h.neighbors(5), g.neighbors(5));
    }

    #[test]
    fn a_zero_row_is_refused_under_cosine_and_k_is_checked() {
        let mut x = clustered(50, 4, 2);
        x.row_mut(17).fill(0.0);
        let cosine = KnnParams {
            metric: Metric::Cosine,
            ..KnnParams::default()
        };
        let e = KnnGraph::find(x.view(), 5, &cosine)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 17") && e.contains("cosine"), "{e}");
        assert!(KnnGraph::find(x.view(), 5, &KnnParams::default()).is_ok());
        for k in [0, 50] {
            let e = KnnGraph::find(x.view(), k, &KnnParams::default()).unwrap_err();
            assert!(e.to_string().starts_with(&format!("k {k}")), "{e}");
        }
        x[[3, 1]] = f32::NAN;
        let e = KnnGraph::find(x.view(), 5, &KnnParams::default()).unwrap_err();
        assert!(e.to_string().contains("row 3"), "{e}");
    }

    #[test]
    fn prefix_of_an_exact_graph_is_the_smaller_exact_graph() {
        let x = clustered(400, 10, 3);
        let wide = KnnGraph::exact(x.view(), 30);
        let narrow = KnnGraph::exact(x.view(), 10);
        let p = wide.prefix(10);
        assert_eq!(p.indices(), narrow.indices());
        assert_eq!(p.squared_distances(), narrow.squared_distances());
        assert_eq!(p.k(), 10);
        assert_eq!(p.n(), 400);
    }

    #[test]
    fn sampled_recall_estimates_the_full_recall() {
        let x = clustered(4000, 20, 4);
        let approx = KnnGraph::find(
            x.view(),
            15,
            &KnnParams {
                method: NeighborMethod::Approx,
                ..KnnParams::default()
            },
        )
        .unwrap();
        let full = approx.recall_against(&KnnGraph::exact(x.view(), 15));
        let sampled = approx.recall().unwrap();
        assert!((sampled - full).abs() < 0.03, "{sampled} vs {full}");
        assert!(KnnGraph::exact(x.view(), 15).recall().is_none());
    }

    #[test]
    fn auto_resolves_by_size_and_width_and_names_parse() {
        let auto = NeighborMethod::Auto;
        assert_eq!(
            auto.resolve(APPROX_MIN_POINTS - 1, 50),
            NeighborMethod::Exact
        );
        assert_eq!(auto.resolve(APPROX_MIN_POINTS, 50), NeighborMethod::Approx);
        assert_eq!(
            auto.resolve(APPROX_MIN_POINTS_NARROW - 1, 8),
            NeighborMethod::Exact
        );
        assert_eq!(
            auto.resolve(APPROX_MIN_POINTS_NARROW, 8),
            NeighborMethod::Approx
        );
        // Maps are searched exactly on a grid at any size.
        assert_eq!(auto.resolve(10_000_000, 3), NeighborMethod::Exact);
        assert_eq!(
            NeighborMethod::Approx.resolve(10_000_000, 2),
            NeighborMethod::Approx
        );
        assert_eq!(
            NeighborMethod::Exact.resolve(10_000_000, 2),
            NeighborMethod::Exact
        );
        for m in [
            NeighborMethod::Auto,
            NeighborMethod::Exact,
            NeighborMethod::Approx,
        ] {
            assert_eq!(m.name().parse::<NeighborMethod>().unwrap(), m);
        }
        for m in [Metric::Euclidean, Metric::Cosine] {
            assert_eq!(m.name().parse::<Metric>().unwrap(), m);
        }
        let e = "manhattan".parse::<Metric>().unwrap_err().to_string();
        assert_eq!(e, "metric manhattan: must be euclidean or cosine");
    }
}
