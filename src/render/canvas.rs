//! What every picture shares: the page layout (header, plot, legend,
//! footer), the data-to-pixel view, the legend and header drawing, an RGB raster with disc
//! drawing, input validation and atomic PNG output. The layout's [`Rect`] and [`Theme`] come
//! from [`super::page`], which the legend uses too.

use std::path::Path;

use ndarray::ArrayView2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::colouring::Colouring;
use super::legend::Legend;
use super::page::{draw_err, rgb};
pub(crate) use super::page::{Rect, Theme};
use super::palette::{self, Rgb};
use super::text::{fit_text, register_fonts, RasterBackend, FONT};
use crate::fsutil::write_atomic;
use crate::render::RenderError;

/// Checks that `points` has `columns` columns (`min..=max`), that `colouring` is for as many
/// points (a [`Colouring::Single`] fits any number), that there are points, and only finite
/// coordinates.
pub(crate) fn validate(
    points: ArrayView2<'_, f32>,
    colouring: &Colouring,
    columns: (usize, usize),
    expected: &'static str,
) -> Result<(), RenderError> {
    let (n, d) = points.dim();
    if d < columns.0 || d > columns.1 {
        return Err(RenderError::Dimensions { expected, found: d });
    }
    if let Some(labels) = colouring.points().filter(|&m| m != n) {
        return Err(RenderError::LengthMismatch { points: n, labels });
    }
    if n == 0 {
        return Err(RenderError::Empty);
    }
    for (index, row) in points.rows().into_iter().enumerate() {
        if let Some(&value) = row.iter().find(|v| !v.is_finite()) {
            return Err(RenderError::NonFinite { index, value });
        }
    }
    Ok(())
}

/// The lower-case extension of `path` when it is one of `accepted`, else
/// [`RenderError::UnsupportedExtension`] saying `expected`.
pub(crate) fn check_extension(
    path: &Path,
    accepted: &[&str],
    expected: &'static str,
) -> Result<String, RenderError> {
    let ext = crate::fsutil::extension(path);
    if accepted.contains(&ext.as_str()) {
        Ok(ext)
    } else {
        Err(RenderError::UnsupportedExtension {
            path: path.to_path_buf(),
            ext,
            expected,
        })
    }
}

/// The point radius (pixels) that reads well for `n` points in a `plot` area, for every
/// picture that draws points (scatter plots and GIFs): about a third of the side of the square
/// each point would get, within 2.2-6 pixels (a GIF's opaque disc needs 2.2 to look round).
pub(crate) fn auto_radius(n: usize, plot: Rect) -> f64 {
    let per_point = f64::from(plot.width()) * f64::from(plot.height()) / n.max(1) as f64;
    (0.35 * per_point.sqrt()).clamp(2.2, 6.0)
}

/// Checks a point radius set by the caller: `(0, 50]` pixels.
pub(crate) fn check_radius(radius: Option<f64>) -> Result<(), RenderError> {
    match radius {
        Some(r) if !(r.is_finite() && r > 0.0 && r <= 50.0) => Err(RenderError::InvalidOption(
            format!("point radius {r}: must be in (0, 50] pixels"),
        )),
        _ => Ok(()),
    }
}

/// Checks a page size: 120 to 8000 pixels each way.
pub(crate) fn check_size(width: u32, height: u32) -> Result<(), RenderError> {
    let ok = |v: u32| (120..=8000).contains(&v);
    if ok(width) && ok(height) {
        Ok(())
    } else {
        Err(RenderError::InvalidOption(format!(
            "size {width} x {height}: width and height must be 120-8000 pixels"
        )))
    }
}

/// A fixed pseudo-random drawing order, so that no class is systematically painted over
/// the others (inputs are often sorted by label). Same `n`, same order, on every machine.
pub(crate) fn draw_order(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed_0fd0));
    order
}

