//! Dimensionality reduction of embeddings: the shared neighbour graph ([`knn`]), Barnes-Hut
//! [`tsne`], [`umap`], [`pca`], and the [`quality`] measures used to check them.

pub mod knn;
pub mod pca;
pub mod quality;
pub mod scale;
pub mod tsne;
pub mod umap;

use ndarray::ArrayView2;

mod error;
pub use error::ReduceError;

/// Fails with [`ReduceError::NonFinite`], naming the first row and column, when `data` holds
/// NaN or an infinity.
pub fn check_finite(data: ArrayView2<f32>) -> Result<(), ReduceError> {
    for (row, r) in data.rows().into_iter().enumerate() {
        if let Some((col, &value)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ReduceError::NonFinite { row, col, value });
        }
    }
    Ok(())
}
