//! Approximate k-nearest neighbours for large inputs: a random-projection forest proposes
//! candidates, then rounds of neighbour descent ("a neighbour of a neighbour is likely a
//! neighbour") refine them.
//!
//! 1. **Forest.** [`TREES`] trees; each splits a node's points at the median of their
//!    projections on the difference of two of its points (picked by a ChaCha8 stream seeded with
//!    the seed, tree and node), down to leaves of at most [`LEAF_SIZE`] points. Every point's
//!    candidates are the other points of its leaf in each tree. The first tree's leaf order
//!    also becomes the memory layout of the points for the rest of the search, so that the
//!    rows a point compares itself with are mostly near each other in memory.
//! 2. **Descent.** [`DESCENT_ROUNDS`] rounds; in each, every point also considers the first
//!    [`DESCENT_FANOUT`] neighbours of each of its first [`DESCENT_FANOUT`] neighbours (from the
//!    previous round's lists: Jacobi-style, so each point's update reads only the previous round).
//!
//! Candidates are ranked by float32 squared distance (ties to the lower index); each candidate
//! of a point is measured once (a small hash set skips repeats, and a list's own distances are
//! carried from round to round); the final `k` get their exact distance in f64. Every point's
//! list is computed by one task from data fixed before the phase starts, and the trees are
//! built serially per tree, so the result does not depend on the number of threads. Memory:
//! `O(N (k + TREES + D))`: the lists with their distances, the forest, one copy of the points.

use std::borrow::Cow;

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use super::Knn;

/// Trees in the random-projection forest.
pub(crate) const TREES: usize = 6;
/// Largest leaf.
pub(crate) const LEAF_SIZE: usize = 128;
/// Rounds of neighbour descent.
pub(crate) const DESCENT_ROUNDS: usize = 4;
/// Neighbours (and their neighbours) looked at per point in a descent round.
pub(crate) const DESCENT_FANOUT: usize = 20;

/// Approximate `k` nearest neighbours of each row of `data` (`N x D`), `1 <= k <= N - 1`,
/// nearest first, the point itself excluded.
///
/// # Panics
/// If `k` is 0 or not below the number of rows (callers validate this first).
pub(crate) fn knn(data: ArrayView2<f32>, k: usize, seed: u64) -> Knn {
    let n = data.nrows();
    assert!(k >= 1 && k < n, "approximate knn: k = {k} with {n} points");
    let d = data.ncols();
    let leaf_size = LEAF_SIZE.max(k + 1);

    // The first tree also decides the memory layout: the points are copied in its leaf order,
    // so that neighbours (which mostly share leaves) sit close in memory and the candidate
    // distances below read mostly cached rows. Position `p` holds input point `order[p]`.
    let (order, first_ranges, permuted) = {
        let rows: Cow<[f32]> = match data.as_slice() {
            Some(rows) => Cow::Borrowed(rows),
            None => Cow::Owned(data.iter().copied().collect()),
        };
        let input = Rows { data: &rows, d };
        let first = Leaves::build(&input, seed, 0, leaf_size);
        let permuted: Vec<f32> = first
            .perm
            .iter()
            .flat_map(|&i| input.row(i as usize))
            .copied()
            .collect();
        let ranges: Vec<(u32, u32)> = first
            .perm
            .iter()
            .map(|&i| first.range_of[i as usize])
            .collect();
        (first.perm, ranges, permuted)
    };
    let x = Rows { data: &permuted, d };
    let mut leaves = vec![Leaves {
        perm: (0..n as u32).collect(),
        range_of: first_ranges,
    }];
    leaves.par_extend(
        (1..TREES)
            .into_par_iter()
            .map(|t| Leaves::build(&x, seed, t as u64, leaf_size)),
    );

    let fanout = DESCENT_FANOUT.min(k);
    // Candidates of one point: its leaf in each tree, or its list and its neighbours' lists.
    let most = (TREES * leaf_size).max(k + fanout * fanout);
    let mut lists = vec![0u32; n * k];
    let mut dists = vec![0f32; n * k];
    rebuild_lists(&mut lists, &mut dists, k, most, |i, best, seen| {
        for tree in &leaves {
            for &j in tree.leaf_of(i) {
                best.consider(seen, &x, i, j);
            }
        }
    });
    drop(leaves);
    for _ in 0..DESCENT_ROUNDS {
        let (prev, prev_d) = (lists.clone(), dists.clone());
        rebuild_lists(&mut lists, &mut dists, k, most, |i, best, seen| {
            let own = i * k..(i + 1) * k;
            for (&j, &dj) in prev[own.clone()].iter().zip(&prev_d[own]) {
                seen.insert(j);
                best.offer(j, dj);
            }
            for &j in &prev[i * k..i * k + fanout] {
                let j = j as usize;
                for &l in &prev[j * k..j * k + fanout] {
                    best.consider(seen, &x, i, l);
                }
            }
        });
    }
    drop(dists);

    // Back to the input's numbering, each list re-ranked by exact float64 distance.
    let mut rank = vec![0u32; n];
    for (p, &i) in order.iter().enumerate() {
        rank[i as usize] = p as u32;
    }
    let mut indices = vec![0u32; n * k];
    let mut dist2 = vec![0f64; n * k];
    dist2
        .par_chunks_mut(k)
        .zip(indices.par_chunks_mut(k))
        .enumerate()
        .for_each(|(i, (dd, idx))| {
            let p = rank[i] as usize;
            let mut exact: Vec<(f64, u32)> = lists[p * k..(p + 1) * k]
                .iter()
                .map(|&q| (x.dist_f64(p, q as usize), order[q as usize]))
                .collect();
            exact.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (t, (e, j)) in exact.into_iter().enumerate() {
                dd[t] = e;
                idx[t] = j;
            }
        });
    Knn { k, indices, dist2 }
}

