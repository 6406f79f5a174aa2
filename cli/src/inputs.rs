//! Reading the user's files for the commands, in one place: metadata files and the images
//! (thumbnails) of the points. Errors name the flag and the file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use embedscope::data::metadata::Metadata;
use embedscope::data::metadata_io::read_metadata;
use embedscope::data::thumbnails::Thumbnails;
use embedscope::data::DataError;
use embedscope::data::Dataset;
use embedscope::reduce::scale::{spread_note, Standardization};
use ndarray::Array2;

/// The metadata of `n` points from `--FLAG FILE` (the projector's convention; see
/// [`read_metadata`]), or no columns without a file.
pub fn metadata(flag: &str, path: Option<&Path>, n: usize) -> anyhow::Result<Metadata> {
    match path {
        Some(path) => read_metadata(path, n).with_context(|| format!("--{flag}")),
        None => Ok(Metadata::empty(n)),
    }
}

/// The metadata of the points and the columns that colour and name them, shared by `view`
/// and `render`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ColumnFlags {
    /// Metadata of the points (the projector's convention: one column without a header, or
    /// several with a header row); .npy label vectors work too. Without it the points share
    /// one colour (a digit map then uses the images' labels).
    #[arg(long, value_name = "FILE", alias = "labels")]
    pub metadata: Option<PathBuf>,
    /// The metadata column that colours the points.
    /// Default: the first categorical column of 2 to 50 classes, else the first numeric
    /// one, never a column of nearly all distinct values (names, ids).
    #[arg(long = "color-by", alias = "colour-by", value_name = "COLUMN")]
    pub colour_by: Option<String>,
    /// The metadata column that names the points: on the page (the selected point's title,
    /// its neighbours, the first line on hover, the names on the map) and on the stills of at
    /// most 300 points (more points: their classes are named). Default: `word` for word
    /// vectors, else the first text column of nearly all distinct values, else none.
    #[arg(long = "label-by", value_name = "COLUMN")]
    pub label_by: Option<String>,
}

/// Vectors as the reduction sees them, their standardisation, and the notes for the user.
pub type Noted = (Array2<f32>, Option<Standardization>, Vec<String>);

/// `--standardize`, shared by the commands that reduce vectors.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct ScaleFlags {
    /// Put every column on one scale first (zero mean, unit variance; a constant column is
    /// only centred), for columns measured in different units.
    #[arg(long)]
    pub standardize: bool,
}

impl ScaleFlags {
    /// The vectors as the reduction sees them, and the standardisation when asked for.
    pub fn apply(self, x: Array2<f32>) -> anyhow::Result<(Array2<f32>, Option<Standardization>)> {
        if !self.standardize {
            return Ok((x, None));
        }
        let s = Standardization::fit(x.view());
        Ok((s.apply(x.view())?, Some(s)))
    }

    /// [`ScaleFlags::apply`], with what to tell the user once the command succeeds: the
    /// constant columns, or the columns on very different scales when not standardising.
    pub fn apply_noted(self, x: Array2<f32>) -> anyhow::Result<Noted> {
        let spread = match self.standardize {
            true => None,
            false => spread_note(x.view()),
        };
        let (x, s) = self.apply(x)?;
        let notes = spread.into_iter().chain(s.as_ref().and_then(|s| s.note()));
        Ok((x, s, notes.map(|n| format!("note: {n}")).collect()))
    }
}

/// The flags that give the points' images (thumbnails), shared by the commands that draw or
/// export them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ImageFlags {
    /// Images of the points, one per point in order, for the image map, the projector's sprite
    /// and the page's thumbnails: `embedded` (the built-in MNIST-10k), an MNIST IDX directory
    /// (its first N images), or a directory of image files (.png, .jpg, .gif, .bmp: exactly N,
    /// in natural file-name order, img_2 before img_10, numbers in the names counting the
    /// points; shown in grey, at most 64 px a side).
    #[arg(
        long,
        value_name = "embedded|DIR",
        alias = "data",
        conflicts_with = "sprite"
    )]
    pub images: Option<String>,
    /// The images as one ready-made sprite in the projector's layout: a picture holding a grid
    /// of ceil(sqrt(N)) equal cells a side, point i in row i / side, column i % side.
    #[arg(long, value_name = "FILE")]
    pub sprite: Option<PathBuf>,
}

impl ImageFlags {
    /// True when images were given.
    pub fn given(&self) -> bool {
        self.images.is_some() || self.sprite.is_some()
    }

    /// The images of `n` points, if given.
    pub fn read(&self, n: usize) -> anyhow::Result<Option<Thumbnails>> {
        if let Some(path) = &self.sprite {
            return Ok(Some(Thumbnails::from_sprite(path, n).context("--sprite")?));
        }
        let Some(source) = &self.images else {
            return Ok(None);
        };
        let mut images: Thumbnails = if source == "embedded" {
            Dataset::embedded().into()
        } else {
            match Dataset::from_dir(source.as_ref()) {
                Ok(data) => data.into(),
                // No MNIST files: a directory of pictures.
                Err(DataError::Missing { .. }) => {
                    Thumbnails::from_image_dir(source.as_ref(), n).context("--images")?
                }
                Err(e) => return Err(anyhow::Error::new(e).context("--images")),
            }
        };
        if images.len() < n {
            bail!(
                "--images {source}: {} images for {n} points; there must be one image per point",
                images.len()
            );
        }
        images.truncate(n);
        Ok(Some(images))
    }
}
