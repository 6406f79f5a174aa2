//! Approximate nearest reference points of new points: the random-projection forest of
//! [`super::approx`] over the reference points, searched like an inverted file.
//!
//! Each of the [`TREES`] trees cuts the reference points into leaves of at most
//! [`LEAF_SIZE`]; a leaf is summarised by its centroid. A new point measures the centroids of
//! every leaf of every tree (blocks of new points at a time, by the exact search's `sgemm`
//! form), probes the [`PROBES`] nearest leaves of each tree, ranks their
//! points by float32 squared distance (each measured once, ties to the lower index), and the
//! best `k` get their exact distance in f64. The forest depends on the reference points and
//! the seed alone, and each new point's list on that point and the forest: placing points
//! together or apart gives each the same list, at any number of threads.

use std::time::Instant;

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::approx::{Best, Leaves, Rows};
use super::exact::{self, squared_distance, GemmInput};
use super::{
    recall_on, recall_sample, unit_rows, Knn, KnnGraph, KnnParams, Metric, NeighborMethod,
};
use crate::reduce::{check_finite, ReduceError};

/// Trees of the query forest.
pub(crate) const TREES: usize = 6;
/// Largest leaf of the query forest.
pub(crate) const LEAF_SIZE: usize = 128;
/// New points whose centroid distances are computed together.
const BLOCK: usize = 64;
/// Leaves probed per tree and new point.
pub(crate) const PROBES: usize = 3;

impl KnnGraph {
    /// The `k` nearest rows of `reference` (`N x D`) to each row of `queries` (`M x D`, new
    /// points, not rows of `reference`), `1 <= k <= N`: a graph of `M` lists whose indices
    /// are rows of `reference`, in the metric of `params`. [`NeighborMethod::resolve`] of the
    /// reference's size picks the search: exact (blocked brute force, `M x N x D`
    /// multiply-adds) or approximate (`crate::reduce::knn::query`, with its recall measured on a sample of the
    /// queries). Deterministic for a seed at any number of threads, and each query's list
    /// depends on that query, the reference and the seed alone. Errors name `k`, the width or
    /// the first bad query row.
    ///
    /// ```
    /// use embedscope::reduce::knn::{KnnGraph, KnnParams};
    /// let reference = ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [5.0, 5.0]];
    /// let new = ndarray::array![[4.0f32, 4.5], [0.1, 0.2]];
    /// let g = KnnGraph::query(reference.view(), new.view(), 2, &KnnParams::default())?;
    /// assert_eq!((g.n(), g.k()), (2, 2));
    /// assert_eq!(g.neighbors(0), &[2, 1]);
    /// assert_eq!(g.neighbors(1), &[0, 1]);
    /// # Ok::<(), embedscope::reduce::ReduceError>(())
    /// ```
    pub fn query(
        reference: ArrayView2<f32>,
        queries: ArrayView2<f32>,
        k: usize,
        params: &KnnParams,
    ) -> Result<KnnGraph, ReduceError> {
        let (n, d) = reference.dim();
        if k == 0 || k > n {
            return Err(ReduceError::InvalidParam {
                param: "k",
                value: k.to_string(),
                problem: format!("must be between 1 and the {n} reference points"),
            });
        }
        if queries.ncols() != d {
            return Err(ReduceError::Shape(format!(
                "the new points have {} columns, the reference points {d}",
                queries.ncols()
            )));
        }
        check_finite(queries)?;
        let t = Instant::now();
        let (reference, queries) = match params.metric {
            Metric::Euclidean => (reference.as_standard_layout(), queries.as_standard_layout()),
            Metric::Cosine => (unit_rows(reference)?.into(), unit_rows(queries)?.into()),
        };
        let method = params.method.resolve(n, d);
        let (lists, recall) = match method {
            NeighborMethod::Approx => {
                let (r, q) = (reference.as_slice(), queries.as_slice());
                let (r, q) = (r.expect("standard layout"), q.expect("standard layout"));
                let lists = knn_of_queries(r, q, d, k, params.seed);
                let recall =
                    sampled_query_recall(reference.view(), queries.view(), &lists, params.seed);
                (lists, Some(recall))
            }
            _ => (
                exact::knn_of_queries(reference.view(), queries.view(), k),
                None,
            ),
        };
        crate::interrupt::check()?;
        Ok(Self::made(lists, params, method, (t, recall)))
    }
}

