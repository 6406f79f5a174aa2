//! Exact k-nearest neighbours by blocked brute force.
//!
//! Squared distances are computed a block of query rows at a time, against all points:
//! - for inputs of more than [`DIRECT_MAX_DIMS`] columns as `|x|² + |y|² - 2 x·y`, with the dot
//!   products from `matrixmultiply::sgemm` (single-threaded per block, on centred data);
//! - for low-dimensional inputs directly; maps (at most `GRID_MAX_DIMS` columns: t-SNE and
//!   PCA maps, for the quality measures) go to the grid search of `grid` instead.
//!
//! The best `k + REFINE_MARGIN` candidates by that float32 estimate are then re-ranked by their
//! exact distance in f64, so float32 rounding does not change the result.
//!
//! Blocks are processed in parallel with rayon; each row's result goes to its own slot, so
//! the output does not depend on the number of threads. Ties are broken by the lower index.
//! BLAS (ndarray's `.dot`) is deliberately not used: the binary may link a multi-threaded
//! BLAS whose summation order is not reproducible.

use ndarray::{ArrayView2, Axis};
use rayon::prelude::*;

use super::grid::GRID_MAX_DIMS;
use super::Knn;

/// Query rows per block: `BLOCK x N` float32 distances are held at once per task.
const BLOCK: usize = 64;
/// Inputs up to this many columns use direct f64 differences instead of the GEMM form.
pub(crate) const DIRECT_MAX_DIMS: usize = 8;
/// Extra candidates re-ranked exactly, to absorb float32 rounding at the k-th neighbour.
const REFINE_MARGIN: usize = 8;

/// Exact `k` nearest neighbours of each row of `data` (`N x D`), `1 <= k <= N - 1`.
///
/// # Panics
/// If `k` is 0 or not below the number of rows (callers validate this first).
pub(crate) fn knn(data: ArrayView2<f32>, k: usize) -> Knn {
    if data.ncols() <= GRID_MAX_DIMS {
        return super::grid::knn(data, k);
    }
    let queries: Vec<usize> = (0..data.nrows()).collect();
    let (indices, dist2) = lists_of(data, &queries, k);
    Knn { k, indices, dist2 }
}

/// The `k` nearest neighbours of the rows `rows` of `data` (each row itself excluded),
/// `rows.len() x k` row-major, ranked by float32 squared distances to every row (ties by
/// index): a reference for a few rows that holds one distance per point per task (the
/// recall sample's), where the full search would copy `data` twice and hold `64 x N` blocks.
pub(crate) fn knn_of_rows(data: ArrayView2<f32>, rows: &[usize], k: usize) -> Vec<u32> {
    let d = data.ncols();
    let flat = data.as_standard_layout();
    let flat = flat.as_slice().expect("standard layout");
    rows.par_iter()
        .flat_map_iter(|&i| {
            let q = &flat[i * d..(i + 1) * d];
            let mut all: Vec<(f32, u32)> = flat
                .chunks_exact(d)
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(j, r)| (squared_distance(q, r), j as u32))
                .collect();
            let cmp = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            all.select_nth_unstable_by(k - 1, cmp);
            all.truncate(k);
            all.sort_unstable_by(cmp);
            all.into_iter().map(|(_, j)| j)
        })
        .collect()
}

/// `|a - b|²` in float32, summed in 8 lanes (so the compiler vectorises it), then across.
fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let t = x[l] - y[l];
            lanes[l] += t * t;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Neighbour lists (indices and exact squared distances, `queries.len() x k`) of the rows
/// `queries` of `data`.
fn lists_of(data: ArrayView2<f32>, queries: &[usize], k: usize) -> (Vec<u32>, Vec<f64>) {
    let n = data.nrows();
    assert!(k >= 1 && k < n, "knn: k = {k} with {n} points");
    let d = data.ncols();
    let rows: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    let exact = |i: usize, j: usize| -> f64 {
        let (a, b) = (&rows[i * d..(i + 1) * d], &rows[j * d..(j + 1) * d]);
        a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
    };
    let candidates = (k + REFINE_MARGIN).min(n - 1);
    let gemm = (d > DIRECT_MAX_DIMS).then(|| GemmInput::new(data));

    let mut indices = vec![0u32; queries.len() * k];
    let mut dist2 = vec![0f64; queries.len() * k];
    indices
        .par_chunks_mut(BLOCK * k)
        .zip(dist2.par_chunks_mut(BLOCK * k))
        .zip(queries.par_chunks(BLOCK))
        .for_each(|((idx_out, d_out), block_rows)| {
            let mut block = vec![0f32; block_rows.len() * n];
            match &gemm {
                Some(g) => g.block(block_rows, &mut block),
                None => {
                    for (&i, out) in block_rows.iter().zip(block.chunks_mut(n)) {
                        for (j, o) in out.iter_mut().enumerate() {
                            *o = exact(i, j) as f32;
                        }
                    }
                }
            }
            let mut best: Vec<(f32, u32)> = Vec::with_capacity(candidates + 1);
            let mut refined: Vec<(f64, u32)> = Vec::with_capacity(candidates);
            for (r, &i) in block_rows.iter().enumerate() {
                select_smallest(&block[r * n..(r + 1) * n], i, candidates, &mut best);
                refined.clear();
                refined.extend(best.iter().map(|&(_, j)| (exact(i, j as usize), j)));
                refined.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for (t, &(dd, j)) in refined.iter().take(k).enumerate() {
                    idx_out[r * k + t] = j;
                    d_out[r * k + t] = dd;
                }
            }
        });
    (indices, dist2)
}

