//! A viewer page of the embedded MNIST digits, for the browser tests
//! (`scripts/browser_test.sh`) and for measuring the page's size and load time.
//!
//! `cargo run --release --no-default-features --example html_fixture -- OUT_DIR [COPIES] [--tsne]`
//! writes, for the embedded 10,000 digits tiled `COPIES` times (N = 10,000 x COPIES):
//! - `page.html`: maps "PCA 2-D" and "PCA 3-D" of the pixels (each copy jittered by 1% of the
//!   map's extent), with `--tsne` first a "t-SNE 2-D" map of the first 50 principal components;
//!   metadata columns `label` (integer), `ink` (mean pixel value, a continuous float column) and
//!   `note` (text, with tabs, quotes and `</script>` in point 0's value and missing values);
//!   thumbnails; the 10 nearest neighbours of each point among the pixels (computed for the
//!   10,000 digits; a tiled point's neighbours are those of its original in the same copy);
//! - `expected.json`: what the page should show, for the test to compare: `n`, `k`,
//!   `dims` (784), the labels and notes of the 10,000 originals, and `pixels`, the name of the
//!   raw pixel file, with `pixel_scale` (the neighbours are computed on pixel / 255), so the
//!   test can compute neighbours itself;
//! - `pixels.u8`: the 10,000 x 784 raw pixels, row-major.

use std::path::PathBuf;

