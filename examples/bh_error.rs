//! Error and cost of the Barnes-Hut repulsion on a given map: for each θ, the time of one
//! repulsion pass over all points (best of 3) and the relative error of the forces and of `Z`
//! against exact sums, on a fixed sample of points.
//!
//! Usage: `cargo run --release --example bh_error -- MAP.npy [THETA...]` (MAP: `N x 2` or
//! `N x 3` float32, e.g. a `tsne` output).

use std::time::Instant;

use anyhow::{bail, Context};
use embedscope::data::matrix::read_matrix;
use embedscope::reduce::tsne::bench::Lanes;
use embedscope::reduce::tsne::bench::{Interactions, Tree};
use rayon::prelude::*;

/// Points whose exact sums are compared.
const SAMPLE: usize = 2000;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        bail!("usage: bh_error MAP.npy [THETA...]");
    };
    let thetas: Vec<f64> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|t| t.parse().context("THETA"))
            .collect::<anyhow::Result<_>>()?
    } else {
        vec![0.5, 0.7, 0.8]
    };
    let map = read_matrix(std::path::Path::new(path))?;
    let y: Vec<f64> = map.iter().map(|&v| f64::from(v)).collect();
    let lanes = Lanes::chosen()?;
    match map.ncols() {
        2 => run::<2>(&y, &thetas, lanes),
        3 => run::<3>(&y, &thetas, lanes),
        d => bail!("{d} columns: the map must have 2 or 3"),
    }
    Ok(())
}

fn run<const D: usize>(y: &[f64], thetas: &[f64], lanes: Lanes) {
    let n = y.len() / D;
    let sample: Vec<usize> = (0..SAMPLE.min(n)).map(|s| s * n / SAMPLE.min(n)).collect();
    let exact: Vec<([f64; D], f64)> = sample
        .par_iter()
        .map(|&i| {
            let (mut f, mut z) = ([0f64; D], 0.0);
            for j in (0..n).filter(|&j| j != i) {
                let d: [f64; D] = std::array::from_fn(|k| y[i * D + k] - y[j * D + k]);
                let q = 1.0 / (1.0 + d.iter().map(|v| v * v).sum::<f64>());
                z += q;
                for k in 0..D {
                    f[k] += q * q * d[k];
                }
            }
            (f, z)
        })
        .collect();
    let mut tree = Tree::<D>::new();
    tree.build(y);
    let groups = tree.groups();
    println!("{n} points in {D}-D, {} groups", groups.len());
    for &theta in thetas {
        let theta2 = (theta * theta) as f32;
        let mut got = vec![([0f64; D], 0f64); n];
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let parts: Vec<Vec<([f64; D], f64)>> = groups
                .par_iter()
                .map_init(Interactions::default, |list, g| {
                    let mut part = Vec::with_capacity(g.len);
                    tree.group_repulsion(g, theta2, lanes, list, |_, f, z| part.push((f, z)));
                    part
                })
                .collect();
            best = best.min(t.elapsed().as_secs_f64());
            for (r, v) in parts.into_iter().flatten().enumerate() {
                got[tree.order()[r] as usize] = v;
            }
        }
        let (mut num, mut den, mut zerr) = (0.0, 0.0, 0.0f64);
        for (&i, (fe, ze)) in sample.iter().zip(&exact) {
            let (f, z) = got[i];
            for k in 0..D {
                num += (f[k] - fe[k]).powi(2);
                den += fe[k].powi(2);
            }
            zerr = zerr.max((z - ze).abs() / ze);
        }
        println!(
            "theta {theta}: {:.1} ms per pass, force error {:.2e}, worst Z error {:.2e}",
            1e3 * best,
            (num / den).sqrt(),
            zerr
        );
    }
}
