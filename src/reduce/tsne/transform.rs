//! Placing new points into a fixed t-SNE map ([`transform`]), as openTSNE's
//! `TSNEEmbedding.transform` does.
//!
//! 1. The `k` nearest reference points of each new point ([`KnnGraph::query`]: exact, or
//!    approximate for large maps, as [`NeighborMethod::resolve`] decides for the fit).
//! 2. Its conditional distribution over them, calibrated to `perplexity` by the same entropy
//!    search as t-SNE's affinities (`super::affinities`); each row sums to 1, nothing is
//!    symmetrised (the reference points have no row).
//! 3. It starts at the per-axis median of its neighbours' map positions.
//! 4. Gradient descent moves the new points only. With `w_j = 1 / (1 + |y - y_j|²)` over the
//!    reference points, the gradient of a new point is (openTSNE's convention, no factor 4)
//!    `α Σ_j p_j w_j (y - y_j) - Σ_j w_j² (y - y_j) / Σ_j w_j`: attraction to its
//!    neighbours (the float32 lanes of t-SNE's attractive term), repulsion from the whole
//!    reference map normalised by the point's own `Σ_j w_j` (openTSNE's point-wise
//!    normalisation). The map is fixed, so its field is prepared once: in 2-D FIt-SNE's
//!    interpolation grid (`FftField::prepare_padded`, reaching [`GRID_PADDING`] of the
//!    map's extent beyond it on each side), read at each new point's position; in 3-D, and
//!    for a 2-D point outside that grid, one Barnes-Hut walk per point of a tree built once
//!    over the map (`Tree::repulsion_on`). Each gradient longer than `max_grad_norm` is
//!    shortened to it; the step is t-SNE's momentum-and-gains step (`super::optimizer`),
//!    with no re-centring.
//!
//! New points do not interact: every quantity of a new point is computed from that point and
//! the fixed reference alone, so placing A with B gives A the same bits as placing A alone,
//! at any number of threads. The reference map is read, never written.

use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use super::affinities::{conditionals, Lists};
use super::fft::FftField;
use super::gradient::{point, Attraction};
use super::observer::{IterationInfo, Observer};
use super::optimizer::step;
use super::simd::Lanes;
use super::tree::{Interactions, Tree};
use crate::reduce::knn::{KnnGraph, KnnParams, Metric, NeighborMethod};
use crate::reduce::{check_finite, ReduceError};

/// New points per rayon task in a gradient pass.
const POINTS_PER_TASK: usize = 64;
/// How far the 2-D interpolation grid reaches beyond the map on each side, as a fraction of
/// its extent (openTSNE's `transform` pads its grid by the same 25%).
pub const GRID_PADDING: f64 = 0.25;

/// How new points are placed; [`Default`] gives the tuned defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformParams {
    /// Reference neighbours per new point (its P row and its median start).
    pub neighbors: usize,
    /// Perplexity of each new point's distribution over its neighbours, at most `neighbors`.
    pub perplexity: f64,
    /// Gradient-descent iterations.
    pub iterations: usize,
    /// The learning rate, in openTSNE's convention (its gradient has no factor 4; t-SNE's
    /// `--learning-rate` has).
    pub learning_rate: f64,
    /// Exaggeration of the attraction, all iterations.
    pub exaggeration: f64,
    /// Momentum of the updates.
    pub momentum: f64,
    /// A point's gradient longer than this is shortened to it.
    pub max_grad_norm: f64,
    /// Barnes-Hut opening angle θ of the repulsion.
    pub theta: f64,
    /// Seed of the approximate neighbour search (maps of at least
    /// [`crate::reduce::knn::APPROX_MIN_POINTS`] points, or
    /// [`crate::reduce::knn::APPROX_MIN_POINTS_NARROW`] of at most 8 columns; smaller ones are
    /// searched exactly).
    pub seed: u64,
}

impl Default for TransformParams {
    /// openTSNE's `transform` defaults, tuned on held-out digits (README, "Placing new
    /// points"): 15 neighbours (`3 · perplexity`; openTSNE's `k = 25` for the median start is
    /// capped by the 15 neighbours its affinities search; 25 placed the digits worse),
    /// perplexity 5, 150 iterations (openTSNE: 250; the same accuracy to 0.0002 in 60% of the
    /// optimisation) at learning rate 0.1, exaggeration 1.5, momentum 0.8, gradient norm 0.25;
    /// θ 0.5 where Barnes-Hut is used.
    fn default() -> Self {
        Self {
            neighbors: 15,
            perplexity: 5.0,
            iterations: 150,
            learning_rate: 0.1,
            exaggeration: 1.5,
            momentum: 0.8,
            max_grad_norm: 0.25,
            theta: 0.5,
            seed: 0,
        }
    }
}

