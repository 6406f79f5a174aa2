//! The bundled font and exact text rasterisation for raster pictures.
//!
//! Pictures use DejaVu Sans (regular and bold, `assets/fonts/`, from Debian's
//! `fonts-dejavu-core`), compiled in, so a picture is the same on every machine. plotters'
//! own `ab_glyph` text drawing drops each glyph's side bearing and rounds every advance, which
//! makes words look unevenly spaced; [`RasterBackend`] wraps plotters' bitmap backend and lays
//! text out properly (fractional advances, kerning, bearings, a real baseline). Font sizes
//! follow plotters' SVG convention (`size / 1.24` pixels per em), so a PNG and an SVG of the
//! same plot set their text at the same size.

use std::sync::Once;

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::FontStyle;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The font family every picture uses. The name doubles as the CSS `font-family` list that
/// plotters writes into SVG `<text>` elements: viewers with DejaVu Sans show exactly our
/// font, others fall back to a metric-close sans-serif.
pub(crate) const FONT: &str = "DejaVu Sans,Verdana,sans-serif";

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the bundled fonts with plotters (used for SVG text metrics), once per process.
pub(crate) fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (style, bytes) in [(FontStyle::Normal, REGULAR), (FontStyle::Bold, BOLD)] {
            if plotters::style::register_font(FONT, style, bytes).is_err() {
                unreachable!("the bundled DejaVu Sans is a valid TrueType font");
            }
        }
    });
}

fn font(bold: bool) -> FontRef<'static> {
    FontRef::try_from_slice(if bold { BOLD } else { REGULAR })
        .expect("the bundled DejaVu Sans is a valid TrueType font")
}

/// Pixels per em for a plotters font `size`.
fn em(size: f64) -> f32 {
    (size / 1.24) as f32
}

/// A line of text laid out at an origin of (0, baseline 0): glyphs with their pen positions.
struct Line {
    glyphs: Vec<(GlyphId, f32)>,
    width: f32,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    scale: PxScale,
}

fn layout(font: &FontRef<'static>, size: f64, text: &str) -> Line {
    let units = font.units_per_em().unwrap_or(2048.0);
    let em_px = em(size);
    // ab_glyph scales by the ascent-to-descent height; convert from pixels per em.
    let scale = PxScale::from(em_px * font.height_unscaled() / units);
    let scaled = font.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0.0f32;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        glyphs.push((id, x));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    Line {
        glyphs,
        width: x,
        ascent: scaled.ascent(),
        descent: scaled.descent(),
        // DejaVu Sans capitals are 0.729 em tall.
        cap_height: 0.729 * em_px,
        scale,
    }
}

/// The width and height in pixels of `text` at plotters font `size`.
pub(crate) fn text_size(text: &str, size: f64, bold: bool) -> (u32, u32) {
    let line = layout(&font(bold), size, text);
    (
        line.width.ceil() as u32,
        (line.ascent - line.descent).ceil() as u32,
    )
}

/// `text` fitted into `max_width` pixels: at plotters font `size` if it fits, else at the
/// largest size down to `min_size` that fits, else at `min_size` cut at a character boundary
/// with an ellipsis ("…"). Returns the text to draw and its size; never wider than
/// `max_width` (an empty string when not even the ellipsis fits).
pub(crate) fn fit_text(
    text: &str,
    size: f64,
    min_size: f64,
    bold: bool,
    max_width: i32,
) -> (String, f64) {
    let max_width = max_width.max(0) as u32;
    let min_size = min_size.min(size);
    let width = text_size(text, size, bold).0;
    if width <= max_width {
        return (text.to_string(), size);
    }
    // Width is proportional to the size: the size that fits, rounded down a little.
    let fitted = size * f64::from(max_width) / f64::from(width) * 0.995;
    if fitted >= min_size && text_size(text, fitted, bold).0 <= max_width {
        return (text.to_string(), fitted);
    }
    (cut_end(text, min_size, bold, max_width as i32), min_size)
}

/// `text` at `size`, its end replaced by an ellipsis ("…") as needed to fit `max_width` pixels
/// (an empty string when not even the ellipsis fits).
pub(crate) fn cut_end(text: &str, size: f64, bold: bool, max_width: i32) -> String {
    let chars: Vec<char> = text.chars().collect();
    longest_fit(text, size, bold, max_width, |k| {
        let prefix: String = chars[..k].iter().collect();
        format!("{}\u{2026}", prefix.trim_end())
    })
}

/// `text` at `size`, its middle replaced by an ellipsis as needed to fit `max_width` pixels, so
/// that both ends stay (legend names that differ only at the end stay apart).
pub(crate) fn cut_middle(text: &str, size: f64, bold: bool, max_width: i32) -> String {
    let chars: Vec<char> = text.chars().collect();
    longest_fit(text, size, bold, max_width, |k| {
        let head: String = chars[..k.div_ceil(2)].iter().collect();
        let tail: String = chars[chars.len() - k / 2..].iter().collect();
        format!("{}\u{2026}{}", head.trim_end(), tail.trim_start())
    })
}

