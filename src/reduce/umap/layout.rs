//! The stochastic optimisation of the layout, following umap-learn's
//! `optimize_layout_euclidean`, made bit-identical at any number of threads.
//!
//! umap-learn's schedule: an edge of weight `w` is sampled every `epochs_per_sample = max_w /
//! w` epochs (its `m`-th time at the first epoch `n >= m · epochs_per_sample`), each time
//! pulling its two ends together by the gradient of `log(1 / (1 + a d^(2b)))`, then pushing its
//! head away from random points (negative samples) at `negative_sample_rate` per sampling; every
//! gradient coordinate is clipped to ±4 and the learning rate decays linearly from 1 to 0.
//!
//! How it is made deterministic, and parallel: each epoch reads the positions at its start and
//! writes new ones to a second buffer. Point `j` is moved only by its own row of the (symmetric)
//! graph, in row order: the pull of each due edge `(j, k)` twice (once for `(j, k)`, once for
//! its transpose `(k, j)`, which umap-learn's `move_other` applies to `j` too), each step from
//! `j`'s updated position towards `k`'s position at the start of the epoch, then the edge's
//! negative samples. Every random number is a hash of `(seed, epoch, edge, sample)`, so no state
//! is shared between points: points are processed in parallel blocks, and the result does not
//! depend on how rayon splits them.

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
        let max_w = f64::from(self.graph.max_weight());
        let periods: Vec<f64> = self
            .graph
            .weights
            .iter()
            .map(|&w| max_w / f64::from(w))
            .collect();
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
            next.par_chunks_mut(BLOCK * D)
                .enumerate()
                .for_each(|(block, out)| step.block::<D>(block * BLOCK, out));
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
    /// Moves the points `first..` whose new positions `out` holds.
    fn block<const D: usize>(&self, first: usize, out: &mut [f32]) {
        let g = self.sgd.graph;
        let n_points = g.n() as u64;
        let (a, b) = (self.sgd.a, self.sgd.b);
        for (local, new) in out.chunks_exact_mut(D).enumerate() {
            let j = first + local;
            let mut cur = [0.0f32; D];
            cur.copy_from_slice(&self.old[j * D..(j + 1) * D]);
            for e in g.offsets[j]..g.offsets[j + 1] {
                let Some(negatives) = due(self.periods[e], self.epoch) else {
                    continue;
                };
                let k = g.cols[e] as usize;
                let other = &self.old[k * D..(k + 1) * D];
                for _ in 0..2 {
                    let d2 = dist2(&cur, other);
                    if d2 > 0.0 {
                        let pb = d2.powf(b);
                        let coeff = -2.0 * a * b * (pb / d2) / (a * pb + 1.0);
                        for (c, &o) in cur.iter_mut().zip(other) {
                            *c += clip(coeff * (*c - o)) * self.alpha;
                        }
                    }
                }
                let edge_key = mix(self.key ^ e as u64);
                for s in 0..negatives {
                    let r = mix(edge_key.wrapping_add((s + 1).wrapping_mul(GOLDEN)));
                    let kk = ((u128::from(r) * u128::from(n_points)) >> 64) as usize;
                    if kk == j {
                        continue;
                    }
                    let other = &self.old[kk * D..(kk + 1) * D];
                    let d2 = dist2(&cur, other);
                    if d2 > 0.0 {
                        let coeff = 2.0 * REPULSION * b / ((0.001 + d2) * (a * d2.powf(b) + 1.0));
                        for (c, &o) in cur.iter_mut().zip(other) {
                            *c += clip(coeff * (*c - o)) * self.alpha;
                        }
                    }
                }
            }
            new.copy_from_slice(&cur);
        }
    }
}

/// Whether an edge sampled every `period` epochs is due at `epoch`, and if so its number of
/// negative samples (umap-learn's counts: its running totals reach `floor(n / (period / rate))
/// - 1` at each sampling epoch `n`).
fn due(period: f64, epoch: usize) -> Option<u64> {
    let n = epoch as f64;
    let m = (n / period).floor();
    if epoch == 0 || m < 1.0 || ((n - 1.0) / period).floor() == m {
        return None;
    }
    let per_negative = period / NEGATIVE_SAMPLE_RATE;
    let before = if m == 1.0 {
        // The first sampling: umap-learn's counter starts one negative period in.
        per_negative
    } else {
        // The epoch of the previous sampling.
        ((m - 1.0) * period).ceil()
    };
    let count = (n / per_negative).floor() - (before / per_negative).floor();
    Some(count.max(0.0) as u64)
}

/// Squared distance.
fn dist2<const D: usize>(x: &[f32; D], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
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

    /// umap-learn's counters, run by hand: `next_sample`, `next_negative` per edge.
    fn reference(period: f64, epochs: usize) -> Vec<(usize, u64)> {
        let per_negative = period / NEGATIVE_SAMPLE_RATE;
        let (mut next, mut next_negative) = (period, per_negative);
        let mut out = Vec::new();
        for n in 0..epochs {
            if next <= n as f64 {
                let count = ((n as f64 - next_negative) / per_negative) as u64;
                out.push((n, count));
                next += period;
                next_negative += count as f64 * per_negative;
            }
        }
        out
    }

    #[test]
    fn the_schedule_is_umap_learns() {
        for period in [1.0, 2.0, 3.0, 7.5, 13.0, 199.0] {
            let ours: Vec<(usize, u64)> = (0..200)
                .filter_map(|n| due(period, n).map(|c| (n, c)))
                .collect();
            assert_eq!(ours, reference(period, 200), "period {period}");
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
