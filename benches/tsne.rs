//! Criterion benchmarks of embedscope's Barnes-Hut t-SNE, against the `bhtsne` crate (0.7.13).
//!
//! Input: the embedded MNIST-10k digits as pixel / 255, PCA to 64 dimensions with embedscope's
//! PCA (which centres), then the first N rows (the data is shuffled and class-balanced) for
//! N = 1,000, 2,500, 5,000 and 10,000. Groups, per N:
//!
//! - `tsne_gradient_bh/theta0.5/N`: one Barnes-Hut gradient evaluation (tree build, attraction
//!   over the sparse P, repulsion, Z), θ 0.5, no exaggeration, at the embedding a full run ends
//!   with: the per-iteration cost of the last 750 iterations.
//! - `tsne_gradient_scale/{bh,fft}/N` for N = 10,000, 70,000 and 250,000: one gradient
//!   evaluation, Barnes-Hut (θ 0.5) against FFT interpolation, on a map shaped like a converged
//!   one of that size: the converged 10,000-point map scaled by `(N / 10,000)^0.06`, tiled with
//!   seeded jitter of 0.5. Converged maps (lr auto) grow that slowly: their extents measured
//!   211 at 10k, 243 at 70k and 274 at 1M points (an earlier `sqrt` rule made the 250k map
//!   five times too wide and the FFT grid 25 times too large); P from the 64-d input tiled likewise
//!   (jitter 1e-3, approximate neighbours), points in Morton order as `fit` numbers them.
//! - `tsne_affinities/{knn_k75,joint_p}/N`: the exact 75-nearest-neighbour search on the 64-d
//!   input, then the perplexity-25 binary searches and symmetrisation of P.
//! - `tsne_full/N=<N>/...`: whole runs from the 64-d input to the 2-D embedding (neighbours, P,
//!   initialisation, 1000 iterations of which 250 early exaggeration), perplexity 25:
//!   - `embedscope/theta0.5-lr-auto`: ours, θ 0.5 (cell side / distance, as openTSNE and
//!     scikit-learn), `LearningRate::Auto`, PCA initialisation;
//!   - `bhtsne-0.7.13/theta0.5-nominal`: the crate at the same nominal θ. Its test uses the
//!     cell *half*-width, so this is about θ 1.0 in our terms: a coarser, cheaper approximation;
//!   - `bhtsne-0.7.13/theta0.25-equal-accuracy`: about our θ 0.5, the same force accuracy.
//!
//!   Both bhtsne runs use the crate's other defaults (random N(0, 1e-4) init that its API cannot
//!   seed, learning rate max(N/48, 50) without the gradient's factor 4, gains capped at 2.0) and
//!   Euclidean distances (squared inside the crate). With those defaults bhtsne ends less
//!   converged (shared/anchors/tsne-anchors.md: exact KL 2.96 against openTSNE's 1.60 at
//!   N = 10,000), so "equal accuracy" means equal force accuracy, not equal final quality.
//!   Set `EMBEDSCOPE_BENCH_QUALITY=1` to print, after each full-run benchmark, the exact KL(P‖Q)
//!   and the 10-NN leave-one-out accuracy of the last embedding it produced (not timed).
//!
//! Every implementation runs on rayon's global pool: all cores, or `RAYON_NUM_THREADS`.
//! Full runs take seconds each, so they use 10 samples of one run (plus one warm-up run); the
//! whole file takes about 13 minutes on 2 cores. Filter as usual, e.g.
//! `cargo bench --bench tsne -- 'tsne_full/N=10000'`.

use std::cell::{OnceCell, RefCell};
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use embedscope::data::Dataset;
use embedscope::reduce::knn::{KnnGraph, KnnParams, NeighborMethod};
use embedscope::reduce::pca;
use embedscope::reduce::quality::{exact_kl, knn_accuracy};
use embedscope::reduce::tsne::bench::Lanes;
use embedscope::reduce::tsne::bench::Tree;
use embedscope::reduce::tsne::bench::{gradient, Method, Workspace};
use embedscope::reduce::tsne::bench::{joint_probabilities, SparseP};
use embedscope::reduce::tsne::observer::NoObserver;
use embedscope::reduce::tsne::{fit, LearningRate, TsneParams, ValidTsneParams};
use ndarray::{s, Array2, ArrayView2};

