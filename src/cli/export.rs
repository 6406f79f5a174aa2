//! `embedscope export`: write a TensorBoard log directory (scalars and the Embedding Projector)
//! from files the other commands wrote: labels, codes, embeddings, `train.json`, a t-SNE report.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use indicatif::ProgressBar;
use ndarray::Array2;
use serde::Deserialize;

use crate::cli::progress::bar_style;
use crate::data::matrix::{read_labels, read_matrix};
use crate::data::Dataset;
use crate::export::tensorboard::{
    kl_scalars, training_scalars, ExportSpec, LogDirBuilder, NamedEmbedding, ScalarSeries,
    SpriteImages,
};
use crate::export::Exporter;
use crate::model::train::TrainHistory;

/// The projector's name for the `--codes` embedding.
pub const CODES_NAME: &str = "autoencoder/code";

/// Flags of `embedscope export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Log directory to write (replaced if it holds only an earlier export's files).
    #[arg(long, value_name = "LOGDIR")]
    pub out: PathBuf,
    /// Labels of the points (.npy int vector or text, one per line): the projector's colours.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// The autoencoder's codes (N x 64, .npy/.tsv/.csv), shown as `autoencoder/code`.
    #[arg(long, value_name = "FILE")]
    pub codes: Option<PathBuf>,
    /// A ready-made embedding to show, e.g. `tsne/2d=tsne2.npy`; repeat for several.
    #[arg(long = "embedding", value_name = "NAME=FILE")]
    pub embeddings: Vec<String>,
    /// MNIST directory whose images (same points, same order) make the sprite; default: the
    /// embedded MNIST-10k.
    #[arg(long, value_name = "DIR", conflicts_with = "no_sprite")]
    pub data: Option<PathBuf>,
    /// Write no sprite (no thumbnails in the projector).
    #[arg(long)]
    pub no_sprite: bool,
    /// `train.json` of the train command: `train/loss` per step, `test/loss` per epoch.
    #[arg(long, value_name = "FILE")]
    pub train_json: Option<PathBuf>,
    /// t-SNE report (`kl_history`): `tsne/kl_divergence` per recorded iteration.
    #[arg(long, value_name = "FILE")]
    pub tsne_report: Option<PathBuf>,
}

/// The validated inputs: everything loaded and checked against the label count.
#[derive(Debug)]
struct ExportConfig {
    out: PathBuf,
    labels: Vec<u8>,
    embeddings: Vec<(String, Array2<f32>)>,
    images: Option<Dataset>,
    scalars: Vec<ScalarSeries>,
}

/// The part of a t-SNE report the export reads.
#[derive(Debug, Deserialize)]
struct KlHistory {
    kl_history: Vec<KlRow>,
}

#[derive(Debug, Deserialize)]
struct KlRow {
    iteration: usize,
    kl: f64,
}

impl ExportArgs {
    /// Validates the flags, loads the inputs, writes the log directory.
    pub fn run(self) -> anyhow::Result<()> {
        let config = self.validate()?;
        let spec = ExportSpec {
            labels: &config.labels,
            extra_metadata: Vec::new(),
            images: config.images.as_ref().map(|d| SpriteImages {
                pixels: d.images(),
                rows: d.rows,
                cols: d.cols,
            }),
            embeddings: config
                .embeddings
                .iter()
                .map(|(name, coords)| NamedEmbedding {
                    name: name.clone(),
                    coords: coords.view(),
                })
                .collect(),
            scalars: config.scalars.clone(),
        };
        let bar = ProgressBar::new(0)
            .with_style(bar_style())
            .with_prefix("export");
        let out = LogDirBuilder::new(&spec)
            .progress(bar)
            .export(&config.out)
            .context("--out")?;
        println!(
            "wrote {}: {} points, {} embeddings{}, {} scalar series",
            out.display(),
            config.labels.len(),
            config.embeddings.len(),
            if config.images.is_some() {
                " with sprite"
            } else {
                ""
            },
            config.scalars.len()
        );
        println!("open it with: scripts/tensorboard.sh {}", out.display());
        Ok(())
    }

    fn validate(self) -> anyhow::Result<ExportConfig> {
        let labels = read_labels(&self.labels).context("--labels")?;
        let n = labels.len();
        if n == 0 {
            bail!("--labels {}: holds no labels", self.labels.display());
        }
        let mut sources: Vec<(String, String, PathBuf)> = Vec::new();
        if let Some(codes) = &self.codes {
            let flag = format!("--codes {}", codes.display());
            sources.push((flag, CODES_NAME.to_string(), codes.clone()));
        }
        for raw in &self.embeddings {
            let Some((name, file)) = raw
                .split_once('=')
                .filter(|(n, f)| !n.trim().is_empty() && !f.is_empty())
            else {
                bail!("--embedding {raw}: expected NAME=FILE, e.g. tsne/2d=tsne2.npy");
            };
            sources.push((format!("--embedding {raw}"), name.to_string(), file.into()));
        }
        if sources.is_empty() {
            bail!("nothing to show in the projector: give --codes and/or --embedding NAME=FILE");
        }
        let mut embeddings = Vec::with_capacity(sources.len());
        for (flag, name, path) in sources {
            if embeddings.iter().any(|(n, _)| *n == name) {
                bail!("{flag}: the name '{name}' is used twice");
            }
            let coords = read_matrix(&path).with_context(|| flag.clone())?;
            if coords.nrows() != n {
                bail!(
                    "{flag}: {} points, but --labels {} holds {n} labels; they must match",
                    coords.nrows(),
                    self.labels.display()
                );
            }
            embeddings.push((name, coords));
        }

        let images = if self.no_sprite {
            None
        } else {
            let data = Dataset::load(self.data.as_deref()).context("--data")?;
            if data.len() != n {
                let source = match &self.data {
                    Some(dir) => format!("--data {}", dir.display()),
                    None => "the embedded MNIST-10k (no --data)".to_string(),
                };
                bail!(
                    "{source} holds {} images, but --labels {} holds {n} labels: the sprite \
                     needs one image per point (give --data with the same points, or --no-sprite)",
                    data.len(),
                    self.labels.display()
                );
            }
            Some(data)
        };

        let mut scalars = Vec::new();
        let mut add = |source: &str, series: ScalarSeries| -> anyhow::Result<()> {
            series.check().with_context(|| source.to_string())?;
            scalars.push(series);
            Ok(())
        };
        if let Some(path) = &self.train_json {
            let source = format!("--train-json {}", path.display());
            let train: TrainHistory = read_json(path, &source)?;
            for series in training_scalars(&train) {
                add(&source, series)?;
            }
        }
        if let Some(path) = &self.tsne_report {
            let source = format!("--tsne-report {}", path.display());
            let report: KlHistory = read_json(path, &source)?;
            let kl = report.kl_history.iter().map(|r| (r.iteration, r.kl));
            add(&source, kl_scalars(kl))?;
        }

        Ok(ExportConfig {
            out: self.out,
            labels,
            embeddings,
            images,
            scalars,
        })
    }
}

/// Reads a JSON file into `T`; errors start with `source` (the flag and file).
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, source: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| source.to_string())?;
    serde_json::from_str(&text).with_context(|| format!("{source}: not the expected JSON"))
}
