//! Input affinities: the sparse, symmetric joint probabilities P of t-SNE.
//!
//! For every point a Gaussian over its k nearest neighbours is fitted by binary search on its
//! precision β so that the conditional distribution's perplexity `exp(H)` matches the target
//! (entropy tolerance [`ENTROPY_TOLERANCE`] nats, as in scikit-learn). The conditional rows are
//! then symmetrised, `P_ij = (p_j|i + p_i|j) / 2N`, into a CSR matrix that sums to 1.
//! Distances are shifted by the row's smallest one before exponentiating, which leaves the
//! distribution unchanged but means no row can underflow to zero: duplicate points (all
//! distances 0) get a uniform row, never NaN. Single entries can underflow to exactly 0 (a
//! neighbour far beyond the others of a tight cluster, common on well-separated data), in
//! float64 or when P is stored in float32; such entries count as absent (`0 ln 0 = 0` in the
//! KL divergence, no attraction).

use rayon::prelude::*;

use crate::reduce::knn::KnnGraph;

/// Entropy tolerance of the per-point binary search, in nats.
pub(crate) const ENTROPY_TOLERANCE: f64 = 1e-5;
/// Iteration cap of the binary search.
const MAX_STEPS: usize = 200;

/// A sparse symmetric matrix in compressed sparse row form, columns sorted within each row.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseP {
    /// Row `i` occupies `indptr[i]..indptr[i + 1]` of `indices` and `values`.
    pub indptr: Vec<usize>,
    /// Column indices.
    pub indices: Vec<u32>,
    /// The probabilities `P_ij`, in float32 (half the memory and memory traffic of float64 in
    /// the attractive sums, which stream all of P every iteration).
    pub values: Vec<f32>,
}

impl SparseP {
    /// Number of rows (points).
    #[cfg(any(test, feature = "bench"))]
    pub fn n(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Columns and values of row `i`.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }
}

/// Fills `out` with the conditional distribution `p_j|i ∝ exp(-β d_j)` over the squared
/// distances `dist2` whose perplexity matches `perplexity`, and returns β.
pub(crate) fn conditional_row(dist2: &[f64], perplexity: f64, out: &mut [f64]) -> f64 {
    let target = perplexity.ln();
    let d0 = dist2.iter().copied().fold(f64::INFINITY, f64::min);
    let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    for _ in 0..MAX_STEPS {
        let entropy = fill_row(dist2, d0, beta, out);
        let diff = entropy - target;
        if diff.abs() <= ENTROPY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi.is_finite() {
                (beta + hi) / 2.0
            } else {
                beta * 2.0
            };
        } else {
            hi = beta;
            beta = if lo.is_finite() {
                (beta + lo) / 2.0
            } else {
                beta / 2.0
            };
        }
    }
    fill_row(dist2, d0, beta, out);
    beta
}

/// Writes the normalised row for precision `beta` and returns its entropy in nats.
fn fill_row(dist2: &[f64], d0: f64, beta: f64, out: &mut [f64]) -> f64 {
    let mut sum = 0.0;
    for (o, &d) in out.iter_mut().zip(dist2) {
        *o = (-(d - d0) * beta).exp();
        sum += *o;
    }
    let mut weighted = 0.0;
    for (o, &d) in out.iter_mut().zip(dist2) {
        *o /= sum;
        weighted += (d - d0) * *o;
    }
    sum.ln() + beta * weighted
}

/// The first `k` of each point's neighbours in a graph of `stride` neighbours per point
/// (`stride >= k`): `indices` and `dist2` are `N x stride` row-major.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lists<'a> {
    pub(crate) indices: &'a [u32],
    pub(crate) dist2: &'a [f64],
    pub(crate) stride: usize,
    pub(crate) k: usize,
}

