//! The `embedscope-torch` executable: the commands that need libtorch (`train`, `encode`), kept
//! apart so that `embedscope` never loads it. `embedscope train ...` runs this with the same
//! arguments (and the demo runs `train` here for its first stage); it can also be run
//! directly. Exit status as `embedscope`'s: 0, 1 on an error, 130 when interrupted.
//!
//! Everything that touches libtorch lives in this executable's modules: [`model`] (the tch
//! autoencoder, its training and devices) and [`stage`] (the train and encode stages that write
//! their outputs); the rest comes from the `embedscope` library.

mod model;
mod progress;
mod stage;

use std::process::ExitCode;

use anyhow::bail;
use clap::Parser;

use embedscope::data::Dataset;
use embedscope::pipeline::reports::{CODES_FILE, MODEL_FILE};
use embedscope_cli::encode::EncodeArgs;
use embedscope_cli::train::{ArchArg, DeviceArg, TrainArgs};
use embedscope_cli::{flag, Cli, Command};

use model::error::ModelError;
use model::train::TrainConfig;
use model::{Arch, DeviceChoice};
use progress::TrainProgress;

fn main() -> ExitCode {
    embedscope_cli::install_interrupt_handler();
    embedscope_cli::finish(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(a) => train(a),
        Command::Encode(a) => encode(a),
        _ => bail!(
            "{} runs only `train` and `encode`; run the other commands with `embedscope`",
            embedscope_cli::backend::TORCH_EXE
        ),
    }
}

/// A parameter error worded with its flag (`epochs: ...` becomes `--epochs: ...`).
fn flag_error(e: ModelError) -> anyhow::Error {
    match e {
        ModelError::Param { param, problem } => anyhow::anyhow!("{}: {problem}", flag(param)),
        other => other.into(),
    }
}

fn arch(a: ArchArg) -> Arch {
    match a {
        ArchArg::Dense => Arch::Dense,
        ArchArg::Conv => Arch::Conv,
    }
}

fn device(d: DeviceArg) -> DeviceChoice {
    match d {
        DeviceArg::Auto => DeviceChoice::Auto,
        DeviceArg::Cpu => DeviceChoice::Cpu,
        DeviceArg::Cuda => DeviceChoice::Cuda,
    }
}

/// `train`: validates the flags and the data, then trains.
fn train(a: TrainArgs) -> anyhow::Result<()> {
    let cfg = TrainConfig {
        epochs: a.epochs,
        batch_size: a.batch_size,
        learning_rate: a.learning_rate,
        code_dim: a.code_dim,
        arch: arch(a.arch),
        seed: a.seed,
        ..TrainConfig::default()
    }
    .check()
    .map_err(flag_error)?;
    let mut data = Dataset::load(a.data.as_deref())?;
    if let Some(n) = a.limit {
        data.truncate(n);
    }
    cfg.split(data.len())?;
    let dev = device(a.device).resolve()?;
    model::device::set_cpu_threads(a.threads).map_err(flag_error)?;
    eprintln!(
        "training on {} images of {} ({}x{}), device {}",
        data.len(),
        data.source,
        data.rows,
        data.cols,
        model::device::device_name(dev)
    );
    let mut progress = TrainProgress::new(cfg.epochs);
    let Some(report) = stage::train_to_dir(&data, &cfg, dev, &a.out, a.reuse, &mut progress)?
    else {
        eprintln!(
            "reusing the model in {} (trained earlier on the same data with the same parameters)",
            a.out.display()
        );
        return Ok(());
    };
    println!(
        "held-out reconstruction loss {:.5} (per-pixel BCE) after {} epochs, {:.2} s/epoch",
        report.test_loss, cfg.epochs, report.seconds_per_epoch
    );
    println!(
        "wrote {MODEL_FILE} and {CODES_FILE} ({} x {}) in {}",
        report.n_images,
        cfg.code_dim,
        a.out.display()
    );
    Ok(())
}

/// `encode`: loads the model and data, then encodes.
fn encode(a: EncodeArgs) -> anyhow::Result<()> {
    let mut data = Dataset::load(a.data.as_deref())?;
    if let Some(n) = a.limit {
        data.truncate(n);
    }
    let dev = device(a.device).resolve()?;
    model::device::set_cpu_threads(a.threads).map_err(flag_error)?;
    let (spec, [codes, labels]) = stage::encode_to_dir(&a.model, &data, dev, &a.out)?;
    println!(
        "wrote {} ({} x {}) and {}",
        codes.display(),
        data.len(),
        spec.code_dim,
        labels.display()
    );
    Ok(())
}