/// Where things go on a page: a header (title, subtitle), the plot, the legend on the right
/// (`Legend`) and an optional footer line under the plot. Title, subtitle and footer are
/// shrunk (to 80%) or cut with an ellipsis to fit the page's width.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Page size.
    pub size: (u32, u32),
    /// Text sizes.
    pub theme: Theme,
    /// The plot area.
    pub plot: Rect,
    /// The legend, right of the plot.
    pub legend: Legend,
    /// The title as drawn, with its font size.
    title: (String, f64),
    /// The subtitle as drawn, with its font size (empty: none).
    subtitle: (String, f64),
    /// Baseline position of the footer text, when there is a footer.
    pub footer_at: Option<(i32, i32)>,
}

/// Title, subtitle and footer never shrink below this share of their size; then they are cut.
const MIN_TEXT_SHARE: f64 = 0.8;

impl Layout {
    /// Lays out a page with `title`, `subtitle` (empty: none), the legend of `colouring` and,
    /// when `footer`, a footer line.
    pub fn new(
        size: (u32, u32),
        colouring: &Colouring,
        title: &str,
        subtitle: &str,
        footer: bool,
    ) -> Self {
        register_fonts();
        let theme = Theme::for_size(size.0, size.1);
        let m = theme.margin;
        let (w, h) = (size.0 as i32, size.1 as i32);
        let header = m
            + (theme.title * 1.1) as i32
            + if subtitle.is_empty() {
                0
            } else {
                (theme.subtitle * 1.2) as i32
            }
            + m;
        let footer_h = if footer { (theme.body * 1.6) as i32 } else { 0 };
        let legend = Legend::plan(colouring, &theme, size.0, header, h - m);
        let plot = Rect {
            x0: m,
            y0: header,
            x1: legend.rect.x0 - if legend.rect.width() == 0 { m } else { 0 },
            y1: h - m - footer_h,
        };
        let line = w - 2 * m;
        let fit = |text: &str, size: f64, bold: bool| {
            fit_text(text, size, size * MIN_TEXT_SHARE, bold, line)
        };
        Self {
            size,
            theme,
            plot,
            legend,
            title: fit(title, theme.title, true),
            subtitle: fit(subtitle, theme.subtitle, false),
            footer_at: footer.then_some((m, h - m / 2 - (theme.body * 0.3) as i32)),
        }
    }

    /// Draws the title, the subtitle and the legend.
    pub fn draw_frame_text<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), RenderError> {
        let t = &self.theme;
        let m = t.margin;
        let title_style = (FONT, self.title.1, FontStyle::Bold)
            .into_font()
            .color(&rgb(palette::INK))
            .pos(Pos::new(HPos::Left, VPos::Top));
        area.draw_text(&self.title.0, &title_style, (m, m))
            .map_err(draw_err)?;
        if !self.subtitle.0.is_empty() {
            let sub_style = (FONT, self.subtitle.1)
                .into_font()
                .color(&rgb(palette::MUTED))
                .pos(Pos::new(HPos::Left, VPos::Top));
            let y = m + (t.title * 1.2) as i32;
            area.draw_text(&self.subtitle.0, &sub_style, (m, y))
                .map_err(draw_err)?;
        }
        self.legend.draw(area, t)
    }

    /// Draws `text` on the footer line (left-aligned, fitted to the page's width), when the
    /// layout has a footer.
    pub fn draw_footer<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text: &str,
    ) -> Result<(), RenderError> {
        if let Some(at) = self.footer_at {
            let body = self.theme.body;
            let room = self.size.0 as i32 - 2 * self.theme.margin;
            let (text, size) = fit_text(text, body, body * MIN_TEXT_SHARE, false, room);
            let style = (FONT, size)
                .into_font()
                .color(&rgb(palette::MUTED))
                .pos(Pos::new(HPos::Left, VPos::Bottom));
            area.draw_text(&text, &style, at).map_err(draw_err)?;
        }
        Ok(())
    }
}

/// Data bounds with a uniform data-to-pixel scale (equal aspect), fitted to a pixel rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct View {
    /// Data coordinate at the centre of the rectangle.
    pub centre: (f64, f64),
    /// Data units per pixel.
    pub scale: f64,
    /// The pixel rectangle.
    pub rect: Rect,
}

