//! Text on a map: the points' names (up to [`MAX_NAMED_POINTS`] points) or, for more, the
//! classes' names at their medians, placed so that no two labels overlap.
//!
//! Placement is greedy, in the caller's order of priority: each label tries eight positions
//! around its point (right, left, above, below, then the diagonals), first close, then at two
//! farther rings with a leader line back to the point; the first position inside the plot that
//! overlaps no placed label wins, and a label with no free position is left out. Sizes come from
//! the text layout of the font the pictures use, so the SVG's `<text>` and the PNG agree.

use super::page::Rect;
use super::text::text_size;

/// Maps of at most this many points get every point's name; larger ones their classes'.
pub const MAX_NAMED_POINTS: usize = 300;

/// One placed label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    /// What it says.
    pub text: String,
    /// The point it names, in pixels.
    pub anchor: (f32, f32),
    /// Its box (top left inclusive, bottom right exclusive), in pixels.
    pub rect: Rect,
    /// Whether it sits away from its point and needs a line back to it.
    pub leader: bool,
}

/// Distance rings (multiples of the gap) tried in turn; beyond the first a leader is drawn.
const RINGS: [f32; 3] = [1.0, 2.6, 4.2];

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

/// Places `labels` (text and anchor in pixels, most important first) at font `size` within
/// `bounds`, `gap` pixels from their points; returns those that found room, in the same order.
pub(crate) fn place(
    labels: &[(String, (f32, f32))],
    size: f64,
    gap: f32,
    bounds: Rect,
) -> Vec<Placed> {
    let mut placed: Vec<Placed> = Vec::new();
    for (text, (ax, ay)) in labels {
        if text.is_empty() {
            continue;
        }
        let (w, h) = text_size(text, size, false);
        let (w, h) = (w as f32, h as f32);
        let spot = RINGS.iter().enumerate().find_map(|(ring, &r)| {
            let g = gap * r;
            let d = g * std::f32::consts::FRAC_1_SQRT_2;
            let corners = [
                (ax + g, ay - h / 2.0),
                (ax - g - w, ay - h / 2.0),
                (ax - w / 2.0, ay - g - h),
                (ax - w / 2.0, ay + g),
                (ax + d, ay - d - h),
                (ax - d - w, ay - d - h),
                (ax + d, ay + d),
                (ax - d - w, ay + d),
            ];
            corners.into_iter().find_map(|(x, y)| {
                let rect = Rect {
                    x0: x.round() as i32,
                    y0: y.round() as i32,
                    x1: (x + w).round() as i32 + 1,
                    y1: (y + h).round() as i32 + 1,
                };
                let inside = rect.x0 >= bounds.x0
                    && rect.y0 >= bounds.y0
                    && rect.x1 <= bounds.x1
                    && rect.y1 <= bounds.y1;
                (inside && !placed.iter().any(|p| overlaps(&p.rect, &rect)))
                    .then_some((rect, ring > 0))
            })
        });
        if let Some((rect, leader)) = spot {
            placed.push(Placed {
                text: text.clone(),
                anchor: (*ax, *ay),
                rect,
                leader,
            });
        }
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Rect = Rect {
        x0: 0,
        y0: 0,
        x1: 800,
        y1: 600,
    };

    #[test]
    fn labels_never_overlap_and_stay_inside() {
        // 60 names crowded on a small patch, some near the edge.
        let labels: Vec<(String, (f32, f32))> = (0..60)
            .map(|i| {
                let (x, y) = ((i % 10) as f32 * 14.0 + 2.0, (i / 10) as f32 * 9.0 + 300.0);
                (format!("word{i}"), (x, y))
            })
            .collect();
        let placed = place(&labels, 12.0, 4.0, BOUNDS);
        assert!(placed.len() > 10 && placed.len() < 60, "{}", placed.len());
        for (k, a) in placed.iter().enumerate() {
            assert!(a.rect.x0 >= 0 && a.rect.y0 >= 0 && a.rect.x1 <= 800 && a.rect.y1 <= 600);
            for b in &placed[..k] {
                assert!(!overlaps(&a.rect, &b.rect), "{a:?} overlaps {b:?}");
            }
        }
        assert!(
            placed.iter().any(|p| p.leader),
            "crowded labels move out on leaders"
        );
    }

    #[test]
    fn spread_points_all_get_their_name_beside_them() {
        let labels: Vec<(String, (f32, f32))> = (0..20)
            .map(|i| {
                (
                    format!("w{i}"),
                    (100.0 + 30.0 * (i % 5) as f32, 100.0 + 60.0 * (i / 5) as f32),
                )
            })
            .collect();
        let placed = place(&labels, 12.0, 4.0, BOUNDS);
        assert_eq!(placed.len(), 20);
        assert!(placed.iter().all(|p| !p.leader));
        // The first choice is to the right of the point, centred on it.
        let p = &placed[0];
        assert!(
            p.rect.x0 >= 104 && p.rect.y0 < 100 && p.rect.y1 > 100,
            "{p:?}"
        );
    }
}
