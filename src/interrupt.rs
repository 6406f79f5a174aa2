//! Cooperative Ctrl-C handling.
//!
//! [`install`] registers a SIGINT/SIGTERM handler that only raises a flag; long loops (training
//! epochs, t-SNE iterations, GIF frames) call [`check`] and return [`Interrupted`] as an error,
//! so destructors run and temporary files are cleaned up instead of the process dying mid-write.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// The error returned by [`check`] once an interrupt was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Installs the handler once per process. A second Ctrl-C exits at once with status 130.
pub fn install() {
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

/// True once an interrupt was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Interrupted)` once an interrupt was requested: call it between units of work.
pub fn check() -> Result<(), Interrupted> {
    if requested() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
