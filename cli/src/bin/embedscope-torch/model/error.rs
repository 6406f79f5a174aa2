//! The autoencoder's errors: libtorch failures, devices, model files, training parameters
//! (named as parameters; the command line words them as flags).

use std::path::PathBuf;

/// Errors of the autoencoder: libtorch failures, devices, model files.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A libtorch operation failed.
    #[error("{context}: {cause}")]
    Torch {
        /// What we were doing.
        context: String,
        /// The libtorch error.
        cause: tch::TchError,
    },
    /// `--device cuda` was asked for on a machine without a usable CUDA device.
    #[error("device cuda: no CUDA device is available (libtorch sees none); use auto or cpu")]
    CudaUnavailable,
    /// A saved model does not look like one of ours.
    #[error("{path}: not an embedscope model: {problem}")]
    BadModelFile {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The model file could not be read, or its safetensors header breaks the format's rules.
    #[error(transparent)]
    ModelFile(#[from] embedscope::data::DataError),
    /// The data does not fit the model's input.
    #[error("the model expects {expected} pixels per image but the data has {found}")]
    InputSize {
        /// Pixels the model was trained on.
        expected: usize,
        /// Pixels per image in the data.
        found: usize,
    },
    /// A training parameter is out of range.
    #[error("{param}: {problem}")]
    Param {
        /// The parameter concerned, e.g. `epochs`.
        param: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Too few images to train on and hold some out.
    #[error("{n} image(s): need at least 2 (one to train, one to hold out)")]
    TooFewImages {
        /// Images in the data.
        n: usize,
    },
    /// The user pressed Ctrl-C.
    #[error(transparent)]
    Interrupted(#[from] embedscope::interrupt::Interrupted),
}

impl ModelError {
    /// Wraps a libtorch error with what we were doing.
    pub fn torch(context: impl Into<String>) -> impl FnOnce(tch::TchError) -> Self {
        let context = context.into();
        move |cause| Self::Torch { context, cause }
    }
}
