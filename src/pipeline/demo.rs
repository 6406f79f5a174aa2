//! `embedscope demo`: the autoencoder's codes, viewed.
//!
//! data -> autoencoder (trained by `embedscope-torch`, or reused) -> 64-d codes -> the
//! [`view`] pipeline on the codes, coloured by the digit labels, with the digits as
//! images and the training losses in the TensorBoard run -> `report.json` and a summary.
//!
//! The training runs behind the `train` callback the caller gives (the command line starts
//! `embedscope-torch train --reuse` there), so this module, like everything but `model/`, needs
//! no libtorch.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::data::matrix::read_matrix;
use crate::data::metadata::Metadata;
use crate::data::thumbnails::ThumbnailView;
use crate::data::Dataset;
use crate::export::tensorboard::training_scalars;
use crate::fsutil::{ensure_dir, read_json, write_json};
use crate::pipeline::reports::{TrainReport, CODES_FILE, TRAIN_REPORT_FILE};
use crate::pipeline::view::{self, Input, Names, Settings, ViewReport};
use crate::pipeline::PipelineError;
use crate::progress::Progress;

/// The directory of the model, codes and training report, inside the output directory.
pub const MODEL_DIR: &str = "model";

/// Validated demo parameters.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// MNIST directory, or `None` for the embedded digits.
    pub data: Option<PathBuf>,
    /// Use only the first N images.
    pub limit: Option<usize>,
    /// The view of the codes (`out`, `force`, t-SNE parameters, GIF frames); its names and
    /// scalars are set by [`run`].
    pub view: Settings,
}

/// What `report.json` holds: the training, then the view of the codes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DemoReport {
    /// Where the data came from.
    pub data: String,
    /// Held-out reconstruction loss of the autoencoder (per-pixel BCE).
    pub test_loss: f64,
    /// Seconds of the training stage (about 1 s when the model was reused).
    pub train_seconds: f64,
    /// Whether the trained model was reused from an earlier run.
    pub train_reused: bool,
    /// The training report (`model/train.json`).
    pub train: TrainReport,
    /// The view of the codes.
    #[serde(flatten)]
    pub view: ViewReport,
}

/// The demo's output names: those of the original project.
pub fn names() -> Names {
    Names {
        image_map: "digits_tsne.png".into(),
        input_run: "autoencoder".into(),
        input_tensor: "autoencoder/code".into(),
        ..Names::for_stem("mnist_autoencoder")
    }
}

/// Why the caller's training step failed (it runs in another executable).
pub type TrainError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the demo: `train(model_dir)` makes (or keeps) `model_dir/codes.npy` and
/// `model_dir/train.json`, then the codes are viewed. Returns the report (also `report.json`).
pub fn run(
    cfg: &DemoConfig,
    train: &mut dyn FnMut(&Path) -> Result<(), TrainError>,
    progress: &mut dyn Progress,
) -> crate::pipeline::Result<DemoReport> {
    let out = &cfg.view.out;
    let model_dir = out.join(MODEL_DIR);
    ensure_dir(&model_dir).map_err(|e| crate::data::DataError::io(&model_dir, e))?;
    let mut data = Dataset::load(cfg.data.as_deref())?;
    if let Some(n) = cfg.limit {
        data.truncate(n);
    }
    let mut tsne = cfg.view.tsne;
    for dims in [2, 3] {
        // Check the t-SNE parameters against the data before spending time on training.
        tsne.dims = dims;
        tsne.check(data.len())?;
    }

    progress.note("[autoencoder]");
    let start = Instant::now();
    let report_path = model_dir.join(TRAIN_REPORT_FILE);
    let before = std::fs::read(&report_path).ok();
    train(&model_dir).map_err(PipelineError::Train)?;
    let trained: TrainReport = read_json(&report_path)?;
    let train_reused = before.is_some() && std::fs::read(&report_path).ok() == before;
    let train_seconds = start.elapsed().as_secs_f64();
    let codes = read_matrix(&model_dir.join(CODES_FILE))?;
    if codes.nrows() != data.len() {
        return Err(PipelineError::Mismatch(format!(
            "{}: {} codes for {} images; the training output does not match the data",
            model_dir.join(CODES_FILE).display(),
            codes.nrows(),
            data.len()
        )));
    }

    let metadata = Metadata::from_labels(&data.labels);
    let input = Input {
        name: "the autoencoder's 64-d codes".into(),
        source: format!("{MODEL_DIR}/{CODES_FILE}"),
        vectors: codes.view(),
        metadata: &metadata,
        images: Some(ThumbnailView {
            pixels: data.images(),
            rows: data.rows,
            cols: data.cols,
        }),
    };
    let settings = Settings {
        names: names(),
        input_scalars: training_scalars(&trained.history),
        standardized: None,
        ..cfg.view.clone()
    };
    let view = view::run(&input, &settings, progress)?;
    let mut report = DemoReport {
        data: data.source.clone(),
        test_loss: trained.test_loss,
        train_seconds,
        train_reused,
        train: trained,
        view,
    };
    let model_files = ["model.safetensors", "codes.npy", "labels.npy", "train.json"];
    report
        .view
        .files
        .splice(0..0, model_files.map(|f| format!("{MODEL_DIR}/{f}")));
    write_json(&out.join("report.json"), &report)?;
    Ok(report)
}

/// The summary printed at the end of a demo run written to `out`.
pub fn summary(r: &DemoReport, out: &Path) -> String {
    let mut lines = vec![format!(
        "embedscope demo: {} digits of {}",
        r.view.points, r.data
    )];
    lines.push(format!(
        "  autoencoder: held-out reconstruction loss {:.4} (per-pixel BCE), {} epochs ({:.1} s{})",
        r.test_loss,
        r.train.history.epochs.len(),
        r.train_seconds,
        if r.train_reused { ", reused" } else { "" }
    ));
    lines.push(view::summary(&r.view, out));
    lines.join("\n")
}