/// Fills `best` with the `m` smallest `(value, index)` of `row`, skipping index `skip`,
/// ordered by value then index.
fn select_smallest(row: &[f32], skip: usize, m: usize, best: &mut Vec<(f32, u32)>) {
    best.clear();
    for (j, &v) in row.iter().enumerate() {
        if j == skip {
            continue;
        }
        let full = best.len() == m;
        // Equal values keep the earlier (lower) index, so `>=` rejects.
        if full && v >= best[m - 1].0 {
            continue;
        }
        let pos = best.partition_point(|&(bv, _)| bv <= v);
        if full {
            best.pop();
        }
        best.insert(pos, (v, j as u32));
    }
}

/// Centred float32 rows and their squared norms, for the GEMM form of the distances.
struct GemmInput {
    x: Vec<f32>,
    norms: Vec<f32>,
    n: usize,
    d: usize,
}

impl GemmInput {
    fn new(data: ArrayView2<f32>) -> Self {
        let (n, d) = data.dim();
        // Centring (in f64, fixed order) reduces cancellation in |x|² + |y|² - 2x·y.
        let mean: Vec<f64> = data
            .axis_iter(Axis(1))
            .map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64)
            .collect();
        let mut x = Vec::with_capacity(n * d);
        for row in data.rows() {
            x.extend(
                row.iter()
                    .zip(&mean)
                    .map(|(&v, &m)| (f64::from(v) - m) as f32),
            );
        }
        let norms = x.chunks(d).map(|r| r.iter().map(|v| v * v).sum()).collect();
        Self { x, norms, n, d }
    }

    /// Squared distances of the rows `queries` to all rows, into `out` (`queries.len() x n`).
    fn block(&self, queries: &[usize], out: &mut [f32]) {
        let (n, d) = (self.n, self.d);
        let rows = queries.len();
        let q: Vec<f32> = queries
            .iter()
            .flat_map(|&i| &self.x[i * d..(i + 1) * d])
            .copied()
            .collect();
        // SAFETY: the pointers cover `rows x d` (`q`), `d x n` (the transpose of `x`, read
        // through strides) and `rows x n` elements of live, non-overlapping buffers.
        unsafe {
            matrixmultiply::sgemm(
                rows,
                d,
                n,
                -2.0,
                q.as_ptr(),
                d as isize,
                1,
                self.x.as_ptr(),
                1,
                d as isize,
                0.0,
                out.as_mut_ptr(),
                n as isize,
                1,
            );
        }
        for (&i, o) in queries.iter().zip(out.chunks_mut(n)) {
            let nq = self.norms[i];
            for (v, &nc) in o.iter_mut().zip(&self.norms) {
                *v = (*v + nq + nc).max(0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};

    /// Brute force in f64 with a full sort: the reference.
    fn reference(data: &Array2<f32>, k: usize) -> Vec<Vec<u32>> {
        let n = data.nrows();
        (0..n)
            .map(|i| {
                let mut all: Vec<(f64, u32)> = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| {
                        let d: f64 = data
                            .row(i)
                            .iter()
                            .zip(data.row(j))
                            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                            .sum();
                        (d, j as u32)
                    })
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                all.iter().take(k).map(|p| p.1).collect()
            })
            .collect()
    }

    #[test]
    fn matches_sorted_brute_force_in_high_and_low_dimensions() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for d in [2usize, 3, 40] {
            // An offset makes the GEMM form's cancellation matter if centring were missing.
            let data = Array2::from_shape_fn((150, d), |_| 100.0 + rng.random::<f32>());
            let got = knn(data.view(), 7);
            let want = reference(&data, 7);
            for (i, w) in want.iter().enumerate() {
                assert_eq!(got.row(i).0, w.as_slice(), "d = {d}, row {i}");
            }
        }
    }

    #[test]
    fn duplicates_tie_by_index_and_exclude_self() {
        let data = Array2::<f32>::zeros((5, 12));
        let got = knn(data.view(), 4);
        assert_eq!(got.row(0).0, &[1, 2, 3, 4]);
        assert_eq!(got.row(2).0, &[0, 1, 3, 4]);
        assert!(got.dist2.iter().all(|&d| d == 0.0));
    }
}
