//! Embedding-quality measures, parallel, in `O(N)` memory: leave-one-out k-NN label accuracy
//! and the exact KL(P‖Q) of a t-SNE embedding (P over all pairs, as scikit-learn computes it).
//!
//! Neither holds an `N x N` matrix: the k-NN search is the shared one ([`KnnGraph`], exact or
//! approximate by size, [`NeighborMethod::resolve`]), and [`ExactP`] keeps three numbers per
//! point and recomputes each row of P when it is needed, so the exact KL costs `O(N² D)` time
//! but `O(N)` memory.

use ndarray::ArrayView2;
use rayon::prelude::*;

#[cfg(doc)]
use super::knn::NeighborMethod;
use super::knn::{KnnGraph, KnnParams};
use super::tsne::affinities::ENTROPY_TOLERANCE;

/// Iteration cap of the per-row precision search of [`ExactP`].
const MAX_STEPS: usize = 100;

/// Leave-one-out `k`-nearest-neighbour accuracy: the fraction of points whose label equals the
/// majority label of their `k` nearest other points (distance ties go to the lower index, vote
/// ties to the smaller label, as scikit-learn's `KNeighborsClassifier`). The neighbours come
/// from [`KnnGraph::find`] with its defaults: exact for maps (1 to 3 columns, on a grid, at
/// any size); for wider inputs exact or approximate by size (so then possibly an estimate).
///
/// # Panics
/// If `labels` does not have one entry per row, `k` is not in `1..N`, or `points` is not
/// finite.
pub fn knn_accuracy<L: Copy + Ord + Sync>(points: ArrayView2<f32>, labels: &[L], k: usize) -> f64 {
    assert_eq!(labels.len(), points.nrows(), "one label per point");
    let graph = KnnGraph::find(points, k, &KnnParams::default()).expect("k in 1..N, finite points");
    graph_accuracy(&graph, labels)
}

/// [`knn_accuracy`] over a neighbour graph already computed (every neighbour of each list).
///
/// # Panics
/// If `labels` does not have one entry per point of the graph.
pub fn graph_accuracy<L: Copy + Ord + Sync>(graph: &KnnGraph, labels: &[L]) -> f64 {
    let n = graph.n();
    assert_eq!(labels.len(), n, "one label per point");
    let hits: usize = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut votes: Vec<L> = graph
                .neighbors(i)
                .iter()
                .map(|&j| labels[j as usize])
                .collect();
            votes.sort_unstable();
            // The longest run of equal labels; the first (smallest) label wins ties.
            let (mut best, mut best_count, mut start) = (votes[0], 0, 0);
            for end in 1..=votes.len() {
                if end == votes.len() || votes[end] != votes[start] {
                    if end - start > best_count {
                        (best, best_count) = (votes[start], end - start);
                    }
                    start = end;
                }
            }
            usize::from(best == labels[i])
        })
        .sum();
    hits as f64 / n as f64
}

/// The exact perplexity-calibrated input affinities over all pairs, kept implicitly: per point
/// its Gaussian precision β, smallest squared distance `d0` and normaliser `S`, so that
/// `p_j|i = exp(-β_i (d_ij - d0_i)) / S_i`; `P_ij = (p_j|i + p_i|j) / 2N`.
///
/// Each β is found on the point's whole row (all `N - 1` distances, recomputed in f64) by a
/// Newton iteration on the entropy, safeguarded by bisection, to `ENTROPY_TOLERANCE` nats.
#[derive(Debug, Clone)]
pub struct ExactP {
    x: Vec<f64>,
    d: usize,
    /// `(β, d0, S)` per point.
    rows: Vec<(f64, f64, f64)>,
}

impl ExactP {
    /// Calibrates every row of `data` (`N x D`, `N >= 2`) to `perplexity`.
    ///
    /// # Panics
    /// If there are fewer than 2 rows.
    pub fn new(data: ArrayView2<f32>, perplexity: f64) -> Self {
        let n = data.nrows();
        assert!(n >= 2, "ExactP: {n} rows");
        let x: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
        let d = data.ncols();
        let target = perplexity.ln();
        let rows = (0..n)
            .into_par_iter()
            .map_init(
                || Vec::with_capacity(n - 1),
                |dist, i| {
                    dist.clear();
                    dist.extend((0..n).filter(|&j| j != i).map(|j| dist2(&x, d, i, j)));
                    calibrate(dist, target)
                },
            )
            .collect();
        Self { x, d, rows }
    }

