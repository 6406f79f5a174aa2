//! Exports: output that other tools open. For now the TensorBoard log directory
//! ([`tensorboard`]: scalars and the Embedding Projector).
//!
//! Every exporter writes all-or-nothing through [`crate::fsutil`] and implements [`Exporter`],
//! so the pipeline can run a list of them without knowing their formats.

pub mod tensorboard;

use std::path::{Path, PathBuf};

use crate::error::ExportError;

/// Something that writes one output (a file or a directory) at `out`, all-or-nothing.
pub trait Exporter {
    /// Writes the output at `out`; returns the path written. On error nothing is left behind.
    fn export(&self, out: &Path) -> Result<PathBuf, ExportError>;
}

impl Exporter for tensorboard::LogDirBuilder<'_, '_> {
    fn export(&self, out: &Path) -> Result<PathBuf, ExportError> {
        self.build(out)
    }
}
