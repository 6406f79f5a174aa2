//! The digit map: every (or a subsample of every) image drawn as a thumbnail at its embedded
//! position, inked in its point's colour (from a [`Colouring`]): the classic t-SNE picture of
//! MNIST, and of any data set whose points are small images. PNG only.

use std::path::Path;

use ndarray::ArrayView2;

use super::canvas::{self, check_size, column_range, draw_order, validate, Layout, Raster, View};
use super::colouring::Colouring;
use super::palette;
use crate::render::RenderError;

/// How a digit map looks. `Default`: 1400 x 1280 pixels, at most 3,000 thumbnails, none closer
/// than half a thumbnail to another on both axes.
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
    /// Skip an image whose centre is closer than this many thumbnail sides (on both axes) to
    /// one already drawn, so crowded regions show readable digits rather than a blot; 0 draws
    /// every image.
    pub min_spacing: f64,
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
            min_spacing: 0.5,
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
    if !(opts.min_spacing >= 0.0 && opts.min_spacing.is_finite()) {
        return Err(RenderError::InvalidOption(format!(
            "min spacing {}: must be a finite number >= 0",
            opts.min_spacing
        )));
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
    let mut spaced = Spacing::new(thumb as f32 * opts.min_spacing as f32);
    for (k, i) in draw_order(n).into_iter().take(shown).enumerate() {
        if k % 512 == 0 {
            crate::interrupt::check()?;
        }
        let (x, y) = view.to_px(f64::from(points[[i, 0]]), f64::from(points[[i, 1]]));
        if !spaced.claim(x, y) {
            continue;
        }
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

/// The centres drawn so far, on a grid of cells one spacing wide: a new centre is taken only
/// when no drawn one is within the spacing on both axes.
struct Spacing {
    gap: f32,
    cells: std::collections::HashMap<(i32, i32), Vec<(f32, f32)>>,
}

impl Spacing {
    fn new(gap: f32) -> Self {
        Self {
            gap,
            cells: std::collections::HashMap::new(),
        }
    }

    /// Takes the centre `(x, y)` if it is free; true when taken.
    fn claim(&mut self, x: f32, y: f32) -> bool {
        if self.gap <= 0.0 {
            return true;
        }
        let cell = ((x / self.gap).floor() as i32, (y / self.gap).floor() as i32);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let near = self.cells.get(&(cell.0 + dx, cell.1 + dy));
                let close =
                    |&(u, v): &(f32, f32)| (u - x).abs() < self.gap && (v - y).abs() < self.gap;
                if near.is_some_and(|c| c.iter().any(close)) {
                    return false;
                }
            }
        }
        self.cells.entry(cell).or_default().push((x, y));
        true
    }
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
    fn crowded_centres_are_thinned_and_spread_ones_kept() {
        let mut s = Spacing::new(10.0);
        assert!(s.claim(100.0, 100.0));
        assert!(!s.claim(105.0, 95.0), "within the spacing on both axes");
        assert!(s.claim(111.0, 100.0), "far enough on x");
        assert!(s.claim(100.0, 89.5), "far enough on y");
        // A 40 x 40 px patch of 400 centres keeps about (40 / 10)^2 of them.
        let mut s = Spacing::new(10.0);
        let kept = (0..400)
            .filter(|&k| s.claim((k % 20) as f32 * 2.0, (k / 20) as f32 * 2.0))
            .count();
        assert!((9..=25).contains(&kept), "{kept}");
        let mut all = Spacing::new(0.0);
        assert!((0..50).all(|_| all.claim(1.0, 1.0)));
    }

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
