//! The Barnes-Hut space-partitioning tree: a quadtree (`D = 2`) or octree (`D = 3`) stored as
//! a linear, Morton-ordered (Z-order) arena, rebuilt from scratch every iteration.
//!
//! Build: bounding cube → quantise each point to [`LEVELS`] bits per axis → interleave the
//! bits into a Morton code → sort `(code, index)` → emit nodes in depth-first pre-order. A cell
//! holding points that all fall into one child is collapsed into that child (so every inner
//! node has at least two children); cells of at most [`LEAF_SIZE`] points are leaves. The codes
//! are computed and sorted in parallel (unique keys, so the order does not depend on the
//! threads); the nodes are emitted serially. Each node stores its centre of mass, point count,
//! the side of its cell, and `next`, the index just past its subtree: a walk is then a
//! plain loop with no stack and no recursion (skip a summarised subtree by jumping to `next`,
//! open it by stepping to the next node).
//!
//! Walks are shared: the points are taken in groups (runs of consecutive subtrees, at most
//! [`GROUP_SIZE`] points in all), and one walk per group builds an interaction list (summarised
//! cells, and the points of the leaves too near to summarise) that every point of the group
//! then sums in 8 lanes, one AVX register where the CPU has AVX (the same bits either way;
//! [`super::simd`] picks the lanes).
//!
//! Opening test: the openTSNE / scikit-learn one, on the cell's full **side** `s` and a
//! distance `d` to the cell's centre of mass: the cell is summarised when `s / d < θ`,
//! evaluated as `s² < θ² d²` (no square root). `d` is measured from the group's bounding box,
//! never farther than from any of its points, so every point's forces are at least as accurate
//! as with the classic per-point test at the same θ. Note that van der Maaten's bhtsne (and the
//! Rust `bhtsne` crate) compare the half-width instead, so their θ = 0.5 corresponds to about
//! θ = 1 here.

use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use super::simd::avx_lanes;
use super::simd::{lanes_total, LaneKernel, Lanes, LANES};

/// Quantisation depth: bits per axis of the Morton code (cells down to `extent / 2^21`).
pub(crate) const LEVELS: usize = 21;
/// A cell with at most this many points is a leaf (also a cell at the deepest level).
pub(crate) const LEAF_SIZE: usize = 8;

/// One cell of the tree.
#[derive(Debug, Clone, Copy)]
struct Node<const D: usize> {
    /// Centre of mass of the points in the cell.
    com: [f32; D],
    /// Number of points in the cell.
    count: u32,
    /// Index of the first node after this subtree; `next == self + 1` marks a leaf.
    next: u32,
    /// Side length of the cell.
    side: f32,
    /// First rank (position in Morton order) of the cell's points.
    start: u32,
}

/// A Barnes-Hut tree over `N` points in `D` dimensions, reusable across iterations.
#[derive(Debug, Clone, Default)]
pub struct Tree<const D: usize> {
    nodes: Vec<Node<D>>,
    codes: Vec<(u64, u32)>,
    /// Point positions in Morton order.
    sorted: Vec<[f32; D]>,
    /// `order[r]`: the original index of the point of rank `r`.
    order: Vec<u32>,
    /// `rank[i]`: the rank of original point `i`.
    rank: Vec<u32>,
    root_side: f64,
}

impl<const D: usize> Tree<D> {
    /// An empty tree; call [`Tree::build`] before use.
    pub fn new() -> Self {
        Self {
            nodes: Vec::new(),
            codes: Vec::new(),
            sorted: Vec::new(),
            order: Vec::new(),
            rank: Vec::new(),
            root_side: 1.0,
        }
    }

