//! Renders sample pictures of the embedded MNIST-10k to a directory, for looking at:
//! `cargo run --release --no-default-features --example render_samples -- OUT_DIR [TSNE_2D.npy]`.
//!
//! The layouts are a real PCA of the pixels (`embedscope::reduce::pca`) and a synthetic t-SNE
//! run (points drifting out of a tiny Gaussian cloud to a target layout while it grows,
//! with the early-exaggeration phase) driven through the `Observer` interface. With a 2-column
//! `.npy` of real t-SNE output for the same digits, it draws that as a scatter and a digit map
//! and uses it as the synthetic run's target (else the PCA layout is the target).
//!
//! Besides the digit labels, the PCA plot is drawn coloured by other metadata, as anyone's
//! embedding might be: a 30-class text column (digit and how much ink it uses, e.g.
//! `7 heavy`), a continuous column (the share of inked pixels) and no metadata at all.

use std::path::{Path, PathBuf};

use embedscope::data::matrix::read_matrix;
use embedscope::data::metadata::{Column, Metadata, Values};
use embedscope::data::Dataset;
use embedscope::progress::NoProgress;
use embedscope::reduce::pca;
use embedscope::reduce::tsne::observer::{IterationInfo, Observer};
use embedscope::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use embedscope::render::colouring::Colouring;
use embedscope::render::digits::{digit_map, DigitMapOptions};
use embedscope::render::scatter::{plot, PlotStyle};
use ndarray::Array2;
use rand::{Rng, SeedableRng};

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
    let fitted = pca::fit(data.pixels_f32().view(), 3)?;
    let (pcs, shares) = (&fitted.projected, &fitted.explained_variance_ratio);
    let pct = |k: usize| 100.0 * shares[k];
    let labels = Metadata::from_labels(&data.labels);
    let by_label = Colouring::from_column(Some(&labels.columns()[0]));
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
    plot(pc12, &by_label, &style, &out.join("pca.png"))?;
    plot(pc12, &by_label, &style, &out.join("pca.svg"))?;
    for (name, column) in other_columns(&data) {
        let colouring = Colouring::from_column(column.as_ref());
        let style = PlotStyle {
            title: format!(
                "MNIST-10k, pixels, coloured by {}",
                column.as_ref().map_or("nothing", |c| c.name.as_str())
            ),
            ..style.clone()
        };
        plot(
            pc12,
            &colouring,
            &style,
            &out.join(format!("pca_{name}.png")),
        )?;
        plot(
            pc12,
            &colouring,
            &style,
            &out.join(format!("pca_{name}.svg")),
        )?;
    }
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
        &by_label,
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
        pcs.view(),
        &by_label,
        &rot,
        &out.join("pca_rotation.gif"),
        &mut NoProgress,
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
    let n = target.nrows();
    let mut rec = TsneRecorder::new(
        n,
        Colouring::from_column(Some(&Metadata::from_labels(&data.labels[..n]).columns()[0])),
        10,
        GifOptions {
            title: "MNIST-10k, t-SNE (synthetic run)".to_string(),
            subtitle: "a stand-in for the optimiser, drifting to a real t-SNE layout".to_string(),
            ..GifOptions::default()
        },
    )?;
    synthetic_tsne(&target, 1000, &mut rec);
    rec.finish(&out.join("tsne_synthetic.gif"), &mut NoProgress)?;
    eprintln!("t-SNE GIF: {:.2?}", t2.elapsed());
    Ok(())
}

/// Metadata columns other than the label, by file-name suffix: `ink_class` (text, 30 classes:
/// the digit and a tercile of its share of inked pixels, e.g. `7 heavy`), `ink` (float,
/// continuous) and `none` (no column).
fn other_columns(data: &Dataset) -> Vec<(&'static str, Option<Column>)> {
    let ink: Vec<f64> = data
        .images()
        .rows()
        .into_iter()
        .map(|r| r.iter().filter(|&&p| p > 127).count() as f64 / r.len() as f64)
        .collect();
    let mut sorted = ink.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = |q: usize| sorted[sorted.len() * q / 3];
    let (low, high) = (cut(1), cut(2));
    let class: Vec<Option<String>> = ink
        .iter()
        .zip(&data.labels)
        .map(|(&v, l)| {
            let weight = if v < low {
                "light"
            } else if v < high {
                "regular"
            } else {
                "heavy"
            };
            Some(format!("{l} {weight}"))
        })
        .collect();
    vec![
        (
            "ink_class",
            Some(Column {
                name: "digit and ink".into(),
                values: Values::Text(class),
            }),
        ),
        (
            "ink",
            Some(Column {
                name: "inked share".into(),
                values: Values::Float(ink.into_iter().map(Some).collect()),
            }),
        ),
        ("none", None),
    ]
}

fn draw_real_tsne(path: &Path, data: &Dataset, out: &Path) -> anyhow::Result<()> {
    let y = read_matrix(path)?;
    let labels = Colouring::from_column(Some(
        &Metadata::from_labels(&data.labels[..y.nrows()]).columns()[0],
    ));
    let style = PlotStyle {
        title: "MNIST-10k, t-SNE".to_string(),
        subtitle: format!("t-SNE of {} digits ({})", y.nrows(), path.display()),
        ..PlotStyle::default()
    };
    plot(y.view(), &labels, &style, &out.join("tsne.png"))?;
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
        &labels,
        &opts,
        &out.join("tsne_digits.png"),
    )?;
    Ok(())
}