/// `text` when it fits `max_width`; else its cut form `cut(k)` that keeps the most characters
/// `k` and fits, or "" when none does. Widths grow with `k`, so this is a binary search.
fn longest_fit(
    text: &str,
    size: f64,
    bold: bool,
    max_width: i32,
    cut: impl Fn(usize) -> String,
) -> String {
    let max_width = max_width.max(0) as u32;
    let fits = |t: &str| text_size(t, size, bold).0 <= max_width;
    if fits(text) {
        return text.to_string();
    }
    let (mut lo, mut hi) = (0usize, text.chars().count().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&cut(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let shortest = cut(lo);
    if fits(&shortest) {
        shortest
    } else {
        String::new()
    }
}

/// plotters' bitmap backend on an RGB buffer, with exact text layout (see the module docs).
pub(crate) struct RasterBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> RasterBackend<'a> {
    /// Draws on `rgb` (`RGBRGB...`, `width x height`).
    pub(crate) fn new(rgb: &'a mut [u8], (width, height): (u32, u32)) -> Self {
        register_fonts();
        Self {
            inner: BitMapBackend::with_buffer(rgb, (width, height)),
        }
    }
}

type BackendResult =
    Result<(), DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>;

impl DrawingBackend for RasterBackend<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> BackendResult {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> BackendResult {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> BackendResult {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> BackendResult {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> BackendResult {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> BackendResult {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> BackendResult {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> BackendResult {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> BackendResult {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(text_size(
            text,
            style.size(),
            matches!(style.style(), FontStyle::Bold),
        ))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> BackendResult {
        let colour = style.color();
        if colour.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let font = font(matches!(style.style(), FontStyle::Bold));
        let line = layout(&font, style.size(), text);
        let anchor = style.anchor();
        let x0 = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -line.width / 2.0,
            HPos::Right => -line.width,
        };
        let baseline = match anchor.v_pos {
            VPos::Top => line.ascent,
            VPos::Center => line.cap_height / 2.0,
            VPos::Bottom => line.descent,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let mut result = Ok(());
        for &(id, x) in &line.glyphs {
            let glyph = id.with_scale_and_position(line.scale, point(x0 + x, baseline));
            let Some(outlined) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (lx, ly) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                let (tx, ty) = trans.transform(lx, ly);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && px < w as i32 && py < h as i32 {
                    let c = BackendColor {
                        alpha: colour.alpha * f64::from(coverage.min(1.0)),
                        rgb: colour.rgb,
                    };
                    result = self.inner.draw_pixel((px, py), c);
                }
            });
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_uses_kerning_and_fractional_advances() {
        // "AV" kerns tighter than the sum of its advances; widths add up fractionally.
        let f = font(false);
        let av = layout(&f, 24.0, "AV").width;
        let a = layout(&f, 24.0, "A").width;
        let v = layout(&f, 24.0, "V").width;
        assert!(av < a + v - 0.5, "{av} vs {a} + {v}");
        let (w, h) = text_size("Hello", 24.0, false);
        // DejaVu Sans advances (hmtx, 2048 units/em): H 1548, e 1260, l 569, l 569, o 1253,
        // 5199 units = 2.539 em; 1.164 em from descent to ascent.
        let em = 24.0 / 1.24;
        assert!((f64::from(w) - 2.539 * em).abs() < 1.5, "{w}");
        assert!((f64::from(h) - 1.164 * em).abs() < 1.5, "{h}");
        assert!(text_size("Hello", 24.0, true).0 > w);
    }

    #[test]
    fn fit_text_shrinks_then_cuts_with_an_ellipsis() {
        let (t, s) = fit_text("Hello", 24.0, 12.0, false, 1000);
        assert_eq!((t.as_str(), s), ("Hello", 24.0));
        let w = text_size("Hello world", 24.0, false).0 as i32;
        let (t, s) = fit_text("Hello world", 24.0, 12.0, false, w * 9 / 10);
        assert_eq!(t, "Hello world");
        assert!(s < 24.0 && s > 20.0, "{s}");
        assert!(text_size(&t, s, false).0 as i32 <= w * 9 / 10);
        let long = "t-SNE of a very long data set name, coloured by a very long column name";
        let (t, s) = fit_text(long, 24.0, 20.0, true, 200);
        assert_eq!(s, 20.0);
        assert!(t.ends_with('\u{2026}') && t.len() < long.len(), "{t}");
        assert!(text_size(&t, s, true).0 <= 200);
        assert_eq!(fit_text(long, 24.0, 20.0, true, 3).0, "");
        let name = "word class 7-2 (334)";
        let w = text_size(name, 12.0, false).0 as i32;
        assert_eq!(cut_middle(name, 12.0, false, w), name);
        let cut = cut_middle(name, 12.0, false, w * 2 / 3);
        assert!(
            cut.starts_with("wor") && cut.ends_with("(334)") && cut.contains('\u{2026}'),
            "{cut}"
        );
        assert!(text_size(&cut, 12.0, false).0 as i32 <= w * 2 / 3);
    }
}
