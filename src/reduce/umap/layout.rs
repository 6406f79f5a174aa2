//! The stochastic optimisation of the layout, following umap-learn's
//! `optimize_layout_euclidean`, made bit-identical at any number of threads.
//!
//! umap-learn's schedule: an edge of weight `w` is sampled every `epochs_per_sample = max_w /
//! w` epochs (umap-learn's two counters per edge, advanced as it does), each time
//! pulling its two ends together by the gradient of `log(1 / (1 + a d^(2b)))`, then pushing its
//! head away from random points (negative samples) at `negative_sample_rate` per sampling; every
//! gradient coordinate is clipped to ±4 and the learning rate decays linearly from 1 to 0.
//!
//! How it is made deterministic, and parallel: each epoch reads the positions at its start and
//! writes new ones to a second buffer. Point `j` is moved only by its own row of the (symmetric)
//! graph, edge after edge in row order: each due edge `(j, k)` moves `j` by its pull towards
//! `k`'s position at the start of the epoch, counted twice (for `(j, k)` and for its transpose
//! `(k, j)`, which umap-learn's `move_other` applies to `j` too), plus the pushes of its
//! negative samples, all computed from `j`'s position after the previous edge. Every random number is a hash of `(seed, epoch, edge, sample)`, and an
//! edge's counters belong to its row, so no state is shared between points: points are
//! processed in parallel blocks, and the result does not depend on how rayon splits them.

use rayon::prelude::*;

use super::fuzzy::FuzzyGraph;
use crate::interrupt::Interrupted;
use crate::reduce::tsne::observer::{IterationInfo, Observer};

/// Negative samples per sampling of an edge (umap-learn's `negative_sample_rate`).
pub const NEGATIVE_SAMPLE_RATE: f64 = 5.0;
/// Gradient coordinates are clipped to `[-CLIP, CLIP]`.
pub const CLIP: f32 = 4.0;
/// Weight of the repulsion (umap-learn's `repulsion_strength`, `gamma`).
pub const REPULSION: f32 = 1.0;
/// Negative samples computed together, as vectors.
const LANES: usize = 8;
/// Points per parallel block.
const BLOCK: usize = 512;

/// The optimisation's inputs besides the positions.
#[derive(Debug, Clone)]
pub struct Sgd<'g> {
    /// The pruned fuzzy graph.
    pub graph: &'g FuzzyGraph,
    /// Curve parameter `a`.
    pub a: f32,
    /// Curve parameter `b`.
    pub b: f32,
    /// Epochs.
    pub n_epochs: usize,
    /// Seed of the negative samples.
    pub seed: u64,
}

impl Sgd<'_> {
    /// Runs every epoch on `positions` (`N x D` row-major, `D` 1 to 3), calling `observer`
    /// after each; stops with [`Interrupted`] on Ctrl-C.
    pub fn run<const D: usize>(
        &self,
        positions: &mut Vec<f32>,
        observer: &mut dyn Observer,
    ) -> Result<(), Interrupted> {
        let g = self.graph;
        let max_w = f64::from(g.max_weight());
        let periods: Vec<f64> = g.weights.iter().map(|&w| max_w / f64::from(w)).collect();
        let mut counters: Vec<Counters> = periods.iter().map(|&p| Counters::new(p)).collect();
        let mut next = positions.clone();
        for n in 0..self.n_epochs {
            crate::interrupt::check()?;
            // umap-learn: epochs 0 and 1 at rate 1, then 1 - (n - 1) / n_epochs.
            let alpha = (1.0 - n.saturating_sub(1) as f64 / self.n_epochs as f64) as f32;
            let step = Step {
                sgd: self,
                periods: &periods,
                old: positions,
                epoch: n,
                alpha,
                key: mix(self.seed ^ mix(n as u64)),
            };
            blocks::<D>(g, &mut next, &mut counters)
                .into_par_iter()
                .for_each(|(first, out, counters)| step.block::<D>(first, out, counters));
            std::mem::swap(positions, &mut next);
            let wants = observer.wants_coords(n + 1);
            let view = ndarray::ArrayView2::from_shape((positions.len() / D, D), &positions[..])
                .expect("N x D positions");
            observer.on_iteration(&IterationInfo {
                iteration: n + 1,
                total: self.n_epochs,
                exaggeration: 1.0,
                coords: wants.then_some(view),
                kl: None,
            });
        }
        Ok(())
    }
}

