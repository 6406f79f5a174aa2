//! Makes an MNIST-like input of any size for t-SNE scale tests: the 10,000 embedded digits
//! followed by small random affine deformations of them (rotation within ±12°, scale 0.9-1.1
//! per axis, shear within ±0.15, shift within ±1.5 pixels, bilinear resampling), as MNIST-8M
//! was made; pixels / 255, then PCA to 50 dimensions (fitted on the first 70,000 rows, applied
//! to all rows in blocks, so memory stays at about N x 50 floats).
//!
//! Usage: `cargo run --release --no-default-features --example deformed_mnist -- N OUT_PREFIX
//! [IDX_DIR]` writes `OUT_PREFIX.npy` (N x 50 float32) and `OUT_PREFIX-labels.npy` (N uint8);
//! with `IDX_DIR` (at most [`IDX_MAX`] rows) also the images, as the standard MNIST files that
//! `embedscope demo --data IDX_DIR` reads: rows 0-9,999 as `t10k-*-ubyte`, the rest as
//! `train-*-ubyte` (uncompressed IDX). Row `i` is a
//! deformation of digit `i mod 10000` (row `i < 10000`: the digit itself); deformation `i`
//! draws from a ChaCha8 stream seeded with `i`, so the output does not depend on the threads.

use std::path::PathBuf;

use anyhow::{bail, Context};
use embedscope::data::matrix::write_npy;
use embedscope::data::Dataset;
use embedscope::reduce::pca;
use ndarray::{s, Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// Output dimensions after PCA.
const DIMS: usize = 50;
/// Rows the PCA is fitted on (at most).
const PCA_ROWS: usize = 70_000;
/// Rows generated and projected at a time.
const BLOCK: usize = 50_000;
/// Image side.
const SIDE: usize = 28;
/// The most rows written as IDX images (they are kept in memory).
const IDX_MAX: usize = 200_000;

/// Pixels / 255 of row `i`: digit `i mod 10000`, deformed unless `i < 10000`.
fn deformed(images: &Array2<u8>, i: usize, out: &mut [f32]) {
    let src = images.row(i % images.nrows());
    let px = |x: isize, y: isize| -> f32 {
        if (0..SIDE as isize).contains(&x) && (0..SIDE as isize).contains(&y) {
            f32::from(src[y as usize * SIDE + x as usize]) / 255.0
        } else {
            0.0
        }
    };
    if i < images.nrows() {
        for (o, &v) in out.iter_mut().zip(src.iter()) {
            *o = f32::from(v) / 255.0;
        }
        return;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(i as u64);
    let angle = (rng.random::<f64>() - 0.5) * 24f64.to_radians();
    let (sx, sy) = (
        0.9 + 0.2 * rng.random::<f64>(),
        0.9 + 0.2 * rng.random::<f64>(),
    );
    let shear = (rng.random::<f64>() - 0.5) * 0.3;
    let (tx, ty) = (
        (rng.random::<f64>() - 0.5) * 3.0,
        (rng.random::<f64>() - 0.5) * 3.0,
    );
    // Forward map A = R · Shear · Scale; sample the source at A^-1 (p - c - t) + c.
    let (c, s) = (angle.cos(), angle.sin());
    let a = [
        [c * sx, (c * shear - s) * sy],
        [s * sx, (s * shear + c) * sy],
    ];
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let inv = [
        [a[1][1] / det, -a[0][1] / det],
        [-a[1][0] / det, a[0][0] / det],
    ];
    let centre = (SIDE as f64 - 1.0) / 2.0;
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (dx, dy) = (x as f64 - centre - tx, y as f64 - centre - ty);
            let u = inv[0][0] * dx + inv[0][1] * dy + centre;
            let v = inv[1][0] * dx + inv[1][1] * dy + centre;
            let (x0, y0) = (u.floor(), v.floor());
            let (fx, fy) = ((u - x0) as f32, (v - y0) as f32);
            let (x0, y0) = (x0 as isize, y0 as isize);
            out[y * SIDE + x] = (1.0 - fy) * ((1.0 - fx) * px(x0, y0) + fx * px(x0 + 1, y0))
                + fy * ((1.0 - fx) * px(x0, y0 + 1) + fx * px(x0 + 1, y0 + 1));
        }
    }
}

