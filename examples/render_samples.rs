//! Renders sample pictures of the embedded MNIST-10k to a directory, for looking at:
//! `cargo run --release --example render_samples -- OUT_DIR [TSNE_2D.npy]`.
//!
//! The layouts are a real PCA of the pixels (power iteration, computed here) and a synthetic
//! t-SNE run (points drifting out of a tiny Gaussian cloud to a target layout while it grows,
//! with the early-exaggeration phase) driven through the `Observer` interface. With a 2-column
//! `.npy` of real t-SNE output for the same digits, it draws that as a scatter and a digit map
//! and uses it as the synthetic run's target (else the PCA layout is the target).

use std::path::{Path, PathBuf};

use embedscope::data::matrix::read_matrix;
use embedscope::data::Dataset;
use embedscope::reduce::tsne::observer::{IterationInfo, Observer};
use embedscope::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use embedscope::render::digits::{digit_map, DigitMapOptions};
use embedscope::render::scatter::{plot, PlotStyle};
use ndarray::{Array1, Array2, Axis};
use rand::{Rng, SeedableRng};

/// The top `k` principal components of `x` (power iteration with deflation) and the share of
/// the variance each explains.
fn pca(x: &Array2<f32>, k: usize) -> (Array2<f32>, Vec<f64>) {
    let mean = x.mean_axis(Axis(0)).unwrap();
    let c = x - &mean;
    let total: f64 = c.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let mut comps: Vec<Array1<f32>> = Vec::new();
    let mut shares = Vec::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for _ in 0..k {
        let mut v: Array1<f32> = (0..x.ncols()).map(|_| rng.random::<f32>() - 0.5).collect();
        for _ in 0..60 {
            let mut w = c.t().dot(&c.dot(&v));
            for u in &comps {
                let d = w.dot(u);
                w = w - u * d;
            }
            let norm = w.dot(&w).sqrt();
            v = w / norm;
        }
        let proj = c.dot(&v);
        shares.push(
            proj.iter()
                .map(|&p| f64::from(p) * f64::from(p))
                .sum::<f64>()
                / total,
        );
        comps.push(v);
    }
    let mut out = Array2::zeros((x.nrows(), k));
    for (j, v) in comps.iter().enumerate() {
        out.column_mut(j).assign(&c.dot(v));
    }
    (out, shares)
}

