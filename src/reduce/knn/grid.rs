//! Exact k-nearest neighbours of low-dimensional points (maps: 1 to [`GRID_MAX_DIMS`] columns)
//! on a uniform grid, in about `O(N k)` instead of brute force's `O(N²)`.
//!
//! The points are binned into cells holding about [`POINTS_PER_CELL`] points on average; each
//! query visits the rings of cells around its own, nearest first, and stops once the `k`-th
//! best distance is below the distance to every cell not yet visited. Distances are exact in
//! f64 and ties go to the lower index, as in the brute-force search, so the lists are the same
//! (up to float32 candidate rounding there); they do not depend on the number of threads.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::Knn;

/// Inputs of at most this many columns use the grid.
pub(crate) const GRID_MAX_DIMS: usize = 3;
/// Average points per occupied-or-not cell the grid is sized for.
const POINTS_PER_CELL: f64 = 2.0;
/// Queries per parallel task.
const CHUNK: usize = 256;

/// The grid: cell sizes, counts per axis, and the points sorted by cell.
struct Grid<'a> {
    points: &'a [f64],
    d: usize,
    lo: [f64; GRID_MAX_DIMS],
    size: [f64; GRID_MAX_DIMS],
    cells: [usize; GRID_MAX_DIMS],
    /// Cell `c` holds `order[start[c]..start[c + 1]]`.
    start: Vec<usize>,
    order: Vec<u32>,
}

impl<'a> Grid<'a> {
    fn new(points: &'a [f64], d: usize) -> Self {
        let n = points.len() / d;
        let mut lo = [0.0; GRID_MAX_DIMS];
        let mut hi = [0.0; GRID_MAX_DIMS];
        for t in 0..d {
            let column = points.iter().skip(t).step_by(d);
            lo[t] = column.clone().copied().fold(f64::INFINITY, f64::min);
            hi[t] = column.copied().fold(f64::NEG_INFINITY, f64::max);
        }
        // Axes of zero extent get one cell; the others share the cell budget as a cube would.
        let spread: Vec<usize> = (0..d).filter(|&t| hi[t] > lo[t]).collect();
        let volume: f64 = spread.iter().map(|&t| hi[t] - lo[t]).product();
        let target = (n as f64 / POINTS_PER_CELL).max(1.0);
        let side = (volume / target).powf(1.0 / spread.len().max(1) as f64);
        let mut cells = [1usize; GRID_MAX_DIMS];
        let mut size = [1.0; GRID_MAX_DIMS];
        for &t in &spread {
            // At most 4 N cells in all, whatever the outliers do to the bounding box.
            let count = ((hi[t] - lo[t]) / side).ceil().clamp(1.0, 4.0 * n as f64);
            cells[t] = count as usize;
            size[t] = (hi[t] - lo[t]) / count;
        }
        let total: usize = cells[..d].iter().product();
        let mut grid = Grid {
            points,
            d,
            lo,
            size,
            cells,
            start: vec![0; total + 1],
            order: Vec::new(),
        };
        let ids: Vec<usize> = (0..n).map(|i| grid.cell_of(grid.point(i))).collect();
        for &c in &ids {
            grid.start[c + 1] += 1;
        }
        for c in 0..total {
            grid.start[c + 1] += grid.start[c];
        }
        let mut next = grid.start.clone();
        grid.order = vec![0; n];
        for (i, &c) in ids.iter().enumerate() {
            grid.order[next[c]] = i as u32;
            next[c] += 1;
        }
        grid
    }

    fn point(&self, i: usize) -> &[f64] {
        &self.points[i * self.d..(i + 1) * self.d]
    }

    /// The cell coordinate of `x` on axis `t`.
    fn axis_cell(&self, x: f64, t: usize) -> usize {
        let c = ((x - self.lo[t]) / self.size[t]).floor();
        (c.max(0.0) as usize).min(self.cells[t] - 1)
    }

    fn cell_of(&self, p: &[f64]) -> usize {
        (0..self.d)
            .rev()
            .fold(0, |id, t| id * self.cells[t] + self.axis_cell(p[t], t))
    }

    /// The `k` nearest other points of point `i`, by (squared distance, index), into `best`.
    fn query(&self, i: usize, k: usize, best: &mut Vec<(f64, u32)>) {
        best.clear();
        let q = self.point(i);
        let mut home = [0usize; GRID_MAX_DIMS];
        for t in 0..self.d {
            home[t] = self.axis_cell(q[t], t);
        }
        let widest = self.cells[..self.d].iter().copied().max().unwrap_or(1);
        for ring in 0..widest {
            self.visit_ring(&home, ring, |j| {
                if j as usize != i {
                    let p = self.point(j as usize);
                    let d2: f64 = q.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
                    insert(best, k, (d2, j));
                }
            });
            if best.len() == k {
                // Every point outside the block of rings 0..=ring is at least this far away.
                let gap = (0..self.d)
                    .map(|t| {
                        let below = home[t] as f64 - ring as f64;
                        let above = (home[t] + ring + 1) as f64;
                        let lo = self.lo[t] + below * self.size[t];
                        let hi = self.lo[t] + above * self.size[t];
                        // Less a hair, for the rounding of the cell boundaries.
                        (q[t] - lo).min(hi - q[t]) - 1e-9 * self.size[t]
                    })
                    .fold(f64::INFINITY, f64::min);
                if best[k - 1].0 < gap * gap {
                    return;
                }
            }
        }
    }