/// Rows `start..start + len` as pixels / 255.
fn block(images: &Array2<u8>, start: usize, len: usize) -> Array2<f32> {
    let mut x = Array2::<f32>::zeros((len, SIDE * SIDE));
    x.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(r, mut row)| {
            deformed(
                images,
                start + r,
                row.as_slice_mut().expect("standard layout"),
            )
        });
    x
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, prefix, idx_dir) = match args.as_slice() {
        [n, prefix] => (n, prefix, None),
        [n, prefix, dir] => (n, prefix, Some(PathBuf::from(dir))),
        _ => bail!("usage: deformed_mnist N OUT_PREFIX [IDX_DIR]"),
    };
    let n: usize = n.parse().context("N")?;
    if n < 10 {
        bail!("N {n}: at least 10");
    }
    if idx_dir.is_some() && !(10_001..=IDX_MAX).contains(&n) {
        bail!("N {n}: IDX images are written for 10,001 to {IDX_MAX} rows");
    }
    let mut pixels: Vec<u8> = Vec::new();
    let data = Dataset::embedded();
    let fit_rows = n.min(PCA_ROWS);
    let fitted = pca::fit(block(&data.images, 0, fit_rows).view(), DIMS)?;
    eprintln!(
        "PCA on {fit_rows} rows: {}",
        fitted.summary(DIMS).replace("PC1-PC50", "50 components")
    );
    let comps_t = fitted.components.t().mapv(|v| v as f32);
    let mean = fitted.mean.mapv(|v| v as f32);
    let mut out = Array2::<f32>::zeros((n, DIMS));
    for start in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - start);
        let x = block(&data.images, start, len);
        if idx_dir.is_some() {
            pixels.extend(
                x.iter()
                    .map(|&v| (v * 255.0).round().clamp(0.0, 255.0) as u8),
            );
        }
        let x = x - &mean;
        out.slice_mut(s![start..start + len, ..])
            .assign(&x.dot(&comps_t));
    }
    let labels: Array1<u8> = (0..n).map(|i| data.labels[i % data.len()]).collect();
    let prefix = PathBuf::from(prefix);
    write_npy(&prefix.with_extension("npy"), &out)?;
    let labels_path = PathBuf::from(format!("{}-labels.npy", prefix.display()));
    ndarray_npy::write_npy(&labels_path, &labels)?;
    eprintln!(
        "wrote {} and {}",
        prefix.with_extension("npy").display(),
        labels_path.display()
    );
    if let Some(dir) = idx_dir {
        std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        let split = data.len() * SIDE * SIDE;
        let labels = labels.as_slice().expect("contiguous");
        write_idx(&dir, "t10k", &pixels[..split], &labels[..data.len()])?;
        write_idx(&dir, "train", &pixels[split..], &labels[data.len()..])?;
        eprintln!("wrote the images to {}", dir.display());
    }
    Ok(())
}

/// Writes `PART-images-idx3-ubyte` and `PART-labels-idx1-ubyte` in `dir`.
fn write_idx(
    dir: &std::path::Path,
    part: &str,
    pixels: &[u8],
    labels: &[u8],
) -> anyhow::Result<()> {
    let n = u32::try_from(labels.len())?;
    let side = SIDE as u32;
    let header = |words: &[u32]| {
        words
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let mut images = header(&[0x0803, n, side, side]);
    images.extend_from_slice(pixels);
    let mut label_bytes = header(&[0x0801, n]);
    label_bytes.extend_from_slice(labels);
    for (name, bytes) in [
        ("images-idx3-ubyte", images),
        ("labels-idx1-ubyte", label_bytes),
    ] {
        let path = dir.join(format!("{part}-{name}"));
        embedscope::fsutil::write_bytes_atomic(&path, &bytes)
            .with_context(|| path.display().to_string())?;
    }
    Ok(())
}