    /// Rebuilds the tree over `y`, `N x D` row-major.
    pub fn build(&mut self, y: &[f64]) {
        let n = y.len() / D;
        let mut lo = [f64::INFINITY; D];
        let mut hi = [f64::NEG_INFINITY; D];
        for p in y.chunks_exact(D) {
            for k in 0..D {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let extent = (0..D).map(|k| hi[k] - lo[k]).fold(0.0, f64::max);
        self.root_side = if extent > 0.0 {
            extent * (1.0 + 1e-9)
        } else {
            1.0
        };
        let cells = (1u64 << LEVELS) as f64;
        let scale = cells / self.root_side;
        y.par_chunks_exact(D)
            .enumerate()
            .map(|(i, p)| {
                let mut code = 0u64;
                for k in 0..D {
                    let q = (((p[k] - lo[k]) * scale) as u64).min((1 << LEVELS) - 1);
                    code |= spread::<D>(q) << (D - 1 - k);
                }
                (code, i as u32)
            })
            .collect_into_vec(&mut self.codes);
        // The keys are unique (the index is part of them), so the sorted order is too.
        self.codes.par_sort_unstable();
        self.order.clear();
        self.order.extend(self.codes.iter().map(|c| c.1));
        self.rank.resize(n, 0);
        self.sorted.clear();
        for (r, &(_, i)) in self.codes.iter().enumerate() {
            self.rank[i as usize] = r as u32;
            let p = &y[i as usize * D..(i as usize + 1) * D];
            self.sorted.push(std::array::from_fn(|k| p[k] as f32));
        }
        self.nodes.clear();
        if n > 0 {
            self.build_node(0, n, 0);
        }
    }

    /// Emits the subtree over ranks `lo..hi` whose cell is at depth `level`; returns the sum of
    /// its points' coordinates.
    fn build_node(&mut self, lo: usize, hi: usize, mut level: usize) -> [f64; D] {
        let at = self.nodes.len();
        self.nodes.push(Node {
            com: [0.0; D],
            count: 0,
            next: 0,
            side: 0.0,
            start: lo as u32,
        });
        let prefix = |code: u64, l: usize| code >> (D * (LEVELS - l));
        if hi - lo > 1 {
            let (first, last) = (self.codes[lo].0, self.codes[hi - 1].0);
            while level < LEVELS && prefix(first, level + 1) == prefix(last, level + 1) {
                level += 1;
            }
        }
        let mut sum = [0f64; D];
        if hi - lo <= LEAF_SIZE || level == LEVELS {
            for p in &self.sorted[lo..hi] {
                for k in 0..D {
                    sum[k] += f64::from(p[k]);
                }
            }
        } else {
            let shift = D * (LEVELS - level - 1);
            let mask = (1u64 << D) - 1;
            let mut a = lo;
            while a < hi {
                let child = (self.codes[a].0 >> shift) & mask;
                let b = a + self.codes[a..hi].partition_point(|c| (c.0 >> shift) & mask <= child);
                let s = self.build_node(a, b, level + 1);
                for k in 0..D {
                    sum[k] += s[k];
                }
                a = b;
            }
        }
        let count = (hi - lo) as f64;
        let side = self.root_side / (1u64 << level) as f64;
        let next = self.nodes.len() as u32;
        let node = &mut self.nodes[at];
        node.com = std::array::from_fn(|k| (sum[k] / count) as f32);
        node.count = (hi - lo) as u32;
        node.next = next;
        node.side = side as f32;
        sum
    }

    /// Original point indices in Morton order (the traversal order with the best locality).
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// The traversal groups, in Morton order: the maximal subtrees of at most [`GROUP_SIZE`]
    /// points, consecutive ones merged while they hold at most [`GROUP_SIZE`] points together.
    /// Their rank ranges tile `0..N`.
    pub fn groups(&self) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        let mut n = 0;
        while n < self.nodes.len() {
            let node = &self.nodes[n];
            let count = node.count as usize;
            if count <= GROUP_SIZE {
                match groups.last_mut() {
                    Some(g) if g.len + count <= GROUP_SIZE => g.len += count,
                    _ => groups.push(Group {
                        start: node.start as usize,
                        len: count,
                    }),
                }
                n = node.next as usize;
            } else {
                n += 1;
            }
        }
        groups
    }

    /// The repulsive sums of the points of `group`: calls `out(local, force, z)` for each, in
    /// rank order, with `force = Σ_j w_ij² (y_i - y_j)` and `z = Σ_j w_ij`, `w_ij = 1 / (1 +
    /// |y_i - y_j|²)` over all `j ≠ i`.
    ///
    /// The tree is walked once for the whole group: a cell is summarised by its centre of mass
    /// when `side² < θ² d²`, with `d` the distance from the cell's centre of mass to the
    /// group's bounding box: for every point of the group at least as strict as the per-point
    /// test, so each point's accuracy is at least that of classic Barnes-Hut at the same θ.
    /// Cells holding any of the group's points are always opened, and near leaves are visited
    /// point by point.
    /// The interaction list is then summed for every point of the group in `lanes`.
    pub fn group_repulsion(
        &self,
        group: &Group,
        theta2: f32,
        lanes: Lanes,
        list: &mut Interactions<D>,
        mut out: impl FnMut(usize, [f64; D], f64),
    ) {
        let points = &self.sorted[group.start..group.start + group.len];
        let mut lo = [f32::INFINITY; D];
        let mut hi = [f32::NEG_INFINITY; D];
        for p in points {
            for k in 0..D {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let (g_start, g_end) = (group.start as u32, (group.start + group.len) as u32);
        self.interactions((lo, hi), Some((g_start, g_end)), theta2, list);
        // Every point of the group is in the list once, as itself: at distance 0 it adds
        // exactly 1 to its own `z` and nothing to its force, which is taken off.
        for (local, y) in points.iter().enumerate() {
            let (f, z) = list.sum(lanes, y);
            out(local, f, z - 1.0);
        }
    }
}

impl<const D: usize> Tree<D> {
    /// Fills `list` with the interactions of the box `lo..hi` (a group's bounding box, or one
    /// point): a cell is summarised when `side² < θ² d²`, `d` its centre of mass's distance
    /// to the box, unless it holds a point of the ranks `holds` (the group's own); near leaves
    /// give their points one by one.
    fn interactions(
        &self,
        (lo, hi): ([f32; D], [f32; D]),
        holds: Option<(u32, u32)>,
        theta2: f32,
        list: &mut Interactions<D>,
    ) {
        list.clear();
        let len = self.nodes.len();
        let mut n = 0usize;
        while n < len {
            let node = &self.nodes[n];
            let next = node.next as usize;
            let holds_group =
                holds.is_some_and(|(s, e)| node.start < e && s < node.start + node.count);
            let d2: f32 = (0..D)
                .map(|k| {
                    let d = (lo[k] - node.com[k]).max(node.com[k] - hi[k]).max(0.0);
                    d * d
                })
                .sum();
            if !holds_group && node.side * node.side < theta2 * d2 {
                list.push(node.com, node.count as f32);
                n = next;
            } else if next == n + 1 {
                let range = node.start as usize..(node.start + node.count) as usize;
                for p in &self.sorted[range] {
                    list.push(*p, 1.0);
                }
                n = next;
            } else {
                n += 1;
            }
        }
    }

    /// The repulsion of the tree's points on `y`, a point that is not one of them (a new
    /// point placed into a fixed map): `(Σ_j w_j² (y - y_j), Σ_j w_j)` over every point `j`
    /// of the tree, by one walk of its own with the per-point opening test at `θ² = theta2`.
    /// It depends on `y` and the tree alone, never on other points being placed.
    pub fn repulsion_on(
        &self,
        y: &[f32; D],
        theta2: f32,
        lanes: Lanes,
        list: &mut Interactions<D>,
    ) -> ([f64; D], f64) {
        self.interactions((*y, *y), None, theta2, list);
        list.sum(lanes, y)
    }
}

/// Most points in one traversal group ([`Tree::groups`]).
pub(crate) const GROUP_SIZE: usize = 64;

/// A subtree whose points share one walk of the tree.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// Rank of its first point.
    pub start: usize,
    /// Number of points.
    pub len: usize,
}

/// A group's interaction list, summarised cells and the points of near leaves alike, as
/// blocks of `LANES` entries: each block holds `D` coordinate rows and a count row. The
/// last block is padded with entries of count 0. Reused across groups.
#[derive(Debug, Default)]
pub struct Interactions<const D: usize> {
    blocks: Vec<Block<D>>,
    len: usize,
}

/// `LANES` entries: coordinates by axis, then the counts.
#[derive(Debug, Clone, Copy)]
struct Block<const D: usize> {
    coords: [[f32; LANES]; D],
    counts: [f32; LANES],
}

impl<const D: usize> Interactions<D> {
    fn clear(&mut self) {
        self.blocks.clear();
        self.len = 0;
    }

    fn push(&mut self, at: [f32; D], count: f32) {
        let lane = self.len % LANES;
        if lane == 0 {
            self.blocks.push(Block {
                coords: [[0.0; LANES]; D],
                counts: [0.0; LANES],
            });
        }
        let block = self.blocks.last_mut().expect("a block was just pushed");
        for (row, &v) in block.coords.iter_mut().zip(&at) {
            row[lane] = v;
        }
        block.counts[lane] = count;
        self.len += 1;
    }

    /// `Σ count · q² (y - x)` and `Σ count · q` over the entries, `q = 1 / (1 + |y - x|²)`,
    /// in `lanes` ([`InteractionSum`]).
    fn sum(&self, lanes: Lanes, y: &[f32; D]) -> ([f64; D], f64) {
        lanes.run(&InteractionSum { list: self, y })
    }
}

/// The sums of [`Interactions::sum`] for the point `y`: each lane accumulates its entries in
/// float32, in list order; the lanes are then summed in float64.
struct InteractionSum<'a, const D: usize> {
    list: &'a Interactions<D>,
    y: &'a [f32; D],
}

impl<const D: usize> LaneKernel for InteractionSum<'_, D> {
    type Output = ([f64; D], f64);

