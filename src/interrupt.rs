//! Cooperative Ctrl-C handling.
//!
//! The caller's signal handler (the command line installs one for SIGINT/SIGTERM) calls
//! [`request`], which only raises a flag; long loops (t-SNE iterations, GIF frames, view stages)
//! call [`check`] and return [`Interrupted`] as an error, so destructors run and temporary files
//! are cleaned up instead of the process dying mid-write.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The error returned by [`check`] once an interrupt was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Asks the running work to stop at its next [`check`]; true when it had been asked before.
pub fn request() -> bool {
    REQUESTED.swap(true, Ordering::SeqCst)
}

/// True once an interrupt was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Withdraws a request, so that later work runs: for a caller that goes on after an
/// interrupted run (the Python binding, whose `KeyboardInterrupt` stops one fit, not the
/// interpreter). Every run in the process sees the one flag.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// `Err(Interrupted)` once an interrupt was requested: call it between units of work.
pub fn check() -> Result<(), Interrupted> {
    if requested() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
