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
    let (indices, dist2) = lists_of(data, Queries::Own(&queries), k);
    Knn { k, indices, dist2 }
}

/// Exact `k` nearest rows of `data` (`N x D`) to each row of `queries` (`M x D`, points that
/// are not rows of `data`, so none is excluded), `1 <= k <= N`: `M x k` lists, nearest first,
/// ties to the lower index, the same ranking as [`knn`]'s.
///
/// # Panics
/// If `k` is 0 or above the number of rows, or the widths differ (callers validate this).
pub(crate) fn knn_of_queries(data: ArrayView2<f32>, queries: ArrayView2<f32>, k: usize) -> Knn {
    assert_eq!(data.ncols(), queries.ncols(), "query width");
    let (indices, dist2) = lists_of(data, Queries::Other(queries), k);
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
pub(super) fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
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

/// What [`lists_of`] searches for: rows of the data itself (each excluding itself) or other
/// points of the same width.
#[derive(Clone, Copy)]
enum Queries<'a> {
    Own(&'a [usize]),
    Other(ArrayView2<'a, f32>),
}

impl Queries<'_> {
    fn len(&self) -> usize {
        match self {
            Self::Own(rows) => rows.len(),
            Self::Other(points) => points.nrows(),
        }
    }
}

/// Neighbour lists (indices and exact squared distances, `queries.len() x k`) of `queries`
/// among the rows of `data`.
fn lists_of(data: ArrayView2<f32>, queries: Queries<'_>, k: usize) -> (Vec<u32>, Vec<f64>) {
    let n = data.nrows();
    let own = matches!(queries, Queries::Own(_));
    assert!(
        k >= 1 && k + usize::from(own) <= n,
        "knn: k = {k} with {n} points"
    );
    let d = data.ncols();
    let rows: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    let others: Vec<f64> = match queries {
        Queries::Other(q) => q.iter().map(|&v| f64::from(v)).collect(),
        Queries::Own(_) => Vec::new(),
    };
    // Query `r`'s coordinates in f64 and the row of `data` it must skip, if any.
    let query = |r: usize| -> (&[f64], Option<usize>) {
        match queries {
            Queries::Own(ids) => (&rows[ids[r] * d..(ids[r] + 1) * d], Some(ids[r])),
            Queries::Other(_) => (&others[r * d..(r + 1) * d], None),
        }
    };
    let exact = |q: &[f64], j: usize| -> f64 {
        q.iter()
            .zip(&rows[j * d..(j + 1) * d])
            .map(|(x, y)| (x - y) * (x - y))
            .sum()
    };
    let candidates = (k + REFINE_MARGIN).min(n - usize::from(own));
    let gemm = (d > DIRECT_MAX_DIMS).then(|| GemmInput::new(data));
    let centred = match (&gemm, queries) {
        (Some(g), Queries::Other(q)) => g.centre(q),
        _ => (Vec::new(), Vec::new()),
    };

    let m = queries.len();
    let mut indices = vec![0u32; m * k];
    let mut dist2 = vec![0f64; m * k];
    let starts: Vec<usize> = (0..m).step_by(BLOCK).collect();
    indices
        .par_chunks_mut(BLOCK * k)
        .zip(dist2.par_chunks_mut(BLOCK * k))
        .zip(starts.par_iter())
        .for_each(|((idx_out, d_out), &first)| {
            let block_rows = first..(first + BLOCK).min(m);
            let mut block = vec![0f32; block_rows.len() * n];
            match (&gemm, queries) {
                (Some(g), Queries::Own(ids)) => {
                    g.block_of_rows(&ids[block_rows.clone()], &mut block)
                }
                (Some(g), Queries::Other(_)) => g.block(
                    &centred.0[block_rows.start * d..block_rows.end * d],
                    &centred.1[block_rows.clone()],
                    &mut block,
                ),
                (None, _) => {
                    for (r, out) in block_rows.clone().zip(block.chunks_mut(n)) {
                        let q = query(r).0;
                        for (j, o) in out.iter_mut().enumerate() {
                            *o = exact(q, j) as f32;
                        }
                    }
                }
            }
            let mut best: Vec<(f32, u32)> = Vec::with_capacity(candidates + 1);
            let mut refined: Vec<(f64, u32)> = Vec::with_capacity(candidates);
            for (b, r) in block_rows.enumerate() {
                let (q, skip) = query(r);
                select_smallest(&block[b * n..(b + 1) * n], skip, candidates, &mut best);
                refined.clear();
                refined.extend(best.iter().map(|&(_, j)| (exact(q, j as usize), j)));
                refined.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for (t, &(dd, j)) in refined.iter().take(k).enumerate() {
                    idx_out[b * k + t] = j;
                    d_out[b * k + t] = dd;
                }
            }
        });
    (indices, dist2)
}

/// Fills `best` with the `m` smallest `(value, index)` of `row`, skipping index `skip` if
/// given, ordered by value then index.
fn select_smallest(row: &[f32], skip: Option<usize>, m: usize, best: &mut Vec<(f32, u32)>) {
    best.clear();
    for (j, &v) in row.iter().enumerate() {
        if Some(j) == skip {
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
pub(super) struct GemmInput {
    x: Vec<f32>,
    norms: Vec<f32>,
    mean: Vec<f64>,
    n: usize,
    d: usize,
}

impl GemmInput {
    /// Centres `data` (`N x d`) and keeps its squared norms.
    pub(super) fn new(data: ArrayView2<f32>) -> Self {
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
        Self {
            x,
            norms,
            mean,
            n,
            d,
        }
    }

    /// `points` (`M x d`) centred by the data's mean, and their squared norms.
    pub(super) fn centre(&self, points: ArrayView2<f32>) -> (Vec<f32>, Vec<f32>) {
        let mut x = Vec::with_capacity(points.len());
        for row in points.rows() {
            x.extend(
                row.iter()
                    .zip(&self.mean)
                    .map(|(&v, &m)| (f64::from(v) - m) as f32),
            );
        }
        let norms = x
            .chunks(self.d)
            .map(|r| r.iter().map(|v| v * v).sum())
            .collect();
        (x, norms)
    }

    /// Rows of the data.
    pub(super) fn n(&self) -> usize {
        self.n
    }

    /// Squared distances of the data's rows `ids` to all rows, into `out` (`ids.len() x n`).
    fn block_of_rows(&self, ids: &[usize], out: &mut [f32]) {
        let d = self.d;
        let q: Vec<f32> = ids
            .iter()
            .flat_map(|&i| &self.x[i * d..(i + 1) * d])
            .copied()
            .collect();
        let norms: Vec<f32> = ids.iter().map(|&i| self.norms[i]).collect();
        self.block(&q, &norms, out);
    }

    /// Squared distances of the centred rows `q` (`rows x d`, squared norms `q_norms`) to all
    /// rows, into `out` (`rows x n`).
    pub(super) fn block(&self, q: &[f32], q_norms: &[f32], out: &mut [f32]) {
        let (n, d) = (self.n, self.d);
        let rows = q_norms.len();
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
        for (&nq, o) in q_norms.iter().zip(out.chunks_mut(n)) {
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
    fn queries_get_the_brute_force_lists_among_the_data_in_high_and_low_dimensions() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for d in [2usize, 40] {
            let data = Array2::from_shape_fn((130, d), |_| 100.0 + rng.random::<f32>());
            let queries = Array2::from_shape_fn((70, d), |_| 100.0 + rng.random::<f32>());
            // The queries appended to the data: their lists there, minus the queries, are the
            // lists among the data.
            let mut both = data.clone();
            both.append(ndarray::Axis(0), queries.view()).unwrap();
            let want = reference(&both, 129 + 70);
            let got = knn_of_queries(data.view(), queries.view(), 130);
            for r in 0..70 {
                let w: Vec<u32> = want[130 + r].iter().copied().filter(|&j| j < 130).collect();
                assert_eq!(got.row(r).0, w.as_slice(), "d = {d}, query {r}");
            }
            // A query equal to a data row finds it first, at distance 0.
            let first = knn_of_queries(data.view(), data.slice(ndarray::s![5..6, ..]), 3);
            assert_eq!((first.row(0).0[0], first.row(0).1[0]), (5, 0.0));
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
