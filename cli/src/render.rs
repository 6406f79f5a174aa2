//! `embedscope render`: draw an embedding from files: a scatter plot (`.png`, `.svg`), a digit
//! map (`.png` with `--images`) or a turning 3-D view (`.gif` with `--rotate`).

use std::path::PathBuf;

use anyhow::{bail, Context};

use super::inputs;
use crate::progress::Bars;
use embedscope::data::matrix::read_matrix;
use embedscope::data::metadata::Metadata;
use embedscope::render::animation::{rotation_gif, GifOptions, RotationOptions};
use embedscope::render::colouring::{self, Colouring};
use embedscope::render::digits::{digit_map, DigitMapOptions};
use embedscope::render::scatter::{plot, PlotStyle};

/// Flags of `embedscope render`.
#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// Points to draw: `.npy` (any numeric dtype, N x D) or TSV/CSV; the first 2 columns are
    /// plotted (3 with --rotate).
    pub points: PathBuf,
    /// The metadata and its colour and name columns.
    #[command(flatten)]
    pub columns: inputs::ColumnFlags,
    /// Output file: `.png` or `.svg` (scatter plot), `.png` with --images (digit map), `.gif`
    /// with --rotate (turning 3-D view).
    #[arg(long)]
    pub out: PathBuf,
    /// Title line (default: the points file's name and the colour column).
    #[arg(long)]
    pub title: Option<String>,
    /// Subtitle line: the method and its numbers, e.g. "t-SNE, perplexity 25, KL 1.23".
    #[arg(long, default_value = "")]
    pub subtitle: String,
    /// Draw each image at its point (an image map, `.png`).
    #[command(flatten)]
    pub images: inputs::ImageFlags,
    /// Draw a 3-D view turning about its vertical axis, as a GIF (needs 3 columns).
    #[arg(long)]
    pub rotate: bool,
    /// Frames per turn (--rotate).
    #[arg(long, default_value_t = 90)]
    pub frames: usize,
    /// Milliseconds per frame (--rotate).
    #[arg(long, default_value_t = 60)]
    pub delay_ms: u32,
    /// Picture width in pixels (default: 800 for plots, 1400 for digit maps, 720 for GIFs).
    #[arg(long)]
    pub width: Option<u32>,
    /// Picture height in pixels (default: 85% of the width; 600 for a 720 GIF).
    #[arg(long)]
    pub height: Option<u32>,
    /// Axis names, comma-separated (e.g. "PC1,PC2,PC3").
    #[arg(long, value_delimiter = ',')]
    pub axis_names: Vec<String>,
    /// Most images drawn in a digit map (a fixed subsample); 0 draws all.
    #[arg(long, default_value_t = 3000)]
    pub max_images: usize,
}

/// What `render` will draw, after validating the flags.
#[derive(Debug)]
enum Picture {
    Scatter(PlotStyle),
    Digits(DigitMapOptions),
    Rotation(RotationOptions),
}

impl Picture {
    /// The picture's title line.
    fn title_mut(&mut self) -> &mut String {
        match self {
            Picture::Scatter(style) => &mut style.title,
            Picture::Digits(opts) => &mut opts.title,
            Picture::Rotation(opts) => &mut opts.gif.title,
        }
    }
}

