//! [`DataError`]: reading or writing data files (MNIST IDX, `.npy`, TSV/CSV, metadata).
//!
//! Every error that concerns a file names it and says what is wrong with it, so the command line
//! can print a message a user can act on. An underlying error is part of the message (a `cause`
//! field), not a chained source, so printing the chain never repeats it.

use std::path::PathBuf;

/// Errors while reading or writing data files (MNIST IDX, `.npy`, TSV/CSV, metadata).
///
/// Each variant says its problem once: the I/O error is part of the message and not also a
/// `source()`, so printing the error chain (`{:#}`) does not repeat it.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// The file was read but its content is malformed.
    #[error("{path}: {problem}")]
    Invalid {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it, in words.
        problem: String,
    },
    /// An images file and its labels file disagree on the number of items.
    #[error(
        "{images} holds {n_images} images but {labels} holds {n_labels} labels; they must match"
    )]
    CountMismatch {
        /// The images file.
        images: PathBuf,
        /// The labels file.
        labels: PathBuf,
        /// Number of images.
        n_images: usize,
        /// Number of labels.
        n_labels: usize,
    },
    /// A data directory lacks the files we look for.
    #[error("{dir}: no MNIST files found; expected {expected}")]
    Missing {
        /// The directory searched.
        dir: PathBuf,
        /// The file names that would have been accepted.
        expected: String,
    },
}

impl DataError {
    /// Shorthand for [`DataError::Invalid`].
    pub fn invalid(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// Shorthand for [`DataError::Io`].
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            cause: error,
        }
    }
}
