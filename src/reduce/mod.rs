//! Reduce: t-SNE and PCA.
pub mod tsne;
