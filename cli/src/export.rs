//! `embedscope export`: write a TensorBoard log directory (scalars and the Embedding Projector)
//! from files the other commands wrote: metadata, codes, embeddings, `train.json`, a t-SNE report,
//! and thumbnails for the sprite when given.

use std::path::PathBuf;

use anyhow::{bail, Context};
use ndarray::Array2;

use super::inputs;
use super::progress::Bars;
use embedscope::data::history::TrainHistory;
use embedscope::data::matrix::read_matrix;
use embedscope::data::metadata::Metadata;
use embedscope::export::tensorboard::{
    kl_scalars, training_scalars, ExportSpec, LogDirBuilder, NamedEmbedding, ScalarSeries, Sprite,
};
use embedscope::fsutil::read_json;
use embedscope::pipeline::reports::KlHistory;

/// The projector's name for the `--codes` embedding.
pub const CODES_NAME: &str = "autoencoder/code";

/// Flags of `embedscope export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Log directory to write (replaced if it holds only an earlier export's files).
    #[arg(long, value_name = "LOGDIR")]
    pub out: PathBuf,
    /// Metadata of the points, every column shown in the projector (one column without a
    /// header, or several with a header row; or a .npy label vector). Optional.
    #[arg(long, value_name = "FILE", alias = "labels")]
    pub metadata: Option<PathBuf>,
    /// The autoencoder's codes (N x 64, .npy/.tsv/.csv), shown as `autoencoder/code`.
    #[arg(long, value_name = "FILE")]
    pub codes: Option<PathBuf>,
    /// A ready-made embedding to show, e.g. `tsne/2d=tsne2.npy`; repeat for several.
    #[arg(long = "embedding", value_name = "NAME=FILE")]
    pub embeddings: Vec<String>,
    /// Thumbnails for the projector's sprite (without them, no sprite).
    #[command(flatten)]
    pub images: inputs::ImageFlags,
    /// Accepted for older scripts: without --images there is no sprite anyway.
    #[arg(long, hide = true, conflicts_with = "images")]
    pub no_sprite: bool,
    /// `train.json` of the train command: `train/loss` per step, `test/loss` per epoch.
    #[arg(long, value_name = "FILE")]
    pub train_json: Option<PathBuf>,
    /// t-SNE report (`kl_history`): `tsne/kl_divergence` per recorded iteration.
    #[arg(long, value_name = "FILE")]
    pub tsne_report: Option<PathBuf>,
}

/// The validated inputs: everything loaded and checked against the number of points.
#[derive(Debug)]
struct ExportConfig {
    out: PathBuf,
    metadata: Metadata,
    embeddings: Vec<(String, Array2<f32>)>,
    sprite: Option<Sprite>,
    scalars: Vec<ScalarSeries>,
}

impl ExportArgs {
    /// Validates the flags, loads the inputs, writes the log directory.
    pub fn run(self) -> anyhow::Result<()> {
        let config = self.validate()?;
        let spec = ExportSpec {
            metadata: &config.metadata,
            sprite: config.sprite.as_ref(),
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
        let mut bars = Bars::new();
        let out = LogDirBuilder::new(&spec)
            .progress(&mut bars)
            .build(&config.out)
            .context("--out")?;
        println!(
            "wrote {}: {} points, {} metadata columns, {} embeddings{}, {} scalar series",
            out.display(),
            config.metadata.len(),
            config.metadata.columns().len(),
            config.embeddings.len(),
            if config.sprite.is_some() {
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
        let mut embeddings: Vec<(String, Array2<f32>)> = Vec::with_capacity(sources.len());
        for (flag, name, path) in sources {
            if embeddings.iter().any(|(n, _)| *n == name) {
                bail!("{flag}: the name '{name}' is used twice");
            }
            let coords = read_matrix(&path).with_context(|| flag.clone())?;
            if let Some((first, c)) = embeddings.first() {
                if coords.nrows() != c.nrows() {
                    bail!(
                        "{flag}: {} points, but '{first}' has {}; they must match",
                        coords.nrows(),
                        c.nrows()
                    );
                }
            }
            embeddings.push((name, coords));
        }
        let n = embeddings[0].1.nrows();
        let metadata = inputs::metadata("metadata", self.metadata.as_deref(), n)?;
        let sprite = match self.images.read(n)? {
            Some(t) => Some(Sprite::new(&t.view()).context("--images")?),
            None => None,
        };

        let mut scalars = Vec::new();
        let mut add = |source: &str, series: ScalarSeries| -> anyhow::Result<()> {
            series.check().with_context(|| source.to_string())?;
            scalars.push(series);
            Ok(())
        };
        if let Some(path) = &self.train_json {
            let source = format!("--train-json {}", path.display());
            let train: TrainHistory = read_json(path).context("--train-json")?;
            for series in training_scalars(&train) {
                add(&source, series)?;
            }
        }
        if let Some(path) = &self.tsne_report {
            let source = format!("--tsne-report {}", path.display());
            let report: KlHistory = read_json(path).context("--tsne-report")?;
            let kl = report.kl_history.iter().map(|r| (r.iteration, r.kl));
            add(&source, kl_scalars(kl))?;
        }

        Ok(ExportConfig {
            out: self.out,
            metadata,
            embeddings,
            sprite,
            scalars,
        })
    }
}
