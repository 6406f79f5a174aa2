//! The projector's sprite: every point's thumbnail in one PNG.
//!
//! The projector's shader finds thumbnail `i` at `row = i / per_side`, `col = i % per_side`, so
//! the grid must be square: `ceil(sqrt(N))` thumbnails per side, row-major from the top left,
//! and the image a whole multiple of the thumbnail size. The UI refuses images over 8192 px a
//! side, so thumbnails are shrunk (area-averaged, aspect kept) only when full-size ones would not
//! fit: 70,000 MNIST digits need 265 x 28 = 7,420 px and stay at 28 px; from 85,265 digits on
//! (293 per side) they shrink.
//!
//! A [`Sprite`] is rendered and encoded once and then written wherever it is shown: each
//! TensorBoard run of a log directory and the HTML page.

use std::io::Write;
use std::path::Path;

use crate::data::thumbnails::{ceil_sqrt, ThumbnailView};
use crate::export::ExportError;
use crate::fsutil::write_atomic;
use crate::interrupt;

/// The largest sprite side the projector accepts, in pixels.
pub(crate) const MAX_SPRITE_SIDE: usize = 8192;

/// The sprite's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpriteLayout {
    /// Thumbnails per side of the square grid: `ceil(sqrt(N))`.
    pub per_side: usize,
    /// Thumbnail width in pixels (`single_image_dim` W).
    pub thumb_width: usize,
    /// Thumbnail height in pixels (`single_image_dim` H).
    pub thumb_height: usize,
}

impl SpriteLayout {
    /// The grid for `n` images of `rows x cols` pixels, with thumbnails as large as possible up
    /// to the images' own size while the sprite stays within `MAX_SPRITE_SIDE`.
    pub fn new(n: usize, rows: usize, cols: usize) -> Result<Self, ExportError> {
        if n == 0 || rows == 0 || cols == 0 {
            return Err(ExportError::invalid(
                "sprite",
                format!(
                    "needs at least one image of at least 1x1 pixels (got {n} of {rows}x{cols})"
                ),
            ));
        }
        let per_side = ceil_sqrt(n);
        let cell = MAX_SPRITE_SIDE / per_side;
        let longest = rows.max(cols);
        let (thumb_width, thumb_height) = if longest <= cell {
            (cols, rows)
        } else {
            (cols * cell / longest, rows * cell / longest)
        };
        if thumb_width == 0 || thumb_height == 0 {
            return Err(ExportError::invalid(
                "sprite",
                format!(
                    "{n} thumbnails of {rows}x{cols} px cannot fit a {MAX_SPRITE_SIDE} px square sprite"
                ),
            ));
        }
        Ok(Self {
            per_side,
            thumb_width,
            thumb_height,
        })
    }

    /// The sprite's `(width, height)` in pixels.
    pub fn size(&self) -> (usize, usize) {
        (
            self.per_side * self.thumb_width,
            self.per_side * self.thumb_height,
        )
    }
}

/// The thumbnails of `n` points as one encoded PNG, laid out by a [`SpriteLayout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sprite {
    layout: SpriteLayout,
    points: usize,
    png: Vec<u8>,
}

impl Sprite {
    /// Renders and encodes `images` (8-bit greyscale PNG, dark ink on white); errors name
    /// `images` when their shape is not `N x (rows * cols)`.
    pub fn new(images: &ThumbnailView<'_>) -> Result<Self, ExportError> {
        let (points, pixels) = images.pixels.dim();
        if pixels != images.rows * images.cols {
            return Err(ExportError::invalid(
                "images",
                format!(
                    "rows hold {pixels} pixels, not {} x {}",
                    images.rows, images.cols
                ),
            ));
        }
        let layout = SpriteLayout::new(points, images.rows, images.cols)?;
        let grey = render(images, &layout)?;
        let (w, h) = layout.size();
        let dims = |v: usize| {
            u32::try_from(v)
                .map_err(|_| ExportError::invalid("sprite", format!("{v} px is too large")))
        };
        let png = encode_png(&grey, dims(w)?, dims(h)?)
            .map_err(|e| ExportError::invalid("sprite", format!("PNG encoding failed: {e}")))?;
        Ok(Self {
            layout,
            points,
            png,
        })
    }

