//! [`Thumbnails`]: one small greyscale image per point, for the image map, the projector's
//! sprite and the page's hover pictures, from any of three sources:
//! - an MNIST IDX directory or the embedded MNIST-10k ([`Dataset`], labels kept);
//! - a directory of image files (PNG, JPEG, GIF, BMP), one per point in natural file-name
//!   order, `img_2.png` before `img_10.png`, with the numbers in the names checked to count the
//!   points ([`Thumbnails::from_image_dir`]);
//! - a ready-made sprite in the projector's layout ([`Thumbnails::from_sprite`]).
//!
//! Pixels are stored as *ink*, MNIST's convention: 0 is the (white) background, 255 full black,
//! so `255 - ink` gives back the picture's grey level. Colour pictures are turned to grey
//! (Rec. 601 luma) over white where they are transparent.

use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageReader, Limits};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::data::limits::{describe_bytes, MAX_IDX_BYTES};
use crate::data::DataError;
use crate::data::Dataset;

/// The file extensions read from an image directory (lower case).
pub const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "bmp"];

/// Thumbnails from an image directory are at most this many pixels a side (aspect kept).
pub const MAX_THUMBNAIL_SIDE: usize = 64;

/// The largest picture side decoded (a sprite or one image file), in pixels.
pub const MAX_DECODED_SIDE: u32 = 16_384;

/// One greyscale image per point, as ink (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnails {
    /// `N x (rows*cols)` ink values, one flattened image per row.
    pub pixels: Array2<u8>,
    /// Rows (height) of each image.
    pub rows: usize,
    /// Columns (width) of each image.
    pub cols: usize,
    /// The images' own class labels, when the source has them (MNIST).
    pub labels: Option<Vec<u8>>,
}

/// A borrowed view of [`Thumbnails`]' pixels, as the renderers and exporters take them.
#[derive(Debug, Clone, Copy)]
pub struct ThumbnailView<'a> {
    /// `N x (rows*cols)` ink values, one flattened image per row.
    pub pixels: ArrayView2<'a, u8>,
    /// Rows (height) of each image.
    pub rows: usize,
    /// Columns (width) of each image.
    pub cols: usize,
}

impl<'a> ThumbnailView<'a> {
    /// The same view with a shorter lifetime (array views are invariant in theirs).
    pub fn reborrow<'b>(self) -> ThumbnailView<'b>
    where
        'a: 'b,
    {
        ThumbnailView {
            pixels: self.pixels.reborrow(),
            rows: self.rows,
            cols: self.cols,
        }
    }
}

impl From<Dataset> for Thumbnails {
    fn from(data: Dataset) -> Self {
        Self {
            pixels: data.images,
            rows: data.rows,
            cols: data.cols,
            labels: Some(data.labels),
        }
    }
}

