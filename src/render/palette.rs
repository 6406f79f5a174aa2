//! Colours: the 20 categorical colours ([`PALETTE`], Tableau 10 first), the greys of "other",
//! "missing" and the page, the viridis scale, and the fixed GIF palette.
//!
//! Tableau 10 (the 2016 revision by Maureen Stone) is designed to stay distinguishable for the
//! common colour-vision deficiencies and on white. Every picture draws on [`BACKGROUND`] with
//! text in [`INK`]/[`MUTED`] and frames in [`RULE`].
//!
//! A GIF uses one global [`GifPalette`], the same for every GIF whatever its colouring: the
//! background, a ramp of greys from background to ink (anti-aliased text lands on it), and
//! every colour a colouring can give a point (the 20 palette colours, "other", "missing" and a
//! [`RAMP_STEPS`]-step viridis ramp) at each of the [`FOG_LEVELS`] (depth fog in 3-D). Frames are quantised to it exactly, so no colour flickers between
//! frames.

/// An 8-bit sRGB colour.
pub type Rgb = [u8; 3];

/// Tableau 10: the colours of the first ten classes (the digits 0-9 of MNIST).
pub const CLASS_COLOURS: [Rgb; 10] = [
    [0x4e, 0x79, 0xa7], // blue
    [0xf2, 0x8e, 0x2b], // orange
    [0xe1, 0x57, 0x59], // red
    [0x76, 0xb7, 0xb2], // teal
    [0x59, 0xa1, 0x4f], // green
    [0xed, 0xc9, 0x48], // yellow
    [0xb0, 0x7a, 0xa1], // purple
    [0xff, 0x9d, 0xa7], // pink
    [0x9c, 0x75, 0x5f], // brown
    [0x6b, 0x6b, 0x6b], // grey (Tableau's #BAB0AC is too light on white; kept apart from brown)
];

/// Categorical colours: Tableau 10 (as drawn since the first pictures), then the light
/// companions of Tableau 20 — twenty colours chosen to stay distinguishable on white for the
/// common colour-vision deficiencies when paired with the legend's names.
pub const PALETTE: [Rgb; 20] = [
    CLASS_COLOURS[0],
    CLASS_COLOURS[1],
    CLASS_COLOURS[2],
    CLASS_COLOURS[3],
    CLASS_COLOURS[4],
    CLASS_COLOURS[5],
    CLASS_COLOURS[6],
    CLASS_COLOURS[7],
    CLASS_COLOURS[8],
    CLASS_COLOURS[9],
    [0xa0, 0xcb, 0xe8], // light blue
    [0xff, 0xbe, 0x7d], // light orange
    [0x8c, 0xd1, 0x7d], // light green
    [0xb6, 0x99, 0x2d], // olive
    [0x49, 0x98, 0x94], // dark teal
    [0xd4, 0xa6, 0xc8], // light purple
    [0x86, 0xbc, 0xb6], // light teal
    [0xd3, 0x72, 0x95], // raspberry
    [0xd7, 0xb5, 0xa6], // light brown
    [0x2f, 0x4b, 0x7c], // navy
];

/// The colour of the "other" class (classes beyond the palette).
pub const OTHER: Rgb = [0xc4, 0xc4, 0xc4];
/// The colour of missing values, and of every point when there is no column.
pub const MISSING: Rgb = [0x9a, 0x9a, 0x9a];

/// The page background.
pub const BACKGROUND: Rgb = [0xff, 0xff, 0xff];
/// Titles and primary text.
pub const INK: Rgb = [0x22, 0x22, 0x22];
/// Subtitles, captions, tick labels.
pub const MUTED: Rgb = [0x5f, 0x5f, 0x5f];
/// Frames, axes and tick marks.
pub const RULE: Rgb = [0xb4, 0xb4, 0xb4];

/// Strengths at which each point colour is in the GIF palette (1 = the colour itself, lower
/// values are mixed towards the background): the depth fog of 3-D views.
pub const FOG_LEVELS: [f32; 4] = [1.0, 0.85, 0.7, 0.55];

/// Steps of the viridis ramp that continuous colourings use in GIFs.
pub const RAMP_STEPS: usize = 32;

/// Number of greys between background and ink in the GIF palette (both ends included).
const GREY_STEPS: usize = 32;

/// `a` mixed towards `b` by `t` (0 gives `a`, 1 gives `b`), rounded.
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    std::array::from_fn(|i| {
        (f32::from(a[i]) + (f32::from(b[i]) - f32::from(a[i])) * t).round() as u8
    })
}

/// `colour` at `strength` (1 = the colour itself, 0 = the background).
pub fn fog(colour: Rgb, strength: f32) -> Rgb {
    mix(BACKGROUND, colour, strength)
}

/// Viridis at 9 evenly spaced stops (matplotlib's), interpolated linearly.
pub const VIRIDIS: [Rgb; 9] = [
    [0x44, 0x01, 0x54],
    [0x47, 0x2d, 0x7b],
    [0x3b, 0x52, 0x8b],
    [0x2c, 0x72, 0x8e],
    [0x21, 0x91, 0x8c],
    [0x28, 0xae, 0x80],
    [0x5e, 0xc9, 0x62],
    [0xad, 0xdc, 0x30],
    [0xfd, 0xe7, 0x25],
];