impl View {
    /// The view that shows `x0..x1` by `y0..y1` in `rect` with `margin` (a fraction of the
    /// rectangle) to spare on every side, at equal aspect.
    pub(crate) fn fit(x: (f64, f64), y: (f64, f64), rect: Rect, margin: f64) -> Self {
        let w = f64::from(rect.width()) * (1.0 - 2.0 * margin);
        let h = f64::from(rect.height()) * (1.0 - 2.0 * margin);
        let span = ((x.1 - x.0) / w).max((y.1 - y.0) / h);
        Self {
            centre: ((x.0 + x.1) / 2.0, (y.0 + y.1) / 2.0),
            scale: if span > 0.0 { span } else { 1e-6 },
            rect,
        }
    }

    /// The pixel position of data point `(x, y)` (y grows upwards in data, downwards on screen).
    pub(crate) fn to_px(self, x: f64, y: f64) -> (f32, f32) {
        let cx = f64::from(self.rect.x0 + self.rect.x1) / 2.0;
        let cy = f64::from(self.rect.y0 + self.rect.y1) / 2.0;
        (
            (cx + (x - self.centre.0) / self.scale) as f32,
            (cy - (y - self.centre.1) / self.scale) as f32,
        )
    }

    /// The data ranges covered by the whole rectangle, `((x0, x1), (y0, y1))`.
    pub(crate) fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let hw = f64::from(self.rect.width()) / 2.0 * self.scale;
        let hh = f64::from(self.rect.height()) / 2.0 * self.scale;
        (
            (self.centre.0 - hw, self.centre.0 + hw),
            (self.centre.1 - hh, self.centre.1 + hh),
        )
    }
}

/// The min and max of a column.
pub(crate) fn column_range(points: ArrayView2<'_, f32>, col: usize) -> (f64, f64) {
    points
        .column(col)
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        })
}

/// An RGB raster, `RGBRGB...` row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Raster {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels.
    pub rgb: Vec<u8>,
}

impl Raster {
    /// A raster filled with the background colour.
    pub(crate) fn new(width: u32, height: u32) -> Self {
        let rgb = palette::BACKGROUND
            .iter()
            .copied()
            .cycle()
            .take(width as usize * height as usize * 3)
            .collect();
        Self { width, height, rgb }
    }

