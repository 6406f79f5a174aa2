//! The spectral initialisation: umap-learn's default, the leading non-trivial eigenvectors of
//! the graph's normalised adjacency `D^-1/2 W D^-1/2` (the smallest of the normalised
//! Laplacian), per connected component, so that it holds on disconnected graphs.
//!
//! - Each component of more than `dims + 1` points: [`ITERATIONS`] steps of block (subspace)
//!   iteration on `(I + D^-1/2 W D^-1/2) / 2` (eigenvalues in `[0, 1]`), kept orthogonal to the
//!   known top eigenvector `sqrt(degree)`, started from the component's principal components
//!   (deterministic, and already close), then a Rayleigh-Ritz step orders the vectors. umap-learn
//!   runs Lanczos (ARPACK) to a tolerance of 1e-4 instead; a fixed number of steps is an
//!   approximation of the same vectors, smoothest first.
//! - Smaller components: their principal components (seeded noise when there are none).
//! - Placement, as umap-learn's `multi_component_layout` does in spirit: the components'
//!   centroids in the input are laid out by PCA, and each component is scaled into a box half as
//!   wide as the distance to its nearest other component there.
//!
//! The caller scales the result to umap-learn's range ([`super::init::scaled`]).

use ndarray::{Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{Eigh, UPLO};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::fuzzy::FuzzyGraph;
use crate::reduce::{pca, ReduceError};

/// Block-iteration steps per component.
pub const ITERATIONS: usize = 100;
/// Extra vectors carried in the block beyond the map's dimensions (faster convergence).
const EXTRA: usize = 2;
/// The smallest box of a component, as a fraction of the layout's extent.
const MIN_BOX: f64 = 0.05;

/// The spectral layout of `graph` (pruned, symmetric) for `data`'s `N` rows, `N x dims`.
pub fn layout(
    data: ArrayView2<f32>,
    graph: &FuzzyGraph,
    dims: usize,
    seed: u64,
) -> Result<Array2<f32>, ReduceError> {
    let (labels, count) = graph.components();
    let members = members(&labels, count);
    let placement = placement(data, &members, dims, seed)?;
    let mut out = Array2::<f32>::zeros((data.nrows(), dims));
    for (c, points) in members.iter().enumerate() {
        let local = component_layout(data, graph, points, dims, seed ^ c as u64)?;
        let max = local.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 { placement.1[c] / max } else { 0.0 };
        for (row, &i) in points.iter().enumerate() {
            for k in 0..dims {
                out[[i, k]] = (placement.0[[c, k]] + local[[row, k]] * scale) as f32;
            }
        }
    }
    Ok(out)
}

/// The points of each component, in increasing order.
fn members(labels: &[u32], count: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); count];
    for (i, &c) in labels.iter().enumerate() {
        out[c as usize].push(i);
    }
    out
}

/// Each component's centre (`count x dims`, extent about 1) and the half-width of its box.
fn placement(
    data: ArrayView2<f32>,
    members: &[Vec<usize>],
    dims: usize,
    seed: u64,
) -> Result<(Array2<f64>, Vec<f64>), ReduceError> {
    let count = members.len();
    if count == 1 {
        return Ok((Array2::zeros((1, dims)), vec![1.0]));
    }
    let centroids = Array2::from_shape_fn((count, data.ncols()), |(c, k)| {
        let sum: f64 = members[c].iter().map(|&i| f64::from(data[[i, k]])).sum();
        (sum / members[c].len() as f64) as f32
    });
    let centres = principal(centroids.view(), dims, seed)?;
    let max = centres.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let centres = if max > 0.0 { centres / max } else { centres };
    let boxes = (0..count)
        .map(|c| {
            let nearest = (0..count)
                .filter(|&o| o != c)
                .map(|o| {
                    let d = &centres.row(c) - &centres.row(o);
                    d.dot(&d).sqrt()
                })
                .fold(f64::INFINITY, f64::min);
            (nearest / 2.0).max(MIN_BOX)
        })
        .collect();
    Ok((centres, boxes))
}

