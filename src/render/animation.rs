//! Animated GIFs: the t-SNE optimisation unfolding ([`TsneRecorder`], an [`Observer`] of the
//! optimiser) and a 3-D embedding turning about its vertical axis ([`rotation_gif`]).
//!
//! Every frame is rasterised to RGB (points as opaque discs, text with the bundled font), then
//! mapped exactly onto one global [`GifPalette`], so colours never flicker. Frames are drawn
//! in parallel (rayon) and are pure functions of their inputs, so the file is the same whatever
//! the thread count. After the first, each frame stores only the rectangle that changed, with
//! unchanged pixels transparent, which keeps README-sized GIFs small. GIFs loop forever.

use std::f64::consts::PI;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array2, ArrayView2};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rayon::prelude::*;

use super::canvas::{
    self, class_name, disc, draw_err, draw_order, present_classes, rgb, stamp, validate, Layout,
    Raster, Rect, View,
};
use super::palette::{self, GifPalette, FOG_LEVELS};
use super::scatter::check_size;
use super::text::FONT;
use crate::error::RenderError;
use crate::fsutil::write_bytes_atomic;
use crate::reduce::tsne::observer::{IterationInfo, Observer};

/// Frames rendered (and held in memory) at once.
const CHUNK: usize = 24;

/// What every GIF shares. `Default`: 720 x 600 pixels, 60 ms per frame, 3 s on the last.
#[derive(Debug, Clone, PartialEq)]
pub struct GifOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Delay per frame in milliseconds (20-10000; GIF stores hundredths of a second).
    pub delay_ms: u32,
    /// How long the last frame stays, in milliseconds (t-SNE only: a turning view loops
    /// seamlessly instead).
    pub hold_ms: u32,
    /// Bold line at the top.
    pub title: String,
    /// Muted line under the title: method and numbers (empty: none).
    pub subtitle: String,
    /// Legend names per label; labels without one show their digits.
    pub class_names: Vec<String>,
    /// Point radius in pixels; `None` picks one from the number of points and the plot size.
    pub point_radius: Option<f32>,
}

impl Default for GifOptions {
    fn default() -> Self {
        Self {
            width: 720,
            height: 600,
            delay_ms: 60,
            hold_ms: 3000,
            title: String::new(),
            subtitle: String::new(),
            class_names: (0..10).map(|d| d.to_string()).collect(),
            point_radius: None,
        }
    }
}

impl GifOptions {
    /// Checks sizes and timings, naming the setting at fault.
    pub fn validate(&self) -> Result<(), RenderError> {
        check_size(self.width, self.height)?;
        if self.width > 4000 || self.height > 4000 {
            return Err(RenderError::InvalidOption(format!(
                "GIF size {} x {}: at most 4000 pixels each way",
                self.width, self.height
            )));
        }
        for (name, ms) in [("delay", self.delay_ms), ("hold", self.hold_ms)] {
            if !(20..=10_000).contains(&ms) {
                return Err(RenderError::InvalidOption(format!(
                    "{name} {ms} ms: must be 20-10000 ms"
                )));
            }
        }
        if let Some(r) = self.point_radius {
            if !(r.is_finite() && r > 0.0 && r <= 50.0) {
                return Err(RenderError::InvalidOption(format!(
                    "point radius {r}: must be in (0, 50] pixels"
                )));
            }
        }
        Ok(())
    }

    fn layout(&self, classes: &[u8], footer: bool) -> Layout {
        let names: Vec<String> = classes
            .iter()
            .map(|&c| class_name(&self.class_names, c))
            .collect();
        Layout::new(
            (self.width, self.height),
            &names,
            !self.subtitle.is_empty(),
            footer,
        )
    }

    fn radius(&self, n: usize, plot: Rect) -> f32 {
        self.point_radius.unwrap_or_else(|| {
            let per_point = plot.width() as f32 * plot.height() as f32 / n.max(1) as f32;
            (0.35 * per_point.sqrt()).clamp(2.2, 5.0)
        })
    }
}

/// One recorded t-SNE state.
#[derive(Debug, Clone)]
struct TsneFrame {
    iteration: usize,
    total: usize,
    exaggeration: f64,
    /// The latest KL divergence known at this iteration, with the iteration it was measured at.
    kl: Option<(usize, f64)>,
    xy: Array2<f32>,
}