impl Thumbnails {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.pixels.nrows()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pixels as a view.
    pub fn view(&self) -> ThumbnailView<'_> {
        ThumbnailView {
            pixels: self.pixels.view(),
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// Keeps the first `n` images (all of them when `n >= len`).
    pub fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.pixels = self.pixels.slice(ndarray::s![..n, ..]).to_owned();
            if let Some(labels) = &mut self.labels {
                labels.truncate(n);
            }
        }
    }

    /// The image files of `dir` ([`IMAGE_EXTENSIONS`], any case; hidden files and other files
    /// skipped), one per point in file-name order; there must be exactly `n`.
    ///
    /// Images of one size up to [`MAX_THUMBNAIL_SIDE`] are kept as they are; larger ones, or
    /// images of several sizes, are shrunk to fit a cell of at most that side, aspect kept and
    /// centred. The cell shrinks further if `n` cells would exceed `MAX_IDX_BYTES`.
    pub fn from_image_dir(dir: &Path, n: usize) -> Result<Self, DataError> {
        let files = image_files(dir)?;
        if files.len() != n {
            return Err(DataError::invalid(
                dir,
                format!(
                    "{} image files ({}) for {n} points; there must be one per point, in \
                     file-name order",
                    files.len(),
                    IMAGE_EXTENSIONS.map(|e| format!(".{e}")).join(", ")
                ),
            ));
        }
        let sizes = files
            .par_iter()
            .map(|f| {
                image::image_dimensions(f)
                    .map_err(|e| DataError::invalid(f, format!("not a readable image: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (cols, rows) = cell_size(&sizes, n);
        let cells = files
            .par_iter()
            .map(|f| {
                let grey = decode(f, &read_picture(f)?)?;
                Ok(fit(&grey, cols, rows))
            })
            .collect::<Result<Vec<_>, DataError>>()?;
        let pixels = Array2::from_shape_vec((n, rows * cols), cells.concat())
            .expect("every cell is rows x cols");
        Ok(Self {
            pixels,
            rows,
            cols,
            labels: None,
        })
    }

    /// The first `n` thumbnails of a sprite in the projector's layout: a grid of `ceil(sqrt(n))`
    /// equal cells a side, filled row by row from the top left.
    pub fn from_sprite(path: &Path, n: usize) -> Result<Self, DataError> {
        Self::parse_sprite(path, &read_picture(path)?, n)
    }

    /// [`Thumbnails::from_sprite`] on the bytes of a picture file; `path` names it in errors.
    pub fn parse_sprite(path: &Path, bytes: &[u8], n: usize) -> Result<Self, DataError> {
        if n == 0 {
            return Err(DataError::invalid(path, "a sprite for 0 points"));
        }
        let grey = decode(path, bytes)?;
        let (width, height) = (grey.width() as usize, grey.height() as usize);
        let per_side = ceil_sqrt(n);
        if width % per_side != 0 || height % per_side != 0 {
            return Err(DataError::invalid(
                path,
                format!(
                    "a {width}x{height} px sprite is not a grid of {per_side}x{per_side} equal \
                     cells, the projector's layout for {n} points (ceil(sqrt(N)) a side); its \
                     sides must be multiples of {per_side}"
                ),
            ));
        }
        let (cols, rows) = (width / per_side, height / per_side);
        let raw = grey.as_raw();
        let pixels = Array2::from_shape_fn((n, rows * cols), |(i, k)| {
            let (top, left) = ((i / per_side) * rows, (i % per_side) * cols);
            255 - raw[(top + k / cols) * width + left + k % cols]
        });
        Ok(Self {
            pixels,
            rows,
            cols,
            labels: None,
        })
    }
}

/// `ceil(sqrt(n))`, exactly: the side of the projector's square sprite grid for `n` images.
pub fn ceil_sqrt(n: usize) -> usize {
    let mut s = (n as f64).sqrt() as usize;
    while s * s < n {
        s += 1;
    }
    while s > 0 && (s - 1) * (s - 1) >= n {
        s -= 1;
    }
    s
}

/// The image files of `dir`, file `k` for point `k` (natural name order, numbers checked:
/// `image_names`).
fn image_files(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| DataError::io(dir, e))?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let ext = crate::fsutil::extension(&path);
        if !hidden && IMAGE_EXTENSIONS.contains(&ext.as_str()) && path.is_file() {
            files.push(path);
        }
    }
    super::image_names::order_images(dir, files)
}

/// The cell `(width, height)` for images of `sizes` (width, height), `n` of them.
fn cell_size(sizes: &[(u32, u32)], n: usize) -> (usize, usize) {
    let budget_side = ((MAX_IDX_BYTES / n.max(1)) as f64).sqrt() as usize;
    let cap = MAX_THUMBNAIL_SIDE.min(budget_side).max(1);
    let (w, h) = sizes[0];
    let (w, h) = (w as usize, h as usize);
    let uniform = sizes.iter().all(|&s| s == sizes[0]);
    if uniform && w.max(h) <= cap {
        (w, h)
    } else if uniform {
        let scale = cap as f64 / w.max(h) as f64;
        let side = |v: usize| ((v as f64 * scale).round() as usize).clamp(1, cap);
        (side(w), side(h))
    } else {
        let longest = sizes.iter().map(|&(w, h)| w.max(h) as usize).max();
        let side = longest.unwrap_or(1).min(cap);
        (side, side)
    }
}

/// The bytes of the picture file at `path`, refusing files over [`MAX_IDX_BYTES`].
fn read_picture(path: &Path) -> Result<Vec<u8>, DataError> {
    let size = std::fs::metadata(path)
        .map_err(|e| DataError::io(path, e))?
        .len();
    if size > MAX_IDX_BYTES as u64 {
        return Err(DataError::invalid(
            path,
            format!(
                "{size} bytes; pictures over {} are refused",
                describe_bytes(MAX_IDX_BYTES)
            ),
        ));
    }
    std::fs::read(path).map_err(|e| DataError::io(path, e))
}

/// Decodes the picture `bytes` (of the file `path`) into grey levels, transparent parts over
/// white, refusing pictures over [`MAX_DECODED_SIDE`] a side.
fn decode(path: &Path, bytes: &[u8]) -> Result<GrayImage, DataError> {
    let bad = |e: image::ImageError| DataError::invalid(path, format!("not a readable image: {e}"));
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DataError::io(path, e))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_IDX_BYTES as u64);
    reader.limits(limits);
    let picture: DynamicImage = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => DataError::invalid(
            path,
            format!(
                "larger than {MAX_DECODED_SIDE} px a side or {} decoded",
                describe_bytes(MAX_IDX_BYTES)
            ),
        ),
        e => bad(e),
    })?;
    let la = picture.to_luma_alpha8();
    let (w, h) = la.dimensions();
    Ok(GrayImage::from_fn(w, h, |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        let over_white = (u32::from(l) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255;
        image::Luma([over_white as u8])
    }))
}