use anyhow::Context;
use embedscope::data::metadata::{Column, Metadata, Values};
use embedscope::data::thumbnails::ThumbnailView;
use embedscope::data::Dataset;
use embedscope::export::html::{colourings, write_page, Neighbors, PageMap, PageSpec};
use embedscope::export::tensorboard::Sprite;
use embedscope::progress::NoProgress;
use embedscope::reduce::knn::{KnnGraph, KnnParams, NeighborMethod};
use embedscope::reduce::pca;
use embedscope::reduce::tsne::observer::NoObserver;
use embedscope::reduce::tsne::{self, TsneParams};
use ndarray::{concatenate, s, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Neighbours per point.
const K: usize = 10;
/// Point 0's note: everything that could break a page if it were not escaped.
const NASTY_NOTE: &str = "tab\there \"quoted\" 'single' </script><script>alert(1)</script> & <b>";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_tsne = args.iter().any(|a| a == "--tsne");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some(out) = positional.first().map(PathBuf::from) else {
        anyhow::bail!("usage: html_fixture OUT_DIR [COPIES] [--tsne]");
    };
    let copies: usize = positional
        .get(1)
        .map_or(Ok(1), |c| c.parse())
        .context("COPIES")?;
    std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;

    let data = Dataset::embedded();
    let n0 = data.len();
    let n = n0 * copies;
    let x = data.pixels_f32();
    let pca = pca::fit(x.view(), 50)?;
    let mut maps: Vec<(String, Array2<f32>, String)> = Vec::new();
    if with_tsne {
        let params = TsneParams::default().check(n0)?;
        let t = std::time::Instant::now();
        let result = tsne::fit(pca.projected.view(), &params, &mut NoObserver)?;
        eprintln!("t-SNE: {:.1} s", t.elapsed().as_secs_f64());
        maps.push((
            "t-SNE 2-D".into(),
            result.embedding,
            format!(
                "KL {:.2} (of the first 50 principal components)",
                result.kl_divergence
            ),
        ));
    }
    for k in [2, 3] {
        maps.push((
            format!("PCA {k}-D"),
            pca.projected.slice(s![.., ..k]).to_owned(),
            pca.summary(k),
        ));
    }

    // Tiling: copy c of point i is point c * n0 + i, its map position jittered.
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let maps: Vec<(String, Array2<f32>, String)> = maps
        .into_iter()
        .map(|(name, coords, caption)| {
            let extent = coords.iter().fold(0f32, |m, v| m.max(v.abs()));
            let tiles: Vec<Array2<f32>> = (0..copies)
                .map(|c| {
                    let jitter = if c == 0 { 0.0 } else { 0.01 * extent };
                    coords.mapv(|v| v + jitter * rng.random_range(-1.0f32..1.0))
                })
                .collect();
            let views: Vec<_> = tiles.iter().map(|t| t.view()).collect();
            (
                name,
                concatenate(Axis(0), &views).expect("same widths"),
                caption,
            )
        })
        .collect();
    let pixels = {
        let views = vec![data.images(); copies];
        concatenate(Axis(0), &views).expect("same widths")
    };

    let exact = KnnParams {
        method: NeighborMethod::Exact,
        ..KnnParams::default()
    };
    let graph = KnnGraph::find(x.view(), K, &exact)?;
    let indices: Vec<u32> = (0..copies)
        .flat_map(|c| graph.indices().iter().map(move |&j| (c * n0) as u32 + j))
        .collect();
    let one = graph.distances_f32();
    let distances: Vec<f32> = (0..copies).flat_map(|_| one.iter().copied()).collect();

    let notes: Vec<Option<String>> = (0..n)
        .map(|i| match i {
            0 => Some(NASTY_NOTE.to_string()),
            i if i % 7 == 3 => None,
            i => Some(format!("digit {} no. {i}", data.labels[i % n0])),
        })
        .collect();
    let metadata = Metadata::new(
        n,
        vec![
            Column {
                name: "label".into(),
                values: Values::Integer(
                    (0..n)
                        .map(|i| Some(i64::from(data.labels[i % n0])))
                        .collect(),
                ),
            },
            Column {
                name: "ink".into(),
                values: Values::Float(
                    (0..n)
                        .map(|i| {
                            let mean = f64::from(x.row(i % n0).mean().unwrap_or(0.0));
                            Some((mean * 1e4).round() / 1e4)
                        })
                        .collect(),
                ),
            },
            Column {
                name: "note".into(),
                values: Values::Text(notes.clone()),
            },
            // A unique name per point: the page titles points and lists neighbours by it.
            Column {
                name: "name".into(),
                values: Values::Text(
                    (0..n)
                        .map(|i| Some(format!("{}-{i}", data.labels[i % n0])))
                        .collect(),
                ),
            },
        ],
    )?;

    let sprite = Sprite::new(&ThumbnailView {
        pixels: pixels.view(),
        rows: data.rows,
        cols: data.cols,
    })?;
    let colourings = colourings(&metadata);
    let spec = PageSpec {
        title: "embedscope: MNIST digits".into(),
        subtitle: format!("{n} digits of 28x28 pixels, neighbours among the pixels"),
        maps: maps
            .iter()
            .map(|(name, coords, caption)| PageMap {
                name: name.clone(),
                coords: coords.view(),
                caption: caption.clone(),
            })
            .collect(),
        metadata: &metadata,
        colourings: &colourings,
        colour_by: Some("label"),
        label_by: Some("name"),
        thumbnails: Some(&sprite),
        neighbors: Some(Neighbors {
            k: K,
            indices: &indices,
            distances: &distances,
            search: &graph.description(),
        }),
    };
    let t = std::time::Instant::now();
    let page = write_page(&spec, &out.join("page.html"), &mut NoProgress)?;
    eprintln!(
        "wrote {} ({n} points, {:.1} MB) in {:.2} s",
        page.display(),
        std::fs::metadata(&page)?.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    std::fs::write(
        out.join("pixels.u8"),
        data.images().as_slice().expect("contiguous"),
    )?;
    let expected = serde_json::json!({
        "n": n,
        "original": n0,
        "k": K,
        "dims": data.rows * data.cols,
        "pixels": "pixels.u8",
        "pixel_scale": 1.0 / 255.0,
        "maps": maps.iter().map(|m| &m.0).collect::<Vec<_>>(),
        "labels": data.labels,
        "notes": notes.iter().take(n0).collect::<Vec<_>>(),
    });
    std::fs::write(out.join("expected.json"), serde_json::to_string(&expected)?)?;
    Ok(())
}