    /// The exact KL(P‖Q) of `embedding` (same rows), Q the Student-t affinity normalised over
    /// all pairs. Per row: `Σ P ln(P / w)`, `Σ P` and `Σ w`, combined serially in row order.
    ///
    /// # Panics
    /// If the row counts differ.
    pub fn kl(&self, embedding: ArrayView2<f32>) -> f64 {
        let n = self.rows.len();
        assert_eq!(embedding.nrows(), n, "exact KL: rows differ");
        let y: Vec<f64> = embedding.iter().map(|&v| f64::from(v)).collect();
        let dy = embedding.ncols();
        let two_n = (2 * n) as f64;
        let cond = |i: usize, d: f64| {
            let (beta, d0, s) = self.rows[i];
            (-(d - d0) * beta).exp() / s
        };
        let parts: Vec<(f64, f64, f64)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
                for j in (0..n).filter(|&j| j != i) {
                    let w = 1.0 / (1.0 + dist2(&y, dy, i, j));
                    c += w;
                    let dij = dist2(&self.x, self.d, i, j);
                    let pij = (cond(i, dij) + cond(j, dij)) / two_n;
                    if pij > 0.0 {
                        a += pij * (pij / w).ln();
                        b += pij;
                    }
                }
                (a, b, c)
            })
            .collect();
        let (a, b, z) = parts
            .iter()
            .fold((0.0, 0.0, 0.0), |s, p| (s.0 + p.0, s.1 + p.1, s.2 + p.2));
        a + b * z.ln()
    }
}

/// Squared distance of rows `i` and `j` of the row-major `v` (`d` columns), symmetric in `i`, `j`
/// to the last bit.
#[inline]
fn dist2(v: &[f64], d: usize, i: usize, j: usize) -> f64 {
    v[i * d..(i + 1) * d]
        .iter()
        .zip(&v[j * d..(j + 1) * d])
        .map(|(a, b)| (a - b) * (a - b))
        .sum()
}

/// `(β, d0, S)` of the Gaussian over the squared distances `dist` whose entropy is `target`.
fn calibrate(dist: &mut [f64], target: f64) -> (f64, f64, f64) {
    let d0 = dist.iter().copied().fold(f64::INFINITY, f64::min);
    for v in dist.iter_mut() {
        *v -= d0;
    }
    // Entropy H(β) = ln S + β E[d] and dH/dβ = -β Var[d], with d shifted by d0.
    let moments = |beta: f64| {
        let (mut s, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for &v in dist.iter() {
            let e = (-v * beta).exp();
            s += e;
            m1 += v * e;
            m2 += v * v * e;
        }
        let (mean, second) = (m1 / s, m2 / s);
        (s.ln() + beta * mean, -beta * (second - mean * mean), s)
    };
    let (mut beta, mut lo, mut hi) = (1.0f64, 0.0f64, f64::INFINITY);
    let mut s = 0.0;
    for _ in 0..MAX_STEPS {
        let (h, slope, sum) = moments(beta);
        s = sum;
        let diff = h - target;
        if diff.abs() <= ENTROPY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            lo = beta;
        } else {
            hi = beta;
        }
        let newton = beta - diff / slope;
        beta = if slope < 0.0 && newton > lo && newton < hi {
            newton
        } else if hi.is_finite() {
            (lo + hi) / 2.0
        } else {
            beta * 2.0
        };
    }
    (beta, d0, s)
}

