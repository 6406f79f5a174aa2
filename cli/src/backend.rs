//! The torch fence at run time: `train` and `encode` (and the demo's training stage) run in the
//! separate executable `embedscope-torch`, so `embedscope` itself never loads libtorch (about
//! 1 s and 500 MB per process). This module finds that executable and runs it, as git and
//! cargo run their subcommands.
//!
//! It is looked up as `$EMBEDSCOPE_TORCH` if set, else beside the running `embedscope`. A build
//! without the `torch` feature has none, and the commands that need it say so.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};

/// The executable's file name.
pub const TORCH_EXE: &str = "embedscope-torch";

/// The path of `embedscope-torch`, or an error saying how to get it.
pub fn torch_exe() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("EMBEDSCOPE_TORCH") {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe().context("locating the embedscope executable")?;
    let exe = me.with_file_name(TORCH_EXE);
    if !exe.is_file() {
        bail!(
            "training and encoding need libtorch, which this embedscope was built without: \
             {} not found (build with the default features: `make build`, or \
             `cargo build --release`; or set EMBEDSCOPE_TORCH to its path)",
            exe.display()
        );
    }
    Ok(exe)
}

/// Replaces this process by `embedscope-torch` with the same arguments (for `train` and
/// `encode`): its exit status, output and Ctrl-C handling become ours.
pub fn exec_torch() -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let exe = match torch_exe() {
        Ok(exe) => exe,
        Err(e) => return e,
    };
    let err = Command::new(&exe).args(std::env::args_os().skip(1)).exec();
    anyhow::Error::new(err).context(format!("starting {}", exe.display()))
}

/// Runs `embedscope-torch ARGS` as a child and waits (the demo's training stage). Its progress
/// and messages go to our stderr; a failure is an error, an interrupted child (Ctrl-C reached
/// the whole process group) is [`embedscope::interrupt::Interrupted`].
pub fn run_torch(args: &[OsString]) -> anyhow::Result<()> {
    let exe = torch_exe()?;
    let status = Command::new(&exe)
        .args(args)
        .status()
        .with_context(|| format!("starting {}", exe.display()))?;
    if status.success() {
        return Ok(());
    }
    embedscope::interrupt::check()?;
    if status.code() == Some(130) {
        return Err(embedscope::interrupt::Interrupted.into());
    }
    bail!(
        "{} {} failed ({status})",
        TORCH_EXE,
        args.first()
            .map_or_else(String::new, |a| a.to_string_lossy().into_owned())
    )
}
