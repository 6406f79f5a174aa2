//! The digit map: every (or a subsample of every) image drawn as a thumbnail at its embedded
//! position, inked in its point's colour (from a [`Colouring`]): the classic t-SNE picture of
//! MNIST, and of any data set whose points are small images. PNG only.

use std::path::Path;

use ndarray::ArrayView2;

use super::canvas::{self, check_size, column_range, draw_order, validate, Layout, Raster, View};
use super::colouring::Colouring;
use super::palette;
use crate::render::RenderError;

/// How a digit map looks. `Default`: 1400 x 1280 pixels, at most 3,000 thumbnails.
#[derive(Debug, Clone, PartialEq)]
pub struct DigitMapOptions {
    /// Bold line at the top.
    pub title: String,
    /// Muted line under the title (empty: none).
    pub subtitle: String,
    /// Page width in pixels.
    pub width: u32,
    /// Page height in pixels.
    pub height: u32,
    /// Thumbnail side in pixels; `None` picks 1/44 of the plot width.
    pub thumb: Option<u32>,
    /// Draw at most this many images (a fixed pseudo-random subset); `None` draws all.
    pub max_images: Option<usize>,
}

impl Default for DigitMapOptions {
    fn default() -> Self {
        Self {
            title: "Digit map".to_string(),
            subtitle: String::new(),
            width: 1400,
            height: 1280,
            thumb: None,
            max_images: Some(3000),
        }
    }
}

/// Draws `images` (`N x rows*cols` bytes, 0 = background, 255 = ink) as thumbnails at the
/// first two columns of `points`, inked in the colours of `colouring` (for the same points, or
/// [`Colouring::Single`]), and writes the page to `path` (`.png`).
/// The file is written atomically; on error nothing is written.
pub fn digit_map(
    points: ArrayView2<'_, f32>,
    images: ArrayView2<'_, u8>,
    rows: usize,
    cols: usize,
    colouring: &Colouring,
    opts: &DigitMapOptions,
    path: &Path,
) -> Result<(), RenderError> {
    validate(points, colouring, (2, usize::MAX), "at least 2")?;
    check_size(opts.width, opts.height)?;
    if images.nrows() != points.nrows() || images.ncols() != rows * cols || rows * cols == 0 {
        return Err(RenderError::Images(format!(
            "{} images of {} pixels do not match {} points with {rows} x {cols} images",
            images.nrows(),
            images.ncols(),
            points.nrows()
        )));
    }
    if let Some(t) = opts.thumb {
        if !(2..=512).contains(&t) {
            return Err(RenderError::InvalidOption(format!(
                "thumbnail size {t}: must be 2-512 pixels"
            )));
        }
    }
    if opts.max_images == Some(0) {
        return Err(RenderError::InvalidOption(
            "max images 0: must be >= 1".to_string(),
        ));
    }
    canvas::check_extension(path, &["png"], ".png (a digit map is a raster picture)")?;

    let layout = Layout::new(
        (opts.width, opts.height),
        colouring,
        &opts.title,
        &opts.subtitle,
        false,
    );
    let plot = layout.plot;
    let thumb = opts
        .thumb
        .unwrap_or_else(|| (plot.width() as u32 / 44).clamp(8, 64));
    // Margins of half a thumbnail keep the outermost digits inside the plot.
    let margin = f64::from(thumb) / 2.0 / f64::from(plot.width().min(plot.height()));
    let view = View::fit(
        column_range(points, 0),
        column_range(points, 1),
        plot,
        margin,
    );

    let mut raster = Raster::new(opts.width, opts.height);
    let n = points.nrows();
    let shown = opts.max_images.unwrap_or(n).min(n);
    for (k, i) in draw_order(n).into_iter().take(shown).enumerate() {
        if k % 512 == 0 {
            crate::interrupt::check()?;
        }
        let (x, y) = view.to_px(f64::from(points[[i, 0]]), f64::from(points[[i, 1]]));
        let colour = colouring.colour(i);
        let image = images.row(i);
        let image = image
            .as_slice()
            .map_or_else(|| image.to_vec(), <[u8]>::to_vec);
        stamp_thumbnail(&mut raster, &image, (rows, cols), (x, y), thumb, colour);
    }
    raster.draw(|area| layout.draw_frame_text(area))?;
    canvas::write_png(path, &raster)
}

/// Blends a `rows x cols` greyscale image, scaled (bilinear) to `side` pixels on its longer
/// edge and centred at `at`, over the raster in `colour` with opacity = ink / 255.
fn stamp_thumbnail(
    raster: &mut Raster,
    image: &[u8],
    (rows, cols): (usize, usize),
    at: (f32, f32),
    side: u32,
    colour: palette::Rgb,
) {
    let step = rows.max(cols) as f32 / side as f32;
    let (out_w, out_h) = (
        (cols as f32 / step).round() as i32,
        (rows as f32 / step).round() as i32,
    );
    let (x0, y0) = (
        (at.0 - out_w as f32 / 2.0).round() as i32,
        (at.1 - out_h as f32 / 2.0).round() as i32,
    );
    let sample = |r: isize, c: isize| -> f32 {
        if r < 0 || c < 0 || r >= rows as isize || c >= cols as isize {
            0.0
        } else {
            f32::from(image[r as usize * cols + c as usize])
        }
    };
    for oy in 0..out_h {
        let sy = (oy as f32 + 0.5) * step - 0.5;
        let (r0, fy) = (sy.floor() as isize, sy - sy.floor());
        for ox in 0..out_w {
            let sx = (ox as f32 + 0.5) * step - 0.5;
            let (c0, fx) = (sx.floor() as isize, sx - sx.floor());
            let top = sample(r0, c0) * (1.0 - fx) + sample(r0, c0 + 1) * fx;
            let bottom = sample(r0 + 1, c0) * (1.0 - fx) + sample(r0 + 1, c0 + 1) * fx;
            let ink = (top * (1.0 - fy) + bottom * fy) / 255.0;
            if ink > 0.02 {
                raster.blend(x0 + ox, y0 + oy, colour, ink.min(1.0));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_white_square_thumbnail_is_inked_where_the_image_is() {
        let mut r = Raster::new(20, 20);
        // A 4x4 image whose left half is full ink.
        let img: Vec<u8> = (0..16).map(|i| if i % 4 < 2 { 255 } else { 0 }).collect();
        stamp_thumbnail(&mut r, &img, (4, 4), (10.0, 10.0), 8, [10, 20, 30]);
        let px = |x: usize, y: usize| &r.rgb[(y * 20 + x) * 3..(y * 20 + x) * 3 + 3];
        assert_eq!(px(7, 10), &[10, 20, 30]);
        assert_eq!(px(13, 10), &[255, 255, 255]);
        assert_eq!(px(1, 1), &[255, 255, 255]);
    }
}
