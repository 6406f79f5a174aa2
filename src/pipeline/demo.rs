//! `embedscope demo`: the whole pipeline, from MNIST to the README's pictures.
//!
//! data -> autoencoder (train, or reuse) -> 64-d codes -> t-SNE 2-D (recorded as a GIF) and
//! 3-D -> PCA -> plots, digit map, GIFs -> TensorBoard logs -> `report.json` and a summary.
//!
//! Every stage with a cost is cached ([`super::cache`]): a rerun with the same data and
//! parameters reuses the trained model, the codes and the reductions, and redoes only what is
//! missing or stale (after an interrupt, say). `--force` redoes everything. Every file is
//! written atomically, so an interrupted run leaves no half-written file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use ndarray::{s, Array2, ArrayView2};
use tch::Device;

use crate::cli::progress::{TrainProgress, TsneProgress};
use crate::cli::tsne::params_caption;
use crate::data::matrix::{read_matrix, write_npy};
use crate::data::Dataset;
use crate::export::tensorboard::{
    export_logdir, kl_scalars, training_scalars, ExportSpec, NamedEmbedding, SpriteImages,
};
use crate::fsutil::{ensure_dir, AtomicDir};
use crate::model::train::TrainConfig;
use crate::pipeline::cache::{Fingerprint, Stage};
use crate::pipeline::reports::{read_json, PcaReport, TsneReport};
use crate::pipeline::train::{
    train_to_dir, write_json, TrainReport, CODES_FILE, TRAIN_REPORT_FILE,
};
use crate::reduce::tsne::observer::{Observer, Observers};
use crate::reduce::tsne::{self, TsneParams};
use crate::reduce::{pca, quality};
use crate::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use crate::render::digits::{digit_map, DigitMapOptions};
use crate::render::scatter::{plot, PlotStyle};

/// The README's t-SNE animation (the original project's name).
pub const TSNE_GIF: &str = "mnist_autoencoder_t-SNE.gif";
/// The README's PCA animation (the original project's name).
pub const PCA_GIF: &str = "mnist_autoencoder_PCA.gif";
/// The 3-D t-SNE, turning.
pub const TSNE3_GIF: &str = "mnist_autoencoder_t-SNE_3d.gif";

/// Validated demo parameters.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// MNIST directory, or `None` for the embedded digits.
    pub data: Option<PathBuf>,
    /// Output directory.
    pub out: PathBuf,
    /// Redo every stage even when its cached outputs are valid.
    pub force: bool,
    /// Autoencoder training.
    pub train: TrainConfig,
    /// Where to train.
    pub device: Device,
    /// The 2-D t-SNE (the 3-D one uses the same with `dims = 3`).
    pub tsne: TsneParams,
    /// A GIF frame every this many t-SNE iterations.
    pub gif_every: usize,
    /// Use only the first N images.
    pub limit: Option<usize>,
}

/// What `report.json` holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DemoReport {
    /// Where the data came from.
    pub data: String,
    /// Number of images.
    pub points: usize,
    /// Seconds per stage (0 for a stage reused from the cache, see `reused`).
    pub seconds: Vec<(String, f64)>,
    /// Stages whose outputs were reused from an earlier run.
    pub reused: Vec<String>,
    /// Held-out reconstruction loss of the autoencoder (per-pixel BCE).
    pub test_loss: f64,
    /// The training report (`model/train.json`).
    pub train: TrainReport,
    /// The 2-D t-SNE report.
    pub tsne_2d: TsneReport,
    /// The 3-D t-SNE report.
    pub tsne_3d: TsneReport,
    /// The PCA report (explained variance).
    pub pca: PcaReport,
    /// Leave-one-out 10-NN label accuracy of the codes, the 2-D t-SNE and the PCA (PC1-PC2).
    pub knn10_accuracy: KnnAccuracy,
    /// Every file the demo wrote, relative to the output directory.
    pub files: Vec<String>,
}

/// 10-NN label accuracies.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct KnnAccuracy {
    /// The 64-d codes.
    pub codes: f64,
    /// The 2-D t-SNE map.
    pub tsne_2d: f64,
    /// PC1-PC2 of the codes.
    pub pca_2d: f64,
}

