//! Tests of [`super::fit`]: determinism at any number of threads, and inputs that must not
//! crash or give NaN (disconnected, duplicated, constant, tiny).

use ndarray::Array2;
use rand::{Rng, SeedableRng};

use super::*;
use crate::reduce::quality::knn_accuracy;
use crate::reduce::tsne::observer::NoObserver;

/// `n` points in `groups` Gaussian blobs of 8 columns whose centres are `gap` apart; labels.
fn blobs(n: usize, groups: usize, gap: f32, seed: u64) -> (Array2<f32>, Vec<u8>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<u8> = (0..n).map(|i| (i % groups) as u8).collect();
    let x = Array2::from_shape_fn((n, 8), |(i, k)| {
        let centre = if k == labels[i] as usize % 8 {
            gap
        } else {
            0.0
        };
        centre + rng.random_range(-1.0f32..1.0)
    });
    (x, labels)
}

fn run(x: &Array2<f32>, params: UmapParams, threads: usize) -> UmapResult {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let valid = params.check(x.nrows()).unwrap();
    pool.install(|| fit(x.view(), &valid, &mut NoObserver))
        .unwrap()
}

fn assert_finite(r: &UmapResult) {
    assert!(
        r.embedding.iter().all(|v| v.is_finite()),
        "non-finite coordinates"
    );
}

#[test]
fn same_bits_at_one_two_and_three_threads_with_either_init() {
    let (x, _) = blobs(1500, 3, 6.0, 1);
    for init in [UmapInit::Pca, UmapInit::Spectral] {
        for dims in [2, 3] {
            let params = UmapParams {
                init,
                dims,
                n_epochs: Some(60),
                seed: 7,
                ..UmapParams::default()
            };
            let one = run(&x, params, 1);
            assert_finite(&one);
            for threads in [2, 3] {
                assert_eq!(
                    run(&x, params, threads).embedding,
                    one.embedding,
                    "{init:?} {dims}-D"
                );
            }
            let other_seed = run(&x, UmapParams { seed: 8, ..params }, 2);
            assert_ne!(other_seed.embedding, one.embedding);
        }
    }
}

#[test]
fn separates_blobs_and_keeps_far_clusters_apart() {
    let (x, labels) = blobs(600, 2, 200.0, 3);
    for init in [UmapInit::Pca, UmapInit::Spectral] {
        let r = run(
            &x,
            UmapParams {
                init,
                ..UmapParams::default()
            },
            2,
        );
        assert_finite(&r);
        assert_eq!(r.components, 2, "two far clusters, two components");
        let acc = knn_accuracy(r.embedding.view(), &labels, 10);
        assert!(acc > 0.99, "{init:?}: 10-NN accuracy {acc}");
    }
}

#[test]
fn duplicates_constant_columns_and_tiny_inputs_stay_finite() {
    // Every point repeated 5 times, plus a constant column.
    let (base, _) = blobs(40, 2, 5.0, 4);
    let dup = Array2::from_shape_fn(
        (200, 9),
        |(i, k)| if k == 8 { 3.0 } else { base[[i / 5, k]] },
    );
    // All points identical.
    let same = Array2::from_elem((30, 4), 1.5f32);
    // One column only (fewer than the map's dimensions).
    let line = Array2::from_shape_fn((25, 1), |(i, _)| i as f32);
    for x in [
        &dup,
        &same,
        &line,
        &base.slice(ndarray::s![..5, ..]).to_owned(),
        &base.slice(ndarray::s![..20, ..]).to_owned(),
    ] {
        for init in [UmapInit::Pca, UmapInit::Spectral] {
            for dims in [2, 3] {
                let r = run(
                    x,
                    UmapParams {
                        init,
                        dims,
                        ..UmapParams::default()
                    },
                    2,
                );
                assert_finite(&r);
                assert_eq!(r.embedding.dim(), (x.nrows(), dims));
                assert_eq!(r.n_neighbors, 15.min(x.nrows()));
            }
        }
    }
}

#[test]
fn bad_parameters_name_themselves() {
    let cases = [
        (
            UmapParams {
                n_neighbors: 1,
                ..UmapParams::default()
            },
            "n_neighbors 1: must be at least 2",
        ),
        (
            UmapParams {
                min_dist: -0.5,
                ..UmapParams::default()
            },
            "min_dist -0.5: must be a number >= 0",
        ),
        (
            UmapParams {
                min_dist: 2.0,
                ..UmapParams::default()
            },
            "min_dist 2: must be at most --spread (1)",
        ),
        (
            UmapParams {
                spread: f64::NAN,
                ..UmapParams::default()
            },
            "spread NaN: must be a number > 0",
        ),
        (
            UmapParams {
                dims: 4,
                ..UmapParams::default()
            },
            "dims 4: must be 2 or 3",
        ),
        (
            UmapParams {
                n_epochs: Some(0),
                ..UmapParams::default()
            },
            "n_epochs 0: must be at least 1",
        ),
    ];
    for (params, message) in cases {
        assert_eq!(params.check(100).unwrap_err().to_string(), message);
    }
    assert!(UmapParams::default().check(2).is_err());
    assert_eq!(UmapParams::default().check(10_000).unwrap().n_epochs(), 500);
    assert_eq!(UmapParams::default().check(10_001).unwrap().n_epochs(), 200);
    for init in [UmapInit::Pca, UmapInit::Spectral] {
        assert_eq!(init.name().parse::<UmapInit>().unwrap(), init);
    }
    assert!("random".parse::<UmapInit>().is_err());
}
