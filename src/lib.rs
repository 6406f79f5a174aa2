//! embedscope: visualise any embedding natively: t-SNE, PCA, pictures, TensorBoard logs and a
//! self-contained interactive page.
//!
//! The modules follow the pipeline, and their imports point one way
//! (cli → pipeline → render/export → reduce/data → error/fsutil):
//! - [`data`]: MNIST IDX, `.npy`, TSV/CSV and word vectors in and out, metadata, the
//!   [`data::Dataset`];
//! - [`reduce`]: the neighbour graph ([`reduce::knn`]), t-SNE ([`reduce::tsne`]), PCA
//!   ([`reduce::pca`]) and quality measures;
//! - [`render`]: pictures (PNG, SVG, GIF); [`export`]: TensorBoard log directories and the page;
//! - [`pipeline`]: `view` (any vectors to every output, in cached stages) and the demo;
//! - [`cli`]: the command line, turned into validated configurations before any work starts.
//!
//! The libtorch autoencoder lives in the `embedscope-torch` executable, not in this library.

pub mod cli;
pub mod data;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod interrupt;
pub mod pipeline;
pub mod progress;
pub mod reduce;
pub mod render;
