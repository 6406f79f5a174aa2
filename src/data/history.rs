//! The record of a training run: per-epoch losses and times, and the loss of every step.
//!
//! Plain data, shared by the autoencoder (which fills it), the reports (which store it in
//! `train.json`) and the TensorBoard export (which turns it into scalars), so none of those
//! needs libtorch to read it.

/// Losses and time of one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochStats {
    /// The epoch, 1-based.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Reconstruction loss (per-pixel BCE) of the held-out split after the epoch.
    pub test_loss: f64,
    /// Seconds the epoch took (training and evaluation).
    pub seconds: f64,
}

/// Everything a training run reports.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainHistory {
    /// One entry per epoch.
    pub epochs: Vec<EpochStats>,
    /// The loss of every optimisation step: `(step, loss)`, step 1-based.
    pub steps: Vec<StepLoss>,
}

/// The loss of one optimisation step.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepLoss {
    /// The step, 1-based, counted over the whole run.
    pub step: usize,
    /// The batch's training loss.
    pub loss: f32,
}