    fn portable(&self) -> Self::Output {
        let y = self.y;
        let mut f = [[0f32; LANES]; D];
        let mut z = [0f32; LANES];
        for b in &self.list.blocks {
            let mut d = [[0f32; LANES]; D];
            let mut d2 = [0f32; LANES];
            for k in 0..D {
                for l in 0..LANES {
                    d[k][l] = y[k] - b.coords[k][l];
                    d2[l] += d[k][l] * d[k][l];
                }
            }
            for l in 0..LANES {
                let q = 1.0 / (1.0 + d2[l]);
                let cq = b.counts[l] * q;
                z[l] += cq;
                for k in 0..D {
                    f[k][l] += cq * q * d[k][l];
                }
            }
        }
        lane_totals(&f, &z)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn avx(&self) -> Self::Output {
        use std::arch::x86_64::{
            _mm256_add_ps, _mm256_div_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps,
            _mm256_setzero_ps, _mm256_sub_ps,
        };
        let one = _mm256_set1_ps(1.0);
        let mut yv = [_mm256_setzero_ps(); D];
        for (v, &c) in yv.iter_mut().zip(self.y.iter()) {
            *v = _mm256_set1_ps(c);
        }
        let mut f = [_mm256_setzero_ps(); D];
        let mut z = _mm256_setzero_ps();
        for b in &self.list.blocks {
            let mut d = [_mm256_setzero_ps(); D];
            let mut d2 = _mm256_setzero_ps();
            for k in 0..D {
                // SAFETY: each row holds exactly 8 floats.
                d[k] = _mm256_sub_ps(yv[k], unsafe { _mm256_loadu_ps(b.coords[k].as_ptr()) });
                d2 = _mm256_add_ps(d2, _mm256_mul_ps(d[k], d[k]));
            }
            let q = _mm256_div_ps(one, _mm256_add_ps(one, d2));
            // SAFETY: as above.
            let cq = _mm256_mul_ps(unsafe { _mm256_loadu_ps(b.counts.as_ptr()) }, q);
            z = _mm256_add_ps(z, cq);
            let cqq = _mm256_mul_ps(cq, q);
            for k in 0..D {
                f[k] = _mm256_add_ps(f[k], _mm256_mul_ps(cqq, d[k]));
            }
        }
        let mut fl = [[0f32; LANES]; D];
        for (out, v) in fl.iter_mut().zip(&f) {
            // SAFETY: the caller guarantees AVX.
            *out = unsafe { avx_lanes(*v) };
        }
        // SAFETY: as above.
        lane_totals(&fl, &unsafe { avx_lanes(z) })
    }
}

/// The float64 totals of per-lane force and `z` sums.
fn lane_totals<const D: usize>(f: &[[f32; LANES]; D], z: &[f32; LANES]) -> ([f64; D], f64) {
    (std::array::from_fn(|k| lanes_total(&f[k])), lanes_total(z))
}

/// Spreads the low [`LEVELS`] bits of `v` so that consecutive bits land `D` apart.
fn spread<const D: usize>(v: u64) -> u64 {
    let mut out = 0u64;
    for b in 0..LEVELS {
        out |= ((v >> b) & 1) << (b * D);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_nodes_partition_the_points() {
        let y: Vec<f64> = (0..400).map(|i| ((i * 37) % 101) as f64 * 0.3).collect();
        let mut t = Tree::<2>::new();
        t.build(&y);
        let root = t.nodes[0];
        assert_eq!(root.count, 200);
        assert_eq!(root.next as usize, t.nodes.len());
        let mean_x: f64 = y.chunks(2).map(|p| p[0]).sum::<f64>() / 200.0;
        assert!((f64::from(root.com[0]) - mean_x).abs() < 1e-4);
        // Every point lies in exactly one leaf, and leaves tile the Morton order.
        let mut covered = 0;
        for (i, nd) in t.nodes.iter().enumerate() {
            if nd.next as usize == i + 1 {
                assert_eq!(nd.start as usize, covered);
                covered += nd.count as usize;
            }
        }
        assert_eq!(covered, 200);
        let mut seen = t.order().to_vec();
        seen.sort_unstable();
        assert_eq!(seen, (0..200).collect::<Vec<u32>>());
    }

    /// 37 random entries in `D` dimensions (four full blocks of 8 and a padded one): the
    /// portable sums match float64 sums of the same entries, and every lane kind the CPU has
    /// gives the portable bits. Without AVX only the portable lanes exist, and only the first
    /// check is made.
    fn check_interaction_sums<const D: usize>() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5 + D as u64);
        let mut list = Interactions::<D>::default();
        let mut entries = Vec::new();
        for _ in 0..37 {
            let at: [f32; D] = std::array::from_fn(|_| rng.random_range(-40.0..40.0));
            let count = rng.random_range(1..20) as f32;
            list.push(at, count);
            entries.push((at, count));
        }
        let y: [f32; D] = std::array::from_fn(|k| [1.5f32, -2.0, 0.25][k]);
        let plain = list.sum(Lanes::Portable, &y);
        let (mut f, mut z) = ([0f64; D], 0f64);
        for (at, count) in &entries {
            let d: [f64; D] = std::array::from_fn(|k| f64::from(y[k] - at[k]));
            let q = 1.0 / (1.0 + d.iter().map(|v| v * v).sum::<f64>());
            z += f64::from(*count) * q;
            for k in 0..D {
                f[k] += f64::from(*count) * q * q * d[k];
            }
        }
        assert!((plain.1 - z).abs() < 1e-5 * z, "{D}-D: {} vs {z}", plain.1);
        for k in 0..D {
            assert!(
                (plain.0[k] - f[k]).abs() < 1e-5 * (1e-3 + f[k].abs()),
                "{D}-D: {plain:?} {f:?}"
            );
        }
        for lanes in Lanes::available() {
            let got = list.sum(lanes, &y);
            assert_eq!(
                got.0.map(f64::to_bits),
                plain.0.map(f64::to_bits),
                "{D}-D, {lanes:?}"
            );
            assert_eq!(got.1.to_bits(), plain.1.to_bits(), "{D}-D, {lanes:?}");
        }
    }