    /// Calls `f` on every point of the cells at Chebyshev distance exactly `ring` from `home`.
    fn visit_ring(&self, home: &[usize; GRID_MAX_DIMS], ring: usize, mut f: impl FnMut(u32)) {
        let range = |t: usize| {
            let a = home[t].saturating_sub(ring);
            let b = (home[t] + ring).min(self.cells[t] - 1);
            a..=b
        };
        let mut cell = [0usize; GRID_MAX_DIMS];
        let mut visit = |cell: &[usize]| {
            let on_ring = (0..self.d).any(|t| cell[t].abs_diff(home[t]) == ring);
            if on_ring {
                let id = (0..self.d)
                    .rev()
                    .fold(0, |id, t| id * self.cells[t] + cell[t]);
                for &j in &self.order[self.start[id]..self.start[id + 1]] {
                    f(j);
                }
            }
        };
        match self.d {
            1 => {
                for a in range(0) {
                    visit(&[a]);
                }
            }
            2 => {
                for b in range(1) {
                    for a in range(0) {
                        visit(&[a, b]);
                    }
                }
            }
            _ => {
                for c in range(2) {
                    for b in range(1) {
                        for a in range(0) {
                            cell[..3].copy_from_slice(&[a, b, c]);
                            visit(&cell[..3]);
                        }
                    }
                }
            }
        }
    }
}

/// Inserts `item` into `best` (sorted by distance, then index), keeping at most `k`.
fn insert(best: &mut Vec<(f64, u32)>, k: usize, item: (f64, u32)) {
    let before = |a: &(f64, u32), b: &(f64, u32)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
    if best.len() == k && !before(&item, &best[k - 1]) {
        return;
    }
    let at = best.partition_point(|e| before(e, &item));
    if best.len() == k {
        best.pop();
    }
    best.insert(at, item);
}

/// Exact `k` nearest neighbours of each row of `data` (`N x D`, `1 <= D <= GRID_MAX_DIMS`,
/// `1 <= k < N`, finite values).
pub(crate) fn knn(data: ArrayView2<f32>, k: usize) -> Knn {
    let (n, d) = data.dim();
    assert!((1..=GRID_MAX_DIMS).contains(&d) && k >= 1 && k < n);
    let points: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    let grid = Grid::new(&points, d);
    let mut indices = vec![0u32; n * k];
    let mut dist2 = vec![0f64; n * k];
    indices
        .par_chunks_mut(CHUNK * k)
        .zip(dist2.par_chunks_mut(CHUNK * k))
        .enumerate()
        .for_each(|(c, (idx_out, d_out))| {
            let mut best = Vec::with_capacity(k + 1);
            for (r, (idx, dd)) in idx_out.chunks_mut(k).zip(d_out.chunks_mut(k)).enumerate() {
                grid.query(c * CHUNK + r, k, &mut best);
                for (t, &(d2, j)) in best.iter().enumerate() {
                    idx[t] = j;
                    dd[t] = d2;
                }
            }
        });
    Knn { k, indices, dist2 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};

    /// Brute force by (f64 distance, index): the reference.
    fn brute(data: &Array2<f32>, k: usize) -> Knn {
        let (n, d) = data.dim();
        let mut indices = Vec::new();
        let mut dist2 = Vec::new();
        for i in 0..n {
            let mut all: Vec<(f64, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    let s = (0..d)
                        .map(|t| f64::from(data[[i, t]]) - f64::from(data[[j, t]]))
                        .map(|x| x * x)
                        .sum();
                    (s, j as u32)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            indices.extend(all[..k].iter().map(|e| e.1));
            dist2.extend(all[..k].iter().map(|e| e.0));
        }
        Knn { k, indices, dist2 }
    }

    fn check(data: Array2<f32>, k: usize) {
        assert_eq!(knn(data.view(), k), brute(&data, k), "{data:?}");
    }

    #[test]
    fn matches_brute_force_on_real_shapes() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for d in 1..=3 {
            // Uniform noise; far clusters with an outlier; a grid of exact ties and duplicates.
            let uniform = Array2::from_shape_fn((600, d), |_| rng.random::<f32>());
            check(uniform, 10);
            let clusters = Array2::from_shape_fn((400, d), |(i, _)| {
                let centre = if i == 0 { 1e6 } else { (i % 4) as f32 * 100.0 };
                centre + rng.random::<f32>()
            });
            check(clusters, 7);
            let ties = Array2::from_shape_fn((300, d), |(i, t)| ((i / 3 + t) % 5) as f32);
            check(ties, 12);
        }
    }

    #[test]
    fn constant_axes_and_tiny_inputs() {
        let line = Array2::from_shape_fn((50, 2), |(i, t)| if t == 0 { i as f32 } else { 7.0 });
        check(line, 5);
        check(Array2::zeros((20, 3)), 4);
        check(ndarray::array![[0.0f32, 0.0], [1.0, 1.0]], 1);
    }
}
