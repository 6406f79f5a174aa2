//! FFT-accelerated interpolation of the 2-D t-SNE repulsion (FIt-SNE's scheme: Linderman,
//! Rachh, Hoskins, Steinerberger and Kluger, "Fast interpolation-based t-SNE for improved
//! visualization of single-cell RNA-seq data", Nature Methods 16, 2019).
//!
//! With the squared Cauchy kernel `K(y, z) = 1 / (1 + |y - z|²)²`, the repulsion of point `i`
//! and its share of `Z` follow from four potentials `φ_c(i) = Σ_j K(y_i, y_j) q_c(j)` of the
//! charges `q = (1, y_1, y_2, |y|²)`:
//!
//! - repulsion `Σ_j w_ij² (y_i - y_j) = y_i φ_0 - (φ_1, φ_2)`;
//! - `Σ_{j≠i} w_ij = Σ_j K (1 + |y_i - y_j|²) - 1 = (1 + |y_i|²) φ_0 - 2 y_i·(φ_1, φ_2) + φ_3 - 1`.
//!
//! The potentials are interpolated:
//! 1. the embedding's bounding box is cut into `B x B` square boxes, `B` at least [`MIN_BOXES`]
//!    (finer boxes while the map is small), else boxes of side `1 / BOXES_PER_UNIT`, rounded up
//!    to a size whose FFT is fast;
//! 2. each box holds [`NODES`]` x `[`NODES`] equispaced interpolation nodes, so the nodes form
//!    one uniform `m x m` grid (`m = NODES · B`); each point spreads its charges onto the nodes
//!    of its box with Lagrange weights;
//! 3. the kernel between nodes depends only on their offset, so the node potentials are a
//!    convolution, done as a zero-padded `2m x 2m` circulant product with real FFTs (rows, then
//!    columns; pure Rust, `realfft`/`rustfft`); the kernel's spectrum is real and even, is kept
//!    as one quadrant and is recomputed only when the grid's size or spacing changes;
//! 4. each point reads its potentials back from its box's nodes with the same weights.
//!
//! Cost per evaluation: `O(N)` for spreading and gathering, plus `O(m² log m)` for the FFTs,
//! which grows with the map's extent, not with `N`.
//!
//! Determinism: points are bucketed by box with a serial, stable counting sort; each box's
//! nodes are summed by one task in that order, each FFT row or column by one task, each point's
//! potentials by one task. Nothing depends on the number of threads.

use std::sync::Arc;

use ndarray::{ArrayViewMut2, Axis};
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// Interpolation nodes per box and dimension.
pub(crate) const NODES: usize = 3;
/// Fewest boxes per dimension: small maps get boxes finer than `1 / BOXES_PER_UNIT`.
pub(crate) const MIN_BOXES: usize = 50;
/// Boxes per unit length once the map spans more than [`MIN_BOXES`] / `BOXES_PER_UNIT` units.
pub(crate) const BOXES_PER_UNIT: f64 = 1.0;
/// Charges per point: 1, y_1, y_2, |y|².
const CHANNELS: usize = 4;
/// FFT grid rows or columns per rayon task.
const LINES_PER_TASK: usize = 4;

/// The grid geometry and the node potentials of one evaluation, plus buffers reused across
/// evaluations.
pub(crate) struct FftField {
    /// Boxes per unit length of a spread-out map ([`BOXES_PER_UNIT`]).
    boxes_per_unit: f64,
    grid: Grid,
    /// Node potentials: [`CHANNELS`] planes of `m x m` (row: x node, column: y node).
    potentials: Vec<f64>,
    /// Points sorted by box (stable), and where each box's points start in `sorted`.
    sorted: Vec<u32>,
    box_start: Vec<u32>,
    box_of: Vec<u32>,
    /// One channel's half spectrum, `m x (m + 1)` (rows not yet transformed along x).
    spectrum: Vec<Complex<f64>>,
    /// The kernel's real spectrum, `(m + 1) x (m + 1)`: frequencies `kx, ky <= m` (the rest
    /// follow by symmetry).
    kernel: Vec<f64>,
    /// The kernel between nodes `(dx, dy)` spacings apart, `dx, dy < NODES`, row-major.
    near: [f64; NODES * NODES],
    /// `(boxes, side bits)` the kernel spectrum was computed for.
    kernel_key: Option<(usize, u64)>,
    plans: Option<Plans>,
}

