//! [`RenderError`]: drawing plots, digit maps and animations.
//!
//! Every error that concerns a file names it and says what is wrong with it, so the command line
//! can print a message a user can act on. An underlying error is part of the message (a `cause`
//! field), not a chained source, so printing the chain never repeats it.

use std::path::PathBuf;

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