/// Runs the demo; returns its report (also written to `report.json`).
pub fn run(cfg: &DemoConfig) -> anyhow::Result<DemoReport> {
    let out = &cfg.out;
    ensure_dir(&out.join("model")).with_context(|| format!("creating {}", out.display()))?;
    let mut steps = Steps::new(7);
    let mut data = Dataset::load(cfg.data.as_deref())?;
    if let Some(n) = cfg.limit {
        data.truncate(n);
    }
    // Check the t-SNE parameters against the data before spending time on training.
    for dims in [2, 3] {
        TsneParams { dims, ..cfg.tsne }.check(data.len())?;
    }
    cfg.train.split(data.len())?;
    let data_fp = Fingerprint::new()
        .bytes(data.images.as_slice().expect("standard layout"))
        .bytes(&data.labels);

    // 1. The autoencoder and its codes.
    steps.begin("autoencoder");
    let model_dir = out.join("model");
    let train_stage = Stage::new(
        model_dir.join(".stamp"),
        vec![
            model_dir.join(CODES_FILE),
            model_dir.join(TRAIN_REPORT_FILE),
        ],
        data_fp
            .json(&cfg.train)
            .bytes(crate::model::device::device_name(cfg.device).as_bytes()),
    );
    let train_report: TrainReport = steps.cached(
        &train_stage,
        cfg.force,
        || {
            let mut progress = TrainProgress::new(cfg.train.epochs);
            train_to_dir(&data, &cfg.train, cfg.device, &model_dir, &mut progress)
        },
        || read_json(&model_dir.join(TRAIN_REPORT_FILE)),
    )?;
    let codes = read_matrix(&model_dir.join(CODES_FILE))?;
    let codes_fp = Fingerprint::new().floats(codes.as_slice().expect("standard layout"));

    // 2. t-SNE 2-D, recorded.
    steps.begin("t-SNE 2-D");
    let tsne2 = reduce_tsne(&mut steps, cfg, &codes, codes_fp, &data.labels, 2)?;
    // 3. t-SNE 3-D.
    steps.begin("t-SNE 3-D");
    let tsne3 = reduce_tsne(&mut steps, cfg, &codes, codes_fp, &data.labels, 3)?;
    // 4. PCA.
    steps.begin("PCA");
    let t = Instant::now();
    let fitted = pca::fit(codes.view(), 3)?;
    let pca_report = PcaReport::new("model/codes.npy", "pca.npy", &fitted, codes.ncols(), 3);
    write_npy(&out.join("pca.npy"), &fitted.projected)?;
    write_json(&out.join("pca.json"), &pca_report)?;
    steps.end(t);

    // 5. Pictures.
    steps.begin("pictures");
    let t = Instant::now();
    let pca_summary = fitted.summary(2);
    render_stills(
        out,
        &data,
        &tsne2.0,
        &tsne2.1,
        &fitted.projected,
        &pca_summary,
    )?;
    let rot = |title: &str, subtitle: String, axes: [&str; 3]| RotationOptions {
        gif: GifOptions {
            title: title.to_string(),
            subtitle,
            ..GifOptions::default()
        },
        axis_names: axes.map(str::to_string),
        ..RotationOptions::default()
    };
    rotation_gif(
        fitted.projected.view(),
        &data.labels,
        &rot(
            "PCA of the autoencoder's 64-d codes",
            fitted.summary(3),
            ["PC1", "PC2", "PC3"],
        ),
        &out.join(PCA_GIF),
    )?;
    rotation_gif(
        tsne3.0.view(),
        &data.labels,
        &rot(
            "t-SNE of the codes, in 3-D",
            tsne3.1.caption(),
            ["1", "2", "3"],
        ),
        &out.join(TSNE3_GIF),
    )?;
    steps.end(t);

    // 6. TensorBoard.
    steps.begin("TensorBoard logs");
    let t = Instant::now();
    write_logs(
        out,
        &data,
        &codes,
        &train_report,
        &tsne2,
        &tsne3.0,
        &fitted.projected,
    )?;
    steps.end(t);

    // 7. Quality and report.
    steps.begin("10-NN accuracy");
    let t = Instant::now();
    let knn = KnnAccuracy {
        codes: quality::knn_accuracy(codes.view(), &data.labels, 10),
        tsne_2d: quality::knn_accuracy(tsne2.0.view(), &data.labels, 10),
        pca_2d: quality::knn_accuracy(fitted.projected.slice(s![.., ..2]), &data.labels, 10),
    };
    steps.end(t);
    let report = DemoReport {
        data: data.source.clone(),
        points: data.len(),
        seconds: steps.seconds.clone(),
        reused: steps.reused.clone(),
        test_loss: train_report.test_loss,
        train: train_report,
        tsne_2d: tsne2.1,
        tsne_3d: tsne3.1,
        pca: pca_report,
        knn10_accuracy: knn,
        files: output_files(),
    };
    write_json(&out.join("report.json"), &report)?;
    Ok(report)
}