impl Default for FftField {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for FftField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FftField")
            .field("grid", &self.grid)
            .finish_non_exhaustive()
    }
}

/// FFT plans for transforms of length `2m`.
struct Plans {
    len: usize,
    r2c: Arc<dyn RealToComplex<f64>>,
    c2r: Arc<dyn ComplexToReal<f64>>,
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
}

impl Plans {
    fn new(len: usize) -> Self {
        let mut real = RealFftPlanner::<f64>::new();
        let mut complex = FftPlanner::<f64>::new();
        Self {
            len,
            r2c: real.plan_fft_forward(len),
            c2r: real.plan_fft_inverse(len),
            forward: complex.plan_fft_forward(len),
            inverse: complex.plan_fft_inverse(len),
        }
    }
}

/// The smallest `b >= n` whose prime factors are 2, 3, 5 and 7 (fast FFT lengths `6b`).
fn smooth_at_least(n: usize) -> usize {
    (n..)
        .find(|&b| {
            let mut v = b;
            for p in [2, 3, 5, 7] {
                while v % p == 0 {
                    v /= p;
                }
            }
            v == 1
        })
        .expect("smooth numbers are unbounded")
}

/// Lagrange weights of the [`NODES`] nodes at `(j + 0.5) / NODES` for position `u` in a box.
#[inline(always)]
fn weights(u: f64) -> [f64; NODES] {
    let node = |j: usize| (j as f64 + 0.5) / NODES as f64;
    std::array::from_fn(|j| {
        let mut w = 1.0;
        for l in 0..NODES {
            if l != j {
                w *= (u - node(l)) / (node(j) - node(l));
            }
        }
        w
    })
}

/// The boxes: lower corner, side, and how many per dimension.
#[derive(Debug, Clone, Copy, Default)]
struct Grid {
    lo: [f64; 2],
    side: f64,
    boxes: usize,
}

impl Grid {
    /// The grid over the bounding box of `y` (`N x 2`), widened by `pad` times its extent on
    /// every side.
    fn around(y: &[f64], boxes_per_unit: f64, pad: f64) -> Self {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in y.chunks_exact(2) {
            for a in 0..2 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-12);
        let lo = lo.map(|v| v - pad * extent);
        let extent = extent * (1.0 + 2.0 * pad);
        let side = (1.0 / boxes_per_unit).min(extent / MIN_BOXES as f64);
        let boxes = smooth_at_least(((extent / side).ceil() as usize).max(MIN_BOXES));
        Self { lo, side, boxes }
    }

    /// Interpolation nodes per dimension, `m`.
    fn nodes(&self) -> usize {
        NODES * self.boxes
    }

    /// The box of a point and its Lagrange weights along each axis.
    #[inline(always)]
    fn locate(&self, p: [f64; 2]) -> ([usize; 2], [[f64; NODES]; 2]) {
        let mut bx = [0usize; 2];
        let mut w = [[0.0; NODES]; 2];
        for a in 0..2 {
            let t = (p[a] - self.lo[a]) / self.side;
            let b = (t.max(0.0) as usize).min(self.boxes - 1);
            bx[a] = b;
            w[a] = weights(t - b as f64);
        }
        (bx, w)
    }
}

impl FftField {
    /// Empty buffers.
    pub(crate) fn new() -> Self {
        Self {
            boxes_per_unit: BOXES_PER_UNIT,
            grid: Grid::default(),
            potentials: Vec::new(),
            sorted: Vec::new(),
            box_start: Vec::new(),
            box_of: Vec::new(),
            spectrum: Vec::new(),
            kernel: Vec::new(),
            near: [0.0; NODES * NODES],
            kernel_key: None,
            plans: None,
        }
    }

    /// Interpolation nodes per dimension of the last evaluation's grid, `m`.
    pub(crate) fn grid_size(&self) -> usize {
        self.grid.nodes()
    }

