//! A 3-D embedding turning about its vertical axis, as a GIF ([`rotation_gif`]).
//!
//! The parts: the [`Cloud`] (the points drawn, centred, with the radii that set the scale and
//! the depth cue), the [`Camera`] of one frame (a turn, then a tilt; orthographic), and the
//! [`Scene`] that draws a frame: axes, points far to near with far ones fogged towards the
//! background, axis names with a halo. Encoding is [`super::encode`]'s.

use std::f64::consts::PI;
use std::path::Path;

use ndarray::ArrayView2;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::encode::encode_gif;
use super::{check_gif_path, quantile, sample, sample_note, GifOptions};
use crate::progress::Progress;
use crate::render::canvas::{disc, stamp, validate, Layout, Raster, View};
use crate::render::colouring::Colouring;
use crate::render::page::{draw_err, rgb};
use crate::render::palette::{self, fog, GifPalette, Rgb, FOG_LEVELS, RAMP_STEPS};
use crate::render::text::FONT;
use crate::render::RenderError;

/// How a turning 3-D view looks. `Default`: 90 frames (5.4 s a turn at 60 ms), 20 degrees
/// of elevation, axes named "1", "2", "3".
#[derive(Debug, Clone, PartialEq)]
pub struct RotationOptions {
    /// Page, timing and text settings (`hold_ms` is not used: the turn loops seamlessly).
    pub gif: GifOptions,
    /// Frames per full turn.
    pub frames: usize,
    /// Names drawn at the tips of the three axes, e.g. `PC1`, `PC2`, `PC3`; empty: none.
    pub axis_names: [String; 3],
    /// How far the camera looks down on the cloud, in degrees (-60 to 60).
    pub elevation_deg: f64,
}

impl Default for RotationOptions {
    fn default() -> Self {
        Self {
            gif: GifOptions::default(),
            frames: 90,
            axis_names: ["1".to_string(), "2".to_string(), "3".to_string()],
            elevation_deg: 20.0,
        }
    }
}

impl RotationOptions {
    /// Checks the GIF settings, the frame count and the elevation, naming the setting at fault.
    pub fn validate(&self) -> Result<(), RenderError> {
        self.gif.validate()?;
        if !(2..=1000).contains(&self.frames) {
            return Err(RenderError::InvalidOption(format!(
                "frames {}: must be 2-1000",
                self.frames
            )));
        }
        if self.elevation_deg.is_nan() || self.elevation_deg.abs() > 60.0 {
            return Err(RenderError::InvalidOption(format!(
                "elevation {} degrees: must be within -60..60",
                self.elevation_deg
            )));
        }
        Ok(())
    }
}

