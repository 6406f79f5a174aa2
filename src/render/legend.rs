//! The legend on the right of a picture, planned from a [`Colouring`] to fit its space:
//!
//! - categorical: the column's name, then one dot and `name (count)` per class in the classes'
//!   order ("other" and "(missing)" last), in one column at the body size if that fits, else
//!   at a smaller size (down to 70%), else in more columns, cutting long names with an
//!   ellipsis as the last resort: never over the plot, never off the page;
//! - continuous: the column's name over a vertical viridis colour bar with ticks at the
//!   minimum and the maximum (and a "(missing, count)" dot when values are missing);
//! - a single colour: no legend (the plot takes the width).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::colouring::{group_thousands, viridis, ClassKind, Colouring, Scale, MISSING};
use super::page::{draw_err, number_label, rgb, Rect, Theme};
use super::palette::{self, Rgb};
use super::text::{cut_end, cut_middle, fit_text, text_size, FONT};
use crate::render::RenderError;

/// The legend never takes more than this share of the page width.
const MAX_WIDTH_SHARE: f64 = 0.4;
/// The smallest legend font, as a share of the theme's body size.
const MIN_FONT_SHARE: f64 = 0.7;
/// ... and in absolute terms (plotters size; about 7 pixels per em).
const MIN_FONT: f64 = 9.0;
/// Most legend columns tried before names are cut.
const MAX_COLUMNS: usize = 4;

/// A planned legend: what to draw where.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    /// The page area the legend owns (the plot ends at its left edge).
    pub rect: Rect,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    None,
    Classes {
        heading: String,
        /// Text and colour per entry, in order; filled column by column.
        entries: Vec<(String, Rgb)>,
        font: f64,
        step: i32,
        rows: usize,
        column_width: i32,
    },
    Bar {
        heading: String,
        font: f64,
        /// The bar itself; its top is the maximum.
        bar: Rect,
        min: String,
        max: String,
        missing: Option<String>,
    },
}

impl Legend {
    /// Plans the legend of `colouring` on a page of `width` pixels, between the rows `top` and
    /// `bottom`, right-aligned to the page's margin.
    pub fn plan(colouring: &Colouring, theme: &Theme, width: u32, top: i32, bottom: i32) -> Self {
        let page_w = width as i32;
        let max_w = (f64::from(page_w) * MAX_WIDTH_SHARE) as i32;
        let min_font = (theme.body * MIN_FONT_SHARE).max(MIN_FONT).min(theme.body);
        let rect_of = |w: i32| Rect {
            x0: page_w - w,
            y0: top,
            x1: page_w,
            y1: bottom,
        };
        match colouring {
            Colouring::Single => Self {
                rect: rect_of(0),
                kind: Kind::None,
            },
            Colouring::Categorical(c) => {
                let labels: Vec<(String, Rgb)> =
                    c.classes.iter().map(|k| (k.label(), k.colour)).collect();
                // A value's count, " (50)", stays whole when its name must be cut.
                let keep: Vec<usize> = c
                    .classes
                    .iter()
                    .map(|k| match k.kind {
                        ClassKind::Value => k.label().chars().count() - k.name.chars().count(),
                        _ => 0,
                    })
                    .collect();
                let (kind, w) = plan_classes(
                    &c.column,
                    labels,
                    &keep,
                    theme,
                    min_font,
                    max_w,
                    bottom - top,
                );
                Self {
                    rect: rect_of(w),
                    kind,
                }
            }
            Colouring::Continuous(s) => {
                let (kind, w) = plan_bar(s, theme, min_font, max_w, (top, bottom), page_w);
                Self {
                    rect: rect_of(w),
                    kind,
                }
            }
        }
    }