    /// Computes the node potentials of the points `y` (`N x 2`, row-major).
    pub(crate) fn prepare(&mut self, y: &[f64]) {
        self.prepare_padded(y, 0.0);
    }

    /// [`FftField::prepare`] on a grid that reaches `pad` times the map's extent beyond its
    /// bounding box on every side, so that [`FftField::repulsion_at`] covers positions around
    /// the map too (a fixed map into which points are placed; `pad` 0 is `prepare`'s grid).
    pub(crate) fn prepare_padded(&mut self, y: &[f64], pad: f64) {
        let n = y.len() / 2;
        let grid = Grid::around(y, self.boxes_per_unit, pad);
        self.grid = grid;
        let (b, m) = (grid.boxes, grid.nodes());

        // Stable counting sort of the points by box.
        self.box_of.resize(n, 0);
        self.box_of.par_iter_mut().enumerate().for_each(|(i, o)| {
            let (bx, _) = grid.locate([y[2 * i], y[2 * i + 1]]);
            *o = (bx[0] * b + bx[1]) as u32;
        });
        self.box_start.clear();
        self.box_start.resize(b * b + 1, 0);
        for &c in &self.box_of {
            self.box_start[c as usize + 1] += 1;
        }
        for c in 0..b * b {
            self.box_start[c + 1] += self.box_start[c];
        }
        self.sorted.resize(n, 0);
        let mut cursor = self.box_start.clone();
        for (i, &c) in self.box_of.iter().enumerate() {
            self.sorted[cursor[c as usize] as usize] = i as u32;
            cursor[c as usize] += 1;
        }

        // Spread the charges: one task per row of boxes owns its NODES rows of every plane.
        let mut planes = std::mem::take(&mut self.potentials);
        planes.clear();
        planes.resize(CHANNELS * m * m, 0.0);
        {
            let (box_start, sorted) = (&self.box_start, &self.sorted);
            let mut split = planes.chunks_mut(m * m);
            let mut plane = || split.next().expect("CHANNELS planes");
            let (p0, p1, p2, p3) = (plane(), plane(), plane(), plane());
            p0.par_chunks_mut(NODES * m)
                .zip(p1.par_chunks_mut(NODES * m))
                .zip(p2.par_chunks_mut(NODES * m))
                .zip(p3.par_chunks_mut(NODES * m))
                .enumerate()
                .for_each(|(bx, (((c0, c1), c2), c3))| {
                    let mut rows = [c0, c1, c2, c3];
                    for by in 0..b {
                        let cell = bx * b + by;
                        let range = box_start[cell] as usize..box_start[cell + 1] as usize;
                        for &i in &sorted[range] {
                            let i = i as usize;
                            let p = [y[2 * i], y[2 * i + 1]];
                            let q = [1.0, p[0], p[1], p[0] * p[0] + p[1] * p[1]];
                            let (_, w) = grid.locate(p);
                            for (a, wa) in w[0].iter().enumerate() {
                                for (c, wc) in w[1].iter().enumerate() {
                                    let at = a * m + by * NODES + c;
                                    let wac = wa * wc;
                                    for (ch, row) in rows.iter_mut().enumerate() {
                                        row[at] += wac * q[ch];
                                    }
                                }
                            }
                        }
                    }
                });
        }
        self.convolve(&mut planes);
        self.potentials = planes;
    }