    /// [`check_interaction_sums`] in 2-D and 3-D: AVX and portable lanes agree to the bit where
    /// the CPU has AVX; on other CPUs the portable lanes are checked against float64 alone.
    #[test]
    fn interaction_sums_match_float64_and_every_lane_kind_gives_the_same_bits() {
        check_interaction_sums::<2>();
        check_interaction_sums::<3>();
    }

    #[test]
    fn theta_zero_is_exact_even_with_duplicates() {
        let mut y: Vec<f64> = (0..900)
            .map(|i| ((i * 13) % 17) as f64 * 0.7 - 3.0)
            .collect();
        y.extend([1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
        let n = y.len() / 3;
        let mut t = Tree::<3>::new();
        t.build(&y);
        let mut got = vec![([0.0; 3], 0.0); n];
        let mut list = Interactions::default();
        for g in t.groups() {
            t.group_repulsion(&g, 0.0, Lanes::Portable, &mut list, |local, f, z| {
                got[g.start + local] = (f, z)
            });
        }
        for (r, &(f, z)) in got.iter().enumerate() {
            let i = t.order()[r] as usize;
            let (mut fe, mut ze) = ([0.0f64; 3], 0.0);
            for j in (0..n).filter(|&j| j != i) {
                let d: Vec<f64> = (0..3).map(|k| y[i * 3 + k] - y[j * 3 + k]).collect();
                let w = 1.0 / (1.0 + d.iter().map(|v| v * v).sum::<f64>());
                ze += w;
                for k in 0..3 {
                    fe[k] += w * w * d[k];
                }
            }
            assert!((z - ze).abs() < 1e-5 * ze, "{z} vs {ze}");
            for k in 0..3 {
                assert!(
                    (f[k] - fe[k]).abs() < 1e-5 * (1.0 + fe[k].abs()),
                    "{f:?} vs {fe:?}"
                );
            }
        }
    }
}
