//! Progress reporting for long work, without any UI.
//!
//! The library's long loops (t-SNE iterations through its observer adapter, GIF frames, sprite
//! rows, pipeline stages) report to a [`Progress`]; the command line implements it with
//! progress bars, a library caller with whatever it likes, or [`NoProgress`] to stay silent.

/// Something that shows how far a task has got.
pub trait Progress: Send {
    /// A task of `total` units begins (`total` 0 when unknown); it replaces any previous one.
    fn begin(&mut self, task: &str, total: u64);
    /// `done` units of the current task are complete; `message` says more (e.g. the current KL).
    fn update(&mut self, done: u64, message: Option<&str>);
    /// The current task is over: remove its bar.
    fn end(&mut self);
    /// A line of information for the user (a stage header, a note on a choice made).
    fn note(&mut self, line: &str);
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&mut self, _task: &str, _total: u64) {}
    fn update(&mut self, _done: u64, _message: Option<&str>) {}
    fn end(&mut self) {}
    fn note(&mut self, _line: &str) {}
}