    /// Replaces each `m x m` plane of charges by its potentials: the aperiodic convolution
    /// with the kernel, through a `2m x 2m` circulant.
    fn convolve(&mut self, planes: &mut [f64]) {
        let m = self.grid_size();
        let len = 2 * m;
        if self.plans.as_ref().is_none_or(|p| p.len != len) {
            self.plans = Some(Plans::new(len));
        }
        let key = (self.grid.boxes, self.grid.side.to_bits());
        if self.kernel_key != Some(key) {
            self.kernel = kernel_spectrum(self.plans.as_ref().expect("planned"), m, self.grid.side);
            let spacing = self.grid.side / NODES as f64;
            self.near = std::array::from_fn(|t| {
                kernel((t / NODES) as f64 * spacing, (t % NODES) as f64 * spacing)
            });
            self.kernel_key = Some(key);
        }
        let plans = self.plans.as_ref().expect("planned");
        let half = m + 1;
        let scale = 1.0 / (len * len) as f64;
        self.spectrum.resize(m * half, Complex::default());
        for plane in planes.chunks_mut(m * m) {
            // Rows (along y): zero-padded real transforms.
            plane
                .par_chunks(m)
                .zip(self.spectrum.par_chunks_mut(half))
                .with_min_len(LINES_PER_TASK)
                .for_each_init(
                    || (plans.r2c.make_input_vec(), plans.r2c.make_scratch_vec()),
                    |(buf, scratch), (row, out)| {
                        buf[..m].copy_from_slice(row);
                        buf[m..].fill(0.0);
                        plans
                            .r2c
                            .process_with_scratch(buf, out, scratch)
                            .expect("buffer sizes match the plan");
                    },
                );
            // Columns (along x): forward, multiply by the kernel, inverse; rows >= m of the
            // padded input are zero and of the output are not needed.
            let kernel = &self.kernel;
            ArrayViewMut2::from_shape((m, half), &mut self.spectrum[..])
                .expect("the spectrum is m x (m + 1)")
                .axis_iter_mut(Axis(1))
                .into_par_iter()
                .with_min_len(LINES_PER_TASK)
                .enumerate()
                .for_each_init(
                    || {
                        let scratch = plans
                            .forward
                            .get_inplace_scratch_len()
                            .max(plans.inverse.get_inplace_scratch_len());
                        (
                            vec![Complex::default(); len],
                            vec![Complex::default(); scratch],
                        )
                    },
                    |(buf, scratch), (ky, mut col)| {
                        for (b, &c) in buf.iter_mut().zip(col.iter()) {
                            *b = c;
                        }
                        buf[m..].fill(Complex::default());
                        plans.forward.process_with_scratch(buf, scratch);
                        for (kx, v) in buf.iter_mut().enumerate() {
                            *v *= kernel[kx.min(len - kx) * half + ky] * scale;
                        }
                        plans.inverse.process_with_scratch(buf, scratch);
                        for (c, &b) in col.iter_mut().zip(buf.iter()) {
                            *c = b;
                        }
                    },
                );
            // Rows back to real values; the first m of each are the potentials.
            plane
                .par_chunks_mut(m)
                .zip(self.spectrum.par_chunks_mut(half))
                .with_min_len(LINES_PER_TASK)
                .for_each_init(
                    || (plans.c2r.make_output_vec(), plans.c2r.make_scratch_vec()),
                    |(buf, scratch), (row, spec)| {
                        // The input is the spectrum of a real signal: these are zero up to
                        // rounding, and the real inverse transform requires exact zeros.
                        spec[0].im = 0.0;
                        spec[m].im = 0.0;
                        plans
                            .c2r
                            .process_with_scratch(spec, buf, scratch)
                            .expect("buffer sizes match the plan");
                        row.copy_from_slice(&buf[..m]);
                    },
                );
        }
    }

    /// The repulsion of point `i` of `y` (the points [`FftField::prepare`] saw):
    /// `Σ_j w_ij² (y_i - y_j)` into `out`; returns `Σ_{j≠i} w_ij`.
    #[inline]
    pub(crate) fn repulsion(&self, y: &[f64], i: usize, out: &mut [f64]) -> f64 {
        let p = [y[2 * i], y[2 * i + 1]];
        let (phi, w) = self.potentials_at(p);
        forces(p, &phi, out) - self.self_interaction(&w)
    }

    /// The repulsion of the prepared points on a position `p` that is not one of them (a new
    /// point placed into a fixed map): `Σ_j w_j² (p - y_j)` into `out`, and `Σ_j w_j`
    /// returned; `None` when `p` lies outside the grid (see [`FftField::prepare_padded`]).
    #[inline]
    pub(crate) fn repulsion_at(&self, p: [f64; 2], out: &mut [f64]) -> Option<f64> {
        let g = &self.grid;
        let span = g.side * g.boxes as f64;
        if (0..2).any(|a| !(p[a] >= g.lo[a] && p[a] < g.lo[a] + span)) {
            return None;
        }
        let (phi, _) = self.potentials_at(p);
        Some(forces(p, &phi, out))
    }

