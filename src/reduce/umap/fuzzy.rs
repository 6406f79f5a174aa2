//! The fuzzy simplicial set of a neighbour graph, as umap-learn's `fuzzy_simplicial_set` builds
//! it (local connectivity 1, set-operation mix ratio 1):
//!
//! 1. per point, `rho`: the distance to the nearest neighbour at a distance above 0, and
//!    `sigma`: found by binary search (64 halvings, tolerance 1e-5) so that
//!    `sum_j exp(-max(d_j - rho, 0) / sigma) = log2(n_neighbors)` over the `k = n_neighbors - 1`
//!    neighbours (umap-learn counts the point itself among its `n_neighbors`), at least 1e-3
//!    times the mean neighbour distance;
//! 2. the directed memberships `w_ij = exp(-max(d_ij - rho_i, 0) / sigma_i)`;
//! 3. their fuzzy union, `w_ij + w_ji - w_ij w_ji`, a symmetric sparse matrix ([`FuzzyGraph`]).
//!
//! [`FuzzyGraph::pruned`] then drops the weights below `max / n_epochs`, as umap-learn does
//! before its optimisation (they would never be sampled).

use rayon::prelude::*;

use crate::reduce::knn::KnnGraph;

/// Halvings of the binary search for sigma.
const SEARCH_STEPS: usize = 64;
/// The binary search stops when the sum is this close to its target.
const SEARCH_TOLERANCE: f64 = 1e-5;
/// Sigma is at least this fraction of the mean neighbour distance.
const MIN_SIGMA_SCALE: f64 = 1e-3;

/// A symmetric sparse matrix of memberships in compressed rows: row `i`'s entries are
/// `cols[offsets[i]..offsets[i + 1]]` (increasing) with `weights` alike.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzyGraph {
    /// Row starts, `N + 1` of them.
    pub offsets: Vec<usize>,
    /// Column of each entry.
    pub cols: Vec<u32>,
    /// Membership strength of each entry, in `(0, 1]`.
    pub weights: Vec<f32>,
}

/// `rho` and `sigma` of one point from its neighbour distances (nearest first), for
/// `n_neighbors` counting the point itself; `mean_all` is the mean over every list (the floor
/// of sigma for a point whose neighbours are all at distance 0).
pub fn smooth_distances(distances: &[f64], n_neighbors: usize, mean_all: f64) -> (f64, f64) {
    let rho = distances.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
    let target = (n_neighbors as f64).log2();
    let (mut lo, mut hi, mut mid) = (0.0f64, f64::INFINITY, 1.0f64);
    for _ in 0..SEARCH_STEPS {
        let sum: f64 = distances
            .iter()
            .map(|&d| {
                if d > rho {
                    (-(d - rho) / mid).exp()
                } else {
                    1.0
                }
            })
            .sum();
        if (sum - target).abs() < SEARCH_TOLERANCE {
            break;
        }
        if sum > target {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            mid = if hi.is_infinite() {
                mid * 2.0
            } else {
                (lo + hi) / 2.0
            };
        }
    }
    // umap-learn's means count the point itself (distance 0) among the n_neighbors.
    let floor = if rho > 0.0 {
        distances.iter().sum::<f64>() / n_neighbors as f64
    } else {
        mean_all
    };
    (rho, mid.max(MIN_SIGMA_SCALE * floor))
}

/// The membership of a neighbour at distance `d` of a point with `rho` and `sigma`.
pub fn membership(d: f64, rho: f64, sigma: f64) -> f64 {
    if d - rho <= 0.0 || sigma == 0.0 {
        1.0
    } else {
        (-(d - rho) / sigma).exp()
    }
}

