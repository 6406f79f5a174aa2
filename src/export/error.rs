//! [`ExportError`]: writing the TensorBoard log directory and the page.
//!
//! Every error that concerns a file names it and says what is wrong with it, so the command line
//! can print a message a user can act on. An underlying error is part of the message (a `cause`
//! field), not a chained source, so printing the chain never repeats it.

use std::path::PathBuf;

use crate::data::DataError;

/// Errors while writing exports (the TensorBoard log directory: event files, projector files).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file or directory could not be created or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// The data to export is inconsistent or unusable; `what` names the input (a flag, an
    /// embedding, a scalar tag), `problem` says what is wrong with it.
    #[error("{what}: {problem}")]
    Invalid {
        /// The input concerned, e.g. `labels`, `embedding 'tsne/2d'`, `scalar 'train/loss'`.
        what: String,
        /// What is wrong with it, in words.
        problem: String,
    },
    /// A scalar series whose steps do not strictly increase (TensorBoard would drop or reorder
    /// points).
    #[error("scalar '{tag}': step {step} follows step {previous}; steps must strictly increase")]
    StepOrder {
        /// The scalar tag.
        tag: String,
        /// The step written before.
        previous: i64,
        /// The offending step.
        step: i64,
    },
    /// A data file (the metadata TSV) could not be written.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The user asked to stop (Ctrl-C); nothing was left behind.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

impl ExportError {
    /// Shorthand for [`ExportError::Invalid`].
    pub fn invalid(what: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            what: what.into(),
            problem: problem.into(),
        }
    }

    /// Shorthand for [`ExportError::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            cause: source,
        }
    }
}