    /// The four potentials interpolated at `p`, and its Lagrange weights.
    #[inline(always)]
    fn potentials_at(&self, p: [f64; 2]) -> ([f64; CHANNELS], [[f64; NODES]; 2]) {
        let m = self.grid_size();
        let (bx, w) = self.grid.locate(p);
        let mut phi = [0.0; CHANNELS];
        for (a, wa) in w[0].iter().enumerate() {
            let row = (bx[0] * NODES + a) * m + bx[1] * NODES;
            for (c, wc) in w[1].iter().enumerate() {
                let wac = wa * wc;
                for (ch, f) in phi.iter_mut().enumerate() {
                    *f += wac * self.potentials[ch * m * m + row + c];
                }
            }
        }
        (phi, w)
    }

    /// The interpolated kernel of a point with itself, `K̃_ii` (about 1): the share of the
    /// point's own charge in its potentials, removed from `Z` (it cancels in the force).
    #[inline(always)]
    fn self_interaction(&self, w: &[[f64; NODES]; 2]) -> f64 {
        // Σ_{a,a'} w0[a] w0[a'] Σ_{b,b'} w1[b] w1[b'] K(a - a', b - b').
        let mut total = 0.0;
        for (a, wa) in w[0].iter().enumerate() {
            for (a2, wa2) in w[0].iter().enumerate() {
                let dx = a.abs_diff(a2);
                let mut inner = 0.0;
                for (b, wb) in w[1].iter().enumerate() {
                    for (b2, wb2) in w[1].iter().enumerate() {
                        inner += wb * wb2 * self.near[dx * NODES + b.abs_diff(b2)];
                    }
                }
                total += wa * wa2 * inner;
            }
        }
        total
    }
}

/// The repulsion at `p` from its potentials `phi` into `out`; returns `Σ_j w_j` over every
/// charge (a point's own included).
#[inline(always)]
fn forces(p: [f64; 2], phi: &[f64; CHANNELS], out: &mut [f64]) -> f64 {
    out[0] = p[0] * phi[0] - phi[1];
    out[1] = p[1] * phi[0] - phi[2];
    (1.0 + p[0] * p[0] + p[1] * p[1]) * phi[0] - 2.0 * (p[0] * phi[1] + p[1] * phi[2]) + phi[3]
}

/// The squared Cauchy kernel at offset `(dx, dy)`.
#[inline(always)]
fn kernel(dx: f64, dy: f64) -> f64 {
    let w = 1.0 / (1.0 + dx * dx + dy * dy);
    w * w
}