/// One pass over all points: point `i`'s list (`k` entries of `lists` and `dists`) is rebuilt
/// from the candidates `propose(i, ..)` offers, each measured once (the point itself excluded),
/// by one task per point, so the result does not depend on the threads.
fn rebuild_lists(
    lists: &mut [u32],
    dists: &mut [f32],
    k: usize,
    most: usize,
    propose: impl Fn(usize, &mut Best, &mut Seen) + Sync,
) {
    lists
        .par_chunks_mut(k)
        .zip(dists.par_chunks_mut(k))
        .enumerate()
        .for_each_init(
            || (Best::new(k), Seen::new(most)),
            |(best, seen), (i, (out, out_d))| {
                best.clear();
                seen.clear();
                seen.insert(i as u32);
                propose(i, best, seen);
                best.write(out, out_d);
            },
        );
}

/// The fraction of the exact neighbour lists' entries that `approx` found (recall).
///
/// # Panics
/// If the two graphs differ in size.
pub(crate) fn recall(approx: &Knn, exact: &Knn) -> f64 {
    assert_eq!(
        (approx.k, approx.indices.len()),
        (exact.k, exact.indices.len())
    );
    let found: usize = approx
        .indices
        .par_chunks(approx.k)
        .zip(exact.indices.par_chunks(exact.k))
        .map(|(a, e)| e.iter().filter(|j| a.contains(j)).count())
        .sum();
    found as f64 / exact.indices.len() as f64
}

/// Row-major float32 points.
pub(super) struct Rows<'a> {
    pub(super) data: &'a [f32],
    pub(super) d: usize,
}

impl Rows<'_> {
    pub(super) fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// Squared distance in float32, summed in 8 lanes (vectorises).
    #[inline]
    fn dist(&self, i: usize, j: usize) -> f32 {
        let (a, b) = (self.row(i), self.row(j));
        let mut acc = [0f32; 8];
        let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (u, v) in ca.zip(cb) {
            for l in 0..8 {
                let t = u[l] - v[l];
                acc[l] += t * t;
            }
        }
        let tail: f32 = ra.iter().zip(rb).map(|(u, v)| (u - v) * (u - v)).sum();
        acc.iter().sum::<f32>() + tail
    }

    fn dist_f64(&self, i: usize, j: usize) -> f64 {
        self.row(i)
            .iter()
            .zip(self.row(j))
            .map(|(&u, &v)| (f64::from(u) - f64::from(v)).powi(2))
            .sum()
    }
}

/// The leaves of one random-projection tree: a permutation of the points in which every leaf
/// is a contiguous range.
pub(super) struct Leaves {
    /// Points, leaf by leaf.
    pub(super) perm: Vec<u32>,
    /// `(start, end)` in `perm` of each point's leaf.
    pub(super) range_of: Vec<(u32, u32)>,
}

impl Leaves {
    /// The leaves (at most `leaf_size` points) of tree number `tree` of the forest of `seed`.
    pub(super) fn build(x: &Rows<'_>, seed: u64, tree: u64, leaf_size: usize) -> Self {
        let n = x.data.len() / x.d;
        let mut perm: Vec<u32> = (0..n as u32).collect();
        let mut range_of = vec![(0u32, 0u32); n];
        let mut proj: Vec<(f32, u32)> = Vec::new();
        // Depth-first over (start, end, node id); node ids are heap-numbered.
        let mut stack = vec![(0usize, n, 1u64)];
        while let Some((start, end, node)) = stack.pop() {
            if end - start <= leaf_size {
                for &i in &perm[start..end] {
                    range_of[i as usize] = (start as u32, end as u32);
                }
                continue;
            }
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                seed ^ tree.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ node.wrapping_mul(0xD1B5_4A32_D192_ED03),
            );
            let len = end - start;
            let ia = rng.random_range(0..len);
            let ib = (ia + 1 + rng.random_range(0..len - 1)) % len;
            let (a, b) = (perm[start + ia] as usize, perm[start + ib] as usize);
            let dir: Vec<f32> = x.row(a).iter().zip(x.row(b)).map(|(u, v)| u - v).collect();
            proj.clear();
            proj.extend(perm[start..end].iter().map(|&i| {
                let p: f32 = x.row(i as usize).iter().zip(&dir).map(|(u, v)| u * v).sum();
                (p, i)
            }));
            let mid = len / 2;
            proj.select_nth_unstable_by(mid, |p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
            for (slot, &(_, i)) in perm[start..end].iter_mut().zip(&proj) {
                *slot = i;
            }
            stack.push((start + mid, end, 2 * node + 1));
            stack.push((start, start + mid, 2 * node));
        }
        Self { perm, range_of }
    }

