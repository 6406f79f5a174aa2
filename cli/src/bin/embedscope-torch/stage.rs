//! The train and encode stages: a [`Dataset`] in, `model.safetensors`, `codes.npy`,
//! `labels.npy` and `train.json` out (each written atomically).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use tch::Device;

use crate::model::autoencoder::{self, ModelSpec};
use crate::model::device::device_name;
use crate::model::train::{encode, train, TrainConfig, TrainObserver};
use embedscope::data::matrix::{write_labels_npy, write_npy};
use embedscope::data::Dataset;
use embedscope::fsutil::{ensure_dir, write_json};
use embedscope::pipeline::cache::{Fingerprint, Stage};
use embedscope::pipeline::reports::{
    StageSeconds, TrainReport, CODES_FILE, LABELS_FILE, MODEL_FILE, TRAIN_REPORT_FILE,
};

/// Trains on `data`, saves the model, encodes every image and writes the report into `out`
/// (`train.json` last, recording the run's fingerprint: data, parameters, device, version).
///
/// With `reuse`, a complete earlier run in `out` with the same fingerprint is kept and `None`
/// returned: the demo's cache.
pub fn train_to_dir(
    data: &Dataset,
    cfg: &TrainConfig,
    device: Device,
    out: &Path,
    reuse: bool,
    observer: &mut dyn TrainObserver,
) -> anyhow::Result<Option<TrainReport>> {
    let stage = Stage::new(
        out.join(TRAIN_REPORT_FILE),
        [MODEL_FILE, CODES_FILE, LABELS_FILE]
            .map(|f| out.join(f))
            .to_vec(),
        Fingerprint::new()
            .dataset(data)
            .json(cfg)
            .bytes(device_name(device).as_bytes()),
    );
    if reuse && stage.is_fresh() {
        return Ok(None);
    }
    stage.invalidate()?;
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
        fingerprint: Some(stage.fingerprint().hex()),
        seconds: StageSeconds {
            train: train_secs,
            encode: encode_secs,
            total: start.elapsed().as_secs_f64(),
        },
    };
    write_json(&out.join(TRAIN_REPORT_FILE), &report)?;
    Ok(Some(report))
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
