//! Data in: MNIST IDX files, input tables (`.npy`, TSV/CSV, word vectors; [`table`]), per-point
//! metadata ([`metadata`], [`metadata_io`]), the [`Dataset`] of MNIST images and labels, and the
//! points' [`thumbnails`] from MNIST, image files or a sprite; and the check of a model file's
//! [`safetensors`] header. Every reader has a byte-slice entry point (`parse_*`) beside
//! its file one, and bounds what it allocates (`limits`).

pub mod dataset;
mod error;
pub mod history;
pub mod idx;
mod image_names;
pub(crate) mod limits;
pub mod matrix;
pub mod metadata;
pub mod metadata_io;
mod npy;
pub mod safetensors;
pub mod table;
mod text;
pub mod thumbnails;

pub use dataset::Dataset;
pub use error::DataError;