/// Runs (or reuses) a t-SNE of the codes; the 2-D one also records the GIF.
fn reduce_tsne(
    steps: &mut Steps,
    cfg: &DemoConfig,
    codes: &Array2<f32>,
    codes_fp: Fingerprint,
    labels: &[u8],
    dims: usize,
) -> anyhow::Result<(Array2<f32>, TsneReport)> {
    let out = &cfg.out;
    let params = TsneParams { dims, ..cfg.tsne };
    let npy = out.join(format!("tsne_{dims}d.npy"));
    let json = out.join(format!("tsne_{dims}d.json"));
    let mut outputs = vec![npy.clone(), json.clone()];
    if dims == 2 {
        outputs.push(out.join(TSNE_GIF));
    }
    let stage = Stage::new(
        out.join(format!(".tsne_{dims}d.stamp")),
        outputs,
        codes_fp.bytes(format!("{params:?} every {}", cfg.gif_every).as_bytes()),
    );
    let report = steps.cached(
        &stage,
        cfg.force,
        || {
            let start = Instant::now();
            let valid = params.check(codes.nrows())?;
            let mut bar = TsneProgress::new(params.iterations);
            let mut recorder = (dims == 2)
                .then(|| {
                    TsneRecorder::new(
                        labels.to_vec(),
                        cfg.gif_every,
                        GifOptions {
                            title: "t-SNE of the autoencoder's 64-d codes".into(),
                            subtitle: params_caption(&params),
                            ..GifOptions::default()
                        },
                    )
                })
                .transpose()?;
            let mut list: Vec<&mut dyn Observer> = vec![&mut bar];
            if let Some(r) = recorder.as_mut() {
                list.push(r);
            }
            let result = tsne::fit(codes.view(), &valid, &mut Observers(list))?;
            bar.finish();
            write_npy(&npy, &result.embedding)?;
            if let Some(r) = recorder {
                r.finish(&out.join(TSNE_GIF))?;
            }
            let report = TsneReport::new(
                "model/codes.npy",
                &format!("tsne_{dims}d.npy"),
                &valid,
                codes.ncols(),
                &result,
                start.elapsed().as_secs_f64(),
                rayon::current_num_threads(),
            );
            write_json(&json, &report)?;
            Ok(report)
        },
        || read_json(&json),
    )?;
    Ok((read_matrix(&npy)?, report))
}

fn render_stills(
    out: &Path,
    data: &Dataset,
    tsne2: &Array2<f32>,
    tsne_report: &TsneReport,
    pca3: &Array2<f32>,
    pca_summary: &str,
) -> anyhow::Result<()> {
    let tsne_style = PlotStyle {
        title: "t-SNE of the autoencoder's 64-d codes".into(),
        subtitle: tsne_report.caption(),
        ..PlotStyle::default()
    };
    let pca_style = PlotStyle {
        title: "PCA of the autoencoder's 64-d codes".into(),
        subtitle: format!("PCA, {pca_summary}"),
        axis_names: ("PC1".into(), "PC2".into()),
        ..PlotStyle::default()
    };
    for ext in ["png", "svg"] {
        plot(
            tsne2.view(),
            &data.labels,
            &tsne_style,
            &out.join(format!("tsne.{ext}")),
        )?;
        plot(
            pca3.view(),
            &data.labels,
            &pca_style,
            &out.join(format!("pca.{ext}")),
        )?;
    }
    digit_map(
        tsne2.view(),
        data.images(),
        data.rows,
        data.cols,
        &data.labels,
        &DigitMapOptions {
            title: "MNIST digits at their t-SNE positions".into(),
            subtitle: tsne_report.caption(),
            ..DigitMapOptions::default()
        },
        &out.join("digits_tsne.png"),
    )?;
    Ok(())
}

