//! Tests of [`super::transform`]: P over the reference neighbours, the fixed-reference
//! optimisation, independence of the new points, determinism, bad input.

use ndarray::{s, Array2};
use rand::{Rng, SeedableRng};

use super::*;
use crate::reduce::quality::knn_accuracy;
use crate::reduce::tsne::observer::NoObserver;
use crate::reduce::tsne::{fit, LearningRate, TsneParams};

/// `n` points in 4 well-separated Gaussian clusters in 8-D, and their labels.
fn clusters(n: usize, seed: u64) -> (Array2<f32>, Vec<u8>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<u8> = (0..n).map(|i| (i % 4) as u8).collect();
    let x = Array2::from_shape_fn((n, 8), |(i, k)| {
        let centre = if k == labels[i] as usize { 20.0 } else { 0.0 };
        centre + rng.random_range(-1.0f32..1.0)
    });
    (x, labels)
}

/// A t-SNE map of `x` in `dims` dimensions.
fn map_of(x: &Array2<f32>, dims: usize) -> Array2<f32> {
    let params = TsneParams {
        dims,
        perplexity: 10.0,
        iterations: 400,
        learning_rate: LearningRate::Auto,
        ..TsneParams::default()
    };
    fit(x.view(), &params.check(x.nrows()).unwrap(), &mut NoObserver)
        .unwrap()
        .embedding
}

fn place(x: &Array2<f32>, map: &Array2<f32>, new: ArrayView2<f32>) -> Placed {
    let reference = Reference {
        vectors: x.view(),
        map: map.view(),
        metric: Metric::Euclidean,
    };
    transform(reference, new, &TransformParams::default(), &mut NoObserver).unwrap()
}

#[test]
fn p_rows_over_reference_neighbours_sum_to_one_at_the_perplexity() {
    let (x, _) = clusters(300, 1);
    let (new, _) = clusters(40, 2);
    let graph = KnnGraph::query(x.view(), new.view(), 25, &KnnParams::default()).unwrap();
    let p = conditionals(&Lists::of(&graph, 25), 5.0);
    assert_eq!(p.len(), 40 * 25);
    for (i, row) in p.chunks(25).enumerate() {
        let sum: f64 = row.iter().map(|&v| f64::from(v)).sum();
        assert!((sum - 1.0).abs() < 1e-5, "row {i}: sum {sum}");
        let entropy: f64 = row
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|&v| -f64::from(v) * f64::from(v).ln())
            .sum();
        assert!(
            (entropy.exp() - 5.0).abs() < 1e-3,
            "row {i}: {}",
            entropy.exp()
        );
        // Nearest first: the weights do not grow along the list.
        assert!(row.windows(2).all(|w| w[0] >= w[1]), "row {i}: {row:?}");
        // Every neighbour is a reference point of the new point's own cluster.
        let own = (i % 4) as u32;
        assert!(graph.neighbors(i).iter().all(|&j| j % 4 == own), "row {i}");
    }
}

#[test]
fn new_points_land_in_their_clusters_in_2d_and_3d() {
    let (x, labels) = clusters(400, 3);
    let (new, new_labels) = clusters(100, 4);
    for dims in [2, 3] {
        let map = map_of(&x, dims);
        let placed = place(&x, &map, new.view());
        assert_eq!(placed.embedding.dim(), (100, dims));
        assert!(placed.kl.is_finite() && placed.kl >= 0.0, "{}", placed.kl);
        // Each placed point's nearest reference points in the map have its label.
        let mut all = map.clone();
        all.append(ndarray::Axis(0), placed.embedding.view())
            .unwrap();
        let graph = KnnGraph::query(
            map.view(),
            placed.embedding.view(),
            10,
            &KnnParams::default(),
        )
        .unwrap();
        for (i, truth) in new_labels.iter().enumerate() {
            let hits = graph
                .neighbors(i)
                .iter()
                .filter(|&&j| labels[j as usize] == *truth);
            assert_eq!(hits.count(), 10, "{dims}-D, point {i}");
        }
        assert!(
            knn_accuracy(
                all.view(),
                &[labels.clone(), new_labels.clone()].concat(),
                10
            ) > 0.99
        );
    }
}

