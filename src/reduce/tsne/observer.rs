//! The t-SNE optimiser's observer seam.
//!
//! The optimiser knows nothing of progress bars, GIF recorders or TensorBoard writers: it calls
//! [`Observer::on_iteration`] after every iteration, and each of those is an `Observer`.
//! Coordinates are only materialised for iterations where some observer asks for them
//! ([`Observer::wants_coords`]), so observing is free when nobody looks.

use ndarray::ArrayView2;

use crate::progress::Progress;

/// What the optimiser reports after one iteration.
#[derive(Debug, Clone)]
pub struct IterationInfo<'a> {
    /// The iteration just completed, 1-based.
    pub iteration: usize,
    /// The total number of iterations of the run.
    pub total: usize,
    /// The exaggeration factor applied to P during this iteration (12 in early exaggeration, else 1).
    pub exaggeration: f64,
    /// The current embedding (`N x dims`), when some observer asked for it at this iteration.
    pub coords: Option<ArrayView2<'a, f32>>,
    /// KL(P||Q) when it was evaluated at this iteration (every 50 iterations and the last).
    pub kl: Option<f64>,
}

/// Something that watches the optimisation. Observers are `Send` so a run can be moved onto a
/// dedicated thread pool (`--threads`).
pub trait Observer: Send {
    /// Whether this observer needs the coordinates after `iteration` (1-based).
    fn wants_coords(&self, _iteration: usize) -> bool {
        false
    }

    /// Called after every iteration.
    fn on_iteration(&mut self, info: &IterationInfo<'_>);
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn on_iteration(&mut self, _info: &IterationInfo<'_>) {}
}

/// Several observers behind one: each sees every iteration, and coordinates are materialised
/// when any of them wants them.
#[derive(Default)]
pub struct Observers<'o>(pub Vec<&'o mut dyn Observer>);

impl Observer for Observers<'_> {
    fn wants_coords(&self, iteration: usize) -> bool {
        self.0.iter().any(|o| o.wants_coords(iteration))
    }

    fn on_iteration(&mut self, info: &IterationInfo<'_>) {
        for o in &mut self.0 {
            o.on_iteration(info);
        }
    }
}

/// Reports the optimisation to a [`Progress`]: a task of `total` iterations whose message shows
/// the latest KL and the phase.
pub struct ProgressObserver<'p> {
    progress: &'p mut dyn Progress,
    task: &'static str,
    started: bool,
}

impl<'p> ProgressObserver<'p> {
    /// Reports to `progress`, as the task `t-SNE`.
    pub fn new(progress: &'p mut dyn Progress) -> Self {
        Self::for_task(progress, "t-SNE")
    }

    /// Reports to `progress` as the task `task` (`UMAP`: its epochs).
    pub fn for_task(progress: &'p mut dyn Progress, task: &'static str) -> Self {
        Self {
            progress,
            task,
            started: false,
        }
    }
}

impl Observer for ProgressObserver<'_> {
    fn on_iteration(&mut self, info: &IterationInfo<'_>) {
        if !self.started {
            self.progress.begin(self.task, info.total as u64);
            self.started = true;
        }
        let message = info.kl.map(|kl| {
            let phase = if info.exaggeration > 1.0 {
                " (early exaggeration)"
            } else {
                ""
            };
            format!("KL {kl:.4}{phase}")
        });
        self.progress
            .update(info.iteration as u64, message.as_deref());
        if info.iteration == info.total {
            self.progress.end();
        }
    }
}