/// Records the t-SNE optimisation for a GIF: it asks for the coordinates at the first
/// iteration, every `every`-th and the last, and [`TsneRecorder::finish`] writes the GIF.
///
/// The camera follows the cloud: each frame's view fits the 0.5th-99.5th percentiles of the
/// points, and centre and log-scale are smoothed across frames (forwards and backwards, so
/// without lag), staying close to each frame's own fit. The footer shows the iteration, the phase and the latest KL divergence.
#[derive(Debug)]
pub struct TsneRecorder {
    labels: Vec<u8>,
    every: usize,
    opts: GifOptions,
    total: Option<usize>,
    last_kl: Option<(usize, f64)>,
    frames: Vec<TsneFrame>,
    problem: Option<RenderError>,
}

impl TsneRecorder {
    /// A recorder for points labelled `labels` (0-9) keeping a frame every `every` iterations.
    pub fn new(labels: Vec<u8>, every: usize, opts: GifOptions) -> Result<Self, RenderError> {
        opts.validate()?;
        if every == 0 {
            return Err(RenderError::InvalidOption(
                "frame interval 0: must be >= 1".to_string(),
            ));
        }
        if labels.is_empty() {
            return Err(RenderError::Empty);
        }
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, &l)| usize::from(l) >= palette::N_CLASSES)
        {
            return Err(RenderError::UnknownClass { label, index });
        }
        Ok(Self {
            labels,
            every,
            opts,
            total: None,
            last_kl: None,
            frames: Vec::new(),
            problem: None,
        })
    }

    /// Number of frames recorded so far.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True before the first frame is recorded.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Renders the recorded frames to the GIF `path`, atomically (nothing is written on error).
    pub fn finish(self, path: &Path) -> Result<(), RenderError> {
        check_gif_path(path)?;
        if let Some(e) = self.problem {
            return Err(e);
        }
        if self.frames.is_empty() {
            return Err(RenderError::InvalidOption(
                "no t-SNE frames were recorded: the optimiser never reported coordinates"
                    .to_string(),
            ));
        }
        let classes = present_classes(&self.labels);
        let layout = self.opts.layout(&classes, true);
        let views = follow_camera(&self.frames, layout.plot);
        let base = base_frame(&layout, &self.opts, &classes)?;
        let order = draw_order(self.labels.len());
        let dot = disc(self.opts.radius(self.labels.len(), layout.plot));
        let palette = GifPalette::new();
        let last = self.frames.len() - 1;
        let delays: Vec<u32> = (0..=last)
            .map(|i| {
                if i == last {
                    self.opts.hold_ms
                } else {
                    self.opts.delay_ms
                }
            })
            .collect();
        encode_gif(path, &layout, &palette, &delays, |i| {
            let f = &self.frames[i];
            let mut r = base.clone();
            for &p in &order {
                let xy = views[i].to_px(f64::from(f.xy[[p, 0]]), f64::from(f.xy[[p, 1]]));
                let colour = palette::CLASS_COLOURS[usize::from(self.labels[p])];
                stamp(&mut r, &dot, xy, colour, layout.plot);
            }
            let mut footer = format!("iteration {} / {}", f.iteration, f.total);
            if f.exaggeration > 1.0 {
                footer += &format!("   \u{b7}   early exaggeration \u{d7}{:.0}", f.exaggeration);
            }
            if let Some((_, kl)) = f.kl {
                footer += &format!("   \u{b7}   KL {kl:.3}");
            }
            r.draw(|area| layout.draw_footer(area, &footer))?;
            Ok(r)
        })
    }
}

impl Observer for TsneRecorder {
    fn wants_coords(&self, iteration: usize) -> bool {
        iteration == 1 || iteration % self.every == 0 || Some(iteration) == self.total
    }

    fn on_iteration(&mut self, info: &IterationInfo<'_>) {
        self.total = Some(info.total);
        if let Some(kl) = info.kl {
            self.last_kl = Some((info.iteration, kl));
        }
        let Some(coords) = info.coords.as_ref() else {
            return;
        };
        if !self.wants_coords(info.iteration) || self.problem.is_some() {
            return;
        }
        let checked = validate(coords.view(), &self.labels, (2, usize::MAX), "at least 2");
        if let Err(e) = checked {
            self.problem = Some(RenderError::InvalidOption(format!(
                "t-SNE iteration {}: {e}",
                info.iteration
            )));
            return;
        }
        self.frames.push(TsneFrame {
            iteration: info.iteration,
            total: info.total,
            exaggeration: info.exaggeration,
            kl: self.last_kl,
            xy: coords.slice(ndarray::s![.., ..2]).to_owned(),
        });
    }
}

