//! The `embedscope` binary: parse the command line, run it, print the error chain on failure.
//! Exit status: 0 on success, 1 on an error, 130 when interrupted (Ctrl-C).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    embedscope::interrupt::install();
    match embedscope::cli::Cli::parse().run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if embedscope::interrupt::requested() {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