impl FuzzyGraph {
    /// The fuzzy union of the memberships of `graph`'s lists (`k` neighbours per point, so
    /// `n_neighbors = k + 1` in umap-learn's counting).
    pub fn of(graph: &KnnGraph) -> FuzzyGraph {
        let (n, k) = (graph.n(), graph.k());
        let dist: Vec<f64> = graph
            .squared_distances()
            .iter()
            .map(|&d| graph.metric().distance(d))
            .collect();
        let mean_all = dist.iter().sum::<f64>() / (n * (k + 1)) as f64;
        // Directed memberships, row i's k entries at [i k, (i + 1) k).
        let directed: Vec<f32> = dist
            .par_chunks(k)
            .flat_map_iter(|row| {
                let (rho, sigma) = smooth_distances(row, k + 1, mean_all);
                row.iter().map(move |&d| membership(d, rho, sigma) as f32)
            })
            .collect();
        // Every entry and its transpose, keyed (row, col); a pair found from both ends appears
        // twice and merges into the union.
        let indices = graph.indices();
        let mut entries: Vec<(u64, f32)> = (0..n * k)
            .into_par_iter()
            .flat_map_iter(|e| {
                let (i, j) = ((e / k) as u64, u64::from(indices[e]));
                let w = directed[e];
                [(i << 32 | j, w), (j << 32 | i, w)]
            })
            .collect();
        drop(directed);
        entries.par_sort_unstable_by_key(|&(key, _)| key);
        let mut offsets = vec![0usize; n + 1];
        let mut cols = Vec::with_capacity(entries.len() / 2 + n);
        let mut weights = Vec::with_capacity(entries.len() / 2 + n);
        let mut at = 0;
        while at < entries.len() {
            let (key, w) = entries[at];
            let twin = entries.get(at + 1).filter(|(other, _)| *other == key);
            let union = match twin {
                // The same sum whichever of the two came first.
                Some(&(_, v)) => w + v - w * v,
                None => w,
            };
            at += 1 + usize::from(twin.is_some());
            if union > 0.0 {
                offsets[(key >> 32) as usize + 1] += 1;
                cols.push(key as u32);
                weights.push(union);
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        FuzzyGraph {
            offsets,
            cols,
            weights,
        }
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The largest weight (0 for a graph without entries).
    pub fn max_weight(&self) -> f32 {
        self.weights.iter().copied().fold(0.0, f32::max)
    }

    /// The graph without the entries below `max / n_epochs` (umap-learn's pruning).
    pub fn pruned(&self, n_epochs: usize) -> FuzzyGraph {
        let threshold = self.max_weight() / n_epochs as f32;
        let mut offsets = vec![0usize; self.n() + 1];
        let mut cols = Vec::with_capacity(self.cols.len());
        let mut weights = Vec::with_capacity(self.cols.len());
        for i in 0..self.n() {
            for e in self.offsets[i]..self.offsets[i + 1] {
                if self.weights[e] >= threshold {
                    cols.push(self.cols[e]);
                    weights.push(self.weights[e]);
                }
            }
            offsets[i + 1] = cols.len();
        }
        FuzzyGraph {
            offsets,
            cols,
            weights,
        }
    }

    /// The entries of row `i`: columns and weights.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.cols[r.clone()], &self.weights[r])
    }

    /// The connected components: each point's component (numbered in order of their lowest
    /// point) and their number.
    pub fn components(&self) -> (Vec<u32>, usize) {
        let n = self.n();
        let mut label = vec![u32::MAX; n];
        let mut count = 0u32;
        let mut stack = Vec::new();
        for start in 0..n {
            if label[start] != u32::MAX {
                continue;
            }
            label[start] = count;
            stack.push(start);
            while let Some(i) = stack.pop() {
                for &j in self.row(i).0 {
                    if label[j as usize] == u32::MAX {
                        label[j as usize] = count;
                        stack.push(j as usize);
                    }
                }
            }
            count += 1;
        }
        (label, count as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four points on a line at 0, 1, 3 and 7, two neighbours each (`n_neighbors` 3): the
    /// sigmas solve `1 + exp(-(d2 - rho) / sigma) = log2(3)` by hand.
    #[test]
    fn matches_a_hand_computed_case() {
        let x = ndarray::array![[0.0f32], [1.0], [3.0], [7.0]];
        let graph = KnnGraph::exact(x.view(), 2);
        let fuzzy = FuzzyGraph::of(&graph);
        // Point 0: neighbours 1 (d 1) and 2 (d 3): rho 1, sigma = 2 / -ln(log2(3) - 1).
        let t = 3f64.log2() - 1.0;
        let sigma = |gap: f64| gap / -t.ln();
        let (rho0, s0) = smooth_distances(&[1.0, 3.0], 3, 1.0);
        assert_eq!(rho0, 1.0);
        assert!((s0 - sigma(2.0)).abs() < 1e-4 * sigma(2.0), "{s0}");
        // Directed memberships: each point's nearest has 1, its second exp(-gap / sigma) = t.
        // Point 0 -> 1: 1, 0 -> 2: t. Point 1 -> 0 (d 1): 1, 1 -> 2 (d 2): t.
        // Point 2 -> 1 (d 2): 1, 2 -> 0 (d 3): t. Point 3 -> 2 (d 4): 1, 3 -> 1 (d 6): t.
        let union = |u: f64, v: f64| u + v - u * v;
        let want = [
            vec![(1, 1.0), (2, union(t, t))],
            vec![(0, 1.0), (2, union(t, 1.0)), (3, t)],
            vec![(0, union(t, t)), (1, 1.0), (3, 1.0)],
            vec![(1, t), (2, 1.0)],
        ];
        for (i, row) in want.iter().enumerate() {
            let (cols, weights) = fuzzy.row(i);
            let got: Vec<u32> = cols.to_vec();
            let cols_want: Vec<u32> = row.iter().map(|&(c, _)| c).collect();
            assert_eq!(got, cols_want, "row {i}");
            for (&w, &(_, v)) in weights.iter().zip(row) {
                assert!((f64::from(w) - v).abs() < 1e-5, "row {i}: {w} vs {v}");
            }
        }
        assert_eq!(fuzzy.components(), (vec![0; 4], 1));
    }

    #[test]
    fn duplicates_get_full_membership_and_a_positive_sigma() {
        // All neighbours at 0: rho 0, sigma the floor from the overall mean.
        let (rho, sigma) = smooth_distances(&[0.0, 0.0, 0.0], 4, 2.0);
        assert_eq!(rho, 0.0);
        assert!(sigma > 0.0 && sigma.is_finite());
        assert_eq!(membership(0.0, rho, sigma), 1.0);
        // Everything at 0: sigma 0, memberships 1.
        let (_, zero) = smooth_distances(&[0.0, 0.0], 3, 0.0);
        assert_eq!(membership(0.0, 0.0, zero), 1.0);
    }

    #[test]
    fn pruning_drops_weak_edges_and_components_are_found() {
        let x = ndarray::array![[0.0f32], [1.0], [100.0], [101.0]];
        let fuzzy = FuzzyGraph::of(&KnnGraph::exact(x.view(), 1));
        assert_eq!(fuzzy.components(), (vec![0, 0, 1, 1], 2));
        let g = FuzzyGraph {
            offsets: vec![0, 2, 3, 4],
            cols: vec![1, 2, 0, 0],
            weights: vec![1.0, 0.001, 1.0, 0.001],
        };
        let p = g.pruned(200);
        assert_eq!(p.offsets, [0, 1, 2, 2]);
        assert_eq!(p.cols, [1, 0]);
    }
}
