//! The t-SNE gradient, exact (O(N²)), Barnes-Hut or FFT-interpolated, in one parallel pass
//! over the points.
//!
//! With `w_ij = 1 / (1 + |y_i - y_j|²)`, `Z = Σ_{k≠l} w_kl` and exaggeration `α`, the gradient in
//! the scikit-learn / TensorBoard-projector convention (with the factor 4) is
//!
//! `∂C/∂y_i = 4 [ α Σ_j P_ij w_ij (y_i - y_j) - (1/Z) Σ_j w_ij² (y_i - y_j) ]`.
//!
//! Each point's attractive sum (over its row of the sparse P), repulsive sum and share of `Z`
//! are computed together by one rayon task and written to that point's own slot; `Z` and the
//! KL divergence are then summed serially in a fixed order, so the result does not depend on
//! the number of threads.
//!
//! KL(P‖Q) is reported as openTSNE does: the sum over the non-zero P_ij of
//! `P_ij ln(P_ij / q_ij)`, with `q_ij = w_ij / Z` and `Z` the (Barnes-Hut) estimate. Entries of
//! P that underflowed to 0 contribute 0, as in the definition (not `0 · ln 0 = NaN`).

use rayon::prelude::*;

use super::affinities::SparseP;
use super::fft::FftField;
#[cfg(target_arch = "x86_64")]
use super::simd::avx_lanes;
use super::simd::{lanes_total, LaneKernel, Lanes, LANES};
use super::tree::{Interactions, Tree};

/// How the repulsive forces are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// All pairs, in f64: O(N²) per iteration; 1 to 3 dimensions.
    Exact,
    /// Barnes-Hut with opening angle θ (cell side / distance); 2 or 3 dimensions.
    BarnesHut {
        /// The opening angle θ.
        theta: f64,
    },
    /// FFT-accelerated interpolation on a grid ([`super::fft`]); 2 dimensions.
    Fft,
}

/// What one gradient evaluation reports besides the gradient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientStats {
    /// The (estimated) normalisation `Z = Σ_{i≠j} w_ij`.
    pub z: f64,
    /// KL(P‖Q), when it was asked for.
    pub kl: Option<f64>,
}

/// Buffers reused across iterations, and the lanes of the sums.
#[derive(Debug)]
pub struct Workspace {
    /// How the attractive and Barnes-Hut sums run ([`super::simd`]).
    lanes: Lanes,
    /// Per point, in traversal order: attraction (D), repulsion (D), `Z_i`, KL part.
    terms: Vec<f64>,
    /// The embedding in float32, for the attractive sums.
    y32: Vec<f32>,
    quad: Tree<2>,
    oct: Tree<3>,
    field: FftField,
}

impl Workspace {
    /// Empty buffers; the sums will run in `lanes` (normally [`Lanes::chosen`]).
    pub fn new(lanes: Lanes) -> Self {
        Self {
            lanes,
            terms: Vec::new(),
            y32: Vec::new(),
            quad: Tree::new(),
            oct: Tree::new(),
            field: FftField::new(),
        }
    }
}

/// Points per rayon task: enough work to amortise scheduling.
const MIN_POINTS_PER_TASK: usize = 32;