/// The `q`-quantile (0-1) of `values` (nearest rank); `values` is reordered.
fn quantile(values: &mut [f32], q: f64) -> f64 {
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f32::total_cmp);
    f64::from(*v)
}

/// Fraction of the plot left free on each side around the 0.5th-99.5th percentile box.
const CAMERA_MARGIN: f64 = 0.08;
/// Weight of the new value in the exponential smoothing of the camera, per frame.
const CAMERA_SMOOTHING: f64 = 0.3;

/// One view per frame that follows the cloud smoothly (see [`TsneRecorder`]).
fn follow_camera(frames: &[TsneFrame], plot: Rect) -> Vec<View> {
    let raw: Vec<[f64; 3]> = frames
        .iter()
        .map(|f| {
            let mut xs = f.xy.column(0).to_vec();
            let mut ys = f.xy.column(1).to_vec();
            let x = (quantile(&mut xs, 0.005), quantile(&mut xs, 0.995));
            let y = (quantile(&mut ys, 0.005), quantile(&mut ys, 0.995));
            let v = View::fit(x, y, plot, CAMERA_MARGIN);
            [v.centre.0, v.centre.1, v.scale.max(1e-12).ln()]
        })
        .collect();
    let smooth = |forward: &mut dyn Iterator<Item = usize>, s: &mut Vec<[f64; 3]>| {
        let mut acc: Option<[f64; 3]> = None;
        for i in forward {
            let next = match acc {
                None => s[i],
                Some(a) => std::array::from_fn(|k| a[k] + CAMERA_SMOOTHING * (s[i][k] - a[k])),
            };
            s[i] = next;
            acc = Some(next);
        }
    };
    let mut s = raw.clone();
    let n = s.len();
    smooth(&mut (0..n), &mut s);
    smooth(&mut (0..n).rev(), &mut s);
    // Smoothing only removes jitter: the camera never zooms in closer than each frame's own
    // fit, nor out by more than 25%, and stays within 10% of the plot of the fit's centre, so
    // a fast-growing cloud stays framed.
    let max_shift = 0.1 * f64::from(plot.width().min(plot.height()));
    s.iter()
        .zip(&raw)
        .map(|(c, r)| {
            let log_scale = c[2].clamp(r[2], r[2] + 0.25f64.ln_1p());
            let scale = log_scale.exp();
            let limit = max_shift * scale;
            View {
                centre: (
                    c[0].clamp(r[0] - limit, r[0] + limit),
                    c[1].clamp(r[1] - limit, r[1] + limit),
                ),
                scale,
                rect: plot,
            }
        })
        .collect()
}

/// A point after projection: screen x, screen y (up), depth (towards the viewer).
type Projected = (f64, f64, f64);

/// The farthest points are drawn at `FOG_LEVELS[DEPTH_FOG_STEPS]` strength.
const DEPTH_FOG_STEPS: usize = 3;

