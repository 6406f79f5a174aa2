//! Gradient descent with momentum and per-coordinate gains, as in scikit-learn and the
//! TensorBoard projector.
//!
//! Per coordinate: the gain grows by 0.2 when the gradient's sign differs from the previous
//! update's, else it shrinks by ×0.8 (floor 0.01, no cap); `update = momentum · update -
//! rate · gain · grad`; a point's update longer than [`MAX_STEP_NORM`] is shortened to it
//! (openTSNE's `max_step_norm`); the embedding is re-centred after every step. Early
//! exaggeration multiplies P for the first iterations, with momentum 0.5, then 0.8. When the
//! learning rate changes as it ends (`auto`: `N / 48`, then `max(N / 4, 50)`), the gains and
//! updates start afresh, as scikit-learn's second optimisation phase does: gains grown under
//! the small rate would multiply the large one. Under one rate for both phases (the default,
//! 10) they carry on, as in the projector: at that slow rate the grown gains are what moves
//! the map, and restarting them cost 5% in KL at 10,000 and 70,000 points.
//!
//! Both guards matter on small inputs, where `auto`'s rate floor (50) is far above the stable
//! rate `N / 48`: the exaggerated phase oscillates, the gains grow, and without them a point
//! could be thrown far out (76 word vectors: one at x = 379 while the rest lay within ±107).
//! On large maps neither changes the result measurably (`scripts/compare_small.py` and the
//! README's measurements).
//!
//! Every iteration checks for Ctrl-C and calls the [`Observer`]; a non-finite KL or
//! coordinate stops the run with an error at once (see [`ReduceError::Diverged`]), before any
//! later work would use it.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::affinities::SparseP;
use super::gradient::{gradient, Method, Workspace};
use super::observer::{IterationInfo, Observer};
use super::simd::Lanes;
use crate::reduce::ReduceError;

/// KL(P‖Q) is evaluated every this many iterations (and after the last).
pub(crate) const KL_EVERY: usize = 50;
/// Lower bound of the per-coordinate gains.
const MIN_GAIN: f64 = 0.01;
/// The longest update one point may take in one iteration (openTSNE's default; our rates are a
/// quarter of openTSNE's and our gradient 4x its, so the steps are the same length).
pub(crate) const MAX_STEP_NORM: f64 = 5.0;
/// Points per rayon task in the update step.
const UPDATE_POINTS: usize = 2048;

/// The optimisation schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Schedule {
    /// Total iterations.
    pub iterations: usize,
    /// Early-exaggeration factor applied to P.
    pub exaggeration: f64,
    /// Iterations run with exaggeration (and momentum `momentum.0`).
    pub exaggeration_iterations: usize,
    /// Momentum during, then after, early exaggeration.
    pub momentum: (f64, f64),
    /// The learning rate during, then after, early exaggeration.
    pub learning_rate: (f64, f64),
}

/// What the optimisation produced besides the embedding (which is updated in place).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trace {
    /// `(iteration, KL)` every [`KL_EVERY`] iterations and after the last.
    pub kl_history: Vec<(usize, f64)>,
    /// KL(P‖Q) of the final embedding.
    pub final_kl: f64,
}