impl<'a> Lists<'a> {
    /// The first `k` neighbours of every list of `graph`.
    pub(crate) fn of(graph: &'a KnnGraph, k: usize) -> Self {
        assert!(k >= 1 && k <= graph.k(), "{k} of {} neighbours", graph.k());
        Self {
            indices: graph.indices(),
            dist2: graph.squared_distances(),
            stride: graph.k(),
            k,
        }
    }

    fn n(&self) -> usize {
        self.indices.len() / self.stride
    }

    /// Point `i`'s `t`-th neighbour.
    fn neighbor(&self, i: usize, t: usize) -> u32 {
        self.indices[i * self.stride + t]
    }
}

/// The conditional distributions `p_j|i` (float32, `N x k`) of the lists, each calibrated to
/// `perplexity`.
pub(crate) fn conditionals(lists: &Lists<'_>, perplexity: f64) -> Vec<f32> {
    let k = lists.k;
    let mut cond = vec![0f32; lists.n() * k];
    cond.par_chunks_mut(k)
        .zip(lists.dist2.par_chunks(lists.stride))
        .for_each_init(
            || vec![0f64; k],
            |row, (out, d)| {
                conditional_row(&d[..k], perplexity, row);
                for (o, &v) in out.iter_mut().zip(row.iter()) {
                    *o = v as f32;
                }
            },
        );
    cond
}

/// The symmetric joint probabilities of the first `k` neighbours of each list of `graph`
/// (the conditional rows, then their symmetrised sum), as `fit` computes them in two steps.
#[cfg(any(test, feature = "bench"))]
pub fn joint_probabilities(
    graph: &KnnGraph,
    k: usize,
    perplexity: f64,
    order: Option<&[u32]>,
) -> SparseP {
    let lists = Lists::of(graph, k);
    symmetrised(&lists, conditionals(&lists, perplexity), order)
}

/// The symmetric joint probabilities `P_ij = (p_j|i + p_i|j) / 2N` from the conditional rows
/// `cond` of `lists`, with the points renumbered by `order` when given (new point `r` is the
/// graph's point `order[r]`, which lets the caller lay out P for locality without a second
/// copy of it).
///
/// The largest temporaries are the conditional rows (float32, `N k`) and the reverse graph
/// (`N k` edge numbers), next to the result: at a million points and 75 neighbours about 2 GB
/// in all.
///
/// # Panics
/// If `order` is not a permutation of the points, or the graph has more than `u32::MAX`
/// entries (parameter validation refuses such sizes first).
pub(crate) fn symmetrised(lists: &Lists<'_>, cond: Vec<f32>, order: Option<&[u32]>) -> SparseP {
    let (n, k) = (lists.n(), lists.k);
    assert!(u32::try_from(n * k).is_ok(), "neighbour graph too large");
    let identity: Vec<u32>;
    let order = match order {
        Some(o) => o,
        None => {
            identity = (0..n as u32).collect();
            &identity
        }
    };
    let rows = MergedRows {
        lists: *lists,
        cond: &cond,
        order,
        new_index: inverse_permutation(order, n),
        reverse: ReverseGraph::of(lists),
    };
    let lens: Vec<usize> = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |buf, r| {
            rows.fill(r, buf);
            buf.len()
        })
        .collect();
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    for len in &lens {
        indptr.push(indptr.last().copied().unwrap_or(0) + len);
    }
    drop(lens);
    // Each conditional row sums to 1 and every conditional probability lands in two rows, so P
    // is normalised by twice their total (2N up to rounding), summed in a fixed order.
    let total = 2.0 * cond.iter().map(|&c| f64::from(c)).sum::<f64>();
    let (indices, values) = rows.write(&indptr, total);
    SparseP {
        indptr,
        indices,
        values,
    }
}

/// `new_index[i]`: the position of point `i` in `order`, a permutation of the `n` points.
///
/// # Panics
/// If `order` is not a permutation of `0..n`.
fn inverse_permutation(order: &[u32], n: usize) -> Vec<u32> {
    assert_eq!(order.len(), n, "order must number every point");
    let mut new_index = vec![u32::MAX; n];
    for (r, &i) in order.iter().enumerate() {
        new_index[i as usize] = r as u32;
    }
    assert!(
        new_index.iter().all(|&r| r != u32::MAX),
        "order is not a permutation"
    );
    new_index
}