    /// Draws the legend.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> Result<(), RenderError> {
        let m = theme.margin;
        let (x0, y0) = (self.rect.x0 + m, self.rect.y0 + m / 2);
        match &self.kind {
            Kind::None => Ok(()),
            Kind::Classes {
                heading,
                entries,
                font,
                step,
                rows,
                column_width,
            } => {
                draw_heading(area, heading, *font, (x0, y0))?;
                let dot = dot_radius(*font);
                let style = text_style(*font, palette::INK);
                let first = y0 + *step;
                for (k, (text, colour)) in entries.iter().enumerate() {
                    let x = x0 + (k / rows) as i32 * column_width;
                    let cy = first + (k % rows) as i32 * step + step / 2;
                    area.draw(&Circle::new((x + dot, cy), dot, rgb(*colour).filled()))
                        .map_err(draw_err)?;
                    area.draw_text(text, &style, (x + 2 * dot + gap(*font), cy))
                        .map_err(draw_err)?;
                }
                Ok(())
            }
            Kind::Bar {
                heading,
                font,
                bar,
                min,
                max,
                missing,
            } => {
                draw_heading(area, heading, *font, (x0, y0))?;
                let h = bar.height().max(1);
                for dy in 0..h {
                    let t = 1.0 - f64::from(dy) / f64::from((h - 1).max(1));
                    area.draw(&Rectangle::new(
                        [(bar.x0, bar.y0 + dy), (bar.x1, bar.y0 + dy + 1)],
                        rgb(viridis(t)).filled(),
                    ))
                    .map_err(draw_err)?;
                }
                let style = text_style(*font, palette::INK);
                let tick = (font * 0.3) as i32;
                for (text, y) in [(max, bar.y0), (min, bar.y1 - 1)] {
                    area.draw(&PathElement::new(
                        vec![(bar.x1, y), (bar.x1 + tick, y)],
                        rgb(palette::MUTED),
                    ))
                    .map_err(draw_err)?;
                    area.draw_text(text, &style, (bar.x1 + tick + gap(*font) / 2, y))
                        .map_err(draw_err)?;
                }
                if let Some(text) = missing {
                    let dot = dot_radius(*font);
                    let cy = bar.y1 + (font * 1.6) as i32;
                    area.draw(&Circle::new((bar.x0 + dot, cy), dot, rgb(MISSING).filled()))
                        .map_err(draw_err)?;
                    area.draw_text(text, &style, (bar.x0 + 2 * dot + gap(*font), cy))
                        .map_err(draw_err)?;
                }
                Ok(())
            }
        }
    }
}

fn dot_radius(font: f64) -> i32 {
    ((font * 0.4) as i32).max(2)
}

/// Space between a dot and its text.
fn gap(font: f64) -> i32 {
    (font * 0.5) as i32
}

fn text_style(font: f64, colour: Rgb) -> TextStyle<'static> {
    (FONT, font)
        .into_font()
        .color(&rgb(colour))
        .pos(Pos::new(HPos::Left, VPos::Center))
}

fn draw_heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    font: f64,
    (x, y): (i32, i32),
) -> Result<(), RenderError> {
    let style = (FONT, font, FontStyle::Bold)
        .into_font()
        .color(&rgb(palette::INK))
        .pos(Pos::new(HPos::Left, VPos::Top));
    area.draw_text(heading, &style, (x, y)).map_err(draw_err)
}

/// The entries' layout and the legend's width: the first of (1 column, 100% .. 70% size),
/// (2 columns, ...), ... that fits `height` and `max_w`; else names cut in the middle to fit,
/// keeping each entry's last `keep` characters (its count).
fn plan_classes(
    column: &str,
    entries: Vec<(String, Rgb)>,
    keep: &[usize],
    theme: &Theme,
    min_font: f64,
    max_w: i32,
    height: i32,
) -> (Kind, i32) {
    let m = theme.margin;
    let n = entries.len().max(1);
    let sizes: Vec<f64> = [1.0, 0.9, 0.8, 0.7]
        .iter()
        .map(|s| (theme.body * s).max(min_font))
        .collect();
    // Rows that fit under the heading (one step) within `height` less a bottom margin.
    let rows_at = |step: i32| (((height - m / 2 - step) / step.max(1)).max(1)) as usize;
    let text_w = |font: f64| {
        entries
            .iter()
            .map(|(t, _)| text_size(t, font, false).0 as i32)
            .max()
            .unwrap_or(0)
    };
    let column_w = |font: f64, text: i32| 2 * dot_radius(font) + gap(font) + text + m / 2;
    for columns in 1..=MAX_COLUMNS {
        for &font in &sizes {
            let step = (font * 1.5).round() as i32;
            let rows = rows_at(step);
            if rows * columns < n {
                continue;
            }
            let cw = column_w(font, text_w(font));
            let heading_w = text_size(column, font, true).0 as i32;
            let width = m + (columns as i32 * cw).max(heading_w) + m / 2;
            if width <= max_w {
                let rows = n.div_ceil(columns);
                let kind = Kind::Classes {
                    heading: column.to_string(),
                    entries,
                    font,
                    step,
                    rows,
                    column_width: cw,
                };
                return (kind, width);
            }
        }
    }
    // Nothing fits whole: the smallest size, as many columns as the height needs, names cut.
    let font = min_font;
    let step = (font * 1.5).round() as i32;
    let rows = rows_at(step);
    let columns = n.div_ceil(rows);
    let cw = (max_w - m - m / 2) / columns as i32;
    let room = cw - column_w(font, 0);
    let entries = entries
        .into_iter()
        .zip(keep)
        .map(|((t, c), &keep)| {
            let split = t
                .char_indices()
                .rev()
                .nth(keep.max(1) - 1)
                .map_or(0, |(i, _)| i);
            let (name, count) = if keep == 0 {
                (t.as_str(), "")
            } else {
                t.split_at(split)
            };
            let count_w = text_size(count, font, false).0 as i32;
            (
                format!("{}{count}", cut_middle(name, font, false, room - count_w)),
                c,
            )
        })
        .collect();
    let heading = cut_end(column, font, true, max_w - m - m / 2);
    let kind = Kind::Classes {
        heading,
        entries,
        font,
        step,
        rows,
        column_width: cw,
    };
    (kind, max_w)
}

