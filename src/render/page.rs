//! The small pieces every part of a page uses, the layout and the legend alike: pixel
//! rectangles, the theme (text sizes and spacing scaled with the page), palette colours and
//! drawing errors in plotters' terms, and numbers as labels.

use plotters::style::RGBColor;

use super::palette::Rgb;
use crate::render::RenderError;

/// Converts a palette colour for plotters.
pub(crate) fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Turns any plotters drawing error into [`RenderError::Draw`].
pub(crate) fn draw_err<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError::Draw(e.to_string())
}

/// A number as people write it: 3 significant digits (whole numbers in full), no trailing
/// zeros, a true minus sign, exponents outside 0.001-999,999 ("−2.5", "50", "0.3", "2.5e7").
pub(crate) fn number_label(v: f64) -> String {
    if !v.is_finite() {
        return "none".to_string();
    }
    let a = v.abs();
    let trim = |t: String| {
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    };
    let s = if a != 0.0 && !(1e-3..1e6).contains(&a) {
        let t = format!("{a:.2e}");
        let (mantissa, exponent) = t.split_once('e').expect("an exponent");
        format!("{}e{exponent}", trim(mantissa.to_string()))
    } else {
        let decimals = if a == 0.0 {
            0
        } else {
            (2 - a.log10().floor() as i32).clamp(0, 6) as usize
        };
        trim(format!("{a:.decimals$}"))
    };
    if v < 0.0 && s != "0" {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// An axis-aligned pixel rectangle, `x0..x1` by `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge (exclusive).
    pub x1: i32,
    /// Bottom edge (exclusive).
    pub y1: i32,
}

impl Rect {
    /// Width in pixels.
    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }
    /// Height in pixels.
    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Text sizes and spacing for a page, all scaled with its size.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Outer margin in pixels.
    pub margin: i32,
    /// Title font size.
    pub title: f64,
    /// Subtitle font size.
    pub subtitle: f64,
    /// Legend and footer font size.
    pub body: f64,
    /// Tick label font size.
    pub small: f64,
}

impl Theme {
    /// The theme for a `width x height` page.
    pub fn for_size(width: u32, height: u32) -> Self {
        let s = (f64::from(width.min(height)) / 640.0).clamp(0.6, 3.0);
        Self {
            margin: (16.0 * s).round() as i32,
            title: 27.0 * s,
            subtitle: 18.0 * s,
            body: 17.0 * s,
            small: 14.0 * s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(number_label(50.0), "50");
        assert_eq!(number_label(-2.5), "\u{2212}2.5");
        assert_eq!(number_label(-0.0), "0");
        assert_eq!(number_label(0.30000000000000004), "0.3");
        assert_eq!(number_label(1234.5678), "1235");
        assert_eq!(number_label(123.45), "123");
        assert_eq!(number_label(0.012346), "0.0123");
        assert_eq!(number_label(2.5e7), "2.5e7");
        assert_eq!(number_label(-3e-5), "\u{2212}3e-5");
        assert_eq!(number_label(f64::INFINITY), "none");
    }
}