/// The exact KL(P‖Q) of `embedding` for `data` (same rows): [`ExactP::new`] then
/// [`ExactP::kl`]. To score several embeddings of the same data, build the [`ExactP`] once.
///
/// # Panics
/// If the row counts differ or there are fewer than 2 rows.
pub fn exact_kl(data: ArrayView2<f32>, embedding: ArrayView2<f32>, perplexity: f64) -> f64 {
    ExactP::new(data, perplexity).kl(embedding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn knn_accuracy_on_a_hand_made_layout() {
        // Two tight pairs far apart, plus one point nearer the first pair but labelled 1.
        let p = array![
            [0.0f32, 0.0],
            [0.1, 0.0],
            [10.0, 0.0],
            [10.1, 0.0],
            [1.0, 0.0]
        ];
        let labels = [0u8, 0, 1, 1, 1];
        // k = 1: the stray point's neighbour is point 1 (label 0): 4 of 5 right.
        assert_eq!(knn_accuracy(p.view(), &labels, 1), 0.8);
        // k = 2: points 0 and 1 see {1 or 0, 4} → tie 0/1 → smaller label 0 (right);
        // points 2, 3 see {3 or 2, 4} → 1 (right); point 4 sees {1, 0} → 0 (wrong).
        assert_eq!(knn_accuracy(p.view(), &labels, 2), 0.8);
    }

    #[test]
    fn exact_kl_of_a_perfect_copy_is_small_and_of_a_scramble_large() {
        let n = 120;
        let x = Array2::from_shape_fn((n, 2), |(i, k)| {
            ((i * (k + 3)) % 17) as f32 + (i % 5) as f32 * 30.0
        });
        let scrambled = Array2::from_shape_fn((n, 2), |(i, k)| x[[(i * 7) % n, k]]);
        let good = exact_kl(x.view(), x.view(), 5.0);
        let bad = exact_kl(x.view(), scrambled.view(), 5.0);
        assert!(good.is_finite() && good >= 0.0);
        assert!(bad > good + 1.0, "{good} vs {bad}");
    }

    /// Against a dense reference: every row of P by the t-SNE binary search over all other
    /// points, symmetrised, and KL summed over the full matrix.
    #[test]
    fn exact_kl_matches_a_dense_computation() {
        use crate::reduce::tsne::affinities::conditional_row;
        let n = 90;
        let x = Array2::from_shape_fn((n, 5), |(i, k)| ((i * 7 + k * 13) % 23) as f32 * 0.3);
        let y = Array2::from_shape_fn((n, 2), |(i, k)| ((i * 5 + k * 11) % 17) as f32);
        let perplexity = 7.0;
        let mut cond = vec![0.0; n * n];
        let mut row = vec![0.0; n - 1];
        for i in 0..n {
            let d: Vec<f64> = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    x.row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| f64::from(a - b).powi(2))
                        .sum()
                })
                .collect();
            conditional_row(&d, perplexity, &mut row);
            for (t, j) in (0..n).filter(|&j| j != i).enumerate() {
                cond[i * n + j] = row[t];
            }
        }
        let w = |i: usize, j: usize| {
            let d: f64 = (0..2)
                .map(|k| f64::from(y[[i, k]] - y[[j, k]]).powi(2))
                .sum();
            1.0 / (1.0 + d)
        };
        let z: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| w(i, j))
            .sum();
        let mut want = 0.0;
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                let p = (cond[i * n + j] + cond[j * n + i]) / (2 * n) as f64;
                if p > 0.0 {
                    want += p * (p / (w(i, j) / z)).ln();
                }
            }
        }
        let got = exact_kl(x.view(), y.view(), perplexity);
        // Both searches stop within 1e-5 nats of the target entropy.
        assert!((got - want).abs() < 1e-4 * want, "{got} vs {want}");
    }

    #[test]
    fn knn_accuracy_of_a_large_map_is_exact() {
        // Above the approximate search's size limit a map is still searched exactly (on the
        // grid): the same accuracy as brute force over the map with a zero column appended.
        let n = crate::reduce::knn::APPROX_MIN_POINTS_NARROW + 1;
        let p = Array2::from_shape_fn((n, 2), |(i, k)| {
            ((i * 7919 + k * 104_729) % 10_007) as f32 * 0.01 + (i % 10) as f32 * 0.5
        });
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        let on_grid = knn_accuracy(p.view(), &labels, 10);
        let mut wide = Array2::zeros((n, 4));
        wide.slice_mut(ndarray::s![.., ..2]).assign(&p);
        let params = KnnParams {
            method: crate::reduce::knn::NeighborMethod::Exact,
            ..KnnParams::default()
        };
        let brute = graph_accuracy(&KnnGraph::find(wide.view(), 10, &params).unwrap(), &labels);
        assert_eq!(on_grid, brute);
    }
}