/// The recall of approximate query `lists` on [`RECALL_SAMPLE`] queries or fewer (drawn with
/// `seed`) against their exact nearest reference points.
fn sampled_query_recall(
    reference: ArrayView2<f32>,
    queries: ArrayView2<f32>,
    lists: &Knn,
    seed: u64,
) -> f64 {
    let rows = recall_sample(queries.nrows(), reference.len(), seed);
    let sample = queries.select(ndarray::Axis(0), &rows);
    let exact = exact::knn_of_queries(reference, sample.view(), lists.k);
    recall_on(lists, &rows, &exact.indices)
}

/// One tree's leaves: their ranges in the tree's permutation and their centroids.
struct Cells {
    perm: Vec<u32>,
    ranges: Vec<(u32, u32)>,
    /// `ranges.len() x d` row-major.
    centroids: Vec<f32>,
}

impl Cells {
    fn of(leaves: Leaves, x: &Rows<'_>) -> Self {
        let mut ranges: Vec<(u32, u32)> = leaves.range_of.clone();
        ranges.sort_unstable();
        ranges.dedup();
        let d = x.d;
        let mut centroids = vec![0f32; ranges.len() * d];
        centroids
            .par_chunks_mut(d)
            .zip(&ranges)
            .for_each(|(c, &(s, e))| {
                let mut sum = vec![0f64; d];
                for &i in &leaves.perm[s as usize..e as usize] {
                    for (a, &v) in sum.iter_mut().zip(x.row(i as usize)) {
                        *a += f64::from(v);
                    }
                }
                let n = f64::from(e - s);
                for (o, a) in c.iter_mut().zip(&sum) {
                    *o = (a / n) as f32;
                }
            });
        Self {
            perm: leaves.perm,
            ranges,
            centroids,
        }
    }

    /// The [`PROBES`] leaves nearest by `dist` (a new point's squared distances to this
    /// tree's centroids; ties to the lower leaf).
    fn nearest(dist: &[f32], out: &mut Vec<(f32, u32)>) {
        out.clear();
        out.extend(dist.iter().enumerate().map(|(l, &v)| (v, l as u32)));
        let probes = PROBES.min(out.len());
        let cmp = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if probes < out.len() {
            out.select_nth_unstable_by(probes - 1, cmp);
        }
        out.truncate(probes);
    }
}

/// The approximate `k` nearest rows of `data` (`N x D`, row-major in `rows`) to each of the
/// `M` rows of `queries` (row-major, same width), `1 <= k <= N`, nearest first.
pub(crate) fn knn_of_queries(rows: &[f32], queries: &[f32], d: usize, k: usize, seed: u64) -> Knn {
    let x = Rows { data: rows, d };
    let n = rows.len() / d;
    let leaf = LEAF_SIZE.max(k);
    let forest: Vec<Cells> = (0..TREES as u64)
        .into_par_iter()
        .map(|t| Cells::of(Leaves::build(&x, seed, t, leaf), &x))
        .collect();
    let gemms: Vec<GemmInput> = forest
        .iter()
        .map(|c| {
            let rows = c.ranges.len();
            GemmInput::new(ArrayView2::from_shape((rows, d), &c.centroids).expect("L x d"))
        })
        .collect();
    let m = queries.len() / d;
    let mut indices = vec![0u32; m * k];
    let mut dist2 = vec![0f64; m * k];
    indices
        .par_chunks_mut(BLOCK * k)
        .zip(dist2.par_chunks_mut(BLOCK * k))
        .enumerate()
        .for_each_init(
            || (Best::new(k), vec![false; n], Vec::new(), Vec::new()),
            |(best, seen, near, touched), (b, (idx, dd))| {
                let rows = b * BLOCK..(b * BLOCK + BLOCK).min(m);
                let block = &queries[rows.start * d..rows.end * d];
                let q_view = ArrayView2::from_shape((rows.len(), d), block).expect("rows x d");
                // Each tree's centroid distances of the block, `rows x L`.
                let to_centroids: Vec<Vec<f32>> = gemms
                    .iter()
                    .map(|g| {
                        let (centred, norms) = g.centre(q_view);
                        let mut out = vec![0f32; rows.len() * g.n()];
                        g.block(&centred, &norms, &mut out);
                        out
                    })
                    .collect();
                for (r, q) in block.chunks_exact(d).enumerate() {
                    best.clear();
                    for (cells, dist) in forest.iter().zip(&to_centroids) {
                        let l = cells.ranges.len();
                        Cells::nearest(&dist[r * l..(r + 1) * l], near);
                        for &(_, leaf) in near.iter() {
                            let (s, e) = cells.ranges[leaf as usize];
                            for &j in &cells.perm[s as usize..e as usize] {
                                if !std::mem::replace(&mut seen[j as usize], true) {
                                    touched.push(j);
                                    best.offer(j, squared_distance(q, x.row(j as usize)));
                                }
                            }
                        }
                    }
                    for j in touched.drain(..) {
                        seen[j as usize] = false;
                    }
                    exact_order(
                        best,
                        &x,
                        q,
                        &mut idx[r * k..(r + 1) * k],
                        &mut dd[r * k..(r + 1) * k],
                    );
                }
            },
        );
    Knn { k, indices, dist2 }
}

