//! The train and encode stages: a [`Dataset`] in, `model.safetensors`, `codes.npy`,
//! `labels.npy` and `train.json` out (each written atomically).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use tch::Device;

use crate::data::matrix::{write_labels_npy, write_npy};
use crate::data::Dataset;
use crate::fsutil::{ensure_dir, write_atomic};
use crate::model::autoencoder::{self, ModelSpec};
use crate::model::device::device_name;
use crate::model::train::{encode, train, TrainConfig, TrainHistory, TrainObserver};

/// File names inside a train output directory.
pub const MODEL_FILE: &str = "model.safetensors";
/// The codes, `N x code_dim` float32.
pub const CODES_FILE: &str = "codes.npy";
/// The labels, `N` int64.
pub const LABELS_FILE: &str = "labels.npy";
/// The training report.
pub const TRAIN_REPORT_FILE: &str = "train.json";

/// What `train.json` holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainReport {
    /// Where the data came from.
    pub data: String,
    /// Number of images encoded (all of them, train and held-out).
    pub n_images: usize,
    /// Images trained on (the first ones).
    pub n_train: usize,
    /// Images held out (the last ones).
    pub n_test: usize,
    /// The device trained on.
    pub device: String,
    /// The training parameters.
    pub params: serde_json::Value,
    /// The network.
    pub model: serde_json::Value,
    /// Per-epoch losses and seconds, and per-step training loss.
    #[serde(flatten)]
    pub history: TrainHistory,
    /// Held-out reconstruction loss (per-pixel BCE) after the last epoch.
    pub test_loss: f64,
    /// Mean seconds per epoch.
    pub seconds_per_epoch: f64,
    /// Seconds of training, encoding, and the whole stage.
    pub seconds: StageSeconds,
}

/// Seconds spent in the train stage.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct StageSeconds {
    /// Training (all epochs).
    pub train: f64,
    /// Encoding every image.
    pub encode: f64,
    /// Everything, including saving.
    pub total: f64,
}

/// Trains on `data`, saves the model, encodes every image and writes the report into `out`.
pub fn train_to_dir(
    data: &Dataset,
    cfg: &TrainConfig,
    device: Device,
    out: &Path,
    observer: &mut dyn TrainObserver,
) -> anyhow::Result<TrainReport> {
    let start = Instant::now();
    let pixels = data.pixels_f32();
    let (n_train, n_test) = cfg.split(data.len())?;
    let trained = train(pixels.view(), data.rows, data.cols, cfg, device, observer)?;
    let train_secs = start.elapsed().as_secs_f64();
    ensure_dir(out).with_context(|| format!("creating {}", out.display()))?;
    autoencoder::save(&trained.vs, &out.join(MODEL_FILE))?;
    let t = Instant::now();
    let codes = encode(&trained.model, pixels.view(), device)?;
    let encode_secs = t.elapsed().as_secs_f64();
    write_npy(&out.join(CODES_FILE), &codes)?;
    write_labels_npy(&out.join(LABELS_FILE), &data.labels)?;
    let epochs = &trained.history.epochs;
    let report = TrainReport {
        data: data.source.clone(),
        n_images: data.len(),
        n_train,
        n_test,
        device: device_name(device),
        params: serde_json::to_value(cfg)?,
        model: serde_json::to_value(&trained.model.spec)?,
        test_loss: epochs.last().map_or(f64::NAN, |e| e.test_loss),
        seconds_per_epoch: epochs.iter().map(|e| e.seconds).sum::<f64>() / epochs.len() as f64,
        history: trained.history,
        seconds: StageSeconds {
            train: train_secs,
            encode: encode_secs,
            total: start.elapsed().as_secs_f64(),
        },
    };
    write_json(&out.join(TRAIN_REPORT_FILE), &report)?;
    Ok(report)
}

/// Loads `model` and writes `codes.npy` and `labels.npy` for `data` into `out`.
/// Returns the paths written and the model's spec.
pub fn encode_to_dir(
    model: &Path,
    data: &Dataset,
    device: Device,
    out: &Path,
) -> anyhow::Result<(ModelSpec, [PathBuf; 2])> {
    let (_vs, net) = autoencoder::load(model, device)?;
    let codes = encode(&net, data.pixels_f32().view(), device)?;
    ensure_dir(out).with_context(|| format!("creating {}", out.display()))?;
    let paths = [out.join(CODES_FILE), out.join(LABELS_FILE)];
    write_npy(&paths[0], &codes)?;
    write_labels_npy(&paths[1], &data.labels)?;
    Ok((net.spec, paths))
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        std::io::Write::write_all(w, b"\n")
    })
    .with_context(|| format!("writing {}", path.display()))
}
