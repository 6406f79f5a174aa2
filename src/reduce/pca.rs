//! Principal component analysis by eigendecomposition of the covariance matrix.
//!
//! The data is centred in f64; the `D x D` covariance (normalised by `N - 1`, like numpy's
//! `np.cov` and scikit-learn's explained variance) is formed with `matrixmultiply` dgemm, one
//! rayon task per block of rows, so it does not depend on the thread count; LAPACK's `dsyevd`
//! (ndarray-linalg `eigh`) gives its eigenpairs. Components come by decreasing variance, each
//! with the sign that makes its largest-magnitude loading positive (the first such on ties).
//! Explained-variance ratios are against the total variance (the covariance's trace), so they
//! do not depend on how many components are kept.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{Eigh, UPLO};
use rayon::prelude::*;

use super::{check_finite, ReduceError};

/// Rows of the output per rayon task in [`par_gemm`].
const GEMM_BLOCK: usize = 32;

/// A fitted PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaResult {
    /// The centred data projected on the components (`N x k`).
    pub projected: Array2<f32>,
    /// The principal axes, one unit vector per row (`k x D`), by decreasing variance.
    pub components: Array2<f64>,
    /// The column means subtracted before projecting (`D`).
    pub mean: Array1<f64>,
    /// Variance along each component (the covariance's eigenvalues).
    pub explained_variance: Vec<f64>,
    /// `explained_variance` divided by the total variance.
    pub explained_variance_ratio: Vec<f64>,
    /// Running sums of `explained_variance_ratio`.
    pub cumulative_ratio: Vec<f64>,
    /// The total variance: the trace of the covariance matrix.
    pub total_variance: f64,
}

impl PcaResult {
    /// A one-line summary of the first `k` components (at most those kept), e.g.
    /// `"PC1-PC3 explain 19.8% of the variance"`.
    pub fn summary(&self, k: usize) -> String {
        let k = k.min(self.cumulative_ratio.len());
        if k == 0 {
            return "no components".to_string();
        }
        let pct = 100.0 * self.cumulative_ratio[k - 1];
        if k == 1 {
            format!("PC1 explains {pct:.1}% of the variance")
        } else {
            format!("PC1-PC{k} explain {pct:.1}% of the variance")
        }
    }
}

/// Fits `components` principal components to `data` (`N x D`, `N >= 2`, `1 <= components <= D`).
///
/// ```
/// use embedscope::reduce::pca;
/// // Points along the line y = 2x, with a little noise across it.
/// let x = ndarray::Array2::from_shape_fn((100, 2), |(i, k)| {
///     let t = i as f32 / 10.0;
///     let noise = if i % 2 == 0 { 0.01 } else { -0.01 };
///     if k == 0 { t - 2.0 * noise } else { 2.0 * t + noise }
/// });
/// let fitted = pca::fit(x.view(), 1)?;
/// assert_eq!(fitted.projected.dim(), (100, 1));
/// assert!(fitted.explained_variance_ratio[0] > 0.999);
/// // The axis is (1, 2) / sqrt(5), its largest loading positive.
/// let axis = fitted.components.row(0);
/// assert!((axis[1] / axis[0] - 2.0).abs() < 1e-3 && axis[1] > 0.0);
/// assert_eq!(fitted.summary(1), "PC1 explains 100.0% of the variance");
/// # Ok::<(), embedscope::reduce::ReduceError>(())
/// ```
pub fn fit(data: ArrayView2<f32>, components: usize) -> Result<PcaResult, ReduceError> {
    let (n, d) = data.dim();
    if n < 2 {
        return Err(ReduceError::TooFewPoints { n, min: 2 });
    }
    if components == 0 || components > d {
        return Err(ReduceError::InvalidParam {
            param: "components",
            value: components.to_string(),
            problem: format!("must be between 1 and the input's {d} columns"),
        });
    }
    check_finite(data)?;
    let mut xc = data.mapv(f64::from);
    let mean = xc.mean_axis(Axis(0)).expect("n >= 2");
    xc -= &mean;
    let cov = par_gemm(xc.t(), xc.view()) / (n - 1) as f64;
    let total_variance = cov.diag().sum();
    let (values, vectors) = cov
        .eigh(UPLO::Lower)
        .map_err(|e| ReduceError::Linalg(format!("eigendecomposition of the covariance: {e}")))?;

    let mut comps = Array2::<f64>::zeros((components, d));
    let mut explained_variance = Vec::with_capacity(components);
    for (c, mut row) in comps.rows_mut().into_iter().enumerate() {
        let col = d - 1 - c; // eigh sorts eigenvalues in ascending order
        row.assign(&vectors.column(col));
        let lead = row
            .iter()
            .enumerate()
            .fold((0, 0.0f64), |best, (t, v)| {
                if v.abs() > best.1 {
                    (t, v.abs())
                } else {
                    best
                }
            })
            .0;
        if row[lead] < 0.0 {
            row.mapv_inplace(|v| -v);
        }
        explained_variance.push(values[col].max(0.0));
    }
    let ratio: Vec<f64> = explained_variance
        .iter()
        .map(|v| {
            if total_variance > 0.0 {
                v / total_variance
            } else {
                0.0
            }
        })
        .collect();
    let cumulative_ratio = ratio
        .iter()
        .scan(0.0, |acc, r| {
            *acc += r;
            Some(*acc)
        })
        .collect();
    let projected = par_gemm(xc.view(), comps.t()).mapv(|v| v as f32);
    Ok(PcaResult {
        projected,
        components: comps,
        mean,
        explained_variance,
        explained_variance_ratio: ratio,
        cumulative_ratio,
        total_variance,
    })
}