impl TransformParams {
    /// Refuses values out of range for a map of `n` reference points; errors name the
    /// parameter.
    pub fn check(&self, n: usize) -> Result<(), ReduceError> {
        let bad = |param: &'static str, value: String, problem: &str| {
            Err(ReduceError::InvalidParam {
                param,
                value,
                problem: problem.to_string(),
            })
        };
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if self.neighbors == 0 || self.neighbors > n {
            return bad(
                "neighbors",
                self.neighbors.to_string(),
                &format!("must be between 1 and the map's {n} reference points"),
            );
        }
        if !(self.perplexity.is_finite()
            && self.perplexity >= 1.0
            && self.perplexity <= self.neighbors as f64)
        {
            return bad(
                "perplexity",
                self.perplexity.to_string(),
                "must be a number between 1 and the number of neighbours",
            );
        }
        if self.iterations == 0 {
            return bad("iterations", "0".into(), "must be at least 1");
        }
        for (param, v) in [
            ("learning_rate", self.learning_rate),
            ("exaggeration", self.exaggeration),
            ("max_grad_norm", self.max_grad_norm),
        ] {
            if !positive(v) {
                return bad(param, v.to_string(), "must be a number > 0");
            }
        }
        if !(self.momentum.is_finite() && (0.0..1.0).contains(&self.momentum)) {
            return bad("momentum", self.momentum.to_string(), "must be in [0, 1)");
        }
        if !(self.theta.is_finite() && self.theta >= 0.0) {
            return bad("theta", self.theta.to_string(), "must be a number >= 0");
        }
        Ok(())
    }
}

/// The fixed map new points are placed into.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    /// The vectors the map was fitted to, `N x D` (as t-SNE saw them).
    pub vectors: ArrayView2<'a, f32>,
    /// Their map coordinates, `N x dims` (2 or 3).
    pub map: ArrayView2<'a, f32>,
    /// The metric of the vectors' distances.
    pub metric: Metric,
}

/// What [`transform`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The new points' coordinates, `M x dims`, in the map's frame.
    pub embedding: Array2<f32>,
    /// The mean over the new points of KL(p‖q) of each, with `q_j = w_j / Σ_l w_l` over its
    /// neighbours (exact sums over the whole map are not formed; `Σ_l w_l` is Barnes-Hut's).
    pub kl: f64,
    /// Seconds: neighbour search, affinities, optimisation.
    pub seconds: (f64, f64, f64),
    /// The neighbour search used (`Exact` or `Approx`) and, when approximate, its recall
    /// measured on a sample of the new points.
    pub neighbors: (NeighborMethod, Option<f64>),
}

/// Places `new` (`M x D`, the width of `reference.vectors`) into the fixed `reference` map,
/// calling `observer` after every iteration; see the module's documentation.
///
/// ```
/// use embedscope::reduce::knn::Metric;
/// use embedscope::reduce::tsne::observer::NoObserver;
/// use embedscope::reduce::tsne::transform::{transform, Reference, TransformParams};
/// // Two groups of 30 points, far apart in the input and in the map.
/// let x = ndarray::Array2::from_shape_fn((60, 3), |(i, k)| (i / 30 * 40 + (i * 7 + k) % 5) as f32);
/// let map = ndarray::Array2::from_shape_fn((60, 2), |(i, k)| (i / 30 * 30 + (i + k) % 4) as f32);
/// let reference = Reference { vectors: x.view(), map: map.view(), metric: Metric::Euclidean };
/// let new = ndarray::array![[41.0f32, 42.0, 41.0]];
/// let placed = transform(reference, new.view(), &TransformParams::default(), &mut NoObserver)?;
/// assert_eq!(placed.embedding.dim(), (1, 2));
/// assert!(placed.embedding[[0, 0]] > 20.0); // beside the second group
/// # Ok::<(), embedscope::reduce::ReduceError>(())
/// ```
pub fn transform(
    reference: Reference<'_>,
    new: ArrayView2<f32>,
    params: &TransformParams,
    observer: &mut dyn Observer,
) -> Result<Placed, ReduceError> {
    let (n, dims) = reference.map.dim();
    if reference.vectors.nrows() != n {
        return Err(ReduceError::Shape(format!(
            "the map has {n} points, the reference vectors {}",
            reference.vectors.nrows()
        )));
    }
    params.check(n)?;
    check_finite(reference.map)?;
    if new.nrows() == 0 {
        return Err(ReduceError::TooFewPoints { n: 0, min: 1 });
    }
    let lanes = Lanes::chosen()?;
    let t = Instant::now();
    let knn = KnnParams {
        metric: reference.metric,
        method: NeighborMethod::Auto,
        seed: params.seed,
    };
    let graph = KnnGraph::query(reference.vectors, new, params.neighbors, &knn)?;
    let t_neighbors = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = conditionals(&Lists::of(&graph, params.neighbors), params.perplexity);
    let t_affinities = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let fixed = FixedMap {
        map: reference.map.as_standard_layout().iter().copied().collect(),
        graph: &graph,
        p: &p,
        lanes,
        theta2: (params.theta * params.theta) as f32,
    };
    let (embedding, kl) = match dims {
        2 => fixed.place::<2>(params, observer)?,
        3 => fixed.place::<3>(params, observer)?,
        d => {
            return Err(ReduceError::InvalidParam {
                param: "dims",
                value: d.to_string(),
                problem: "points can be placed into 2-D and 3-D maps only".into(),
            })
        }
    };
    Ok(Placed {
        embedding,
        kl,
        seconds: (t_neighbors, t_affinities, t.elapsed().as_secs_f64()),
        neighbors: (graph.method(), graph.recall()),
    })
}

