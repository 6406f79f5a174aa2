//! Animated GIFs: the t-SNE optimisation unfolding ([`TsneRecorder`], an observer of the
//! optimiser) and a 3-D embedding turning about its vertical axis ([`rotation_gif`]).
//!
//! Every frame is rasterised to RGB (points as opaque discs, text with the bundled font), then
//! mapped exactly onto one global [`super::palette::GifPalette`], so colours never flicker
//! (`encode`). Frames are drawn in parallel (rayon) and are pure functions of their inputs,
//! so the file is the same whatever the thread count. GIFs loop forever.
//!
//! A GIF draws at most [`GifOptions::max_points`] points (20,000 by default): above that, a
//! fixed subsample, stratified by class so that small classes stay visible (`sample`), and
//! the footer says so. The legend still counts every point.

mod encode;
mod recorder;
mod rotation;
mod sample;

pub use recorder::TsneRecorder;
pub use rotation::{rotation_gif, RotationOptions};

use std::path::Path;

use super::canvas::{self, check_radius, check_size, Layout, Raster};
use super::colouring::{group_thousands, Colouring};
use crate::render::RenderError;

/// What every GIF shares. `Default`: 720 x 600 pixels, 60 ms per frame, 3 s on the last, at
/// most 20,000 points.
#[derive(Debug, Clone, PartialEq)]
pub struct GifOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Delay per frame in milliseconds (20-10000; GIF stores hundredths of a second).
    pub delay_ms: u32,
    /// How long the last frame stays, in milliseconds (t-SNE only: a turning view loops
    /// seamlessly instead).
    pub hold_ms: u32,
    /// Bold line at the top (shrunk or cut to fit).
    pub title: String,
    /// Muted line under the title: method and numbers (empty: none).
    pub subtitle: String,
    /// Point radius in pixels; `None` picks one from the number of points drawn and the plot
    /// size (`canvas::auto_radius`).
    pub point_radius: Option<f64>,
    /// Most points drawn (a fixed stratified subsample above it); also bounds the t-SNE
    /// recorder's memory to frames x `max_points` coordinates.
    pub max_points: usize,
}

impl Default for GifOptions {
    fn default() -> Self {
        Self {
            width: 720,
            height: 600,
            delay_ms: 60,
            hold_ms: 3000,
            title: String::new(),
            subtitle: String::new(),
            point_radius: None,
            max_points: 20_000,
        }
    }
}

impl GifOptions {
    /// Checks sizes, timings and point settings, naming the setting at fault.
    pub fn validate(&self) -> Result<(), RenderError> {
        check_size(self.width, self.height)?;
        if self.width > 4000 || self.height > 4000 {
            return Err(RenderError::InvalidOption(format!(
                "GIF size {} x {}: at most 4000 pixels each way",
                self.width, self.height
            )));
        }
        for (name, ms) in [("delay", self.delay_ms), ("hold", self.hold_ms)] {
            if !(20..=10_000).contains(&ms) {
                return Err(RenderError::InvalidOption(format!(
                    "{name} {ms} ms: must be 20-10000 ms"
                )));
            }
        }
        check_radius(self.point_radius)?;
        if self.max_points == 0 {
            return Err(RenderError::InvalidOption(
                "max points 0: must be >= 1".to_string(),
            ));
        }
        Ok(())
    }

    /// The page layout for `colouring`, with a footer line when `footer`.
    fn layout(&self, colouring: &Colouring, footer: bool) -> Layout {
        Layout::new(
            (self.width, self.height),
            colouring,
            &self.title,
            &self.subtitle,
            footer,
        )
    }

    /// The radius of `n` points drawn in `layout`'s plot.
    fn radius(&self, n: usize, layout: &Layout) -> f64 {
        self.point_radius
            .unwrap_or_else(|| canvas::auto_radius(n, layout.plot))
    }

    /// The parts every frame shares: background, title, subtitle and legend.
    fn base_frame(&self, layout: &Layout) -> Result<Raster, RenderError> {
        let mut r = Raster::new(self.width, self.height);
        r.draw(|area| layout.draw_frame_text(area))?;
        Ok(r)
    }
}

/// The footer's note on a subsample: "20,000 of 1,000,000 points shown" (`None` when all are).
fn sample_note(shown: usize, total: usize) -> Option<String> {
    (shown < total).then(|| {
        format!(
            "{} of {} points shown",
            group_thousands(shown),
            group_thousands(total)
        )
    })
}

/// The `q`-quantile (0-1) of `values` (nearest rank); `values` is reordered.
fn quantile(values: &mut [f32], q: f64) -> f64 {
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f32::total_cmp);
    f64::from(*v)
}

/// Checks that `path` ends in `.gif`.
fn check_gif_path(path: &Path) -> Result<(), RenderError> {
    canvas::check_extension(path, &["gif"], ".gif").map(drop)
}