#[test]
fn reference_points_placed_again_land_where_they_are() {
    let (x, _) = clusters(400, 5);
    let map = map_of(&x, 2);
    let placed = place(&x, &map, x.view());
    let extent = (0..2)
        .map(|c| {
            let col = map.column(c);
            let (lo, hi) = col
                .iter()
                .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
            hi - lo
        })
        .fold(0.0f32, f32::max);
    let mut moved: Vec<f32> = (0..400)
        .map(|i| {
            let d = &placed.embedding.row(i) - &map.row(i);
            d.iter().map(|v| v * v).sum::<f32>().sqrt()
        })
        .collect();
    moved.sort_unstable_by(f32::total_cmp);
    assert!(
        moved[200] <= 0.02 * extent,
        "median {} of extent {extent}",
        moved[200]
    );
}

#[test]
fn a_point_placed_with_others_gets_the_bits_it_gets_alone_at_any_thread_count() {
    let (x, _) = clusters(300, 6);
    let map = map_of(&x, 2);
    let (new, _) = clusters(50, 7);
    let run = |threads: usize, rows: ArrayView2<f32>| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| place(&x, &map, rows).embedding)
    };
    let together = run(1, new.view());
    assert_eq!(together, run(2, new.view()));
    assert_eq!(together, run(3, new.view()));
    let alone = run(2, new.slice(s![17..18, ..]));
    assert_eq!(alone.row(0), together.row(17));
    let second_half = run(1, new.slice(s![25.., ..]));
    assert_eq!(second_half, together.slice(s![25.., ..]));
}

#[test]
fn duplicates_stay_finite_and_far_clusters_stay_apart() {
    // Half the reference points are one repeated point, the other half another far away.
    let x = Array2::from_shape_fn((60, 5), |(i, _)| if i < 30 { 0.0 } else { 100.0 });
    let map = Array2::from_shape_fn((60, 2), |(i, k)| {
        (if i < 30 { -20.0 } else { 20.0 }) + ((i * 3 + k) % 7) as f32 * 0.1
    });
    let new = ndarray::array![[0.0f32; 5], [100.0; 5], [0.0; 5]];
    let placed = place(&x, &map, new.view());
    assert!(placed.embedding.iter().all(|v| v.is_finite()));
    assert!(placed.embedding[[0, 0]] < -15.0 && placed.embedding[[1, 0]] > 15.0);
    assert_eq!(placed.embedding.row(0), placed.embedding.row(2));
}

#[test]
fn bad_input_is_refused_with_the_problem_named() {
    let (x, _) = clusters(100, 8);
    let map = Array2::<f32>::zeros((100, 2));
    let reference = Reference {
        vectors: x.view(),
        map: map.view(),
        metric: Metric::Euclidean,
    };
    let err = |new: ArrayView2<f32>, params: TransformParams| {
        transform(reference, new, &params, &mut NoObserver)
            .unwrap_err()
            .to_string()
    };
    let ok = TransformParams::default();
    let e = err(Array2::zeros((3, 7)).view(), ok);
    assert!(e.contains("7 columns") && e.contains("8"), "{e}");
    assert!(err(Array2::zeros((0, 8)).view(), ok).contains("0 point"));
    let many = TransformParams {
        neighbors: 101,
        ..ok
    };
    assert!(err(x.view(), many).starts_with("neighbors 101"));
    let wide = TransformParams {
        perplexity: 30.0,
        ..ok
    };
    assert!(err(x.view(), wide).starts_with("perplexity 30"));
    let mut nan = x.slice(s![..2, ..]).to_owned();
    nan[[1, 3]] = f32::NAN;
    assert!(err(nan.view(), ok).contains("row 1"));
    let flat = Array2::<f32>::zeros((100, 1));
    let e = transform(
        Reference {
            map: flat.view(),
            ..reference
        },
        x.view(),
        &ok,
        &mut NoObserver,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("dims 1"), "{e}");
}
