//! Still scatter plots of an embedding, points coloured by a [`Colouring`], to PNG or SVG.
//!
//! The page has a bold title, a muted subtitle carrying the method and its numbers, the plot
//! with light axes at equal aspect (data ranges plus 3% margins), and the legend on the right
//! (classes with their counts, or a colour bar; none for a single colour). Points are drawn in a fixed shuffled order so that no class hides the others;
//! their size and opacity follow the number of points unless the caller sets them.

use std::path::Path;

use ndarray::ArrayView2;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{
    self, auto_radius, check_radius, check_size, column_range, draw_order, validate, Layout,
    Raster, View,
};
use super::colouring::{ClassKind, Colouring};
pub use super::labels::MAX_NAMED_POINTS;
use super::labels::{place, Placed};
use super::page::{draw_err, number_label, rgb, Rect};
use super::palette;
use super::text::FONT;
use crate::fsutil::write_bytes_atomic;
use crate::render::RenderError;

/// How a scatter plot looks. `Default` gives an 800 x 680 page.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotStyle {
    /// Bold line at the top.
    pub title: String,
    /// Muted line under the title: the method and its numbers (empty: none).
    pub subtitle: String,
    /// Axis captions (x, y); empty strings draw none.
    pub axis_names: (String, String),
    /// Page width in pixels (the SVG's nominal width).
    pub width: u32,
    /// Page height in pixels.
    pub height: u32,
    /// Point radius in pixels; `None` picks one from the number of points and the plot size.
    pub point_radius: Option<f64>,
    /// Point opacity in (0, 1]; `None` picks one from the number of points.
    pub alpha: Option<f64>,
    /// The points' names, drawn beside them (collisions avoided) when there are at most
    /// [`MAX_NAMED_POINTS`]; `None`: no names.
    pub names: Option<Vec<String>>,
    /// Name the classes of a categorical colouring at their medians when the points are not
    /// named (no names, or more than [`MAX_NAMED_POINTS`]).
    pub class_labels: bool,
}

impl Default for PlotStyle {
    fn default() -> Self {
        Self {
            title: "Embedding".to_string(),
            subtitle: String::new(),
            axis_names: (String::new(), String::new()),
            width: 800,
            height: 680,
            point_radius: None,
            alpha: None,
            names: None,
            class_labels: false,
        }
    }
}

impl PlotStyle {
    /// Checks sizes and point settings, naming the field at fault.
    pub fn validate(&self) -> Result<(), RenderError> {
        check_size(self.width, self.height)?;
        check_radius(self.point_radius)?;
        if let Some(a) = self.alpha {
            if !(a > 0.0 && a <= 1.0) {
                return Err(RenderError::InvalidOption(format!(
                    "alpha {a}: must be in (0, 1]"
                )));
            }
        }
        Ok(())
    }
}

/// The point opacity for `n` points: opaque-ish for a few, 0.5 for 10,000, 0.35 at least.
pub fn auto_alpha(n: usize) -> f64 {
    (1.1 - 0.15 * (n.max(1) as f64).log10()).clamp(0.35, 0.9)
}

/// Plots the first two columns of `points` (`N x D`, `D >= 2`), coloured by `colouring` (made
/// for the same `N` points, or [`Colouring::Single`]), to `path`: `.png` (raster) or `.svg` (vector; text as `<text>` in DejaVu Sans with fallbacks).
/// The file is written atomically; on error nothing is written.
pub fn plot(
    points: ArrayView2<'_, f32>,
    colouring: &Colouring,
    style: &PlotStyle,
    path: &Path,
) -> Result<(), RenderError> {
    validate(points, colouring, (2, usize::MAX), "at least 2")?;
    style.validate()?;
    let (w, h) = (style.width, style.height);
    let ext = canvas::check_extension(path, &["png", "svg"], ".png or .svg")?;
    if ext == "png" {
        let mut raster = Raster::new(w, h);
        raster.draw(|area| draw(area, points, colouring, style))?;
        canvas::write_png(path, &raster)
    } else {
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            draw(&area, points, colouring, style)?;
            area.present().map_err(draw_err)?;
        }
        write_bytes_atomic(path, svg.as_bytes()).map_err(|cause| RenderError::Io {
            path: path.to_path_buf(),
            cause,
        })
    }
}

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: ArrayView2<'_, f32>,
    colouring: &Colouring,
    style: &PlotStyle,
) -> Result<(), RenderError> {
    let layout = Layout::new(
        (style.width, style.height),
        colouring,
        &style.title,
        &style.subtitle,
        false,
    );
    let t = layout.theme;
    area.fill(&rgb(palette::BACKGROUND)).map_err(draw_err)?;
    layout.draw_frame_text(area)?;

    let p = layout.plot;
    let has_x_name = !style.axis_names.0.is_empty();
    let has_y_name = !style.axis_names.1.is_empty();
    let x_lab = (t.small * if has_x_name { 3.2 } else { 1.9 }) as i32;
    let y_lab = (t.small * if has_y_name { 5.0 } else { 3.6 }) as i32;
    // The pixels the data occupy once plotters has taken the label areas.
    let inner = Rect {
        x0: p.x0 + y_lab,
        y0: p.y0,
        x1: p.x1,
        y1: p.y1 - x_lab,
    };
    let view = View::fit(
        column_range(points, 0),
        column_range(points, 1),
        inner,
        0.03,
    );
    let ((x0, x1), (y0, y1)) = view.ranges();
    let plot_area = area
        .clone()
        .shrink((p.x0, p.y0), (p.width() as u32, p.height() as u32));
    let mut chart = ChartBuilder::on(&plot_area)
        .x_label_area_size(x_lab)
        .y_label_area_size(y_lab)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    let tick_font = (FONT, t.small).into_font().color(&rgb(palette::MUTED));
    let name_font = (FONT, t.small * 1.1)
        .into_font()
        .color(&rgb(palette::MUTED));
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(rgb(palette::RULE))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| tick_label(*v, x1 - x0))
        .y_label_formatter(&|v| tick_label(*v, y1 - y0))
        .label_style(tick_font)
        .axis_desc_style(name_font)
        .x_desc(style.axis_names.0.as_str())
        .y_desc(style.axis_names.1.as_str())
        .draw()
        .map_err(draw_err)?;

    let n = points.nrows();
    let radius = style.point_radius.unwrap_or_else(|| auto_radius(n, inner));
    let alpha = style.alpha.unwrap_or_else(|| auto_alpha(n));
    let (xs, ys) = (points.column(0), points.column(1));
    chart
        .draw_series(draw_order(n).into_iter().map(|i| {
            let colour = rgb(colouring.colour(i));
            Circle::new(
                (f64::from(xs[i]), f64::from(ys[i])),
                radius,
                colour.mix(alpha).filled(),
            )
        }))
        .map_err(draw_err)?;
    let labels = map_labels(points, colouring, style, view);
    let placed = place(&labels, t.small * 1.05, radius as f32 + 3.0, inner);
    draw_labels(area, &placed, t.small * 1.05)
}

