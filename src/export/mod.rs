//! Exports: output that other tools open: the TensorBoard log directory ([`tensorboard`]:
//! scalars and the Embedding Projector) and the self-contained interactive page ([`html`]).
//!
//! Every exporter writes all-or-nothing through [`crate::fsutil`] and reports progress through
//! [`crate::progress::Progress`].

pub mod html;
pub mod tensorboard;

mod error;
pub use error::ExportError;
