//! Error types, one `thiserror` enum per domain.
//!
//! Every error that concerns a file names it, and says what is wrong with it, so the CLI can
//! print a message a user can act on (see `cli::finish`, which prints the whole error chain).
//! An underlying error is part of the message (a `cause` field), not a chained source, so the
//! chain never prints it twice.

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

/// Errors while drawing plots, digit maps and animations.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The points and the colouring's metadata (labels) disagree on the number of items.
    #[error("{points} points but {labels} labels; they must match")]
    LengthMismatch {
        /// Number of points (rows).
        points: usize,
        /// Number of labels (metadata values the colouring was made from).
        labels: usize,
    },
    /// A point has a NaN or infinite coordinate.
    #[error("point {index} has a non-finite coordinate ({value}); cannot place it")]
    NonFinite {
        /// Row of the offending point.
        index: usize,
        /// The offending value.
        value: f32,
    },
    /// The points have the wrong number of columns for the requested picture.
    #[error("expected {expected} coordinate columns, found {found}")]
    Dimensions {
        /// What was needed, in words (e.g. "at least 2").
        expected: &'static str,
        /// Columns found.
        found: usize,
    },
    /// The thumbnails do not match the points or their stated size.
    #[error("images: {0}")]
    Images(String),
    /// There is nothing to draw.
    #[error("no points to draw")]
    Empty,
    /// The output extension names no format this function writes.
    #[error("{path}: unsupported output extension '{ext}': expected {expected}")]
    UnsupportedExtension {
        /// The output path.
        path: PathBuf,
        /// Its extension (lower case, possibly empty).
        ext: String,
        /// The accepted extensions, in words.
        expected: &'static str,
    },
    /// An option is out of range.
    #[error("{0}")]
    InvalidOption(String),
    /// The output could not be written.
    #[error("{path}: {cause}")]
    Io {
        /// The output file.
        path: PathBuf,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// The drawing backend failed (a bug or a missing glyph, never bad input).
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Ctrl-C was pressed while rendering.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

/// Errors of the dimensionality reductions (t-SNE, PCA) and their quality measures.
#[derive(Debug, thiserror::Error)]
pub enum ReduceError {
    /// A parameter is out of range. `param` is the library's name for it (a command line maps
    /// it to its flag, e.g. `learning_rate` to `--learning-rate`).
    #[error("{param} {value}: {problem}")]
    InvalidParam {
        /// The parameter, e.g. `perplexity`, `learning_rate`, `dims`, `method`.
        param: &'static str,
        /// The offending value, as the user would write it.
        value: String,
        /// What is wrong with it, in words.
        problem: String,
    },
    /// An environment variable that steers the computation holds a value it does not accept
    /// (e.g. `EMBEDSCOPE_SIMD`, [`crate::reduce::tsne::simd::SIMD_VAR`]).
    #[error("{var}={value}: {problem}")]
    Environment {
        /// The variable.
        var: &'static str,
        /// Its value (lossily as text).
        value: String,
        /// What it may hold, in words.
        problem: String,
    },
    /// The input has too few rows for the method.
    #[error("the input has {n} point(s); at least {min} are needed")]
    TooFewPoints {
        /// Rows in the input.
        n: usize,
        /// The minimum the method needs.
        min: usize,
    },
    /// The input holds NaN or an infinity.
    #[error("row {row} (0-based), column {col}: non-finite value {value}; the input must hold finite numbers only")]
    NonFinite {
        /// The row holding the value (0-based).
        row: usize,
        /// Its column (0-based).
        col: usize,
        /// The value itself.
        value: f32,
    },
    /// The optimisation produced a non-finite KL divergence or coordinate: a defect, reported
    /// at the iteration where it was seen rather than passed on to the pictures and logs.
    #[error(
        "the optimisation diverged at iteration {iteration}: KL {kl}{}; please report this \
         with the input",
        if *coords { "" } else { ", non-finite coordinates" }
    )]
    Diverged {
        /// The iteration (1-based).
        iteration: usize,
        /// The KL divergence evaluated there.
        kl: f64,
        /// Whether every coordinate was still finite.
        coords: bool,
    },
    /// Two inputs that must agree in shape do not.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A linear-algebra routine (LAPACK) failed.
    #[error("linear algebra failed: {0}")]
    Linalg(String),
    /// The user interrupted the computation (Ctrl-C).
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}
