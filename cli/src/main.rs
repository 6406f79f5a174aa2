//! The `embedscope` executable: parse the command line, run it, print the error chain on
//! failure. It never loads libtorch: `train` and `encode` run in `embedscope-torch`.
//! Exit status: 0 on success, 1 on an error, 130 when interrupted (Ctrl-C).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    embedscope_cli::install_interrupt_handler();
    embedscope_cli::finish(embedscope_cli::Cli::parse().run())
}
