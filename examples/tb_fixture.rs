//! Synthetic inputs for `embedscope export`, for checking log directories with the real
//! TensorBoard (`scripts/tbcheck.sh`) when no trained model or t-SNE run is at hand.
//!
//! `cargo run --example tb_fixture -- OUT_DIR COPIES` writes, for the embedded 10,000 digits
//! tiled `COPIES` times (N = 10,000 x COPIES points):
//! - `labels.npy`; `codes.npy` (N x 64: a fixed random projection of the pixels, seed 7);
//! - `tsne2d.npy`, `tsne3d.npy`: one cluster per label, spread by the codes;
//!   `pca3d.npy`: the codes projected on 3 fixed random directions;
//! - `train.json` (10 epochs x 50 steps) and `report.json` (KL every 50 of 1,000 iterations);
//! - with `COPIES > 1`, `mnist/` holding the tiled images and labels as IDX files (`--data`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use embedscope::data::matrix::{write_labels_npy, write_npy};
use embedscope::data::Dataset;
use ndarray::{concatenate, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(out), copies) = (args.next().map(PathBuf::from), args.next()) else {
        anyhow::bail!("usage: tb_fixture OUT_DIR [COPIES]");
    };
    let copies: usize = copies.as_deref().unwrap_or("1").parse().context("COPIES")?;
    std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
    let data = Dataset::embedded();
    let tile = |a: &Array2<f32>| {
        let views = vec![a.view(); copies];
        concatenate(Axis(0), &views).expect("same widths")
    };
    let labels: Vec<u8> = (0..copies)
        .flat_map(|_| data.labels.iter().copied())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut random = |rows: usize, cols: usize| {
        let scale = (3.0 / rows as f32).sqrt();
        Array2::from_shape_simple_fn((rows, cols), || rng.random_range(-scale..scale))
    };
    let codes = data.pixels_f32().dot(&random(784, 64));
    let centers = random(10, 3).mapv(|v| v * 100.0);
    let spread = codes.dot(&random(64, 3));
    let clustered = Array2::from_shape_fn((codes.nrows(), 3), |(i, j)| {
        centers[[usize::from(data.labels[i]), j]] + 15.0 * spread[[i, j]]
    });
    let pca = codes.dot(&random(64, 3));
    let files: [(&str, Array2<f32>); 4] = [
        ("codes.npy", codes.clone()),
        (
            "tsne2d.npy",
            clustered.slice(ndarray::s![.., ..2]).to_owned(),
        ),
        ("tsne3d.npy", clustered),
        ("pca3d.npy", pca),
    ];
    for (name, a) in &files {
        write_npy(&out.join(name), &tile(a))?;
    }
    write_labels_npy(&out.join("labels.npy"), &labels)?;
    write_json(&out.join("train.json"), &train_json())?;
    let kl: Vec<_> = (1..=20)
        .map(|k| serde_json::json!({"iteration": 50 * k, "kl": 4.0 / f64::from(k) + 1.2}))
        .collect();
    write_json(
        &out.join("report.json"),
        &serde_json::json!({ "kl_history": kl }),
    )?;
    if copies > 1 {
        write_idx(&out.join("mnist"), &data, copies)?;
    }
    println!("{}: {} points", out.display(), labels.len());
    Ok(())
}

/// A `train.json` like the train command's: 10 epochs of 50 steps, losses decaying.
fn train_json() -> serde_json::Value {
    let epochs: Vec<_> = (1..=10)
        .map(|e| {
            let f = f64::from(e);
            serde_json::json!({"epoch": e, "train_loss": 0.02 + 0.05 / f,
                               "test_loss": 0.025 + 0.05 / f, "seconds": 3.5})
        })
        .collect();
    let steps: Vec<_> = (1..=500)
        .map(|s| {
            let f = f64::from(s);
            serde_json::json!({"step": s, "loss": 0.02 + 0.5 / f.sqrt() + 0.003 * (f * 0.7).sin()})
        })
        .collect();
    serde_json::json!({ "epochs": epochs, "steps": steps })
}

fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    embedscope::fsutil::write_bytes_atomic(path, text.as_bytes())
        .with_context(|| path.display().to_string())
}

/// Writes `data` tiled `copies` times as uncompressed IDX files (`images-idx3-ubyte`,
/// `labels-idx1-ubyte`) in `dir`.
fn write_idx(dir: &Path, data: &Dataset, copies: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let n = u32::try_from(data.len() * copies)?;
    let mut images = [0x0803u32, n, data.rows as u32, data.cols as u32]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    let mut labels = [0x0801u32, n]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    for _ in 0..copies {
        images.extend(data.images.iter());
        labels.extend_from_slice(&data.labels);
    }
    embedscope::fsutil::write_bytes_atomic(&dir.join("images-idx3-ubyte"), &images)?;
    embedscope::fsutil::write_bytes_atomic(&dir.join("labels-idx1-ubyte"), &labels)?;
    Ok(())
}