impl RenderArgs {
    /// Validates the flags, reads the inputs and writes the picture.
    pub fn run(self) -> anyhow::Result<()> {
        let mut picture = self.config()?;
        let points = read_matrix(&self.points)?;
        let n = points.nrows();
        let inputs = match &self.columns.metadata {
            Some(m) => format!("{} with metadata {}", self.points.display(), m.display()),
            None => self.points.display().to_string(),
        };
        let images = self.images.read(n)?;
        let metadata = match (
            &self.columns.metadata,
            images.as_ref().and_then(|t| t.labels.as_ref()),
        ) {
            (None, Some(labels)) => Metadata::from_labels(labels),
            _ => inputs::metadata("metadata", self.columns.metadata.as_deref(), n)?,
        };
        let column = colouring::colour_column(&metadata, self.columns.colour_by.as_deref())
            .context("--color-by")?;
        let colouring = Colouring::from_column(column);
        let names = colouring::label_column(&metadata, self.columns.label_by.as_deref())
            .context("--label-by")?
            .map(colouring::point_names);
        if let (None, Some(column)) = (&self.title, column) {
            let title = picture.title_mut();
            *title = format!("{title}, coloured by {}", column.name);
        }
        let out = &self.out;
        match (picture, images) {
            (Picture::Scatter(style), _) => {
                let style = PlotStyle {
                    names,
                    class_labels: true,
                    ..style
                };
                plot(points.view(), &colouring, &style, out).with_context(|| inputs.clone())?;
            }
            (Picture::Rotation(opts), _) => {
                rotation_gif(points.view(), &colouring, &opts, out, &mut Bars::new())
                    .with_context(|| inputs.clone())?;
            }
            (Picture::Digits(opts), images) => {
                let Some(images) = images else {
                    bail!("an image map needs --images or --sprite");
                };
                let view = images.view();
                digit_map(
                    points.view(),
                    view.pixels,
                    view.rows,
                    view.cols,
                    &colouring,
                    &opts,
                    out,
                )
                .with_context(|| inputs.clone())?;
            }
        }
        eprintln!("wrote {}", out.display());
        Ok(())
    }

    fn config(&self) -> anyhow::Result<Picture> {
        let ext = embedscope::fsutil::extension(&self.out);
        let out = self.out.display();
        if !["png", "svg", "gif"].contains(&ext.as_str()) {
            bail!("--out {out}: unsupported extension '{ext}': expected .png, .svg or .gif");
        }
        if self.rotate != (ext == "gif") {
            bail!(
                "--out {out}: a .gif is a turning 3-D view and needs --rotate; --rotate needs a .gif"
            );
        }
        if self.images.given() && ext != "png" {
            bail!("--images draws a digit map, which is a raster: --out {out} must end in .png");
        }
        if !(2..=1000).contains(&self.frames) {
            bail!("--frames {}: must be 2-1000", self.frames);
        }
        if !(20..=10_000).contains(&self.delay_ms) {
            bail!("--delay-ms {}: must be 20-10000", self.delay_ms);
        }
        for (flag, v) in [("--width", self.width), ("--height", self.height)] {
            if let Some(v) = v {
                if !(120..=8000).contains(&v) {
                    bail!("{flag} {v}: must be 120-8000 pixels");
                }
            }
        }
        let title = self.title.clone().unwrap_or_else(|| {
            self.points
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        });
        let size = |default_w: u32, default_h: u32| match (self.width, self.height) {
            (Some(w), Some(h)) => (w, h),
            (Some(w), None) => (w, (w * default_h / default_w).max(120)),
            (None, Some(h)) => ((h * default_w / default_h).max(120), h),
            (None, None) => (default_w, default_h),
        };
        let axis = |k: usize| self.axis_names.get(k).cloned().unwrap_or_default();
        Ok(if self.rotate {
            let (width, height) = size(720, 600);
            let names = std::array::from_fn(|k| {
                self.axis_names
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| (k + 1).to_string())
            });
            Picture::Rotation(RotationOptions {
                gif: GifOptions {
                    width,
                    height,
                    delay_ms: self.delay_ms,
                    title,
                    subtitle: self.subtitle.clone(),
                    ..GifOptions::default()
                },
                frames: self.frames,
                axis_names: names,
                ..RotationOptions::default()
            })
        } else if self.images.given() {
            let (width, height) = size(1400, 1280);
            Picture::Digits(DigitMapOptions {
                title,
                subtitle: self.subtitle.clone(),
                width,
                height,
                max_images: (self.max_images > 0).then_some(self.max_images),
                ..DigitMapOptions::default()
            })
        } else {
            let (width, height) = size(800, 680);
            Picture::Scatter(PlotStyle {
                title,
                subtitle: self.subtitle.clone(),
                axis_names: (axis(0), axis(1)),
                width,
                height,
                ..PlotStyle::default()
            })
        })
    }
}
