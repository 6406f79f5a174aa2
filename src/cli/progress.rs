//! Progress bars (indicatif, on stderr; hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

use crate::model::train::{EpochStats, TrainObserver};
use crate::reduce::tsne::observer::{IterationInfo, Observer};

/// A bar per epoch showing the running loss, and a line per finished epoch.
#[derive(Debug)]
pub struct TrainProgress {
    bar: Option<ProgressBar>,
    epochs: usize,
    running: f64,
    seen: usize,
}

impl TrainProgress {
    /// A progress display for `epochs` epochs.
    pub fn new(epochs: usize) -> Self {
        Self {
            bar: None,
            epochs,
            running: 0.0,
            seen: 0,
        }
    }
}

/// The bar style shared by the stages.
pub fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {elapsed_precise} {msg}")
        .expect("valid template")
        .progress_chars("=> ")
}

impl TrainObserver for TrainProgress {
    fn on_epoch_start(&mut self, epoch: usize, steps: usize) {
        let bar = ProgressBar::new(steps as u64)
            .with_style(bar_style())
            .with_prefix(format!("epoch {epoch}/{}", self.epochs));
        self.bar = Some(bar);
        self.running = 0.0;
        self.seen = 0;
    }

    fn on_step(&mut self, _step: usize, loss: f32) {
        self.seen += 1;
        self.running += (f64::from(loss) - self.running) / self.seen as f64;
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("loss {:.4}", self.running));
        }
    }

    fn on_epoch(&mut self, s: &EpochStats) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprintln!(
            "epoch {:>3}/{}: train loss {:.5}, held-out loss {:.5} ({:.1} s)",
            s.epoch, self.epochs, s.train_loss, s.test_loss, s.seconds
        );
    }
}

/// A t-SNE progress bar whose message shows the latest KL.
#[derive(Debug)]
pub struct TsneProgress {
    bar: ProgressBar,
}

impl TsneProgress {
    /// A bar for `total` iterations.
    pub fn new(total: usize) -> Self {
        let bar = ProgressBar::new(total as u64)
            .with_style(bar_style())
            .with_prefix("t-SNE");
        Self { bar }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for TsneProgress {
    fn on_iteration(&mut self, info: &IterationInfo<'_>) {
        self.bar.set_position(info.iteration as u64);
        if let Some(kl) = info.kl {
            let phase = if info.exaggeration > 1.0 {
                " (early exaggeration)"
            } else {
                ""
            };
            self.bar.set_message(format!("KL {kl:.4}{phase}"));
        }
    }
}