/// Writes the gradient at `y` (`N x dims`, row-major) into `grad`.
///
/// # Panics
/// If `dims` is not 1, 2 or 3, Barnes-Hut is asked for with `dims` 1, or FFT with `dims` other
/// than 2 (parameters are validated first).
#[allow(clippy::too_many_arguments)]
pub fn gradient(
    y: &[f64],
    dims: usize,
    p: &SparseP,
    exaggeration: f64,
    method: Method,
    ws: &mut Workspace,
    want_kl: bool,
    grad: &mut [f64],
) -> GradientStats {
    ws.y32.clear();
    ws.y32.extend(y.iter().map(|&v| v as f32));
    let pass = Pass {
        y,
        y32: &ws.y32,
        lanes: ws.lanes,
        p,
        exaggeration,
        want_kl,
    };
    match (method, dims) {
        (Method::Exact, 1) => pass.run::<1>(Repulsion::Exact, &mut ws.terms, grad),
        (Method::Exact, 2) => pass.run::<2>(Repulsion::Exact, &mut ws.terms, grad),
        (Method::Exact, 3) => pass.run::<3>(Repulsion::Exact, &mut ws.terms, grad),
        (Method::BarnesHut { theta }, 2) => {
            ws.quad.build(y);
            pass.run(Repulsion::Tree(&ws.quad, theta), &mut ws.terms, grad)
        }
        (Method::BarnesHut { theta }, 3) => {
            ws.oct.build(y);
            pass.run(Repulsion::Tree(&ws.oct, theta), &mut ws.terms, grad)
        }
        (Method::Fft, 2) => {
            ws.field.prepare(y);
            pass.run::<2>(Repulsion::Fft(&ws.field), &mut ws.terms, grad)
        }
        (m, d) => panic!("{m:?} does not support {d} dimensions"),
    }
}

/// Where a pass gets each point's repulsion from.
enum Repulsion<'a, const D: usize> {
    /// Direct sums over all pairs.
    Exact,
    /// A Barnes-Hut tree (points visited in its order) and the opening angle θ.
    Tree(&'a Tree<D>, f64),
    /// Interpolated potentials (2-D only).
    Fft(&'a FftField),
}

/// One gradient evaluation's inputs.
struct Pass<'a> {
    y: &'a [f64],
    /// `y` in float32.
    y32: &'a [f32],
    lanes: Lanes,
    p: &'a SparseP,
    exaggeration: f64,
    want_kl: bool,
}

impl Pass<'_> {
    /// The gradient in `D` dimensions, with the repulsion from `source`.
    fn run<const D: usize>(
        &self,
        source: Repulsion<'_, D>,
        terms: &mut Vec<f64>,
        grad: &mut [f64],
    ) -> GradientStats {
        let n = self.y.len() / D;
        let stride = 2 * D + 2;
        terms.resize(n * stride, 0.0);
        let order = match &source {
            Repulsion::Tree(t, _) => Some(t.order()),
            _ => None,
        };
        if let Repulsion::Tree(tree, theta) = &source {
            // One task per traversal group, over the group's rows of `terms`.
            let theta2 = (theta * theta) as f32;
            let order = tree.order();
            let groups = tree.groups();
            let mut parts = Vec::with_capacity(groups.len());
            let mut rest = terms.as_mut_slice();
            for g in &groups {
                let (part, tail) = rest.split_at_mut(g.len * stride);
                parts.push((g, part));
                rest = tail;
            }
            parts
                .into_par_iter()
                .for_each_init(Interactions::default, |list, (g, part)| {
                    tree.group_repulsion(g, theta2, self.lanes, list, |local, force, z| {
                        let t = &mut part[local * stride..(local + 1) * stride];
                        t[D..2 * D].copy_from_slice(&force);
                        t[2 * D] = z;
                    });
                    for (local, t) in part.chunks_exact_mut(stride).enumerate() {
                        let i = order[g.start + local] as usize;
                        t[2 * D + 1] = self.attraction::<D>(i, &mut t[..D]);
                    }
                });
        } else {
            terms
                .par_chunks_mut(stride)
                .with_min_len(MIN_POINTS_PER_TASK)
                .enumerate()
                .for_each(|(i, t)| {
                    let (attr, rest) = t.split_at_mut(D);
                    let (rep, zk) = rest.split_at_mut(D);
                    zk[1] = self.attraction::<D>(i, attr);
                    zk[0] = match &source {
                        Repulsion::Fft(field) => field.repulsion(self.y, i, rep),
                        Repulsion::Exact => exact_repulsion::<D>(self.y, i, rep),
                        Repulsion::Tree(..) => unreachable!("trees are walked by group above"),
                    };
                });
        }
        // Serial sums in traversal order: independent of the thread count.
        let z: f64 = terms.chunks_exact(stride).map(|t| t[2 * D]).sum();
        let kl = self.want_kl.then(|| {
            let part: f64 = terms.chunks_exact(stride).map(|t| t[2 * D + 1]).sum();
            // Over any subset of the pairs Σ P ln(P / q) >= -ln Σ q >= 0 (Gibbs), so a negative
            // sum is rounding (identical points: every term 0) and reads as 0.
            (part + z.ln()).max(0.0)
        });
        let (a4, r4) = (4.0 * self.exaggeration, 4.0 / z);
        for (r, t) in terms.chunks_exact(stride).enumerate() {
            let i = order.map_or(r, |o| o[r] as usize);
            for k in 0..D {
                grad[i * D + k] = a4 * t[k] - r4 * t[D + k];
            }
        }
        GradientStats { z, kl }
    }

    /// Writes `Σ_j P_ij w_ij (y_i - y_j)` into `out`; returns `Σ_j P_ij ln(P_ij / w_ij)` when
    /// KL is wanted (else 0).
    fn attraction<const D: usize>(&self, i: usize, out: &mut [f64]) -> f64 {
        let (cols, vals) = self.p.row(i);
        let sum = Attraction::<D> {
            y: self.y32,
            yi: point(self.y32, i),
            cols,
            vals,
        };
        out.copy_from_slice(&self.lanes.run(&sum));
        if !self.want_kl {
            return 0.0;
        }
        let yi: [f64; D] = point(self.y, i);
        cols.iter()
            .zip(vals)
            .map(|(&j, &pij)| {
                let yj: [f64; D] = point(self.y, j as usize);
                let d2: f64 = (0..D).map(|k| (yi[k] - yj[k]).powi(2)).sum();
                let pij = f64::from(pij);
                if pij > 0.0 {
                    pij * (pij * (1.0 + d2)).ln()
                } else {
                    0.0
                }
            })
            .sum()
    }
}

