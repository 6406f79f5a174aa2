//! [`ReduceError`]: the dimensionality reductions (t-SNE, PCA), the neighbour search and the
//! quality measures; parameter errors name the parameter.

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
    /// (e.g. `EMBEDSCOPE_SIMD`, `crate::reduce::tsne::simd::SIMD_VAR`).
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