/// The first `dims` principal components of `x` (`n x dims`), missing ones (fewer rows or
/// columns than that) filled with seeded noise in `[-1, 1]`.
fn principal(x: ArrayView2<f32>, dims: usize, seed: u64) -> Result<Array2<f64>, ReduceError> {
    let (n, d) = x.dim();
    let kept = dims.min(d).min(n.saturating_sub(1));
    let scores = if kept > 0 {
        Some(pca::fit(x, kept)?.projected)
    } else {
        None
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Ok(Array2::from_shape_fn((n, dims), |(i, k)| match &scores {
        Some(s) if k < kept => f64::from(s[[i, k]]),
        _ => rng.random_range(-1.0..1.0),
    }))
}

/// One component's spectral layout (`points.len() x dims`).
fn component_layout(
    data: ArrayView2<f32>,
    graph: &FuzzyGraph,
    points: &[usize],
    dims: usize,
    seed: u64,
) -> Result<Array2<f64>, ReduceError> {
    let rows = data.select(Axis(0), points);
    let n = points.len();
    let start = principal(rows.view(), (dims + EXTRA).min(n), seed)?;
    if n <= dims + 1 + EXTRA {
        return Ok(start.slice(ndarray::s![.., ..dims]).to_owned());
    }
    let sub = Subgraph::new(graph, points);
    let mut block = start;
    sub.orthonormalise(&mut block);
    for _ in 0..ITERATIONS {
        block = sub.apply(&block);
        sub.orthonormalise(&mut block);
    }
    // Rayleigh-Ritz: the block's vectors by decreasing eigenvalue.
    let applied = sub.apply(&block);
    let small = block.t().dot(&applied);
    let (_, vectors) = small
        .eigh(UPLO::Lower)
        .map_err(|e| ReduceError::Linalg(format!("spectral initialisation: {e}")))?;
    let ordered = block.dot(&vectors);
    let b = ordered.ncols();
    Ok(Array2::from_shape_fn((n, dims), |(i, k)| {
        ordered[[i, b - 1 - k]]
    }))
}

/// A component's graph, renumbered, with `sqrt(degree)`.
struct Subgraph {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    weights: Vec<f64>,
    /// `sqrt(degree)`, normalised: the known top eigenvector.
    top: Array1<f64>,
    inv_sqrt_degree: Vec<f64>,
}

impl Subgraph {
    fn new(graph: &FuzzyGraph, points: &[usize]) -> Subgraph {
        let mut local = vec![u32::MAX; graph.n()];
        for (r, &i) in points.iter().enumerate() {
            local[i] = r as u32;
        }
        let mut offsets = vec![0];
        let (mut cols, mut weights) = (Vec::new(), Vec::new());
        for &i in points {
            let (c, w) = graph.row(i);
            cols.extend(c.iter().map(|&j| local[j as usize]));
            weights.extend(w.iter().map(|&v| f64::from(v)));
            offsets.push(cols.len());
        }
        let degree: Vec<f64> = (0..points.len())
            .map(|r| weights[offsets[r]..offsets[r + 1]].iter().sum())
            .collect();
        let top = Array1::from_iter(degree.iter().map(|d| d.sqrt()));
        let top = &top / top.dot(&top).sqrt();
        let inv_sqrt_degree = degree.iter().map(|d| 1.0 / d.sqrt()).collect();
        Subgraph {
            offsets,
            cols,
            weights,
            top,
            inv_sqrt_degree,
        }
    }

    /// `(I + D^-1/2 W D^-1/2) / 2` applied to each column of `x`.
    fn apply(&self, x: &Array2<f64>) -> Array2<f64> {
        let b = x.ncols();
        let mut out = Array2::<f64>::zeros(x.dim());
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(r, mut row)| {
                let s = self.inv_sqrt_degree[r];
                for e in self.offsets[r]..self.offsets[r + 1] {
                    let j = self.cols[e] as usize;
                    let w = self.weights[e] * s * self.inv_sqrt_degree[j];
                    for k in 0..b {
                        row[k] += w * x[[j, k]];
                    }
                }
                for k in 0..b {
                    row[k] = 0.5 * (row[k] + x[[r, k]]);
                }
            });
        out
    }

    /// Modified Gram-Schmidt on the columns, against [`Subgraph::top`] first; a column that
    /// vanishes is replaced by a fixed one.
    fn orthonormalise(&self, x: &mut Array2<f64>) {
        for k in 0..x.ncols() {
            for attempt in 0..2 {
                let p = self.top.dot(&x.column(k));
                x.column_mut(k).scaled_add(-p, &self.top);
                for prev in 0..k {
                    let (done, mut col) = split(x, prev, k);
                    let p = done.dot(&col);
                    col.scaled_add(-p, &done);
                }
                let norm = x.column(k).dot(&x.column(k)).sqrt();
                if norm > 1e-12 {
                    x.column_mut(k).mapv_inplace(|v| v / norm);
                    break;
                }
                // Degenerate: a deterministic replacement, orthogonalised on the second pass.
                let n = x.nrows();
                let fill = Array1::from_shape_fn(n, |i| ((i * (k + 2 + attempt)) % 7) as f64);
                x.column_mut(k).assign(&fill);
            }
        }
    }
}

/// Column `done` (a copy) and a mutable view of column `k` of `x`.
fn split(
    x: &mut Array2<f64>,
    done: usize,
    k: usize,
) -> (Array1<f64>, ndarray::ArrayViewMut1<'_, f64>) {
    (x.column(done).to_owned(), x.column_mut(k))
}
