//! The starting layout, in umap-learn's range: coordinates scaled so the largest magnitude is
//! 10, plus Gaussian noise of standard deviation 1e-4 (umap-learn's `noisy_scale_coords`), then
//! each axis mapped onto `[0, 10]`.
//!
//! - [`pca`]: the first principal components of the input (missing ones, for inputs of fewer
//!   columns than the map's dimensions, are seeded uniform noise);
//! - spectral: see [`super::spectral`].

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::reduce::tsne::standard_normal;
use crate::reduce::{pca as pca_fit, ReduceError};

/// The largest coordinate magnitude after scaling.
pub const MAX_COORD: f32 = 10.0;
/// Standard deviation of the noise added after scaling.
pub const NOISE: f64 = 1e-4;

/// `data`'s first `dims` principal components, in umap-learn's range (row-major `N x dims`).
pub fn pca(data: ArrayView2<f32>, dims: usize, seed: u64) -> Result<Vec<f32>, ReduceError> {
    let (n, d) = data.dim();
    let kept = dims.min(d);
    let scores = pca_fit::fit(data, kept)?.projected;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let coords = Array2::from_shape_fn((n, dims), |(i, c)| {
        if c < kept {
            scores[[i, c]]
        } else {
            rng.random_range(-1.0..1.0)
        }
    });
    Ok(scaled(coords, seed))
}

/// `coords` scaled and noised as umap-learn's `noisy_scale_coords`, then each axis mapped onto
/// `[0, 10]` (a constant axis stays at 5); row-major.
pub fn scaled(coords: Array2<f32>, seed: u64) -> Vec<f32> {
    let max = coords.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let expansion = if max > 0.0 { MAX_COORD / max } else { 1.0 };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ NOISE_SEED_MIX);
    let mut out = coords.mapv(|v| v * expansion);
    out.mapv_inplace(|v| v + (standard_normal(&mut rng) * NOISE) as f32);
    for mut axis in out.columns_mut() {
        let lo = axis.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = axis.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let range = hi - lo;
        axis.mapv_inplace(|v| {
            if range > 0.0 {
                MAX_COORD * (v - lo) / range
            } else {
                MAX_COORD / 2.0
            }
        });
    }
    out.into_raw_vec_and_offset().0
}

/// Mixed into the seed for the noise, so that it is not the stream of the missing components.
const NOISE_SEED_MIX: u64 = 0x5ca1_ed00_0000_0001;