/// The input sizes: first rows of the 10,000-point input.
const SIZES: [usize; 4] = [1_000, 2_500, 5_000, 10_000];
/// Input dimensions after PCA.
const INPUT_DIMS: usize = 64;
/// Perplexity of every run.
const PERPLEXITY: f64 = 25.0;
/// Our opening angle (cell side / distance).
const THETA: f64 = 0.5;
/// bhtsne's opening angles (cell half-width / distance): nominally equal, and equal accuracy.
const BHTSNE_THETAS: [(f32, &str); 2] = [
    (0.5, "theta0.5-nominal"),
    (0.25, "theta0.25-equal-accuracy"),
];
/// Neighbours for the quality score.
const QUALITY_K: usize = 10;

/// The 64-d input (all 10,000 rows) and the labels.
fn mnist64() -> (Array2<f32>, Vec<u8>) {
    let data = Dataset::embedded();
    let projected = pca::fit(data.pixels_f32().view(), INPUT_DIMS)
        .expect("valid PCA input")
        .projected;
    (projected, data.labels)
}

/// Our parameters for `n` points: the defaults (perplexity 25, 1000 iterations, θ 0.5, PCA
/// init) with the automatic learning rate.
fn our_params(n: usize) -> ValidTsneParams {
    TsneParams {
        perplexity: PERPLEXITY,
        theta: THETA,
        learning_rate: LearningRate::Auto,
        ..TsneParams::default()
    }
    .check(n)
    .expect("valid t-SNE parameters")
}

fn our_fit(x: ArrayView2<f32>) -> Array2<f32> {
    fit(x, &our_params(x.nrows()), &mut NoObserver)
        .expect("t-SNE runs")
        .embedding
}

fn euclidean(a: &&[f32], b: &&[f32]) -> f32 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

fn bhtsne_fit(rows: &[&[f32]], theta: f32) -> Array2<f32> {
    let mut tsne: bhtsne::tSNE<f32, &[f32]> = bhtsne::tSNE::new(rows);
    tsne.perplexity(PERPLEXITY as f32)
        .epochs(1000)
        .barnes_hut(theta, euclidean);
    Array2::from_shape_vec((rows.len(), 2), tsne.embedding()).expect("N x 2 embedding")
}

/// The exact neighbour graph of `x`.
fn exact_graph(x: ArrayView2<f32>, k: usize) -> KnnGraph {
    let exact = KnnParams {
        method: NeighborMethod::Exact,
        ..KnnParams::default()
    };
    KnnGraph::find(x, k, &exact).expect("finite input")
}

/// The sparse P of `x`, as `fit` builds it.
fn affinities(x: ArrayView2<f32>) -> SparseP {
    let k = our_params(x.nrows()).neighbors();
    joint_probabilities(&exact_graph(x, k), k, PERPLEXITY, None)
}

/// Per-iteration cost of the Barnes-Hut gradient at a converged embedding.
fn bench_gradient(c: &mut Criterion, x: &Array2<f32>) {
    let mut group = c.benchmark_group(format!("tsne_gradient_bh/theta{THETA}"));
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in SIZES {
        let xn = x.slice(s![..n, ..]);
        let state: OnceCell<(SparseP, Vec<f64>)> = OnceCell::new();
        group.bench_function(BenchmarkId::new("converged", n), |b| {
            let (p, y) = state.get_or_init(|| {
                let y = our_fit(xn).iter().map(|&v| f64::from(v)).collect();
                (affinities(xn), y)
            });
            let mut ws = Workspace::new(Lanes::chosen().expect("EMBEDSCOPE_SIMD"));
            let mut grad = vec![0.0; y.len()];
            let method = Method::BarnesHut { theta: THETA };
            b.iter(|| black_box(gradient(y, 2, p, 1.0, method, &mut ws, false, &mut grad)));
        });
    }
    group.finish();
}

/// Exponent of the growth of a converged map's extent with N (see the module docs).
const MAP_GROWTH: f64 = 0.06;

/// Sizes of the BH-versus-FFT gradient benchmarks.
const SCALE_SIZES: [usize; 3] = [10_000, 70_000, 250_000];