    /// Runs plotters drawing code on this raster.
    pub(crate) fn draw<F>(&mut self, f: F) -> Result<(), RenderError>
    where
        F: FnOnce(&DrawingArea<RasterBackend<'_>, Shift>) -> Result<(), RenderError>,
    {
        let area = RasterBackend::new(&mut self.rgb, (self.width, self.height)).into_drawing_area();
        f(&area)?;
        area.present().map_err(draw_err)
    }

    /// Blends `colour` over the pixel at `(x, y)` with opacity `alpha` (0-1); outside pixels are
    /// ignored.
    pub(crate) fn blend(&mut self, x: i32, y: i32, colour: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        for (px, &c) in self.rgb[i..i + 3].iter_mut().zip(&colour) {
            let old = f32::from(*px);
            *px = (old + (f32::from(c) - old) * alpha).round() as u8;
        }
    }
}

/// The pixel offsets of a filled disc of radius `r` (pixel centres within `r` of the centre).
pub(crate) fn disc(r: f32) -> Vec<(i32, i32)> {
    let ri = r.ceil() as i32;
    let mut out = Vec::new();
    for dy in -ri..=ri {
        for dx in -ri..=ri {
            if ((dx * dx + dy * dy) as f32) <= r * r + 0.25 {
                out.push((dx, dy));
            }
        }
    }
    out
}

/// Stamps `disc` at `(x, y)` in `colour`, clipped to `clip`.
pub(crate) fn stamp(
    raster: &mut Raster,
    disc: &[(i32, i32)],
    (x, y): (f32, f32),
    colour: Rgb,
    clip: Rect,
) {
    let (cx, cy) = (x.round() as i32, y.round() as i32);
    for &(dx, dy) in disc {
        let (px, py) = (cx + dx, cy + dy);
        if px >= clip.x0 && px < clip.x1 && py >= clip.y0 && py < clip.y1 {
            let i = (py as usize * raster.width as usize + px as usize) * 3;
            raster.rgb[i..i + 3].copy_from_slice(&colour);
        }
    }
}

/// Writes `raster` as an 8-bit RGB PNG, atomically.
pub(crate) fn write_png(path: &Path, raster: &Raster) -> Result<(), RenderError> {
    write_atomic(path, |w| {
        let mut enc = png::Encoder::new(w, raster.width, raster.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&raster.rgb)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    })
    .map_err(|cause| RenderError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::metadata::Metadata;
    use ndarray::array;

    #[test]
    fn validate_names_each_problem() {
        let p = array![[0.0f32, 1.0], [2.0, f32::NAN]];
        let two = Colouring::from_column(Some(&Metadata::from_labels(&[0, 1]).columns()[0]));
        let e = validate(p.view(), &two, (2, 2), "2")
            .unwrap_err()
            .to_string();
        assert!(e.contains("point 1") && e.contains("NaN"), "{e}");
        let one = Colouring::from_column(Some(&Metadata::from_labels(&[0]).columns()[0]));
        let e = validate(p.view(), &one, (2, 2), "2")
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 points but 1 labels"), "{e}");
        let e = validate(p.view(), &Colouring::Single, (3, 3), "exactly 3")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected exactly 3") && e.contains("found 2"),
            "{e}"
        );
        let ok = array![[0.0f32, 1.0]];
        validate(ok.view(), &one, (2, 2), "2").unwrap();
        validate(ok.view(), &Colouring::Single, (2, 2), "2").unwrap();
        let none = ok.slice(ndarray::s![..0, ..]);
        let e = validate(none, &Colouring::Single, (2, 2), "2").unwrap_err();
        assert!(matches!(e, RenderError::Empty));
    }

    #[test]
    fn view_maps_bounds_inside_the_rect_at_equal_aspect() {
        let rect = Rect {
            x0: 10,
            y0: 20,
            x1: 410,
            y1: 220,
        };
        let v = View::fit((-1.0, 1.0), (0.0, 10.0), rect, 0.05);
        // y is the tighter direction: 10 units over 180 px.
        assert!((v.scale - 10.0 / 180.0).abs() < 1e-12);
        let (x, y) = v.to_px(0.0, 10.0);
        // 5% of the 200 px height (10 px) is left free at the top and the bottom.
        assert!(
            (x - 210.0).abs() < 1e-4 && (y - 30.0).abs() < 1e-3,
            "{x} {y}"
        );
        let (_, y) = v.to_px(0.0, 0.0);
        assert!((y - 210.0).abs() < 1e-3, "{y}");
    }

    #[test]
    fn draw_order_is_a_fixed_permutation() {
        let a = draw_order(1000);
        assert_eq!(a, draw_order(1000));
        let mut s = a.clone();
        s.sort_unstable();
        assert_eq!(s, (0..1000).collect::<Vec<_>>());
        assert_ne!(a[..10], s[..10]);
    }

    #[test]
    fn auto_radius_follows_the_point_count() {
        let plot = Rect {
            x0: 0,
            y0: 0,
            x1: 600,
            y1: 560,
        };
        let r5k = auto_radius(5_000, plot);
        assert!((2.8..3.0).contains(&r5k), "{r5k}");
        assert_eq!(auto_radius(10, plot), 6.0);
        assert_eq!(auto_radius(1_000_000, plot), 2.2);
        assert!(check_radius(Some(0.0)).is_err() && check_radius(Some(3.0)).is_ok());
    }

    #[test]
    fn disc_is_round_and_centred() {
        let d = disc(2.0);
        assert_eq!(d.len(), 13);
        assert!(d.contains(&(0, 2)) && d.contains(&(-2, 0)) && !d.contains(&(2, 2)));
    }
}
