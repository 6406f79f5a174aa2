//! The t-SNE optimisation unfolding, as a GIF: [`TsneRecorder`] observes the optimiser, keeps
//! the coordinates of a fixed subsample of at most [`GifOptions::max_points`] points every few
//! iterations, and writes the GIF at the end.

use std::path::Path;
use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::encode::encode_gif;
use super::{check_gif_path, quantile, sample, sample_note, GifOptions};
use crate::progress::Progress;
use crate::reduce::tsne::observer::{IterationInfo, Observer};
use crate::render::canvas::{disc, draw_order, stamp, View};
use crate::render::colouring::Colouring;
use crate::render::page::Rect;
use crate::render::palette::{GifPalette, Rgb, RAMP_STEPS};
use crate::render::RenderError;

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
/// iteration, every `every`-th and the last, keeps those of its subsample (all points up to
/// [`GifOptions::max_points`], else a fixed stratified subsample: memory stays
/// O(frames x max_points)), and [`TsneRecorder::finish`] writes the GIF.
///
/// The camera follows the cloud: each frame's view fits the 0.5th-99.5th percentiles of the
/// points, and centre and log-scale are smoothed across frames (forwards and backwards, so
/// without lag), staying close to each frame's own fit. The footer shows the iteration, the
/// phase, the latest KL divergence and, for a subsample, how many points are shown.
#[derive(Debug)]
pub struct TsneRecorder {
    colouring: Arc<Colouring>,
    points: usize,
    /// The points drawn (ascending indices) and their colours.
    sample: Vec<usize>,
    colours: Vec<Rgb>,
    every: usize,
    opts: GifOptions,
    total: Option<usize>,
    last_kl: Option<(usize, f64)>,
    frames: Vec<TsneFrame>,
    problem: Option<RenderError>,
}

impl TsneRecorder {
    /// A recorder for `points` points coloured by `colouring` (for the same points, or
    /// [`Colouring::Single`]) keeping a frame every `every` iterations.
    pub fn new(
        points: usize,
        colouring: impl Into<Arc<Colouring>>,
        every: usize,
        opts: GifOptions,
    ) -> Result<Self, RenderError> {
        let colouring = colouring.into();
        opts.validate()?;
        if every == 0 {
            return Err(RenderError::InvalidOption(
                "frame interval 0: must be >= 1".to_string(),
            ));
        }
        if points == 0 {
            return Err(RenderError::Empty);
        }
        if let Some(labels) = colouring.points().filter(|&m| m != points) {
            return Err(RenderError::LengthMismatch { points, labels });
        }
        let sample = sample::stratified(&colouring, points, opts.max_points);
        let colours = sample
            .iter()
            .map(|&i| colouring.stepped_colour(i, RAMP_STEPS))
            .collect();
        Ok(Self {
            colouring,
            points,
            sample,
            colours,
            every,
            opts,
            total: None,
            last_kl: None,
            frames: Vec::new(),
            problem: None,
        })
    }

    /// Renders the recorded frames to the GIF `path`, atomically (nothing is written on error),
    /// reporting frames done to `progress`.
    pub fn finish(self, path: &Path, progress: &mut dyn Progress) -> Result<(), RenderError> {
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
        let layout = self.opts.layout(&self.colouring, true);
        let views = follow_camera(&self.frames, layout.plot);
        let base = self.opts.base_frame(&layout)?;
        let m = self.sample.len();
        let order = draw_order(m);
        let dot = disc(self.opts.radius(m, &layout) as f32);
        let note = sample_note(m, self.points);
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
        let render = |i: usize| {
            let f = &self.frames[i];
            let mut r = base.clone();
            for &k in &order {
                let xy = views[i].to_px(f64::from(f.xy[[k, 0]]), f64::from(f.xy[[k, 1]]));
                stamp(&mut r, &dot, xy, self.colours[k], layout.plot);
            }
            let footer = footer(f, note.as_deref());
            r.draw(|area| layout.draw_footer(area, &footer))?;
            Ok(r)
        };
        let size = (self.opts.width, self.opts.height);
        encode_gif(path, size, &GifPalette::new(), &delays, render, progress)
    }

    /// Checks one reported state and keeps its subsample's coordinates.
    fn record(&mut self, info: &IterationInfo<'_>, coords: ArrayView2<'_, f32>) {
        let at = |e: String| {
            Some(RenderError::InvalidOption(format!(
                "t-SNE iteration {}: {e}",
                info.iteration
            )))
        };
        let (n, d) = coords.dim();
        if n != self.points || d < 2 {
            self.problem = at(format!(
                "{n} x {d} coordinates for a recorder of {} points in at least 2 dimensions",
                self.points
            ));
            return;
        }
        let xy =
            Array2::from_shape_fn((self.sample.len(), 2), |(k, j)| coords[[self.sample[k], j]]);
        if let Some((k, value)) = xy
            .outer_iter()
            .enumerate()
            .find_map(|(k, row)| row.iter().copied().find(|v| !v.is_finite()).map(|v| (k, v)))
        {
            let e = RenderError::NonFinite {
                index: self.sample[k],
                value,
            };
            self.problem = at(e.to_string());
            return;
        }
        self.frames.push(TsneFrame {
            iteration: info.iteration,
            total: info.total,
            exaggeration: info.exaggeration,
            kl: self.last_kl,
            xy,
        });
    }
}

/// The footer of frame `f`: iteration, phase, KL, and the subsample `note`.
fn footer(f: &TsneFrame, note: Option<&str>) -> String {
    let mut footer = format!("iteration {} / {}", f.iteration, f.total);
    if f.exaggeration > 1.0 {
        footer += &format!("   \u{b7}   early exaggeration \u{d7}{:.0}", f.exaggeration);
    }
    if let Some((_, kl)) = f.kl {
        footer += &format!("   \u{b7}   KL {kl:.3}");
    }
    if let Some(note) = note {
        footer += &format!("   \u{b7}   {note}");
    }
    footer
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
        if self.wants_coords(info.iteration) && self.problem.is_none() {
            self.record(info, coords.view());
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut r = TsneRecorder::new(2, Colouring::Single, 4, GifOptions::default()).unwrap();
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
    fn recorder_keeps_only_its_subsample_and_names_bad_coordinates() {
        let opts = GifOptions {
            max_points: 50,
            ..GifOptions::default()
        };
        let mut r = TsneRecorder::new(1000, Colouring::Single, 1, opts.clone()).unwrap();
        let mut xy = Array2::<f32>::from_shape_fn((1000, 3), |(i, j)| (i * 3 + j) as f32);
        r.on_iteration(&info(1, Some(xy.view())));
        assert_eq!(r.frames[0].xy.dim(), (50, 2));
        let first = r.sample[0];
        assert_eq!(r.frames[0].xy[[0, 1]], (first * 3 + 1) as f32);
        xy[[r.sample[7], 1]] = f32::NAN;
        r.on_iteration(&info(2, Some(xy.view())));
        let e = r.problem.as_ref().unwrap().to_string();
        assert!(e.contains("iteration 2") && e.contains(&format!("point {}", r.sample[7])));
        let mut r = TsneRecorder::new(1000, Colouring::Single, 1, opts).unwrap();
        r.on_iteration(&info(1, Some(xy.slice(ndarray::s![..10, ..]))));
        let e = r.problem.unwrap().to_string();
        assert!(e.contains("10 x 3 coordinates"), "{e}");
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
}
