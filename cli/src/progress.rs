//! Progress bars (indicatif, on stderr; hidden when stderr is not a terminal): the command
//! line's implementation of the library's [`Progress`], and the training display.

use indicatif::{ProgressBar, ProgressStyle};

use embedscope::progress::Progress;

/// The one bar style of every stage.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {elapsed_precise} {msg}")
        .expect("valid template")
        .progress_chars("=> ")
}

/// Draws the library's progress reports as bars, and its notes as lines, on stderr.
#[derive(Debug, Default)]
pub struct Bars {
    bar: Option<ProgressBar>,
}

impl Bars {
    /// No bar yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Progress for Bars {
    fn begin(&mut self, task: &str, total: u64) {
        self.end();
        let bar = ProgressBar::new(total)
            .with_style(bar_style())
            .with_prefix(task.to_string());
        self.bar = Some(bar);
    }

    fn update(&mut self, done: u64, message: Option<&str>) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            if let Some(m) = message {
                bar.set_message(m.to_string());
            }
        }
    }

    fn end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn note(&mut self, line: &str) {
        match &self.bar {
            // A hidden bar (stderr is not a terminal) would swallow the line.
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.end();
    }
}
