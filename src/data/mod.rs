//! Data in: MNIST IDX files, numeric matrices (`.npy`, TSV/CSV), and the [`Dataset`] of
//! images and labels that the rest of the pipeline consumes.

pub mod dataset;
pub mod idx;
pub mod matrix;

pub use dataset::Dataset;
