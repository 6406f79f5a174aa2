//! Criterion benchmark of embedscope's PCA on the embedded MNIST-10k pixels (10,000 x 784,
//! pixel / 255): fitting 64 components (the t-SNE input) and 3 components (the 3-D view).
//! Each fit centres the data, forms the covariance and eigendecomposes it, then projects.
//!
//! Run with `cargo bench --bench pca`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use embedscope::data::Dataset;
use embedscope::reduce::pca;

fn pca_mnist(c: &mut Criterion) {
    let pixels = Dataset::embedded().pixels_f32();
    let mut group = c.benchmark_group(format!("pca/mnist{}x{}", pixels.nrows(), pixels.ncols()));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for components in [64, 3] {
        group.bench_with_input(
            BenchmarkId::new("components", components),
            &components,
            |b, &k| b.iter(|| black_box(pca::fit(pixels.view(), k).expect("valid PCA input"))),
        );
    }
    group.finish();
}

criterion_group!(benches, pca_mnist);
criterion_main!(benches);