/// The candidates of `best` re-ranked by their exact distance to `q` in f64, into `idx`, `dd`.
fn exact_order(best: &Best, x: &Rows<'_>, q: &[f32], idx: &mut [u32], dd: &mut [f64]) {
    let mut exact: Vec<(f64, u32)> = best
        .entries()
        .iter()
        .map(|&(_, j)| {
            let e = q
                .iter()
                .zip(x.row(j as usize))
                .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                .sum();
            (e, j)
        })
        .collect();
    exact.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (t, (e, j)) in exact.into_iter().enumerate() {
        dd[t] = e;
        idx[t] = j;
    }
}

#[cfg(test)]
mod tests {
    use crate::reduce::knn::{exact, KnnGraph, KnnParams, NeighborMethod};
    use ndarray::{s, Array2};
    use rand::{Rng, SeedableRng};

    fn clustered(n: usize, seed: u64) -> Array2<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let centres: Vec<f32> = (0..30 * 20).map(|_| rng.random::<f32>() * 10.0).collect();
        Array2::from_shape_fn((n, 20), |(i, c)| {
            centres[(i % 30) * 20 + c] + rng.random::<f32>()
        })
    }

    #[test]
    fn approximate_queries_find_most_true_neighbours_each_on_its_own() {
        let (reference, new) = (clustered(6000, 1), clustered(400, 2));
        let params = KnnParams {
            method: NeighborMethod::Approx,
            ..KnnParams::default()
        };
        let g = KnnGraph::query(reference.view(), new.view(), 15, &params).unwrap();
        let truth = exact::knn_of_queries(reference.view(), new.view(), 15);
        let found: usize = (0..400)
            .map(|i| {
                let want = &truth.indices[i * 15..(i + 1) * 15];
                want.iter().filter(|j| g.neighbors(i).contains(j)).count()
            })
            .sum();
        let recall = found as f64 / 6000.0;
        assert!(recall > 0.9, "{recall}");
        assert!(
            (g.recall().unwrap() - recall).abs() < 0.05,
            "{:?} vs {recall}",
            g.recall()
        );
        // Distances are exact and sorted.
        for i in 0..400 {
            let d: Vec<f64> = g.distances(i).collect();
            assert!(d.windows(2).all(|w| w[0] <= w[1]));
        }
        // A query alone, or at another thread count, gets the same list.
        let alone =
            KnnGraph::query(reference.view(), new.slice(s![7..8, ..]), 15, &params).unwrap();
        assert_eq!(alone.neighbors(0), g.neighbors(7));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| KnnGraph::query(reference.view(), new.view(), 15, &params));
        assert_eq!(one.unwrap().indices(), g.indices());
    }
}