/// What to write on the map, most important first, at the points' pixels: every point's name
/// (few points, central ones first), or each class's name at its median.
fn map_labels(
    points: ArrayView2<'_, f32>,
    colouring: &Colouring,
    style: &PlotStyle,
    view: View,
) -> Vec<(String, (f32, f32))> {
    let n = points.nrows();
    let px = |i: usize| view.to_px(f64::from(points[[i, 0]]), f64::from(points[[i, 1]]));
    if let Some(names) = style.names.as_ref().filter(|_| n <= MAX_NAMED_POINTS) {
        let centre = view.to_px(view.centre.0, view.centre.1);
        let mut order: Vec<usize> = (0..n.min(names.len())).collect();
        let dist = |i: usize| {
            let (x, y) = px(i);
            (x - centre.0).powi(2) + (y - centre.1).powi(2)
        };
        order.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)).then(a.cmp(&b)));
        return order
            .into_iter()
            .map(|i| (names[i].clone(), px(i)))
            .collect();
    }
    let Colouring::Categorical(c) = colouring else {
        return Vec::new();
    };
    if !style.class_labels {
        return Vec::new();
    }
    // Largest classes first; "other" and "(missing)" are not places on the map.
    let mut classes: Vec<usize> = (0..c.classes.len())
        .filter(|&k| c.classes[k].kind == ClassKind::Value)
        .collect();
    classes.sort_by_key(|&k| std::cmp::Reverse(c.classes[k].count));
    classes
        .into_iter()
        .filter_map(|k| {
            let members: Vec<usize> = (0..n)
                .filter(|&i| usize::from(c.of_point[i]) == k)
                .collect();
            let median = |col: usize| {
                let mut v: Vec<f32> = members.iter().map(|&i| points[[i, col]]).collect();
                v.sort_by(f32::total_cmp);
                v.get(v.len() / 2).map(|&m| f64::from(m))
            };
            let (x, y) = (median(0)?, median(1)?);
            Some((c.classes[k].name.clone(), view.to_px(x, y)))
        })
        .collect()
}

/// Draws placed labels: leader lines, then each text on a translucent background box (one
/// `<text>` element per label in an SVG).
fn draw_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    placed: &[Placed],
    size: f64,
) -> Result<(), RenderError> {
    let ink = rgb(palette::INK);
    let font = (FONT, size).into_font().color(&ink);
    let backing = rgb(palette::BACKGROUND).mix(0.75).filled();
    for p in placed.iter().filter(|p| p.leader) {
        let r = &p.rect;
        let end = (
            ((r.x0 + r.x1) / 2) as f32,
            if p.anchor.1 < r.y0 as f32 {
                r.y0 as f32
            } else {
                r.y1 as f32 - 1.0
            },
        );
        let line = [p.anchor, end].map(|(x, y)| (x.round() as i32, y.round() as i32));
        area.draw(&PathElement::new(line.to_vec(), rgb(palette::MUTED)))
            .map_err(draw_err)?;
    }
    for p in placed {
        let r = &p.rect;
        area.draw(&Rectangle::new([(r.x0, r.y0), (r.x1, r.y1)], backing))
            .map_err(draw_err)?;
        area.draw_text(&p.text, &font, (r.x0, r.y0))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// A tick value on an axis spanning `span`: [`number_label`], with rounding noise around zero
/// shown as "0".
fn tick_label(v: f64, span: f64) -> String {
    number_label(if v.abs() < span.abs() * 1e-9 { 0.0 } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_naturally() {
        assert_eq!(tick_label(50.0, 100.0), "50");
        assert_eq!(tick_label(-2.5, 10.0), "\u{2212}2.5");
        assert_eq!(tick_label(-1e-12, 10.0), "0");
        assert_eq!(tick_label(1e-12, 1e-10), "1e-12");
    }

    #[test]
    fn auto_alpha_follows_the_point_count() {
        assert!((auto_alpha(10_000) - 0.5).abs() < 1e-12);
        assert_eq!(auto_alpha(1), 0.9);
    }

    #[test]
    fn bad_styles_name_the_setting() {
        let s = PlotStyle {
            width: 10,
            ..PlotStyle::default()
        };
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("size 10 x 680"));
        let s = PlotStyle {
            alpha: Some(0.0),
            ..PlotStyle::default()
        };
        assert!(s.validate().unwrap_err().to_string().contains("alpha 0"));
    }
}