/// Writes a GIF of `points3` (`N x D`, `D >= 3`: the first three columns are used), coloured
/// by `colouring` (for the same points, or [`Colouring::Single`]), turning a full circle about
/// its vertical (second) axis, orthographic, with depth cued by fading far points towards the
/// background. The scale is the same for every frame and for all three axes. Above
/// [`GifOptions::max_points`] a fixed stratified subsample is drawn and the footer says so.
/// Written atomically (nothing is written on error), reporting frames done to `progress`.
pub fn rotation_gif(
    points3: ArrayView2<'_, f32>,
    colouring: &Colouring,
    opts: &RotationOptions,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<(), RenderError> {
    validate(points3, colouring, (3, usize::MAX), "at least 3")?;
    opts.validate()?;
    check_gif_path(path)?;

    let n = points3.nrows();
    let cloud = Cloud::new(points3, colouring, opts.gif.max_points);
    let note = sample_note(cloud.points.len(), n);
    let layout = opts.gif.layout(colouring, note.is_some());
    let mut base = opts.gif.base_frame(&layout)?;
    if let Some(note) = &note {
        base.draw(|area| layout.draw_footer(area, note))?;
    }
    let scene = Scene {
        view: View::fit(
            (-cloud.radius, cloud.radius),
            (-cloud.radius, cloud.radius),
            layout.plot,
            0.01,
        ),
        dot: disc(opts.gif.radius(cloud.points.len(), &layout) as f32),
        cloud,
        layout: &layout,
        base,
        axis_names: &opts.axis_names,
    };
    let delays = vec![opts.gif.delay_ms; opts.frames];
    let render = |f: usize| scene.frame(Camera::at(f, opts.frames, opts.elevation_deg));
    let size = (opts.gif.width, opts.gif.height);
    encode_gif(path, size, &GifPalette::new(), &delays, render, progress)
}

/// A point after projection: screen x, screen y (up), depth (towards the viewer).
type Projected = (f64, f64, f64);

/// The points drawn (a subsample above the cap), centred on their mean, with their colours.
struct Cloud {
    points: Vec<[f64; 3]>,
    colours: Vec<Rgb>,
    /// The 99.5th percentile of the distances from the centre: the scale of the view.
    radius: f64,
    /// The 90th percentile: depth is cued over the bulk of the cloud, not its outliers.
    depth_radius: f64,
}

impl Cloud {
    fn new(points3: ArrayView2<'_, f32>, colouring: &Colouring, cap: usize) -> Self {
        let chosen = sample::stratified(colouring, points3.nrows(), cap);
        let m = chosen.len() as f64;
        let centre: [f64; 3] = std::array::from_fn(|k| {
            chosen
                .iter()
                .map(|&i| f64::from(points3[[i, k]]))
                .sum::<f64>()
                / m
        });
        let points: Vec<[f64; 3]> = chosen
            .iter()
            .map(|&i| std::array::from_fn(|k| f64::from(points3[[i, k]]) - centre[k]))
            .collect();
        let colours = chosen
            .iter()
            .map(|&i| colouring.stepped_colour(i, RAMP_STEPS))
            .collect();
        let mut radii: Vec<f32> = points
            .iter()
            .map(|p| (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() as f32)
            .collect();
        Self {
            points,
            colours,
            radius: quantile(&mut radii, 0.995).max(1e-12),
            depth_radius: quantile(&mut radii, 0.9).max(1e-12),
        }
    }
}

/// The camera of one frame: a turn about the vertical axis, then a tilt towards the viewer.
#[derive(Debug, Clone, Copy)]
struct Camera {
    turn: (f64, f64),
    tilt: (f64, f64),
}

impl Camera {
    /// The camera of frame `f` of `frames` (a full turn), looking down `elevation_deg`.
    fn at(f: usize, frames: usize, elevation_deg: f64) -> Self {
        Self {
            turn: (2.0 * PI * f as f64 / frames as f64).sin_cos(),
            tilt: elevation_deg.to_radians().sin_cos(),
        }
    }

    fn project(&self, p: [f64; 3]) -> Projected {
        let ((sin_t, cos_t), (sin_e, cos_e)) = (self.turn, self.tilt);
        let x = p[0] * cos_t + p[2] * sin_t;
        let z = -p[0] * sin_t + p[2] * cos_t;
        (x, p[1] * cos_e - z * sin_e, z * cos_e + p[1] * sin_e)
    }
}

/// Everything a frame is drawn from.
struct Scene<'a> {
    cloud: Cloud,
    view: View,
    layout: &'a Layout,
    /// Title, legend and footer, shared by every frame.
    base: Raster,
    dot: Vec<(i32, i32)>,
    axis_names: &'a [String; 3],
}

impl Scene<'_> {
    fn frame(&self, camera: Camera) -> Result<Raster, RenderError> {
        let mut r = self.base.clone();
        // Each axis from its negative end to its tip.
        let axis_len = self.cloud.radius * 0.9;
        let axes: [(Projected, Projected); 3] = std::array::from_fn(|k| {
            let mut a = [0.0; 3];
            a[k] = axis_len;
            let tip = camera.project(a);
            a[k] = -axis_len;
            (camera.project(a), tip)
        });
        self.draw_axes(&mut r, &axes)?;
        self.draw_points(&mut r, camera);
        self.draw_axis_names(&mut r, &axes)?;
        Ok(r)
    }

    fn draw_axes(
        &self,
        r: &mut Raster,
        axes: &[(Projected, Projected)],
    ) -> Result<(), RenderError> {
        r.draw(|area| {
            for &(from, to) in axes {
                let line = [self.view.to_px(from.0, from.1), self.view.to_px(to.0, to.1)]
                    .map(|(x, y)| (x.round() as i32, y.round() as i32));
                area.draw(&PathElement::new(line.to_vec(), rgb(palette::RULE)))
                    .map_err(draw_err)?;
            }
            Ok(())
        })
    }

    /// Points far to near (ties by index, so frames are deterministic), fogged by depth.
    fn draw_points(&self, r: &mut Raster, camera: Camera) {
        let cloud = &self.cloud;
        let projected: Vec<Projected> = cloud.points.iter().map(|&p| camera.project(p)).collect();
        let mut order: Vec<usize> = (0..projected.len()).collect();
        order.sort_by(|&a, &b| projected[a].2.total_cmp(&projected[b].2).then(a.cmp(&b)));
        let far = (FOG_LEVELS.len() - 1) as f64;
        for &p in &order {
            let (x, y, depth) = projected[p];
            let near = ((depth / cloud.depth_radius + 1.0) / 2.0).clamp(0.0, 1.0);
            let level = FOG_LEVELS[((1.0 - near) * far).round() as usize];
            let colour = fog(cloud.colours[p], level);
            stamp(
                r,
                &self.dot,
                self.view.to_px(x, y),
                colour,
                self.layout.plot,
            );
        }
    }

    /// Axis names just beyond the tips, on a background halo that keeps them readable; an
    /// empty name draws nothing.
    fn draw_axis_names(
        &self,
        r: &mut Raster,
        axes: &[(Projected, Projected)],
    ) -> Result<(), RenderError> {
        let font = (FONT, self.layout.theme.body)
            .into_font()
            .color(&rgb(palette::MUTED))
            .pos(Pos::new(HPos::Center, VPos::Center));
        let background = rgb(palette::BACKGROUND);
        let halo = font.color(&background);
        r.draw(|area| {
            for (name, &(_, tip)) in self.axis_names.iter().zip(axes) {
                if name.is_empty() {
                    continue;
                }
                let (x, y) = self.view.to_px(tip.0 * 1.08, tip.1 * 1.08);
                let (x, y) = (x.round() as i32, y.round() as i32);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        if (dx, dy) != (0, 0) {
                            area.draw_text(name, &halo, (x + dx, y + dy))
                                .map_err(draw_err)?;
                        }
                    }
                }
                area.draw_text(name, &font, (x, y)).map_err(draw_err)?;
            }
            Ok(())
        })
    }
}