/// The fixed reference map and the new points' neighbours and P rows.
struct FixedMap<'a> {
    /// The map, `N x dims` row-major.
    map: Vec<f32>,
    graph: &'a KnnGraph,
    /// The new points' conditional rows, `M x k`, over `graph`'s lists.
    p: &'a [f32],
    lanes: Lanes,
    theta2: f32,
}

impl FixedMap<'_> {
    /// The optimisation in `D` dimensions: the new points' coordinates and their mean KL.
    fn place<const D: usize>(
        &self,
        params: &TransformParams,
        observer: &mut dyn Observer,
    ) -> Result<(Array2<f32>, f64), ReduceError> {
        let field = Field::<D>::new(&self.map, self.theta2, self.lanes);
        let mut y = self.median_start::<D>();
        let mut grad = vec![0.0; y.len()];
        let mut update = vec![0.0; y.len()];
        let mut gains = vec![1.0; y.len()];
        let total = params.iterations;
        let mut kl = f64::NAN;
        for it in 1..=total {
            crate::interrupt::check()?;
            self.gradient::<D>(&field, &y, params, &mut grad);
            step(
                &mut y,
                D,
                &grad,
                (&mut update, &mut gains),
                params.momentum,
                params.learning_rate,
            );
            if it == total {
                kl = self.mean_kl::<D>(&field, &y);
            }
            if !(y.iter().all(|v| v.is_finite()) && (it < total || kl.is_finite())) {
                return Err(ReduceError::Diverged {
                    iteration: it,
                    kl,
                    coords: y.iter().all(|v| v.is_finite()),
                });
            }
            let coords = observer.wants_coords(it).then(|| as_matrix::<D>(&y));
            observer.on_iteration(&IterationInfo {
                iteration: it,
                total,
                exaggeration: params.exaggeration,
                coords: coords.as_ref().map(|c| c.view()),
                kl: (it == total).then_some(kl),
            });
        }
        Ok((as_matrix::<D>(&y), kl))
    }

    /// Each new point at the per-axis median of its neighbours' positions (the mean of the two
    /// middle ones for an even count, as numpy's median).
    fn median_start<const D: usize>(&self) -> Vec<f64> {
        let k = self.graph.k();
        let mut y = vec![0.0; self.graph.n() * D];
        y.par_chunks_mut(D).enumerate().for_each_init(
            || Vec::with_capacity(k),
            |axis: &mut Vec<f32>, (i, out)| {
                for (c, o) in out.iter_mut().enumerate() {
                    axis.clear();
                    axis.extend(
                        self.graph
                            .neighbors(i)
                            .iter()
                            .map(|&j| self.map[j as usize * D + c]),
                    );
                    axis.sort_unstable_by(f32::total_cmp);
                    let (lo, hi) = (axis[(k - 1) / 2], axis[k / 2]);
                    *o = (f64::from(lo) + f64::from(hi)) / 2.0;
                }
            },
        );
        y
    }

    /// The new point `i` at `y`: its attraction `Σ_j p_j w_j (y - y_j)` and its repulsion
    /// `(Σ_j w_j² (y - y_j), Σ_j w_j)` over the whole map.
    fn forces<const D: usize>(
        &self,
        field: &Field<D>,
        i: usize,
        y: [f64; D],
        list: &mut Interactions<D>,
    ) -> ([f64; D], ([f64; D], f64)) {
        let k = self.graph.k();
        let attraction = self.lanes.run(&Attraction::<D> {
            y: &self.map,
            yi: y.map(|v| v as f32),
            cols: self.graph.neighbors(i),
            vals: &self.p[i * k..(i + 1) * k],
        });
        (attraction, field.repulsion(y, list))
    }

    /// Every new point's gradient (clipped to `max_grad_norm`) into `grad`.
    fn gradient<const D: usize>(
        &self,
        field: &Field<D>,
        y: &[f64],
        params: &TransformParams,
        grad: &mut [f64],
    ) {
        grad.par_chunks_mut(D)
            .with_min_len(POINTS_PER_TASK)
            .enumerate()
            .for_each_init(Interactions::default, |list, (i, g)| {
                let (attr, (rep, z)) = self.forces::<D>(field, i, point(y, i), list);
                for c in 0..D {
                    g[c] = params.exaggeration * attr[c] - rep[c] / z.max(f64::MIN_POSITIVE);
                }
                let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > params.max_grad_norm {
                    g.iter_mut().for_each(|v| *v *= params.max_grad_norm / norm);
                }
            });
    }

    /// The mean over the new points of `Σ_j p_j ln(p_j / q_j)`, `q_j = w_j / Σ_l w_l`.
    fn mean_kl<const D: usize>(&self, field: &Field<D>, y: &[f64]) -> f64 {
        let k = self.graph.k();
        let kls: Vec<f64> = (0..self.graph.n())
            .into_par_iter()
            .map_init(Interactions::default, |list, i| {
                let yi: [f64; D] = point(y, i);
                let (_, z) = field.repulsion(yi, list);
                let cols = self.graph.neighbors(i);
                let vals = &self.p[i * k..(i + 1) * k];
                cols.iter()
                    .zip(vals)
                    .filter(|(_, &p)| p > 0.0)
                    .map(|(&j, &p)| {
                        let yj: [f32; D] = point(&self.map, j as usize);
                        let d2: f64 = (0..D).map(|c| (yi[c] - f64::from(yj[c])).powi(2)).sum();
                        let p = f64::from(p);
                        p * (p * (1.0 + d2) * z).ln()
                    })
                    .sum()
            })
            .collect();
        kls.iter().sum::<f64>() / kls.len() as f64
    }
}