/// `a · b` in f64 with single-threaded dgemm per block of `GEMM_BLOCK` output rows, blocks in
/// parallel: the result does not depend on the number of threads.
fn par_gemm(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    let mut c = Array2::<f64>::zeros((m, n));
    let (sa, sb) = (a.strides(), b.strides());
    c.axis_chunks_iter_mut(Axis(0), GEMM_BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(blk, mut cb)| {
            let a_blk = a.slice(s![blk * GEMM_BLOCK.., ..]);
            let rows = cb.nrows();
            let sc = cb.strides().to_vec();
            // SAFETY: `a_blk` has at least `rows x k` elements and `b` has `k x n`, both read
            // through their own (positive) strides; `cb` is an exclusive `rows x n` block.
            unsafe {
                matrixmultiply::dgemm(
                    rows,
                    k,
                    n,
                    1.0,
                    a_blk.as_ptr(),
                    sa[0],
                    sa[1],
                    b.as_ptr(),
                    sb[0],
                    sb[1],
                    0.0,
                    cb.as_mut_ptr(),
                    sc[0],
                    sc[1],
                );
            }
        });
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Data with a known spectrum: independent columns with variances `scales²`, rotated by an
    /// orthonormal basis (Gram-Schmidt of random vectors), plus an offset.
    #[test]
    fn ratios_match_a_known_spectrum() {
        let (n, d) = (4096, 6);
        let scales = [5.0, 3.0, 2.0, 1.0, 0.5, 0.25];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut basis = Array2::<f64>::from_shape_fn((d, d), |_| rng.random::<f64>() - 0.5);
        for i in 0..d {
            for j in 0..i {
                let dot = basis.row(i).dot(&basis.row(j));
                let bj = basis.row(j).to_owned();
                basis.row_mut(i).scaled_add(-dot, &bj);
            }
            let norm = basis.row(i).dot(&basis.row(i)).sqrt();
            basis.row_mut(i).mapv_inplace(|v| v / norm);
        }
        // Columns of exactly zero mean and exactly the intended variance: ±1 patterns.
        let mut z = Array2::<f64>::zeros((n, d));
        for ((i, c), v) in z.indexed_iter_mut() {
            let sign = if (i >> c) & 1 == 0 { 1.0 } else { -1.0 };
            *v = sign * scales[c] * ((n - 1) as f64 / n as f64).sqrt();
        }
        let x = (z.dot(&basis) + 7.0).mapv(|v| v as f32);
        let xs = x.mapv(f64::from);
        let r = fit(x.view(), 3).unwrap();
        // Reference: the spectrum of the data as actually stored in float32.
        let cov = {
            let c = &xs - &xs.mean_axis(Axis(0)).unwrap();
            c.t().dot(&c) / (n - 1) as f64
        };
        let total: f64 = cov.diag().sum();
        let want: Vec<f64> = scales.iter().map(|s| s * s).collect();
        let want_total: f64 = want.iter().sum();
        assert!((total - want_total).abs() / want_total < 1e-6);
        assert!((r.total_variance - total).abs() / total < 1e-12);
        for (c, w) in want.iter().take(3).enumerate() {
            let ratio = w / want_total;
            let got = r.explained_variance_ratio[c];
            assert!(
                (got - ratio).abs() / ratio < 1e-6,
                "PC{}: {got} vs {ratio}",
                c + 1
            );
            // The axis is the basis vector up to sign; the largest loading is positive.
            let dot = r.components.row(c).dot(&basis.row(c));
            assert!((dot.abs() - 1.0).abs() < 1e-6, "PC{} axis: {dot}", c + 1);
            let lead =
                r.components
                    .row(c)
                    .iter()
                    .fold(0.0f64, |m, v| if v.abs() > m.abs() { *v } else { m });
            assert!(lead > 0.0);
        }
        let cum: f64 = want[..3].iter().sum::<f64>() / want_total;
        assert!((r.cumulative_ratio[2] - cum).abs() < 1e-6);
        assert_eq!(
            r.summary(3),
            format!("PC1-PC3 explain {:.1}% of the variance", 100.0 * cum)
        );
        assert_eq!(r.projected.dim(), (n, 3));
    }

    #[test]
    fn bad_arguments_are_errors() {
        let x = Array2::<f32>::zeros((1, 3));
        assert!(matches!(
            fit(x.view(), 1),
            Err(ReduceError::TooFewPoints { n: 1, .. })
        ));
        let x = Array2::<f32>::zeros((4, 3));
        let e = fit(x.view(), 4).unwrap_err().to_string();
        assert!(e.starts_with("components 4: "), "{e}");
        let mut x = Array2::<f32>::zeros((4, 3));
        x[[2, 1]] = f32::NAN;
        let e = fit(x.view(), 2).unwrap_err().to_string();
        assert!(e.contains("row 2"), "{e}");
    }
}
