//! The training display: a bar per epoch with the running loss, and a line per finished epoch,
//! drawn through the command line's [`Bars`].

use embedscope::data::history::EpochStats;
use embedscope::progress::Progress;
use embedscope_cli::progress::Bars;

use crate::model::train::TrainObserver;

/// A bar per epoch showing the running loss, and a line per finished epoch.
#[derive(Debug)]
pub struct TrainProgress {
    bars: Bars,
    epochs: usize,
    running: f64,
    seen: u64,
}

impl TrainProgress {
    /// A progress display for `epochs` epochs.
    pub fn new(epochs: usize) -> Self {
        Self {
            bars: Bars::new(),
            epochs,
            running: 0.0,
            seen: 0,
        }
    }
}

impl TrainObserver for TrainProgress {
    fn on_epoch_start(&mut self, epoch: usize, steps: usize) {
        self.bars
            .begin(&format!("epoch {epoch}/{}", self.epochs), steps as u64);
        self.running = 0.0;
        self.seen = 0;
    }

    fn on_step(&mut self, _step: usize, loss: f32) {
        self.seen += 1;
        self.running += (f64::from(loss) - self.running) / self.seen as f64;
        self.bars
            .update(self.seen, Some(&format!("loss {:.4}", self.running)));
    }

    fn on_epoch(&mut self, s: &EpochStats) {
        self.bars.end();
        self.bars.note(&format!(
            "epoch {:>3}/{}: train loss {:.5}, held-out loss {:.5} ({:.1} s)",
            s.epoch, self.epochs, s.train_loss, s.test_loss, s.seconds
        ));
    }
}