/// The fixed map's repulsion field: a Barnes-Hut tree, and in 2-D an interpolation grid.
struct Field<const D: usize> {
    tree: Tree<D>,
    grid: Option<FftField>,
    theta2: f32,
    lanes: Lanes,
}

impl<const D: usize> Field<D> {
    fn new(map: &[f32], theta2: f32, lanes: Lanes) -> Self {
        let y: Vec<f64> = map.iter().map(|&v| f64::from(v)).collect();
        let mut tree = Tree::<D>::new();
        tree.build(&y);
        let grid = (D == 2).then(|| {
            let mut grid = FftField::new();
            grid.prepare_padded(&y, GRID_PADDING);
            grid
        });
        Self {
            tree,
            grid,
            theta2,
            lanes,
        }
    }

    /// `(Σ_j w_j² (y - y_j), Σ_j w_j)` over the map at `y`: from the grid when it covers `y`,
    /// else by a walk of the tree.
    fn repulsion(&self, y: [f64; D], list: &mut Interactions<D>) -> ([f64; D], f64) {
        if let Some(grid) = &self.grid {
            let mut force = [0.0; D];
            if let Some(z) = grid.repulsion_at([y[0], y[1]], &mut force) {
                return (force, z);
            }
        }
        let yi = y.map(|v| v as f32);
        self.tree.repulsion_on(&yi, self.theta2, self.lanes, list)
    }
}

/// `y` (`M x D` row-major) as a float32 matrix.
fn as_matrix<const D: usize>(y: &[f64]) -> Array2<f32> {
    Array2::from_shape_vec((y.len() / D, D), y.iter().map(|&v| v as f32).collect()).expect("M x D")
}

#[cfg(test)]
#[path = "transform_tests.rs"]
mod tests;
