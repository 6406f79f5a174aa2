//! embedscope: visualise any embedding natively: t-SNE, PCA, pictures, TensorBoard logs and a
//! self-contained interactive page.
//!
//! # The public API
//! What the command line (the `embedscope-cli` package) and other callers use; everything else
//! is private to the crate:
//! - vectors in: [`data::matrix::read_matrix`] (`.npy`, TSV/CSV, word vectors, IDX),
//!   [`data::metadata_io::read_metadata`], [`data::table::read_table`], the embedded MNIST
//!   [`data::Dataset`], their images ([`data::thumbnails`]);
//! - the neighbour graph: [`reduce::knn::KnnGraph::find`] with [`reduce::knn::KnnParams`]
//!   (exact or approximate by one policy, euclidean or cosine);
//! - t-SNE: [`reduce::tsne::fit`] (vectors) and [`reduce::tsne::fit_with_graph`] (a graph found
//!   once and shared), parameters checked once ([`reduce::tsne::TsneParams::check`]), progress
//!   and stopping through [`reduce::tsne::observer::Observer`]; PCA: [`reduce::pca::fit`];
//!   quality: [`reduce::quality`];
//! - pictures: [`render::scatter::plot`], [`render::digits::digit_map`],
//!   [`render::animation`]; exports: [`export::tensorboard`] and [`export::html::write_page`];
//! - the whole view in cached stages: [`pipeline::view::run`]; the demo: [`pipeline::demo::run`];
//! - progress of long work: [`progress::Progress`]; Ctrl-C: [`interrupt`]; all-or-nothing
//!   writes: [`fsutil`];
//! - errors beside their modules: [`data::DataError`], [`reduce::ReduceError`],
//!   [`render::RenderError`], [`export::ExportError`], [`pipeline::PipelineError`].
//!
//! The modules follow the pipeline, and their imports point one way
//! (pipeline → render/export → reduce/data → fsutil/progress/interrupt). The command line, with
//! clap, anyhow and the progress bars, is the separate `embedscope-cli` package; the libtorch
//! autoencoder lives in its `embedscope-torch` executable. With the `bench` feature,
//! [`reduce::tsne`] also re-exports the internals the benchmarks time (not a stable API).

pub mod data;
pub mod export;
pub mod fsutil;
pub mod interrupt;
pub mod pipeline;
pub mod progress;
pub mod reduce;
pub mod render;