/// umap-learn's two counters of an edge: the epoch of its next sampling and that of its next
/// negative sample.
#[derive(Debug, Clone, Copy)]
struct Counters {
    next: f64,
    next_negative: f64,
}

impl Counters {
    /// The counters of an edge sampled every `period` epochs.
    fn new(period: f64) -> Counters {
        Counters {
            next: period,
            next_negative: period / NEGATIVE_SAMPLE_RATE,
        }
    }

    /// At epoch `n`: `None` when the edge is not due, else its number of negative samples,
    /// the counters advanced as umap-learn advances them.
    fn advance(&mut self, period: f64, n: usize) -> Option<u64> {
        let n = n as f64;
        if self.next > n {
            return None;
        }
        self.next += period;
        let per_negative = period / NEGATIVE_SAMPLE_RATE;
        let count = ((n - self.next_negative) / per_negative).trunc();
        self.next_negative += count * per_negative;
        Some(count.max(0.0) as u64)
    }
}

/// The parallel blocks of an epoch: each block's first point, its points' new positions and
/// its edges' counters (the points' rows, in order).
fn blocks<'a, const D: usize>(
    g: &FuzzyGraph,
    mut positions: &'a mut [f32],
    mut counters: &'a mut [Counters],
) -> Vec<(usize, &'a mut [f32], &'a mut [Counters])> {
    let n = g.n();
    let mut out = Vec::with_capacity(n.div_ceil(BLOCK));
    for first in (0..n).step_by(BLOCK) {
        let end = (first + BLOCK).min(n);
        let (p, rest) = std::mem::take(&mut positions).split_at_mut((end - first) * D);
        positions = rest;
        let edges = g.offsets[end] - g.offsets[first];
        let (c, rest) = std::mem::take(&mut counters).split_at_mut(edges);
        counters = rest;
        out.push((first, p, c));
    }
    out
}

/// One epoch's read-only state.
struct Step<'s> {
    sgd: &'s Sgd<'s>,
    periods: &'s [f64],
    old: &'s [f32],
    epoch: usize,
    alpha: f32,
    key: u64,
}

impl Step<'_> {
    /// Moves the points `first..` whose new positions `out` holds; `counters` are their
    /// edges'.
    fn block<const D: usize>(&self, first: usize, out: &mut [f32], counters: &mut [Counters]) {
        let g = self.sgd.graph;
        let (a, b) = (self.sgd.a, self.sgd.b);
        let base = g.offsets[first];
        for (local, new) in out.chunks_exact_mut(D).enumerate() {
            let j = first + local;
            let mut cur = [0.0f32; D];
            cur.copy_from_slice(&self.old[j * D..(j + 1) * D]);
            for e in g.offsets[j]..g.offsets[j + 1] {
                let Some(negatives) = counters[e - base].advance(self.periods[e], self.epoch)
                else {
                    continue;
                };
                let k = g.cols[e] as usize;
                let other = &self.old[k * D..(k + 1) * D];
                // The pull and the negative samples' pushes of the edge are all computed from
                // the same position (independent sums the processor overlaps), then applied
                // together. The pull counts twice: for (j, k) and for its transpose (k, j).
                let mut push = [0.0f32; D];
                let d2 = dist2(&cur, other);
                if d2 > 0.0 {
                    let pb = pow(d2, b);
                    let coeff = -2.0 * a * b * (pb / d2) / (a * pb + 1.0);
                    for ((p, &c), &o) in push.iter_mut().zip(&cur).zip(other) {
                        *p += 2.0 * clip(coeff * (c - o));
                    }
                }
                let edge_key = mix(self.key ^ e as u64);
                let mut done = 0;
                while done < negatives {
                    let count = (negatives - done).min(LANES as u64);
                    self.push_lanes(j, edge_key, done, count, &cur, &mut push);
                    done += count;
                }
                for (c, p) in cur.iter_mut().zip(push) {
                    *c += p * self.alpha;
                }
            }
            new.copy_from_slice(&cur);
        }
    }
}