/// `Σ_j P_ij w_ij (y_i - y_j)` over the entries `cols`, `vals` of row `i` of P, at `yi`, from
/// the float32 embedding `y` (where the `j` are; `y_i` is one of its points, or a new point
/// placed into it): entry `e` is accumulated in float32 lane `e % 8`, and the lanes are added
/// in float64 at the end.
pub(crate) struct Attraction<'a, const D: usize> {
    pub(crate) y: &'a [f32],
    pub(crate) yi: [f32; D],
    pub(crate) cols: &'a [u32],
    pub(crate) vals: &'a [f32],
}

impl<const D: usize> Attraction<'_, D> {
    /// Adds the entries from `from` on, one by one: the scalar step both versions share.
    #[inline(always)]
    fn add_entries(&self, yi: &[f32; D], from: usize, acc: &mut [[f32; LANES]; D]) {
        for (e, (&j, &pij)) in self.cols.iter().zip(self.vals).enumerate().skip(from) {
            let yj: [f32; D] = point(self.y, j as usize);
            let d: [f32; D] = std::array::from_fn(|k| yi[k] - yj[k]);
            let mut d2 = d[0] * d[0];
            for dk in &d[1..] {
                d2 += dk * dk;
            }
            let pw = pij * (1.0 / (1.0 + d2));
            for k in 0..D {
                acc[k][e % LANES] += pw * d[k];
            }
        }
    }
}

