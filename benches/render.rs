//! How long README pictures take: a 100-frame GIF of 10,000 points, turning (3-D) and as a
//! t-SNE recording (2-D, synthetic growth), at the default 720 x 600.
//! `cargo bench --bench render`.

#[path = "../cli/tests/common/layout.rs"]
mod layout;

use criterion::{criterion_group, criterion_main, Criterion};
use embedscope::progress::NoProgress;
use embedscope::reduce::tsne::observer::{IterationInfo, Observer};
use embedscope::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use ndarray::s;

fn gifs(c: &mut Criterion) {
    let (xyz, labels, _) = layout::mnist_layout(10_000);
    let colouring = std::sync::Arc::new(layout::label_colouring(&labels));
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("gif_100_frames_10k_points");
    group.sample_size(10);
    group.bench_function("rotation", |b| {
        let opts = RotationOptions {
            frames: 100,
            ..RotationOptions::default()
        };
        let out = dir.path().join("r.gif");
        b.iter(|| rotation_gif(xyz.view(), &colouring, &opts, &out, &mut NoProgress).unwrap());
    });
    group.bench_function("tsne_recorder", |b| {
        b.iter(|| {
            let mut rec =
                TsneRecorder::new(labels.len(), colouring.clone(), 10, GifOptions::default())
                    .unwrap();
            for it in 1..=990 {
                let grow = 1e-3 * 1.01f32.powi(it as i32);
                let coords = rec
                    .wants_coords(it)
                    .then(|| xyz.slice(s![.., ..2]).mapv(|v| v * grow));
                rec.on_iteration(&IterationInfo {
                    iteration: it,
                    total: 990,
                    exaggeration: if it <= 250 { 12.0 } else { 1.0 },
                    coords: coords.as_ref().map(|c| c.view()),
                    kl: None,
                });
            }
            rec.finish(&dir.path().join("t.gif"), &mut NoProgress)
                .unwrap();
        });
    });
    group.finish();
}

criterion_group!(benches, gifs);
criterion_main!(benches);
