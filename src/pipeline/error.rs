//! [`PipelineError`]: what can stop `view` or the demo. Each variant carries the error of the
//! layer below unchanged (its message names the file, the row or the parameter), so the command
//! line prints it as it is and can still tell a parameter error or an interrupt from the rest.

use crate::data::metadata::MetadataError;
use crate::data::DataError;
use crate::export::ExportError;
use crate::interrupt::Interrupted;
use crate::reduce::ReduceError;
use crate::render::RenderError;

/// An error of the view pipeline or the demo.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Reading the input or writing an output file.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A metadata column that does not fit the points (or the flag names no column).
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// Reading or writing a stage's record or report (the message names the file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A reduction (neighbours, t-SNE, PCA), including an invalid parameter.
    #[error(transparent)]
    Reduce(#[from] ReduceError),
    /// Drawing a picture or an animation.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Writing the TensorBoard logs or the page.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The demo's training step (run by the caller) failed; its message says why.
    #[error("training: {0}")]
    Train(Box<dyn std::error::Error + Send + Sync>),
    /// Two outputs of the run disagree (the training wrote codes for other data).
    #[error("{0}")]
    Mismatch(String),
    /// The user asked to stop (Ctrl-C); finished stages are kept for a rerun.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

impl PipelineError {
    /// The reduction error inside, if this is one (the command line rewords parameter errors
    /// with the flag's name).
    pub fn as_reduce(&self) -> Option<&ReduceError> {
        match self {
            Self::Reduce(e) => Some(e),
            _ => None,
        }
    }
}

/// The result of a pipeline step.
pub type Result<T> = std::result::Result<T, PipelineError>;