/// A deterministic uniform number in [-0.5, 0.5) from an index (SplitMix64).
fn jitter(i: u64) -> f64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// One gradient evaluation, Barnes-Hut against FFT, at N up to 250,000 (see the module docs).
fn bench_gradient_scale(c: &mut Criterion, x: &Array2<f32>) {
    let mut group = c.benchmark_group("tsne_gradient_scale");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let base = x.nrows();
    let y10k: OnceCell<Vec<f64>> = OnceCell::new();
    for n in SCALE_SIZES {
        let state: OnceCell<(SparseP, Vec<f64>)> = OnceCell::new();
        let setup = || {
            let y0 = y10k.get_or_init(|| our_fit(x.view()).iter().map(|&v| f64::from(v)).collect());
            let grow = (n as f64 / base as f64).powf(MAP_GROWTH);
            let y: Vec<f64> = (0..2 * n)
                .map(|c| y0[c % (2 * base)] * grow + 0.5 * jitter(c as u64))
                .collect();
            let xn = Array2::from_shape_fn((n, INPUT_DIMS), |(i, k)| {
                x[[i % base, k]] + (1e-3 * jitter((i * INPUT_DIMS + k) as u64 ^ 1 << 40)) as f32
            });
            let k = our_params(n).neighbors();
            let nn = KnnGraph::find(xn.view(), k, &KnnParams::default()).expect("finite input");
            let mut tree = Tree::<2>::new();
            tree.build(&y);
            let order = tree.order();
            let p = joint_probabilities(&nn, k, PERPLEXITY, Some(order));
            let y = order
                .iter()
                .flat_map(|&i| [y[2 * i as usize], y[2 * i as usize + 1]])
                .collect();
            (p, y)
        };
        for (name, method) in [
            ("bh", Method::BarnesHut { theta: THETA }),
            ("fft", Method::Fft),
        ] {
            group.bench_function(BenchmarkId::new(name, n), |b| {
                let (p, y) = state.get_or_init(setup);
                let mut ws = Workspace::new(Lanes::chosen().expect("EMBEDSCOPE_SIMD"));
                let mut grad = vec![0.0; y.len()];
                b.iter(|| black_box(gradient(y, 2, p, 1.0, method, &mut ws, false, &mut grad)));
            });
        }
    }
    group.finish();
}

/// The neighbour search and P, separately.
fn bench_affinities(c: &mut Criterion, x: &Array2<f32>) {
    let mut group = c.benchmark_group("tsne_affinities");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for n in SIZES {
        let xn = x.slice(s![..n, ..]);
        let k = our_params(n).neighbors();
        group.bench_function(BenchmarkId::new(format!("knn_k{k}"), n), |b| {
            b.iter(|| black_box(exact_graph(xn, k)))
        });
        let neighbours: OnceCell<_> = OnceCell::new();
        group.bench_function(BenchmarkId::new("joint_p", n), |b| {
            let nn = neighbours.get_or_init(|| exact_graph(xn, k));
            b.iter(|| black_box(joint_probabilities(nn, k, PERPLEXITY, None)))
        });
    }
    group.finish();
}

/// Whole runs, ours and bhtsne's, in one group per N.
fn bench_full(c: &mut Criterion, x: &Array2<f32>, labels: &[u8]) {
    let quality = std::env::var_os("EMBEDSCOPE_BENCH_QUALITY").is_some_and(|v| v == "1");
    for n in SIZES {
        let xn = x.slice(s![..n, ..]);
        let rows: Vec<&[f32]> = xn
            .as_slice()
            .expect("standard layout")
            .chunks_exact(INPUT_DIMS)
            .collect();
        let group_name = format!("tsne_full/N={n}");
        let mut group = c.benchmark_group(&group_name);
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_secs(1));
        let last: RefCell<Option<Array2<f32>>> = RefCell::new(None);
        let report = |id: &str| {
            if let Some(y) = last.take().filter(|_| quality) {
                let kl = exact_kl(xn, y.view(), PERPLEXITY);
                let acc = knn_accuracy(y.view(), &labels[..n], QUALITY_K);
                eprintln!(
                    "quality {group_name}/{id}: exact KL {kl:.4}, {QUALITY_K}-NN accuracy {acc:.4}"
                );
            }
        };
        let id = format!("embedscope/theta{THETA}-lr-auto");
        group.bench_function(&id, |b| {
            b.iter(|| *last.borrow_mut() = Some(black_box(our_fit(xn))))
        });
        report(&id);
        for (theta, label) in BHTSNE_THETAS {
            let id = format!("bhtsne-0.7.13/{label}");
            group.bench_function(&id, |b| {
                b.iter(|| *last.borrow_mut() = Some(black_box(bhtsne_fit(&rows, theta))))
            });
            report(&id);
        }
        group.finish();
    }
}

fn tsne_benches(c: &mut Criterion) {
    let (x, labels) = mnist64();
    bench_gradient(c, &x);
    bench_gradient_scale(c, &x);
    bench_affinities(c, &x);
    bench_full(c, &x, &labels);
}

criterion_group!(benches, tsne_benches);
criterion_main!(benches);