    /// The points of point `i`'s leaf (itself included).
    fn leaf_of(&self, i: usize) -> &[u32] {
        let (s, e) = self.range_of[i];
        &self.perm[s as usize..e as usize]
    }
}

/// The best `k` candidates of one point so far, sorted by (distance, index), without repeats.
pub(super) struct Best {
    k: usize,
    list: Vec<(f32, u32)>,
}

impl Best {
    pub(super) fn new(k: usize) -> Self {
        Self {
            k,
            list: Vec::with_capacity(k + 1),
        }
    }

    pub(super) fn clear(&mut self) {
        self.list.clear();
    }

    /// Considers point `j`, at float32 squared distance `dj`, offered once per point.
    #[inline]
    pub(super) fn offer(&mut self, j: u32, dj: f32) {
        let key = (dj, j);
        let less = |a: &(f32, u32), b: &(f32, u32)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
        let full = self.list.len() == self.k;
        if full && !less(&key, &self.list[self.k - 1]) {
            return;
        }
        let pos = self.list.partition_point(|e| less(e, &key));
        if full {
            self.list.pop();
        }
        self.list.insert(pos, key);
    }

    /// Offers point `j` as a neighbour of `i`, measuring it, unless `seen` already had it.
    #[inline]
    fn consider(&mut self, seen: &mut Seen, x: &Rows<'_>, i: usize, j: u32) {
        if seen.insert(j) {
            self.offer(j, x.dist(i, j as usize));
        }
    }

    /// The candidates kept, nearest first: `(float32 squared distance, index)`.
    pub(super) fn entries(&self) -> &[(f32, u32)] {
        &self.list
    }

    fn write(&self, out: &mut [u32], out_d: &mut [f32]) {
        for ((o, od), e) in out.iter_mut().zip(out_d.iter_mut()).zip(&self.list) {
            *o = e.1;
            *od = e.0;
        }
    }
}

/// The points already offered for the current point: a small open-addressing set, so that a
/// candidate proposed by several trees or neighbours costs one distance, not several.
pub(super) struct Seen {
    slots: Vec<u32>,
    used: Vec<usize>,
}

impl Seen {
    /// A set for up to `most` points (kept at most half full).
    pub(super) fn new(most: usize) -> Self {
        Self {
            slots: vec![u32::MAX; (2 * most).next_power_of_two()],
            used: Vec::new(),
        }
    }

    pub(super) fn clear(&mut self) {
        for &s in &self.used {
            self.slots[s] = u32::MAX;
        }
        self.used.clear();
    }

    /// Adds `j`; false when it was already there.
    #[inline]
    pub(super) fn insert(&mut self, j: u32) -> bool {
        let mask = self.slots.len() - 1;
        // Fibonacci hashing: the high bits of the product, scaled to the table.
        let mut s =
            ((u64::from(j.wrapping_mul(0x9E37_79B1)) * self.slots.len() as u64) >> 32) as usize;
        loop {
            match self.slots[s] {
                u32::MAX => {
                    self.slots[s] = j;
                    self.used.push(s);
                    return true;
                }
                v if v == j => return false,
                _ => s = (s + 1) & mask,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::knn::exact;
    use ndarray::Array2;

    /// Clustered 20-d points: 30 Gaussian-ish clusters.
    fn clustered(n: usize) -> Array2<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let centres: Vec<f32> = (0..30 * 20).map(|_| rng.random::<f32>() * 10.0).collect();
        Array2::from_shape_fn((n, 20), |(i, c)| {
            centres[(i % 30) * 20 + c] + rng.random::<f32>() + rng.random::<f32>()
        })
    }

    #[test]
    fn recall_against_exact_neighbours_is_high_and_distances_are_exact() {
        let x = clustered(3000);
        let exact = exact::knn(x.view(), 30);
        let approx = knn(x.view(), 30, 7);
        let r = recall(&approx, &exact);
        assert!(r > 0.95, "recall {r}");
        assert_eq!(recall(&exact, &exact), 1.0);
        for i in 0..3000 {
            let (idx, d2) = approx.row(i);
            assert!(!idx.contains(&(i as u32)));
            assert!(d2.windows(2).all(|w| w[0] <= w[1]), "row {i} unsorted");
            let mut seen = idx.to_vec();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), 30, "row {i} has repeats");
            for (&j, &dd) in idx.iter().zip(d2) {
                let want: f64 = x
                    .row(i)
                    .iter()
                    .zip(x.row(j as usize))
                    .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                    .sum();
                assert_eq!(dd, want);
            }
        }
    }

    #[test]
    fn same_seed_same_graph_at_any_thread_count() {
        let x = clustered(2000);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| knn(x.view(), 10, 3))
        };
        assert_eq!(run(1), run(3));
    }
}