/// Runs the schedule on `y` (`N x dims`, row-major), in place, with the gradient's sums in
/// `lanes`.
pub(crate) fn optimize(
    y: &mut [f64],
    dims: usize,
    p: &SparseP,
    method: Method,
    lanes: Lanes,
    schedule: &Schedule,
    observer: &mut dyn Observer,
) -> Result<Trace, ReduceError> {
    let n = y.len() / dims;
    let mut ws = Workspace::new(lanes);
    let mut grad = vec![0.0; y.len()];
    let mut update = vec![0.0; y.len()];
    let mut gains = vec![1.0; y.len()];
    let mut kl_history = Vec::new();
    let mut final_kl = f64::NAN;
    for it in 1..=schedule.iterations {
        crate::interrupt::check()?;
        let early = it <= schedule.exaggeration_iterations;
        if it == schedule.exaggeration_iterations + 1
            && schedule.learning_rate.0 != schedule.learning_rate.1
        {
            update.fill(0.0);
            gains.fill(1.0);
        }
        let exaggeration = if early { schedule.exaggeration } else { 1.0 };
        let (momentum, rate) = if early {
            (schedule.momentum.0, schedule.learning_rate.0)
        } else {
            (schedule.momentum.1, schedule.learning_rate.1)
        };
        let want_kl = it % KL_EVERY == 0 && it != schedule.iterations;
        let stats = gradient(
            y,
            dims,
            p,
            exaggeration,
            method,
            &mut ws,
            want_kl,
            &mut grad,
        );
        step(y, dims, &grad, (&mut update, &mut gains), momentum, rate);
        recentre(y, dims, n);
        let kl = if it == schedule.iterations {
            let mut scratch = vec![0.0; y.len()];
            final_kl = gradient(y, dims, p, 1.0, method, &mut ws, true, &mut scratch)
                .kl
                .unwrap_or(f64::NAN);
            Some(final_kl)
        } else {
            stats.kl
        };
        if let Some(v) = kl {
            check_finite(it, v, y)?;
            kl_history.push((it, v));
        }
        let coords = observer.wants_coords(it).then(|| {
            ArrayView2::from_shape((n, dims), &*y)
                .expect("y is N x dims")
                .mapv(|v| v as f32)
        });
        observer.on_iteration(&IterationInfo {
            iteration: it,
            total: schedule.iterations,
            exaggeration,
            coords: coords.as_ref().map(|c| c.view()),
            kl,
        });
    }
    Ok(Trace {
        kl_history,
        final_kl,
    })
}

/// Fails when the KL evaluated at iteration `it`, or any coordinate, is not finite: the
/// optimisation has diverged, and nothing downstream should draw or log the result.
fn check_finite(it: usize, kl: f64, y: &[f64]) -> Result<(), ReduceError> {
    let coords = y.iter().all(|v| v.is_finite());
    if kl.is_finite() && coords {
        return Ok(());
    }
    Err(ReduceError::Diverged {
        iteration: it,
        kl,
        coords,
    })
}

/// One momentum step with gain adaptation, each point's update clipped to [`MAX_STEP_NORM`]:
/// per point (so any chunking gives the same result, and no point's step reads another's).
pub(super) fn step(
    y: &mut [f64],
    dims: usize,
    grad: &[f64],
    (update, gains): (&mut [f64], &mut [f64]),
    momentum: f64,
    rate: f64,
) {
    let chunk = UPDATE_POINTS * dims;
    y.par_chunks_mut(chunk)
        .zip(grad.par_chunks(chunk))
        .zip(update.par_chunks_mut(chunk))
        .zip(gains.par_chunks_mut(chunk))
        .for_each(|(((y, g), u), gn)| {
            for c in 0..y.len() {
                gn[c] = if u[c] * g[c] < 0.0 {
                    gn[c] + 0.2
                } else {
                    gn[c] * 0.8
                }
                .max(MIN_GAIN);
                u[c] = momentum * u[c] - rate * gn[c] * g[c];
            }
            for (yp, up) in y.chunks_exact_mut(dims).zip(u.chunks_exact_mut(dims)) {
                let norm = up.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > MAX_STEP_NORM {
                    let shrink = MAX_STEP_NORM / norm;
                    up.iter_mut().for_each(|v| *v *= shrink);
                }
                for (a, b) in yp.iter_mut().zip(up.iter()) {
                    *a += b;
                }
            }
        });
}

/// Subtracts the mean of each coordinate (summed serially, in index order).
fn recentre(y: &mut [f64], dims: usize, n: usize) {
    let mut mean = vec![0.0; dims];
    for p in y.chunks_exact(dims) {
        for k in 0..dims {
            mean[k] += p[k];
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    for p in y.chunks_exact_mut(dims) {
        for k in 0..dims {
            p[k] -= mean[k];
        }
    }
}