/// How a turning 3-D view looks. `Default`: 90 frames (5.4 s a turn at 60 ms), 20 degrees
/// of elevation, axes named "1", "2", "3".
#[derive(Debug, Clone, PartialEq)]
pub struct RotationOptions {
    /// Page, timing and text settings (`hold_ms` is not used: the turn loops seamlessly).
    pub gif: GifOptions,
    /// Frames per full turn.
    pub frames: usize,
    /// Names drawn at the tips of the three axes, e.g. `PC1`, `PC2`, `PC3`.
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

/// Writes a GIF of `points3` (`N x D`, `D >= 3`: the first three columns are used) turning a
/// full circle about its vertical (second) axis, orthographic, with depth cued by fading far
/// points towards the background. The scale is the same for every frame and for all three
/// axes. Written atomically; on error nothing is written.
pub fn rotation_gif(
    points3: ArrayView2<'_, f32>,
    labels: &[u8],
    opts: &RotationOptions,
    path: &Path,
) -> Result<(), RenderError> {
    validate(points3, labels, (3, usize::MAX), "at least 3")?;
    opts.gif.validate()?;
    if !(2..=1000).contains(&opts.frames) {
        return Err(RenderError::InvalidOption(format!(
            "frames {}: must be 2-1000",
            opts.frames
        )));
    }
    if opts.elevation_deg.is_nan() || opts.elevation_deg.abs() > 60.0 {
        return Err(RenderError::InvalidOption(format!(
            "elevation {} degrees: must be within -60..60",
            opts.elevation_deg
        )));
    }
    check_gif_path(path)?;

    let n = labels.len();
    let centre: [f64; 3] = std::array::from_fn(|k| {
        points3.column(k).iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64
    });
    let centred: Vec<[f64; 3]> = points3
        .rows()
        .into_iter()
        .map(|r| std::array::from_fn(|k| f64::from(r[k]) - centre[k]))
        .collect();
    let mut radii: Vec<f32> = centred
        .iter()
        .map(|p| (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() as f32)
        .collect();
    let radius = quantile(&mut radii, 0.995).max(1e-12);
    // Depth is cued over the bulk of the cloud, not its outliers.
    let depth_radius = quantile(&mut radii, 0.9).max(1e-12);

    let classes = present_classes(labels);
    let layout = opts.gif.layout(&classes, false);
    let plot = layout.plot;
    let view = View::fit((-radius, radius), (-radius, radius), plot, 0.01);
    let base = base_frame(&layout, &opts.gif, &classes)?;
    let dot = disc(opts.gif.radius(n, plot));
    let palette = GifPalette::new();
    let (sin_e, cos_e) = opts.elevation_deg.to_radians().sin_cos();
    let delays = vec![opts.gif.delay_ms; opts.frames];
    let axis_font = (FONT, layout.theme.body)
        .into_font()
        .color(&rgb(palette::MUTED))
        .pos(Pos::new(HPos::Center, VPos::Center));
    let background = rgb(palette::BACKGROUND);
    let halo_font = axis_font.color(&background);

    encode_gif(path, &layout, &palette, &delays, |f| {
        let (sin_t, cos_t) = (2.0 * PI * f as f64 / opts.frames as f64).sin_cos();
        // Turn about the vertical axis, then tilt towards the viewer; returns screen x, screen y
        // (up) and depth (towards the viewer).
        let project = |p: [f64; 3]| {
            let x = p[0] * cos_t + p[2] * sin_t;
            let z = -p[0] * sin_t + p[2] * cos_t;
            (x, p[1] * cos_e - z * sin_e, z * cos_e + p[1] * sin_e)
        };
        let mut r = base.clone();
        let axis_len = radius * 0.9;
        let tips: Vec<(Projected, Projected)> = (0..3)
            .map(|k| {
                let mut a = [0.0; 3];
                a[k] = axis_len;
                let tip = project(a);
                a[k] = -axis_len;
                (project(a), tip)
            })
            .collect();
        r.draw(|area| {
            for &(from, to) in &tips {
                let line = [view.to_px(from.0, from.1), view.to_px(to.0, to.1)]
                    .map(|(x, y)| (x.round() as i32, y.round() as i32));
                area.draw(&PathElement::new(line.to_vec(), rgb(palette::RULE)))
                    .map_err(draw_err)?;
            }
            Ok(())
        })?;
        let projected: Vec<Projected> = centred.iter().map(|&p| project(p)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| projected[a].2.total_cmp(&projected[b].2).then(a.cmp(&b)));
        for &p in &order {
            let (x, y, depth) = projected[p];
            let near = ((depth / depth_radius + 1.0) / 2.0).clamp(0.0, 1.0);
            let level = FOG_LEVELS[((1.0 - near) * DEPTH_FOG_STEPS as f64).round() as usize];
            let colour = palette::class_colour(labels[p], level);
            stamp(&mut r, &dot, view.to_px(x, y), colour, plot);
        }
        r.draw(|area| {
            for (k, &(_, tip)) in tips.iter().enumerate() {
                let (x, y) = view.to_px(tip.0 * 1.08, tip.1 * 1.08);
                let (x, y) = (x.round() as i32, y.round() as i32);
                // A background halo keeps the name readable over points.
                for (dx, dy) in [
                    (-1, -1),
                    (0, -1),
                    (1, -1),
                    (-1, 0),
                    (1, 0),
                    (-1, 1),
                    (0, 1),
                    (1, 1),
                ] {
                    area.draw_text(&opts.axis_names[k], &halo_font, (x + dx, y + dy))
                        .map_err(draw_err)?;
                }
                area.draw_text(&opts.axis_names[k], &axis_font, (x, y))
                    .map_err(draw_err)?;
            }
            Ok(())
        })?;
        Ok(r)
    })
}

fn check_gif_path(path: &Path) -> Result<(), RenderError> {
    let ext = canvas::extension(path);
    if ext == "gif" {
        Ok(())
    } else {
        Err(RenderError::UnsupportedExtension {
            path: path.to_path_buf(),
            ext,
            expected: ".gif",
        })
    }
}

/// The parts every frame shares: background, title, subtitle, legend, a frame around the plot.
fn base_frame(layout: &Layout, opts: &GifOptions, classes: &[u8]) -> Result<Raster, RenderError> {
    let mut r = Raster::new(opts.width, opts.height);
    r.draw(|area| {
        layout.draw_frame_text(
            area,
            &opts.title,
            &opts.subtitle,
            classes,
            &opts.class_names,
        )
    })?;
    Ok(r)
}

/// Renders frame `i` with `render` for every `delays[i]` (ms), in parallel chunks, quantises
/// to `palette`, and writes the looping GIF atomically.
fn encode_gif<F>(
    path: &Path,
    layout: &Layout,
    palette: &GifPalette,
    delays: &[u32],
    render: F,
) -> Result<(), RenderError>
where
    F: Fn(usize) -> Result<Raster, RenderError> + Sync,
{
    let (w, h) = (layout.size.0 as u16, layout.size.1 as u16);
    let transparent = palette.len() as u8;
    let mut table = palette.rgb_table();
    table.extend([0xff, 0x00, 0xff]); // the transparent slot; never shown
    let gif_err = |e: gif::EncodingError| RenderError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let mut encoder = gif::Encoder::new(Vec::new(), w, h, &table).map_err(gif_err)?;
    encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;

    let bar = ProgressBar::new(delays.len() as u64).with_style(
        ProgressStyle::with_template("{msg} {bar:32} {pos}/{len} frames [{elapsed}]")
            .expect("valid template"),
    );
    bar.set_message(format!("rendering {}", path.display()));
    let mut previous: Option<Vec<u8>> = None;
    for start in (0..delays.len()).step_by(CHUNK) {
        let end = (start + CHUNK).min(delays.len());
        let indexed: Vec<Vec<u8>> = (start..end)
            .into_par_iter()
            .map(|i| {
                crate::interrupt::check()?;
                let raster = render(i)?;
                bar.inc(1);
                Ok(palette.quantise(&raster.rgb))
            })
            .collect::<Result<_, RenderError>>()?;
        let frames: Vec<gif::Frame<'static>> = (0..indexed.len())
            .into_par_iter()
            .map(|k| {
                let prev = if k == 0 {
                    previous.as_deref()
                } else {
                    Some(&indexed[k - 1][..])
                };
                let mut frame = delta_frame(prev, &indexed[k], (w, h), transparent);
                frame.delay = (delays[start + k] as f64 / 10.0).round() as u16;
                frame.make_lzw_pre_encoded();
                frame
            })
            .collect();
        for frame in &frames {
            encoder
                .write_lzw_pre_encoded_frame(frame)
                .map_err(gif_err)?;
        }
        previous = indexed.into_iter().last();
    }
    let bytes = encoder.into_inner().map_err(gif_err)?;
    bar.finish_and_clear();
    write_bytes_atomic(path, &bytes).map_err(|source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The GIF frame that turns `prev` into `cur`: the bounding box of the changed pixels, with
/// unchanged ones transparent (the whole frame when there is no `prev`).
fn delta_frame(
    prev: Option<&[u8]>,
    cur: &[u8],
    (w, h): (u16, u16),
    transparent: u8,
) -> gif::Frame<'static> {
    let (wu, hu) = (usize::from(w), usize::from(h));
    let Some(prev) = prev else {
        return gif::Frame::from_indexed_pixels(w, h, cur.to_vec(), None);
    };
    let (mut x0, mut y0, mut x1, mut y1) = (wu, hu, 0, 0);
    for y in 0..hu {
        let row = y * wu..(y + 1) * wu;
        let (p, c) = (&prev[row.clone()], &cur[row]);
        if let Some(first) = (0..wu).find(|&x| p[x] != c[x]) {
            let last = (0..wu).rev().find(|&x| p[x] != c[x]).unwrap_or(first);
            (x0, x1, y0, y1) = (x0.min(first), x1.max(last + 1), y0.min(y), y + 1);
        }
    }
    if x0 >= x1 {
        // Nothing changed: one transparent pixel keeps the frame (and its delay).
        let mut f = gif::Frame::from_indexed_pixels(1, 1, vec![transparent], Some(transparent));
        f.dispose = gif::DisposalMethod::Keep;
        return f;
    }
    let mut pixels = Vec::with_capacity((x1 - x0) * (y1 - y0));
    for y in y0..y1 {
        for x in x0..x1 {
            let i = y * wu + x;
            pixels.push(if prev[i] == cur[i] {
                transparent
            } else {
                cur[i]
            });
        }
    }
    let mut f = gif::Frame::from_indexed_pixels(
        (x1 - x0) as u16,
        (y1 - y0) as u16,
        pixels,
        Some(transparent),
    );
    (f.left, f.top) = (x0 as u16, y0 as u16);
    f.dispose = gif::DisposalMethod::Keep;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn info(iteration: usize, coords: Option<ArrayView2<'_, f32>>) -> IterationInfo<'_> {
        IterationInfo {
            iteration,
            total: 10,
            exaggeration: if iteration <= 3 { 12.0 } else { 1.0 },
            coords,
            kl: (iteration % 5 == 0).then_some(1.0 / iteration as f64),
        }
    }

    #[test]
    fn recorder_wants_first_every_kth_and_last() {
        let mut r = TsneRecorder::new(vec![0, 1], 4, GifOptions::default()).unwrap();
        let xy = Array2::<f32>::from_shape_fn((2, 2), |(i, j)| (i + j) as f32);
        for it in 1..=10 {
            let coords = r.wants_coords(it).then(|| xy.view());
            r.on_iteration(&info(it, coords));
        }
        let kept: Vec<usize> = r.frames.iter().map(|f| f.iteration).collect();
        assert_eq!(kept, vec![1, 4, 8, 10]);
        assert_eq!(r.frames[2].kl, Some((5, 0.2)));
        assert_eq!(r.frames[3].kl, Some((10, 0.1)));
    }

    #[test]
    fn camera_follows_a_growing_cloud_smoothly() {
        let plot = Rect {
            x0: 0,
            y0: 0,
            x1: 400,
            y1: 400,
        };
        let frames: Vec<TsneFrame> = (0..20)
            .map(|k| {
                let s = 1.5f32.powi(k);
                let xy = Array2::from_shape_fn((101, 2), |(i, j)| {
                    (i as f32 - 50.0) * s * (j + 1) as f32
                });
                TsneFrame {
                    iteration: k as usize,
                    total: 20,
                    exaggeration: 1.0,
                    kl: None,
                    xy,
                }
            })
            .collect();
        let views = follow_camera(&frames, plot);
        let ratios: Vec<f64> = views.windows(2).map(|w| w[1].scale / w[0].scale).collect();
        // The raw scale grows 1.5x per frame; smoothed, every step still grows, by at most that.
        assert!(
            ratios.iter().all(|&r| r > 1.0 && r < 1.5 + 1e-6),
            "{ratios:?}"
        );
        // In the middle the smoothed scale keeps pace with the data (within 10%).
        let raw_mid = View::fit(
            (-49.0 * 1.5f64.powi(10), 49.0 * 1.5f64.powi(10)),
            (-98.0 * 1.5f64.powi(10), 98.0 * 1.5f64.powi(10)),
            plot,
            CAMERA_MARGIN,
        );
        assert!(
            (views[10].scale / raw_mid.scale - 1.0).abs() < 0.1,
            "{} {}",
            views[10].scale,
            raw_mid.scale
        );
    }

    #[test]
    fn delta_frames_cover_only_the_change() {
        let prev = vec![0u8; 20];
        let mut cur = prev.clone();
        cur[7] = 3; // x = 2, y = 1 in a 5 x 4 frame
        cur[13] = 4; // x = 3, y = 2
        let f = delta_frame(Some(&prev), &cur, (5, 4), 9);
        assert_eq!((f.left, f.top, f.width, f.height), (2, 1, 2, 2));
        assert_eq!(&f.buffer[..], &[3, 9, 9, 4]);
        let same = delta_frame(Some(&prev), &prev, (5, 4), 9);
        assert_eq!((same.width, same.height, same.transparent), (1, 1, Some(9)));
    }
}