impl<const D: usize> LaneKernel for Attraction<'_, D> {
    type Output = [f64; D];

    fn portable(&self) -> [f64; D] {
        let mut acc = [[0f32; LANES]; D];
        self.add_entries(&self.yi, 0, &mut acc);
        acc.map(|lanes| lanes_total(&lanes))
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn avx(&self) -> [f64; D] {
        use std::arch::x86_64::{
            _mm256_add_ps, _mm256_div_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps,
            _mm256_set_ps, _mm256_setzero_ps, _mm256_sub_ps,
        };
        let (y, cols, vals) = (self.y, self.cols, self.vals);
        let yi = self.yi;
        let one = _mm256_set1_ps(1.0);
        let mut yiv = [_mm256_setzero_ps(); D];
        for (v, &c) in yiv.iter_mut().zip(&yi) {
            *v = _mm256_set1_ps(c);
        }
        let mut accv = [_mm256_setzero_ps(); D];
        let full = cols.len() / LANES * LANES;
        for (js, ps) in cols[..full]
            .chunks_exact(LANES)
            .zip(vals[..full].chunks_exact(LANES))
        {
            // No closures in this loop: a closure does not inherit `target_feature`, and once
            // outlined its intrinsics became calls (30% slower attraction at 70,000 points).
            let mut at = [0usize; LANES];
            for (a, &j) in at.iter_mut().zip(js) {
                *a = j as usize * D;
            }
            let mut d = [_mm256_setzero_ps(); D];
            for k in 0..D {
                let yj = _mm256_set_ps(
                    y[at[7] + k],
                    y[at[6] + k],
                    y[at[5] + k],
                    y[at[4] + k],
                    y[at[3] + k],
                    y[at[2] + k],
                    y[at[1] + k],
                    y[at[0] + k],
                );
                d[k] = _mm256_sub_ps(yiv[k], yj);
            }
            let mut d2 = _mm256_mul_ps(d[0], d[0]);
            for dk in &d[1..] {
                d2 = _mm256_add_ps(d2, _mm256_mul_ps(*dk, *dk));
            }
            // SAFETY: `ps` holds exactly 8 floats.
            let p = unsafe { _mm256_loadu_ps(ps.as_ptr()) };
            let pw = _mm256_mul_ps(p, _mm256_div_ps(one, _mm256_add_ps(one, d2)));
            for k in 0..D {
                accv[k] = _mm256_add_ps(accv[k], _mm256_mul_ps(pw, d[k]));
            }
        }
        let mut acc = [[0f32; LANES]; D];
        for (out, v) in acc.iter_mut().zip(&accv) {
            // SAFETY: the caller guarantees AVX.
            *out = unsafe { avx_lanes(*v) };
        }
        self.add_entries(&yi, full, &mut acc);
        acc.map(|lanes| lanes_total(&lanes))
    }
}

/// Row `i` of the row-major `N x D` matrix `y`.
#[inline(always)]
pub(crate) fn point<T: Copy, const D: usize>(y: &[T], i: usize) -> [T; D] {
    let row = &y[i * D..(i + 1) * D];
    std::array::from_fn(|k| row[k])
}