/// The reverse of a neighbour graph: for each point `i`, the edges `(j, t)` with
/// `knn(j)[t] = i`, as edge numbers `j k + t` in increasing order.
struct ReverseGraph {
    /// Point `i`'s edges are `edges[ptr[i]..ptr[i + 1]]`.
    ptr: Vec<usize>,
    edges: Vec<u32>,
}

impl ReverseGraph {
    fn of(lists: &Lists<'_>) -> Self {
        let (n, k) = (lists.n(), lists.k);
        let mut ptr = vec![0usize; n + 1];
        for e in 0..n * k {
            ptr[lists.neighbor(e / k, e % k) as usize + 1] += 1;
        }
        for i in 0..n {
            ptr[i + 1] += ptr[i];
        }
        let mut edges = vec![0u32; n * k];
        let mut cursor = ptr.clone();
        for e in 0..n * k {
            let i = lists.neighbor(e / k, e % k) as usize;
            edges[cursor[i]] = e as u32;
            cursor[i] += 1;
        }
        Self { ptr, edges }
    }

    /// The edges that end at point `i`.
    fn ending_at(&self, i: usize) -> &[u32] {
        &self.edges[self.ptr[i]..self.ptr[i + 1]]
    }
}

/// The rows of P before normalisation, built one at a time from the conditional rows.
struct MergedRows<'a> {
    lists: Lists<'a>,
    cond: &'a [f32],
    /// New point `r` is the graph's point `order[r]`.
    order: &'a [u32],
    new_index: Vec<u32>,
    reverse: ReverseGraph,
}