/// Viridis at `steps` (at least 2) evenly spaced positions, both ends included.
pub fn viridis_ramp(steps: usize) -> Vec<Rgb> {
    let last = steps.max(2) - 1;
    (0..=last)
        .map(|k| viridis(k as f64 / last as f64))
        .collect()
}

/// Viridis at `t` in `[0, 1]`.
pub fn viridis(t: f64) -> Rgb {
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    mix(VIRIDIS[i], VIRIDIS[i + 1], (x - i as f64) as f32)
}

/// Every colour a colouring gives a point in a GIF: the categorical palette, "other",
/// "missing" (and the single colour, the palette's first) and the viridis ramp of
/// [`RAMP_STEPS`] steps.
pub fn point_colours() -> Vec<Rgb> {
    let mut all = PALETTE.to_vec();
    all.extend([OTHER, MISSING]);
    all.extend(viridis_ramp(RAMP_STEPS));
    all
}

/// The fixed palette of every GIF embedscope writes.
#[derive(Debug, Clone)]
pub struct GifPalette {
    colours: Vec<Rgb>,
}

impl Default for GifPalette {
    fn default() -> Self {
        Self::new()
    }
}

impl GifPalette {
    /// Background, grey ramp, [`MUTED`], [`RULE`], then every point colour ([`point_colours`])
    /// at every [`FOG_LEVELS`] strength. Index 0 is the background.
    pub fn new() -> Self {
        let mut colours: Vec<Rgb> = (0..GREY_STEPS)
            .map(|i| mix(BACKGROUND, INK, i as f32 / (GREY_STEPS - 1) as f32))
            .collect();
        colours.extend([MUTED, RULE]);
        for c in point_colours() {
            colours.extend(FOG_LEVELS.iter().map(|&s| fog(c, s)));
        }
        assert!(colours.len() < 256, "one index stays free for transparency");
        Self { colours }
    }

    /// The colours, index by index.
    pub fn colours(&self) -> &[Rgb] {
        &self.colours
    }

    /// Number of colours (at most 255).
    pub fn len(&self) -> usize {
        self.colours.len()
    }

    /// Never true: the palette always holds the background.
    pub fn is_empty(&self) -> bool {
        self.colours.is_empty()
    }

    /// The colours as a flat `RGBRGB...` table, as the GIF global colour table wants it.
    pub fn rgb_table(&self) -> Vec<u8> {
        self.colours.iter().flatten().copied().collect()
    }

    /// The index of the palette colour nearest to `c` (weighted RGB distance); an exact
    /// palette colour maps to itself.
    pub fn nearest(&self, c: Rgb) -> u8 {
        let dist = |p: &Rgb| {
            let d: [i32; 3] = std::array::from_fn(|i| i32::from(p[i]) - i32::from(c[i]));
            // Weights approximate perceived differences (green counts most, blue least).
            3 * d[0] * d[0] + 4 * d[1] * d[1] + 2 * d[2] * d[2]
        };
        let (i, _) = self
            .colours
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| dist(p))
            .expect("palette is never empty");
        i as u8
    }

    /// Maps an RGB buffer (`RGBRGB...`) to palette indices.
    pub fn quantise(&self, rgb: &[u8]) -> Vec<u8> {
        let mut cache = std::collections::HashMap::<Rgb, u8>::new();
        let mut last: Option<(Rgb, u8)> = None;
        rgb.chunks_exact(3)
            .map(|px| {
                let c = [px[0], px[1], px[2]];
                match last {
                    Some((lc, li)) if lc == c => li,
                    _ => {
                        let i = *cache.entry(c).or_insert_with(|| self.nearest(c));
                        last = Some((c, i));
                        i
                    }
                }
            })
            .collect()
    }

    /// The colour at `index`.
    pub fn colour(&self, index: u8) -> Rgb {
        self.colours[usize::from(index)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_colours_map_to_themselves_and_fit_a_gif() {
        let p = GifPalette::new();
        assert!(p.len() < 256);
        for i in 0..p.len() as u8 {
            assert_eq!(p.colour(p.nearest(p.colour(i))), p.colour(i));
        }
        for c in point_colours() {
            for s in FOG_LEVELS {
                assert_eq!(p.colour(p.nearest(fog(c, s))), fog(c, s), "{c:?} at {s}");
            }
        }
        assert_eq!(p.nearest(BACKGROUND), 0);
    }

    #[test]
    fn class_colours_are_distinct() {
        for (i, a) in CLASS_COLOURS.iter().enumerate() {
            for (j, b) in CLASS_COLOURS.iter().enumerate().take(i) {
                let d: i32 = a
                    .iter()
                    .zip(b)
                    .map(|(&x, &y)| (i32::from(x) - i32::from(y)).pow(2))
                    .sum();
                assert!(d > 40 * 40, "classes {i} and {j} are too close");
            }
        }
    }

    #[test]
    fn quantise_snaps_near_colours() {
        let p = GifPalette::new();
        let idx = p.quantise(&[255, 255, 255, 0x4f, 0x7a, 0xa6, 0x22, 0x22, 0x22]);
        assert_eq!(p.colour(idx[0]), BACKGROUND);
        assert_eq!(p.colour(idx[1]), CLASS_COLOURS[0]);
        assert_eq!(p.colour(idx[2]), INK);
    }
}
