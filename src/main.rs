//! The `embedscope` binary: parse the command line, run it, print the error chain on failure.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    embedscope::interrupt::install();
    match embedscope::cli::Cli::parse().run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.is::<embedscope::interrupt::Interrupted>()
                || err
                    .downcast_ref::<embedscope::error::ModelError>()
                    .is_some_and(|e| matches!(e, embedscope::error::ModelError::Interrupted(_)))
            {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