    /// Its geometry.
    pub fn layout(&self) -> &SpriteLayout {
        &self.layout
    }

    /// The number of thumbnails (points).
    pub fn points(&self) -> usize {
        self.points
    }

    /// The encoded PNG.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// Writes the PNG at `path`, atomically.
    pub fn write(&self, path: &Path) -> Result<(), ExportError> {
        write_atomic(path, |out| out.write_all(&self.png)).map_err(|e| ExportError::io(path, e))
    }
}

/// Area-averaging weights resampling `src` pixels to `dst` pixels along one axis: for each
/// destination pixel, `(source index, weight)` pairs whose weights sum to 1.
fn axis_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|j| {
            let (lo, hi) = (j as f64 * scale, (j + 1) as f64 * scale);
            (lo.floor() as usize..(hi.ceil() as usize).min(src))
                .filter_map(|k| {
                    let overlap = hi.min((k + 1) as f64) - lo.max(k as f64);
                    (overlap > 0.0).then(|| (k, (overlap / scale) as f32))
                })
                .collect()
        })
        .collect()
}

/// Renders the sprite's ink: a greyscale image, `size()` pixels, 0 in unused cells.
pub(crate) fn render(
    images: &ThumbnailView<'_>,
    layout: &SpriteLayout,
) -> Result<Vec<u8>, ExportError> {
    let (width, height) = layout.size();
    let (tw, th) = (layout.thumb_width, layout.thumb_height);
    let wx = axis_weights(images.cols, tw);
    let wy = axis_weights(images.rows, th);
    let mut out = vec![0u8; width * height];
    let mut column = vec![0f32; images.rows * tw];
    for (i, img) in images.pixels.outer_iter().enumerate() {
        if i % 1024 == 0 {
            interrupt::check()?;
        }
        let (top, left) = ((i / layout.per_side) * th, (i % layout.per_side) * tw);
        if (tw, th) == (images.cols, images.rows) {
            for (k, &v) in img.iter().enumerate() {
                out[(top + k / tw) * width + left + k % tw] = v;
            }
            continue;
        }
        // Shrinking: horizontal pass into `column` (rows x tw), then vertical pass.
        for r in 0..images.rows {
            for (x, weights) in wx.iter().enumerate() {
                column[r * tw + x] = weights
                    .iter()
                    .map(|&(k, w)| w * f32::from(img[r * images.cols + k]))
                    .sum();
            }
        }
        for (y, weights) in wy.iter().enumerate() {
            let line = &mut out[(top + y) * width + left..][..tw];
            for (x, px) in line.iter_mut().enumerate() {
                let v: f32 = weights.iter().map(|&(k, w)| w * column[k * tw + x]).sum();
                *px = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(out)
}

/// Encodes `grey` (`w x h` ink values) as an 8-bit greyscale PNG, dark ink on white
/// (`255 - pixel`, MNIST being white on black), at `Balanced` compression (the page embeds
/// it, where size matters).
///
/// The projector draws a thumbnail as `point colour x texel`: the point colour is white until
/// the user picks "Color by", so the digits first show as they look on paper; colouring by
/// label then tints each thumbnail's white background with the label's colour, a whole tile
/// of colour per point instead of thin coloured strokes on a black square.
fn encode_png(grey: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header()?;
    let mut stream = writer.stream_writer()?;
    let mut line = Vec::with_capacity(w as usize);
    for row in grey.chunks(w as usize) {
        line.clear();
        line.extend(row.iter().map(|&v| 255 - v));
        stream.write_all(&line)?;
    }
    stream.finish()?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn grid_geometry() {
        let l = SpriteLayout::new(10_000, 28, 28).unwrap();
        assert_eq!((l.per_side, l.thumb_width, l.thumb_height), (100, 28, 28));
        assert_eq!(l.size(), (2800, 2800));
        // 70,000 digits: 265 x 28 = 7,420 px fits, no shrinking.
        let l = SpriteLayout::new(70_000, 28, 28).unwrap();
        assert_eq!((l.per_side, l.thumb_width), (265, 28));
        assert_eq!(l.size(), (7420, 7420));
        // 85,264 = 292^2 still fits 28 px (8,176 px); one more needs 293 per side: 27 px.
        assert_eq!(
            SpriteLayout::new(85_264, 28, 28).unwrap().size(),
            (8176, 8176)
        );
        let l = SpriteLayout::new(85_265, 28, 28).unwrap();
        assert_eq!((l.per_side, l.thumb_width, l.size().0), (293, 27, 7911));
        // Non-square images keep their aspect: 8192 / 400 = 20 px for the long side.
        let l = SpriteLayout::new(160_000, 28, 56).unwrap();
        assert_eq!((l.per_side, l.thumb_width, l.thumb_height), (400, 20, 10));
        assert_eq!(
            SpriteLayout::new(0, 28, 28).unwrap_err().to_string(),
            "sprite: needs at least one image of at least 1x1 pixels (got 0 of 28x28)"
        );
        assert_eq!(
            SpriteLayout::new(8193 * 8193, 1, 1)
                .unwrap_err()
                .to_string(),
            "sprite: 67125249 thumbnails of 1x1 px cannot fit a 8192 px square sprite"
        );
    }

    #[test]
    fn thumbnails_are_placed_row_major_from_top_left() {
        // Five 2x3 images, each filled with its index * 10 + 1: a 3x3 grid, 9 x 6 px.
        let pixels = Array2::from_shape_fn((5, 6), |(i, _)| (i * 10 + 1) as u8);
        let images = ThumbnailView {
            pixels: pixels.view(),
            rows: 2,
            cols: 3,
        };
        let layout = SpriteLayout::new(5, 2, 3).unwrap();
        assert_eq!(layout.size(), (9, 6));
        let sprite = render(&images, &layout).unwrap();
        let at = |x: usize, y: usize| sprite[y * 9 + x];
        assert_eq!(at(0, 0), 1);
        assert_eq!(at(8, 1), 21); // image 2: first row, third column
        assert_eq!(at(0, 2), 31); // image 3: second row, first column
        assert_eq!(at(5, 3), 41);
        assert_eq!(at(6, 2), 0); // cells 5..9 stay black
        assert_eq!(at(0, 5), 0);
    }

    #[test]
    fn full_size_thumbnail_is_an_exact_copy() {
        let pixels = Array2::from_shape_fn((1, 12), |(_, k)| (k * 20) as u8);
        let images = ThumbnailView {
            pixels: pixels.view(),
            rows: 3,
            cols: 4,
        };
        let sprite = render(&images, &SpriteLayout::new(1, 3, 4).unwrap()).unwrap();
        assert_eq!(sprite, pixels.into_raw_vec_and_offset().0);
    }

    #[test]
    fn shrinking_averages_areas() {
        // 4x4 -> 2x2 averages 2x2 blocks; 3 -> 2 weights are (1, 0.5) and (0.5, 1) / 1.5.
        let w = axis_weights(4, 2);
        assert_eq!(w[0], vec![(0, 0.5), (1, 0.5)]);
        let w = axis_weights(3, 2);
        assert_eq!(w[0].len(), 2);
        assert!((w[0][0].1 - 2.0 / 3.0).abs() < 1e-6 && (w[0][1].1 - 1.0 / 3.0).abs() < 1e-6);
        let layout = SpriteLayout {
            per_side: 1,
            thumb_width: 2,
            thumb_height: 2,
        };
        let pixels = Array2::from_shape_vec(
            (1, 16),
            vec![
                0, 0, 100, 200, 0, 0, 100, 200, 255, 255, 7, 7, 255, 255, 7, 7,
            ],
        )
        .unwrap();
        let images = ThumbnailView {
            pixels: pixels.view(),
            rows: 4,
            cols: 4,
        };
        assert_eq!(render(&images, &layout).unwrap(), vec![0, 150, 255, 7]);
    }

    #[test]
    fn png_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.png");
        let pixels = Array2::from_shape_vec((1, 6), vec![0, 64, 128, 255, 1, 2]).unwrap();
        let images = ThumbnailView {
            pixels: pixels.view(),
            rows: 2,
            cols: 3,
        };
        let sprite = Sprite::new(&images).unwrap();
        assert_eq!((sprite.points(), sprite.layout().size()), (1, (3, 2)));
        sprite.write(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), sprite.png());
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let expected = [255, 191, 127, 0, 254, 253];
        assert_eq!(&buf[..info.buffer_size()], &expected);
    }
}