/// The real spectrum of the `2m x 2m` circulant embedding of the kernel between nodes `side /
/// NODES` apart, for frequencies `kx, ky <= m`, row-major `(m + 1) x (m + 1)`.
fn kernel_spectrum(plans: &Plans, m: usize, side: f64) -> Vec<f64> {
    let len = 2 * m;
    let half = m + 1;
    let spacing = side / NODES as f64;
    // Circulant offset along an axis: t for t <= m, len - t after (the value at t = m is
    // never used by the aperiodic product and is set like its neighbours).
    let offset = |t: usize| t.min(len - t) as f64 * spacing;
    // Rows of the circulant are even in x, so rows 0..=m suffice; each row is even in y, so its
    // spectrum is real.
    let mut rows = vec![0.0; half * half];
    rows.par_chunks_mut(half).enumerate().for_each_init(
        || {
            (
                plans.r2c.make_input_vec(),
                plans.r2c.make_output_vec(),
                plans.r2c.make_scratch_vec(),
            )
        },
        |(buf, spec, scratch), (tx, out)| {
            let dx = offset(tx);
            for (ty, v) in buf.iter_mut().enumerate() {
                *v = kernel(dx, offset(ty));
            }
            plans
                .r2c
                .process_with_scratch(buf, spec, scratch)
                .expect("buffer sizes match the plan");
            for (o, s) in out.iter_mut().zip(spec.iter()) {
                *o = s.re;
            }
        },
    );
    ArrayViewMut2::from_shape((half, half), &mut rows[..])
        .expect("the rows are (m + 1) x (m + 1)")
        .axis_iter_mut(Axis(1))
        .into_par_iter()
        .for_each_init(
            || {
                (
                    vec![Complex::default(); len],
                    vec![Complex::default(); plans.forward.get_inplace_scratch_len()],
                )
            },
            |(buf, scratch), mut col| {
                for (tx, v) in buf.iter_mut().enumerate() {
                    *v = Complex::new(col[tx.min(len - tx)], 0.0);
                }
                plans.forward.process_with_scratch(buf, scratch);
                for (o, v) in col.iter_mut().zip(buf.iter()) {
                    *o = v.re;
                }
            },
        );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn smooth_sizes() {
        assert_eq!(smooth_at_least(50), 50);
        assert_eq!(smooth_at_least(11), 12);
        assert_eq!(smooth_at_least(121), 125);
    }

    #[test]
    fn lagrange_weights_reproduce_quadratics() {
        for u in [0.0, 0.1, 0.5, 0.77, 1.0] {
            let w = weights(u);
            let node = |j: usize| (j as f64 + 0.5) / NODES as f64;
            let f = |x: f64| 3.0 * x * x - x + 2.0;
            let interp: f64 = (0..NODES).map(|j| w[j] * f(node(j))).sum();
            assert!((interp - f(u)).abs() < 1e-12, "u = {u}");
        }
    }

    /// Relative errors (force, per-point Z part) of the interpolation against direct sums over
    /// all pairs, for 1500 points in 15 clusters over about 100 units.
    fn errors(boxes_per_unit: f64) -> (f64, f64) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let n = 1500;
        let centres: Vec<f64> = (0..30)
            .map(|_| (rng.random::<f64>() - 0.5) * 90.0)
            .collect();
        let y: Vec<f64> = (0..2 * n)
            .map(|c| centres[(c / 2 % 15) * 2 + c % 2] + rng.random::<f64>() * 8.0)
            .collect();
        let mut field = FftField {
            boxes_per_unit,
            ..FftField::new()
        };
        field.prepare(&y);
        let mut out = [0.0; 2];
        let (mut err, mut norm, mut z_err) = (0.0, 0.0, 0.0f64);
        for i in 0..n {
            let z = field.repulsion(&y, i, &mut out);
            let (mut want, mut want_z) = ([0.0; 2], 0.0);
            for j in (0..n).filter(|&j| j != i) {
                let d = [y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]];
                let w = 1.0 / (1.0 + d[0] * d[0] + d[1] * d[1]);
                want_z += w;
                want[0] += w * w * d[0];
                want[1] += w * w * d[1];
            }
            z_err = z_err.max((z - want_z).abs() / want_z);
            err += (out[0] - want[0]).powi(2) + (out[1] - want[1]).powi(2);
            norm += want[0].powi(2) + want[1].powi(2);
        }
        ((err / norm).sqrt(), z_err)
    }

    /// At the default grid (FIt-SNE's) the force is within 5 % and each point's Z part within
    /// 10 % on this small, sparse map (measured: 2.7 % and 5.8 %); the errors fall at least
    /// 6-fold each time the boxes halve (third-order interpolation: 8-fold in theory).
    #[test]
    fn interpolation_converges_to_direct_sums() {
        let e: Vec<(f64, f64)> = [1.0, 2.0, 4.0].map(errors).to_vec();
        assert!(e[0].0 < 5e-2 && e[0].1 < 1e-1, "{e:?}");
        for t in 0..2 {
            assert!(
                e[t + 1].0 < e[t].0 / 6.0 && e[t + 1].1 < e[t].1 / 6.0,
                "{e:?}"
            );
        }
        assert!(e[2].0 < 1e-3 && e[2].1 < 1e-3, "{e:?}");
    }
}