/// `grey` shrunk (never enlarged) to fit `cols x rows`, aspect kept, centred on white, as ink.
fn fit(grey: &GrayImage, cols: usize, rows: usize) -> Vec<u8> {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let scale = (cols as f64 / w as f64)
        .min(rows as f64 / h as f64)
        .min(1.0);
    let (fw, fh) = (
        ((w as f64 * scale).round() as usize).clamp(1, cols),
        ((h as f64 * scale).round() as usize).clamp(1, rows),
    );
    let small = if (fw, fh) == (w, h) {
        grey.clone()
    } else {
        image::imageops::resize(
            grey,
            fw as u32,
            fh as u32,
            image::imageops::FilterType::Triangle,
        )
    };
    let (left, top) = ((cols - fw) / 2, (rows - fh) / 2);
    let mut cell = vec![0u8; rows * cols];
    for (x, y, p) in small.enumerate_pixels() {
        cell[(top + y as usize) * cols + left + x as usize] = 255 - p.0[0];
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save(path: &Path, w: u32, h: u32, f: impl Fn(u32, u32) -> u8) {
        GrayImage::from_fn(w, h, |x, y| image::Luma([f(x, y)]))
            .save(path)
            .unwrap();
    }

    #[test]
    fn grid_side() {
        assert_eq!(ceil_sqrt(1), 1);
        assert_eq!(ceil_sqrt(10), 4);
        assert_eq!(ceil_sqrt(10_000), 100);
        assert_eq!(ceil_sqrt(10_001), 101);
        assert_eq!(ceil_sqrt(70_000), 265); // 264^2 = 69,696 < 70,000 <= 70,225
    }

    #[test]
    fn image_dir_in_name_order_as_ink() {
        let dir = tempfile::tempdir().unwrap();
        // Named so that creation order and name order differ; a text file and a hidden
        // picture are skipped.
        save(&dir.path().join("b.png"), 3, 2, |x, y| (10 * x + y) as u8);
        save(&dir.path().join("a.PNG"), 3, 2, |_, _| 200);
        save(&dir.path().join(".hidden.png"), 3, 2, |_, _| 0);
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let t = Thumbnails::from_image_dir(dir.path(), 2).unwrap();
        assert_eq!((t.rows, t.cols, t.len()), (2, 3, 2));
        assert_eq!(t.pixels.row(0).to_vec(), vec![55; 6]);
        assert_eq!(t.pixels[[1, 2]], 255 - 20); // b.png at x = 2, y = 0
        assert_eq!(t.pixels[[1, 3]], 255 - 1); // x = 0, y = 1
        let err = Thumbnails::from_image_dir(dir.path(), 3).unwrap_err();
        assert!(
            err.to_string().contains("2 image files") && err.to_string().contains("for 3 points"),
            "{err}"
        );
    }

    #[test]
    fn mixed_sizes_fit_one_cell_centred() {
        let dir = tempfile::tempdir().unwrap();
        save(&dir.path().join("0.png"), 40, 20, |_, _| 0);
        save(&dir.path().join("1.png"), 10, 10, |_, _| 0);
        let t = Thumbnails::from_image_dir(dir.path(), 2).unwrap();
        assert_eq!((t.rows, t.cols), (40, 40));
        // The 40x20 black picture fills rows 10..30; rows above and below stay background.
        let row = |i: usize, y: usize| t.pixels.row(i).to_vec()[y * 40..(y + 1) * 40].to_vec();
        assert_eq!(row(0, 9), vec![0; 40]);
        assert_eq!(row(0, 10), vec![255; 40]);
        assert_eq!(row(0, 29), vec![255; 40]);
        assert_eq!(row(0, 30), vec![0; 40]);
        // The 10x10 one is not enlarged: centred at 15..25.
        assert_eq!(
            row(1, 15)[14..26],
            [0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0]
        );
    }

    #[test]
    fn large_uniform_pictures_shrink_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        save(&dir.path().join("x.png"), 256, 128, |x, _| {
            if x < 128 {
                0
            } else {
                255
            }
        });
        let t = Thumbnails::from_image_dir(dir.path(), 1).unwrap();
        assert_eq!(
            (t.cols, t.rows),
            (MAX_THUMBNAIL_SIDE, MAX_THUMBNAIL_SIDE / 2)
        );
        assert_eq!(t.pixels[[0, 0]], 255);
        assert_eq!(t.pixels[[0, MAX_THUMBNAIL_SIDE - 1]], 0);
    }

    #[test]
    fn transparent_parts_are_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.png");
        image::RgbaImage::from_fn(2, 1, |x, _| {
            image::Rgba(if x == 0 { [0, 0, 0, 0] } else { [0, 0, 0, 255] })
        })
        .save(&path)
        .unwrap();
        let t = Thumbnails::from_image_dir(dir.path(), 1).unwrap();
        assert_eq!(t.pixels.row(0).to_vec(), vec![0, 255]);
    }

    #[test]
    fn unreadable_picture_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.png"), b"not a png at all").unwrap();
        let err = Thumbnails::from_image_dir(dir.path(), 1).unwrap_err();
        assert!(
            err.to_string().contains("bad.png: not a readable image"),
            "{err}"
        );
    }

    #[test]
    fn sprite_cells_row_major() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sprite.png");
        // 5 points: a 3x3 grid of 2x1 cells, each cell's grey level 10 * its index.
        save(&path, 6, 3, |x, y| (10 * (y * 3 + x / 2)) as u8);
        let t = Thumbnails::from_sprite(&path, 5).unwrap();
        assert_eq!((t.rows, t.cols, t.len()), (1, 2, 5));
        for i in 0..5 {
            assert_eq!(t.pixels.row(i).to_vec(), vec![255 - 10 * i as u8; 2]);
        }
        let err = Thumbnails::from_sprite(&path, 10).unwrap_err();
        assert!(
            err.to_string()
                .contains("a 6x3 px sprite is not a grid of 4x4 equal cells"),
            "{err}"
        );
    }
}