/// Two runs: `autoencoder` (the 64-d codes, training losses) and `reductions` (t-SNE 2-D and
/// 3-D, PCA, the KL history), so each run's projector tensors share one dimension.
fn write_logs(
    out: &Path,
    data: &Dataset,
    codes: &Array2<f32>,
    train: &TrainReport,
    tsne2: &(Array2<f32>, TsneReport),
    tsne3: &Array2<f32>,
    pca3: &Array2<f32>,
) -> anyhow::Result<()> {
    let images = Some(SpriteImages {
        pixels: data.images(),
        rows: data.rows,
        cols: data.cols,
    });
    let staged = AtomicDir::new(&out.join("logs"))?;
    let autoencoder = ExportSpec {
        labels: &data.labels,
        images,
        embeddings: vec![named("autoencoder/code", codes.view())],
        scalars: training_scalars(&train.history),
        ..ExportSpec::default()
    };
    export_logdir(&autoencoder, &staged.path().join("autoencoder"))?;
    let reductions = ExportSpec {
        labels: &data.labels,
        images,
        embeddings: vec![
            named("tsne/2d", tsne2.0.view()),
            named("tsne/3d", tsne3.view()),
            named("pca/3d", pca3.view()),
        ],
        scalars: vec![kl_scalars(
            tsne2.1.kl_history.iter().map(|p| (p.iteration, p.kl)),
        )],
        ..ExportSpec::default()
    };
    export_logdir(&reductions, &staged.path().join("reductions"))?;
    staged.commit()?;
    Ok(())
}

fn named<'a>(name: &str, coords: ArrayView2<'a, f32>) -> NamedEmbedding<'a> {
    NamedEmbedding {
        name: name.to_string(),
        coords,
    }
}

fn output_files() -> Vec<String> {
    [
        "model/model.safetensors",
        "model/codes.npy",
        "model/labels.npy",
        "model/train.json",
        "tsne_2d.npy",
        "tsne_2d.json",
        "tsne_3d.npy",
        "tsne_3d.json",
        "pca.npy",
        "pca.json",
        TSNE_GIF,
        TSNE3_GIF,
        PCA_GIF,
        "tsne.png",
        "tsne.svg",
        "pca.png",
        "pca.svg",
        "digits_tsne.png",
        "logs/autoencoder",
        "logs/reductions",
        "report.json",
    ]
    .map(str::to_string)
    .to_vec()
}

/// Stage headers, timings and the cache bookkeeping.
struct Steps {
    total: usize,
    current: usize,
    name: String,
    seconds: Vec<(String, f64)>,
    reused: Vec<String>,
}

impl Steps {
    fn new(total: usize) -> Self {
        Self {
            total,
            current: 0,
            name: String::new(),
            seconds: Vec::new(),
            reused: Vec::new(),
        }
    }

    fn begin(&mut self, name: &str) {
        self.current += 1;
        self.name = name.to_string();
        eprintln!("[{}/{}] {name}", self.current, self.total);
    }

    fn end(&mut self, start: Instant) {
        self.seconds
            .push((self.name.clone(), start.elapsed().as_secs_f64()));
    }

    /// Reuses the stage's outputs (`load`) when fresh, else recomputes them (`compute`).
    fn cached<T>(
        &mut self,
        stage: &Stage,
        force: bool,
        compute: impl FnOnce() -> anyhow::Result<T>,
        load: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let start = Instant::now();
        if !force && stage.is_fresh() {
            if let Ok(v) = load() {
                eprintln!("      reusing the outputs of an earlier run (--force redoes them)");
                self.reused.push(self.name.clone());
                self.end(start);
                return Ok(v);
            }
        }
        stage.invalidate()?;
        let v = compute()?;
        stage.mark_done()?;
        self.end(start);
        Ok(v)
    }
}

/// The summary printed at the end of a demo run.
pub fn summary(r: &DemoReport, out: &Path) -> String {
    let mut lines = vec![format!(
        "embedscope demo: {} digits of {}",
        r.points, r.data
    )];
    let stages: Vec<String> = r
        .seconds
        .iter()
        .map(|(name, s)| {
            let reused = if r.reused.contains(name) {
                " (reused)"
            } else {
                ""
            };
            format!("{name} {s:.1} s{reused}")
        })
        .collect();
    lines.push(format!("  seconds: {}", stages.join(", ")));
    lines.push(format!(
        "  autoencoder: held-out reconstruction loss {:.4} (per-pixel BCE), {} epochs",
        r.test_loss,
        r.train.history.epochs.len()
    ));
    lines.push(format!(
        "  t-SNE: KL {:.3} (2-D), {:.3} (3-D); PCA: {}",
        r.tsne_2d.kl_divergence, r.tsne_3d.kl_divergence, r.pca.summary
    ));
    lines.push(format!(
        "  10-NN label accuracy: codes {:.4}, t-SNE map {:.4}, PCA map {:.4}",
        r.knn10_accuracy.codes, r.knn10_accuracy.tsne_2d, r.knn10_accuracy.pca_2d
    ));
    lines.push(format!(
        "  pictures, logs and report.json in {}; open the logs with `make tensorboard`",
        out.display()
    ));
    lines.join("\n")
}