/// Exact repulsion for point `i`: `Σ_{j≠i} w_ij² (y_i - y_j)` into `out`; returns `Σ_{j≠i} w_ij`.
fn exact_repulsion<const D: usize>(y: &[f64], i: usize, out: &mut [f64]) -> f64 {
    let yi: [f64; D] = point(y, i);
    let mut acc = [0f64; D];
    let mut z = 0.0;
    for (j, yj) in y.chunks_exact(D).enumerate() {
        if j == i {
            continue;
        }
        let d: [f64; D] = std::array::from_fn(|k| yi[k] - yj[k]);
        let w = 1.0 / (1.0 + d.iter().map(|v| v * v).sum::<f64>());
        z += w;
        for k in 0..D {
            acc[k] += w * w * d[k];
        }
    }
    out.copy_from_slice(&acc);
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::knn::KnnGraph;
    use crate::reduce::tsne::affinities::joint_probabilities;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};

    /// 1500 points in 10 clusters spread over about 66 units in `dims` dimensions (like a
    /// converged t-SNE map), and P from clustered 8-d inputs.
    fn clustered_map(dims: usize) -> (Vec<f64>, SparseP) {
        let n = 1500;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(dims as u64);
        let centres: Vec<f64> = (0..10 * dims)
            .map(|_| rng.random::<f64>() * 60.0 - 30.0)
            .collect();
        let y: Vec<f64> = (0..n * dims)
            .map(|c| centres[(c / dims % 10) * dims + c % dims] + rng.random::<f64>() * 6.0)
            .collect();
        let x = Array2::from_shape_fn((n, 8), |(i, k)| {
            (i % 10 * 3 + k) as f32 + rng.random::<f32>()
        });
        (
            y,
            joint_probabilities(&KnnGraph::exact(x.view(), 30), 30, 10.0, None),
        )
    }

    /// Relative error `|g - g_exact| / |g_exact|` of Barnes-Hut at each θ, on clustered data
    /// embedded in `dims` dimensions with a spread like a converged t-SNE map.
    fn bh_errors(dims: usize, thetas: &[f64]) -> Vec<f64> {
        let (y, p) = clustered_map(dims);
        let n = y.len() / dims;
        let mut ws = Workspace::new(Lanes::chosen().expect("lanes"));
        let mut exact = vec![0.0; n * dims];
        let se = gradient(&y, dims, &p, 1.0, Method::Exact, &mut ws, true, &mut exact);
        let norm: f64 = exact.iter().map(|g| g * g).sum::<f64>().sqrt();
        thetas
            .iter()
            .map(|&theta| {
                let mut bh = vec![0.0; n * dims];
                let s = gradient(
                    &y,
                    dims,
                    &p,
                    1.0,
                    Method::BarnesHut { theta },
                    &mut ws,
                    true,
                    &mut bh,
                );
                assert!((s.z - se.z).abs() / se.z < 0.05, "Z {} vs {}", s.z, se.z);
                assert!((s.kl.unwrap() - se.kl.unwrap()).abs() < 0.05);
                let err: f64 = bh
                    .iter()
                    .zip(&exact)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>();
                err.sqrt() / norm
            })
            .collect()
    }

    /// Relative error of the FFT gradient against the exact one, on the same clustered map
    /// (extent about 66 units, so unit boxes) as the Barnes-Hut checks, and on it shrunk 20-fold
    /// (MIN_BOXES finer boxes); Z must agree too.
    #[test]
    fn fft_matches_exact_2d() {
        for shrink in [1.0, 20.0] {
            let (y, p) = clustered_map(2);
            let y: Vec<f64> = y.iter().map(|v| v / shrink).collect();
            let n = y.len() / 2;
            let mut ws = Workspace::new(Lanes::chosen().expect("lanes"));
            let mut exact = vec![0.0; n * 2];
            let se = gradient(&y, 2, &p, 1.0, Method::Exact, &mut ws, true, &mut exact);
            let mut fft = vec![0.0; n * 2];
            let s = gradient(&y, 2, &p, 1.0, Method::Fft, &mut ws, true, &mut fft);
            let norm: f64 = exact.iter().map(|g| g * g).sum::<f64>().sqrt();
            let err: f64 = fft
                .iter()
                .zip(&exact)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            // FIt-SNE's grid (3 nodes per unit box) is about as accurate as Barnes-Hut at
            // θ = 0.5 (checked below to 1e-2); measured here: 1.3e-2 and 2e-4.
            assert!(
                err / norm < 2e-2,
                "shrink {shrink}: relative error {}",
                err / norm
            );
            assert!((s.z - se.z).abs() / se.z < 1e-3, "Z {} vs {}", s.z, se.z);
            assert!((s.kl.unwrap() - se.kl.unwrap()).abs() < 1e-3);
        }
    }

    /// Rows of P of every length from 0 to 27 (full groups of 8 and every remainder) over 50
    /// random points in `D` dimensions: the portable attraction matches float64 sums from the
    /// float64 embedding (float32 rounding only), and every lane kind the CPU has gives the
    /// portable bits. Without AVX only the portable lanes exist, and only the first check is
    /// made.
    fn check_attraction<const D: usize>() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9 + D as u64);
        let y: Vec<f64> = (0..D * 50).map(|_| rng.random_range(-30.0..30.0)).collect();
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        for len in 0..28 {
            let cols: Vec<u32> = (0..len).map(|_| rng.random_range(0..50)).collect();
            let vals: Vec<f32> = (0..len).map(|_| rng.random_range(0.0..1e-3)).collect();
            let sum = Attraction::<D> {
                y: &y32,
                yi: point(&y32, 7),
                cols: &cols,
                vals: &vals,
            };
            let plain = Lanes::Portable.run(&sum);
            let mut direct = [0f64; D];
            let mut scale = 0f64;
            for (&j, &p) in cols.iter().zip(&vals) {
                let p = f64::from(p);
                let d: Vec<f64> = (0..D)
                    .map(|k| y[7 * D + k] - y[j as usize * D + k])
                    .collect();
                let w = 1.0 / (1.0 + d.iter().map(|v| v * v).sum::<f64>());
                for k in 0..D {
                    direct[k] += p * w * d[k];
                    scale += (p * w * d[k]).abs();
                }
            }
            for k in 0..D {
                assert!(
                    (plain[k] - direct[k]).abs() <= 1e-6 * scale,
                    "{D}-D: {plain:?} {direct:?}"
                );
            }
            for lanes in Lanes::available() {
                assert_eq!(
                    lanes.run(&sum).map(f64::to_bits),
                    plain.map(f64::to_bits),
                    "{D}-D, length {len}, {lanes:?}"
                );
            }
        }
    }

    /// [`check_attraction`] in 2-D and 3-D: AVX and portable lanes agree to the bit where the
    /// CPU has AVX; on other CPUs the portable lanes are checked against float64 alone.
    #[test]
    fn attraction_matches_float64_and_every_lane_kind_gives_the_same_bits() {
        check_attraction::<2>();
        check_attraction::<3>();
    }

    fn check_errors(dims: usize) {
        let e = bh_errors(dims, &[0.5, 0.25, 0.1, 0.0]);
        assert!(e[0] <= 1e-2, "θ = 0.5: {e:?}");
        assert!(e[0] > e[1] && e[1] > e[2], "not shrinking with θ: {e:?}");
        assert!(e[3] < 1e-5, "θ = 0 must be exact up to float32: {e:?}");
    }

    #[test]
    fn barnes_hut_matches_exact_2d() {
        check_errors(2);
    }

    #[test]
    fn barnes_hut_matches_exact_3d() {
        check_errors(3);
    }

    #[test]
    fn exact_gradient_matches_finite_differences_of_kl() {
        let n = 30;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let x = Array2::from_shape_fn((n, 4), |_| rng.random::<f32>());
        let p = joint_probabilities(&KnnGraph::exact(x.view(), 9), 9, 3.0, None);
        let mut y: Vec<f64> = (0..n * 2).map(|_| rng.random::<f64>() * 2.0).collect();
        let mut ws = Workspace::new(Lanes::chosen().expect("lanes"));
        let mut g = vec![0.0; n * 2];
        gradient(&y, 2, &p, 1.0, Method::Exact, &mut ws, true, &mut g);
        let mut scratch = vec![0.0; n * 2];
        for c in [0, 7, 31, 58] {
            let h = 1e-5;
            y[c] += h;
            let up = gradient(&y, 2, &p, 1.0, Method::Exact, &mut ws, true, &mut scratch)
                .kl
                .unwrap();
            y[c] -= 2.0 * h;
            let down = gradient(&y, 2, &p, 1.0, Method::Exact, &mut ws, true, &mut scratch)
                .kl
                .unwrap();
            y[c] += h;
            let fd = (up - down) / (2.0 * h);
            // The factor-4 convention is exactly dKL/dy.
            assert!(
                (fd - g[c]).abs() < 1e-6 + 1e-4 * g[c].abs(),
                "coord {c}: {fd} vs {}",
                g[c]
            );
        }
    }
}