impl MergedRows<'_> {
    /// Fills `buf` with row `r` of P (new numbering) times `2N`: its own neighbours and the
    /// points that have it as a neighbour, by column, with the (at most two) entries of a pair
    /// added.
    fn fill(&self, r: usize, buf: &mut Vec<(u32, f64)>) {
        let k = self.lists.k;
        let i = self.order[r] as usize;
        buf.clear();
        let reverse = self.reverse.ending_at(i).iter().map(|&e| e as usize);
        for e in (i * k..(i + 1) * k).chain(reverse) {
            let other = if e / k == i {
                self.lists.neighbor(i, e % k)
            } else {
                (e / k) as u32
            };
            buf.push((self.new_index[other as usize], f64::from(self.cond[e])));
        }
        buf.sort_unstable_by_key(|e| e.0);
        let mut len = 0;
        for t in 0..buf.len() {
            if len > 0 && buf[len - 1].0 == buf[t].0 {
                buf[len - 1].1 += buf[t].1;
            } else {
                buf[len] = buf[t];
                len += 1;
            }
        }
        buf.truncate(len);
    }

    /// The columns and values (divided by `total`) of every row, laid out by `indptr`; blocks
    /// of rows are filled in parallel, each into its own slice of the output.
    fn write(&self, indptr: &[usize], total: f64) -> (Vec<u32>, Vec<f32>) {
        const BLOCK: usize = 1024;
        let n = indptr.len() - 1;
        let nnz = indptr[n];
        let (mut indices, mut values) = (vec![0u32; nnz], vec![0f32; nnz]);
        let mut blocks = Vec::with_capacity(n.div_ceil(BLOCK));
        let (mut rest_i, mut rest_v) = (indices.as_mut_slice(), values.as_mut_slice());
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let len = indptr[end] - indptr[start];
            let (bi, ti) = rest_i.split_at_mut(len);
            let (bv, tv) = rest_v.split_at_mut(len);
            blocks.push((start..end, bi, bv));
            (rest_i, rest_v) = (ti, tv);
        }
        blocks
            .into_par_iter()
            .for_each_init(Vec::new, |buf, (rows, bi, bv)| {
                let mut at = 0;
                for r in rows {
                    self.fill(r, buf);
                    for (t, &(j, v)) in buf.iter().enumerate() {
                        bi[at + t] = j;
                        bv[at + t] = (v / total) as f32;
                    }
                    at += buf.len();
                }
            });
        (indices, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use ndarray::Array2;
    use rand::{Rng, SeedableRng};

    fn entropy(p: &[f64]) -> f64 {
        -p.iter()
            .filter(|&&v| v > 0.0)
            .map(|v| v * v.ln())
            .sum::<f64>()
    }

    #[test]
    fn rows_match_perplexity_and_p_is_symmetric_summing_to_one() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let data = Array2::from_shape_fn((300, 10), |_| rng.random::<f32>() * 4.0);
        let perplexity = 12.0;
        let nn = KnnGraph::exact(data.view(), 36);
        let mut row = vec![0.0; 36];
        for i in 0..300 {
            conditional_row(
                &nn.squared_distances()[i * 36..(i + 1) * 36],
                perplexity,
                &mut row,
            );
            let perp = entropy(&row).exp();
            assert!(
                (perp - perplexity).abs() / perplexity < 1e-4,
                "row {i}: {perp}"
            );
        }
        let p = joint_probabilities(&nn, 36, perplexity, None);
        let total: f64 = p.values.iter().map(|&v| f64::from(v)).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        let mut dense = vec![0.0f32; 300 * 300];
        for i in 0..300 {
            let (cols, vals) = p.row(i);
            assert!(
                cols.windows(2).all(|w| w[0] < w[1]),
                "row {i} not sorted/unique"
            );
            for (&j, &v) in cols.iter().zip(vals) {
                assert!(v > 0.0 && j as usize != i);
                dense[i * 300 + j as usize] = v;
            }
        }
        for i in 0..300 {
            for j in 0..300 {
                assert_eq!(dense[i * 300 + j], dense[j * 300 + i], "({i}, {j})");
            }
        }
    }

    #[test]
    fn renumbered_p_is_the_same_matrix() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let data = Array2::from_shape_fn((200, 6), |_| rng.random::<f32>());
        let plain = joint_probabilities(&KnnGraph::exact(data.view(), 15), 15, 5.0, None);
        // A reversal interleaved with a stride: every point moves.
        let order: Vec<u32> = (0..200u32).map(|r| (199 - r) * 7 % 200).collect();
        let renumbered =
            joint_probabilities(&KnnGraph::exact(data.view(), 15), 15, 5.0, Some(&order));
        assert_eq!(renumbered.indices.len(), plain.indices.len());
        let mut rank = vec![0u32; 200];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        for (r, &i) in order.iter().enumerate() {
            let (cols, vals) = renumbered.row(r);
            let (pcols, pvals) = plain.row(i as usize);
            let mut want: Vec<(u32, f32)> = pcols
                .iter()
                .map(|&j| rank[j as usize])
                .zip(pvals.iter().copied())
                .collect();
            want.sort_unstable_by_key(|e| e.0);
            assert_eq!(
                cols,
                want.iter().map(|e| e.0).collect::<Vec<_>>(),
                "row {r}"
            );
            for (v, w) in vals.iter().zip(&want) {
                assert!((v - w.1).abs() <= 1e-14 * w.1, "row {r}: {v} vs {}", w.1);
            }
        }
    }

    #[test]
    fn duplicate_points_give_finite_uniform_rows() {
        let mut data = Array2::<f32>::zeros((20, 3));
        data.row_mut(19).fill(1.0);
        let nn = KnnGraph::exact(data.view(), 6);
        let p = joint_probabilities(&nn, 6, 2.0, None);
        assert!(p.values.iter().all(|v| v.is_finite() && *v > 0.0));
        let mut row = vec![0.0; 6];
        conditional_row(&[0.0; 6], 2.0, &mut row);
        assert!(row.iter().all(|&v| (v - 1.0 / 6.0).abs() < 1e-15));
    }
}