/// Feeds a synthetic t-SNE run to `obs`: a 1e-4-sized Gaussian cloud whose points drift to
/// `target` (a 2-D layout, e.g. real t-SNE output) while the whole layout grows, with early
/// exaggeration for 250 of `total` iterations and a KL value every 50.
fn synthetic_tsne(target: &Array2<f32>, total: usize, obs: &mut dyn Observer) {
    let n = target.nrows();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut gauss = || {
        // Box-Muller.
        let (u, v): (f32, f32) = (rng.random::<f32>().max(1e-9), rng.random());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    };
    let init: Vec<[f32; 2]> = (0..n).map(|_| [gauss(), gauss()]).collect();
    let spread = target.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
    for it in 1..=total {
        let t = it as f32 / total as f32;
        let a = 1.0 - (-5.0 * t).exp();
        let scale = 1e-4 + (1.0 - (-4.0 * t).exp()) * spread;
        let wants = obs.wants_coords(it);
        let coords = wants.then(|| {
            Array2::from_shape_fn((n, 2), |(i, j)| {
                scale * ((1.0 - a) * init[i][j] * 0.3 + a * target[[i, j]] / spread)
            })
        });
        obs.on_iteration(&IterationInfo {
            iteration: it,
            total,
            exaggeration: if it <= 250 { 12.0 } else { 1.0 },
            coords: coords.as_ref().map(|c| c.view()),
            kl: (it % 50 == 0 || it == total).then(|| 4.0 * f64::from(1.0 - a) + 1.3),
        });
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = PathBuf::from(args.get(1).map_or("samples", String::as_str));
    std::fs::create_dir_all(&out)?;
    let data = Dataset::embedded();
    let (pcs, shares) = pca(&data.pixels_f32(), 4);
    let pct = |k: usize| 100.0 * shares[k];
    let t0 = std::time::Instant::now();

    let style = PlotStyle {
        title: "MNIST-10k, pixels".to_string(),
        subtitle: format!(
            "PCA, PC1-PC2 explain {:.1}% of the variance",
            pct(0) + pct(1)
        ),
        axis_names: ("PC1".to_string(), "PC2".to_string()),
        ..PlotStyle::default()
    };
    let pc12 = pcs.slice(ndarray::s![.., ..2]);
    plot(pc12, &data.labels, &style, &out.join("pca.png"))?;
    plot(pc12, &data.labels, &style, &out.join("pca.svg"))?;
    let opts = DigitMapOptions {
        title: "MNIST-10k, pixels".to_string(),
        subtitle: style.subtitle.clone(),
        ..DigitMapOptions::default()
    };
    digit_map(
        pc12,
        data.images(),
        data.rows,
        data.cols,
        &data.labels,
        &opts,
        &out.join("pca_digits.png"),
    )?;
    eprintln!("stills: {:.2?}", t0.elapsed());

    let t1 = std::time::Instant::now();
    let rot = RotationOptions {
        gif: GifOptions {
            title: "MNIST-10k, pixels".to_string(),
            subtitle: format!(
                "PCA, PC1-PC3 explain {:.1}% of the variance ({:.1}%, {:.1}%, {:.1}%)",
                pct(0) + pct(1) + pct(2),
                pct(0),
                pct(1),
                pct(2)
            ),
            ..GifOptions::default()
        },
        axis_names: ["PC1".to_string(), "PC2".to_string(), "PC3".to_string()],
        ..RotationOptions::default()
    };
    rotation_gif(
        pcs.slice(ndarray::s![.., ..3]),
        &data.labels,
        &rot,
        &out.join("pca_rotation.gif"),
    )?;
    eprintln!("rotation: {:.2?}", t1.elapsed());

    // The synthetic run drifts to real t-SNE output when given, else to the PCA layout.
    let target = match args.get(2) {
        Some(tsne) => {
            draw_real_tsne(Path::new(tsne), &data, &out)?;
            read_matrix(Path::new(tsne))?
        }
        None => pcs.slice(ndarray::s![.., ..2]).to_owned(),
    };
    let t2 = std::time::Instant::now();
    let mut rec = TsneRecorder::new(
        data.labels[..target.nrows()].to_vec(),
        10,
        GifOptions {
            title: "MNIST-10k, t-SNE (synthetic run)".to_string(),
            subtitle: "a stand-in for the optimiser, drifting to a real t-SNE layout".to_string(),
            ..GifOptions::default()
        },
    )?;
    synthetic_tsne(&target, 1000, &mut rec);
    rec.finish(&out.join("tsne_synthetic.gif"))?;
    eprintln!("t-SNE GIF: {:.2?}", t2.elapsed());
    Ok(())
}

fn draw_real_tsne(path: &Path, data: &Dataset, out: &Path) -> anyhow::Result<()> {
    let y = read_matrix(path)?;
    let labels = &data.labels[..y.nrows()];
    let style = PlotStyle {
        title: "MNIST-10k, t-SNE".to_string(),
        subtitle: format!("t-SNE of {} digits ({})", y.nrows(), path.display()),
        ..PlotStyle::default()
    };
    plot(y.view(), labels, &style, &out.join("tsne.png"))?;
    let images = data.images.slice(ndarray::s![..y.nrows(), ..]);
    let opts = DigitMapOptions {
        title: style.title.clone(),
        subtitle: style.subtitle.clone(),
        ..DigitMapOptions::default()
    };
    digit_map(
        y.view(),
        images,
        data.rows,
        data.cols,
        labels,
        &opts,
        &out.join("tsne_digits.png"),
    )?;
    Ok(())
}