/// A colour bar as tall as half the legend's height (at most 12 body lines), with the
/// minimum and maximum beside it.
fn plan_bar(
    scale: &Scale,
    theme: &Theme,
    min_font: f64,
    max_w: i32,
    (top, bottom): (i32, i32),
    page_w: i32,
) -> (Kind, i32) {
    let m = theme.margin;
    let font = theme.body.max(min_font);
    let (min, max) = (number_label(scale.min), number_label(scale.max));
    let missing_count = scale.values.iter().filter(|v| v.is_nan()).count();
    let missing =
        (missing_count > 0).then(|| format!("(missing, {})", group_thousands(missing_count)));
    let bar_w = (font * 1.1) as i32;
    let tick = (font * 0.3) as i32;
    let labels_w = [&min, &max]
        .iter()
        .map(|t| text_size(t, font, false).0 as i32)
        .max()
        .unwrap_or(0);
    let missing_w = missing.as_ref().map_or(0, |t| {
        2 * dot_radius(font) + gap(font) + text_size(t, font, false).0 as i32
    });
    let heading_w = text_size(&scale.column, font, true).0 as i32;
    let inner = (bar_w + tick + gap(font) / 2 + labels_w)
        .max(missing_w)
        .max(heading_w);
    let width = (m + inner + m).min(max_w);
    let heading = fit_text(&scale.column, font, min_font, true, width - 2 * m).0;
    let step = (font * 1.5) as i32;
    let height = bottom - top;
    let reserved = step + if missing.is_some() { 2 * step } else { 0 };
    let bar_h = ((height - reserved) / 2)
        .min((theme.body * 18.0) as i32)
        .max(10);
    let x0 = page_w - width + m;
    let y0 = top + m / 2 + step + (font * 0.4) as i32;
    let bar = Rect {
        x0,
        y0,
        x1: x0 + bar_w,
        y1: y0 + bar_h,
    };
    let kind = Kind::Bar {
        heading,
        font,
        bar,
        min,
        max,
        missing,
    };
    (kind, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::metadata::{Column, Values};

    fn classes(k: usize) -> Colouring {
        let mut v = Vec::new();
        for c in 0..k {
            v.extend(std::iter::repeat_n(
                Some(format!("a rather long class name {c}")),
                3 + c,
            ));
        }
        Colouring::from_column(Some(&Column {
            name: "kind".into(),
            values: Values::Text(v),
        }))
    }

    fn entries_box(l: &Legend) -> (usize, i32, i32) {
        let Kind::Classes {
            entries,
            step,
            rows,
            column_width,
            ..
        } = &l.kind
        else {
            panic!("a class legend");
        };
        let columns = entries.len().div_ceil(*rows);
        (
            columns,
            (*rows as i32 + 1) * step,
            columns as i32 * column_width,
        )
    }

    #[test]
    fn many_classes_fit_the_page_in_columns() {
        for (w, h) in [(800, 680), (360, 300), (200, 160)] {
            let theme = Theme::for_size(w, h);
            let (top, bottom) = (60, h as i32 - 10);
            let l = Legend::plan(&classes(30), &theme, w, top, bottom);
            let (columns, height, width) = entries_box(&l);
            assert!(height <= bottom - top, "{w}x{h}: {height} rows px");
            assert!(
                width <= l.rect.width(),
                "{w}x{h}: {width} > {}",
                l.rect.width()
            );
            assert!(f64::from(l.rect.width()) <= f64::from(w) * MAX_WIDTH_SHARE + 1.0);
            assert_eq!(l.rect.x1, w as i32);
            if w == 800 {
                assert_eq!(columns, 1, "21 entries fit one column on 800 x 680");
            }
        }
        let theme = Theme::for_size(800, 680);
        let none = Legend::plan(&Colouring::Single, &theme, 800, 60, 670);
        assert_eq!(none.rect.width(), 0);
    }
}