impl Step<'_> {
    /// Adds to `push` the pushes on point `j` at `cur` of the negative samples `first..first +
    /// count` (at most [`LANES`]) of the edge keyed `edge_key`: gathered into lanes so the
    /// arithmetic runs as vectors, summed in sample order.
    fn push_lanes<const D: usize>(
        &self,
        j: usize,
        edge_key: u64,
        first: u64,
        count: u64,
        cur: &[f32; D],
        push: &mut [f32; D],
    ) {
        let n_points = (self.old.len() / D) as u64;
        let (a, b) = (self.sgd.a, self.sgd.b);
        let mut diff = [[0.0f32; LANES]; D];
        let mut live = [false; LANES];
        for (l, s) in (first..first + count).enumerate() {
            let r = mix(edge_key.wrapping_add((s + 1).wrapping_mul(GOLDEN)));
            let k = ((u128::from(r) * u128::from(n_points)) >> 64) as usize;
            live[l] = k != j;
            for (d, lane) in diff.iter_mut().enumerate() {
                lane[l] = cur[d] - self.old[k * D + d];
            }
        }
        let mut d2 = [0.0f32; LANES];
        for lane in &diff {
            for (s, &v) in d2.iter_mut().zip(lane) {
                *s += v * v;
            }
        }
        let mut coeff = [0.0f32; LANES];
        for ((c, &x), &alive) in coeff.iter_mut().zip(&d2).zip(&live) {
            let value = 2.0 * REPULSION * b / ((0.001 + x) * (a * pow(x, b) + 1.0));
            *c = if alive && x > 0.0 { value } else { 0.0 };
        }
        for (p, lane) in push.iter_mut().zip(&diff) {
            for (&c, &v) in coeff.iter().zip(lane) {
                *p += clip(c * v);
            }
        }
    }
}

/// Squared distance.
fn dist2<const D: usize>(x: &[f32; D], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
}

/// `x^b` for `x > 0`, as `2^(b log2 x)` with polynomial `log2` and `exp2` (relative error below
/// 1e-5 for `x` in 1e-12 to 1e12, a few times faster than `powf`); plain `f32` arithmetic, so the same bits everywhere.
fn pow(x: f32, b: f32) -> f32 {
    exp2(b * log2(x.max(f32::MIN_POSITIVE)))
}

/// `log2 x` for a normal `x > 0`: the exponent, plus `ln m / ln 2` of the mantissa `m` taken in
/// `[sqrt(1/2), sqrt(2))` by the series of `2 atanh((m - 1) / (m + 1))`.
fn log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let ln = 2.0 * t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0))));
    exponent as f32 + ln * std::f32::consts::LOG2_E
}

/// `2^y`, `y` clamped to `[-126, 127]`: `2^round(y)` by the exponent bits times the Taylor
/// polynomial of `exp(f ln 2)` for the rest `f` in `[-1/2, 1/2]`.
fn exp2(y: f32) -> f32 {
    let y = y.clamp(-126.0, 127.0);
    // Round to nearest by the 1.5 * 2^23 trick (no call to libm's roundf).
    let i = (y + 12_582_912.0) - 12_582_912.0;
    let f = (y - i) * std::f32::consts::LN_2;
    let p = 1.0
        + f * (1.0
            + f * (0.5
                + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0))))));
    p * f32::from_bits(((i as i32 + 127) as u32) << 23)
}

/// Clips a gradient coordinate to ±[`CLIP`].
fn clip(v: f32) -> f32 {
    v.clamp(-CLIP, CLIP)
}

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser: a bijective 64-bit mix, the counter-based generator of the
/// negative samples.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counters_follow_umap_learn() {
        // Period 2.5, negatives every 0.5 epochs (exact in binary): umap-learn samples at
        // epochs 3, 5, 8 and 10, with int((n - next_negative) / 0.5) = 5, 4, 6, 4 negatives.
        let mut c = Counters::new(2.5);
        let got: Vec<(usize, u64)> = (0..11)
            .filter_map(|n| c.advance(2.5, n).map(|k| (n, k)))
            .collect();
        assert_eq!(got, [(3, 5), (5, 4), (8, 6), (10, 4)]);
    }

    #[test]
    fn the_fast_power_is_within_1e5_of_powf() {
        for b in [0.79f32, 0.895, 1.334, 1.93] {
            for e in -120..120 {
                let x = 10f32.powf(e as f32 / 10.0);
                let (fast, exact) = (pow(x, b), f64::from(x).powf(f64::from(b)));
                let rel = (f64::from(fast) - exact).abs() / exact;
                assert!(rel < 1e-5, "{x}^{b}: {fast} vs {exact}");
            }
        }
    }

    #[test]
    fn the_random_indices_are_spread_evenly() {
        let mut counts = [0usize; 10];
        for s in 0..100_000u64 {
            let r = mix(s.wrapping_mul(GOLDEN));
            counts[((u128::from(r) * 10) >> 64) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
