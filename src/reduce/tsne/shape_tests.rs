//! t-SNE on the shapes real data has, beyond digits whose clusters touch: well-separated blobs,
//! exact duplicates, a constant column, a far cluster of identical points, N just above the
//! minimum, and many small random inputs with random separations and scales. Every method must
//! give finite coordinates and a finite, non-negative KL, and the exact KL must agree.

use ndarray::Array2;
use rand::{Rng, SeedableRng};

use super::observer::NoObserver;
use super::*;
use crate::reduce::quality::exact_kl;

type Rng8 = rand_chacha::ChaCha8Rng;

/// `n` points in `dims` dimensions around `centres` random centres spread over ±`spread`,
/// with unit noise.
fn blobs(n: usize, centres: usize, dims: usize, spread: f32, seed: u64) -> Array2<f32> {
    let mut rng = Rng8::seed_from_u64(seed);
    let c: Vec<f32> = (0..centres * dims)
        .map(|_| rng.random_range(-spread..spread))
        .collect();
    Array2::from_shape_fn((n, dims), |(i, k)| {
        c[(i % centres) * dims + k] + standard_normal(&mut rng) as f32 * 0.5
    })
}

/// The named shapes, with the perplexity each is run at.
fn shapes() -> Vec<(&'static str, Array2<f32>, f64)> {
    let mut rng = Rng8::seed_from_u64(3);
    let mut dups = blobs(120, 4, 6, 5.0, 4);
    for i in 60..120 {
        let source = dups.row(i % 6).to_owned();
        dups.row_mut(i).assign(&source);
    }
    let mut constant = blobs(150, 3, 5, 20.0, 5);
    constant.column_mut(2).fill(7.0);
    let mut far = Array2::from_shape_fn((220, 6), |_| standard_normal(&mut rng) as f32);
    far.slice_mut(ndarray::s![200.., ..]).fill(40.0);
    vec![
        // Like a table of three species, one far from the other two.
        ("3 far blobs", blobs(150, 3, 4, 200.0, 1), 25.0),
        ("30 separated blobs", blobs(1200, 30, 10, 50.0, 2), 25.0),
        ("duplicates", dups, 10.0),
        ("a constant column", constant, 25.0),
        ("a far cluster of identical points", far, 25.0),
        (
            "N just above the minimum",
            blobs(MIN_POINTS + 1, 2, 3, 30.0, 6),
            1.0,
        ),
    ]
}

fn run(x: &Array2<f32>, params: TsneParams) -> TsneResult {
    let valid = params.check(x.nrows()).unwrap();
    fit(x.view(), &valid, &mut NoObserver).unwrap()
}

fn assert_sound(what: &str, x: &Array2<f32>, r: &TsneResult, perplexity: f64) {
    assert!(
        r.embedding.iter().all(|v| v.is_finite()),
        "{what}: coordinates"
    );
    assert!(
        r.kl_divergence.is_finite() && r.kl_divergence >= 0.0,
        "{what}: reported KL {}",
        r.kl_divergence
    );
    assert!(
        r.kl_history.iter().all(|(_, kl)| kl.is_finite()),
        "{what}: {:?}",
        r.kl_history
    );
    let exact = exact_kl(x.view(), r.embedding.view(), perplexity);
    assert!(
        exact.is_finite() && exact >= 0.0,
        "{what}: exact KL {exact}"
    );
}

#[test]
fn every_method_is_finite_on_every_shape() {
    use GradientMethod::{BarnesHut, Exact, Fft};
    for (name, x, perplexity) in shapes() {
        for (method, dims, neighbors) in [
            (BarnesHut, 2, NeighborMethod::Exact),
            (BarnesHut, 3, NeighborMethod::Approx),
            (Exact, 2, NeighborMethod::Exact),
            (Fft, 2, NeighborMethod::Approx),
        ] {
            if method == Exact && x.nrows() > 300 {
                continue;
            }
            let params = TsneParams {
                dims,
                perplexity,
                method,
                neighbors,
                iterations: 400,
                learning_rate: LearningRate::Auto,
                ..TsneParams::default()
            };
            let r = run(&x, params);
            assert_sound(&format!("{name}, {method:?} {dims}-D"), &x, &r, perplexity);
        }
    }
}

/// Distance of each point to its nearest other point, among the distinct input rows only
/// (copies of a row are one point).
fn nearest_distances(v: &Array2<f32>, keep: &[usize]) -> Vec<f64> {
    keep.iter()
        .map(|&i| {
            keep.iter()
                .filter(|&&j| j != i)
                .map(|&j| {
                    v.row(i)
                        .iter()
                        .zip(v.row(j))
                        .map(|(a, b)| f64::from(a - b).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// With the `auto` rate (whose floor of 50 is far above the stable rate at small N), no point
/// is thrown out of the map: none lies more than 10x the map's median nearest-neighbour
/// distance from its nearest neighbour unless it is 3x as isolated in the input.
#[test]
fn auto_rate_throws_no_point_out_on_small_inputs() {
    for (name, x, perplexity) in shapes() {
        if x.nrows() < 50 {
            continue;
        }
        for method in [GradientMethod::BarnesHut, GradientMethod::Exact] {
            if method == GradientMethod::Exact && x.nrows() > 300 {
                continue;
            }
            let params = TsneParams {
                perplexity,
                method,
                learning_rate: LearningRate::Auto,
                ..TsneParams::default()
            };
            let r = run(&x, params);
            let mut distinct: Vec<usize> = Vec::new();
            for i in 0..x.nrows() {
                if !distinct.iter().any(|&j| x.row(j) == x.row(i)) {
                    distinct.push(i);
                }
            }
            let (input, map) = (
                nearest_distances(&x, &distinct),
                nearest_distances(&r.embedding, &distinct),
            );
            let (mi, mm) = (median(&input), median(&map));
            for (t, (&di, &dm)) in input.iter().zip(&map).enumerate() {
                assert!(
                    dm <= 10.0 * mm || di > 3.0 * mi,
                    "{name}, {method:?}: point {} is {:.1}x the median distance from its \
                     neighbour in the map, {:.1}x in the input",
                    distinct[t],
                    dm / mm,
                    di / mi
                );
            }
        }
    }
}

/// Many small random inputs: random sizes, dimensions, cluster counts, separations (1 to
/// 10,000 times the noise), column scales (1e-3 to 1e3) and duplicated rows, through a random
/// method and perplexity.
#[test]
fn random_small_inputs_stay_finite() {
    let mut rng = Rng8::seed_from_u64(2026);
    for case in 0..40 {
        let n = rng.random_range(MIN_POINTS..160);
        let d = rng.random_range(1..10);
        let centres = rng.random_range(1..6);
        let spread = 10f32.powf(rng.random_range(0.0..4.0));
        let scales: Vec<f32> = (0..d)
            .map(|_| 10f32.powf(rng.random_range(-3.0..3.0)))
            .collect();
        let mut x = blobs(n, centres, d, spread, rng.random());
        for (mut col, s) in x.columns_mut().into_iter().zip(&scales) {
            col.mapv_inplace(|v| v * s);
        }
        for i in 0..rng.random_range(0..n / 3 + 1) {
            let source = x.row(i).to_owned();
            x.row_mut(n - 1 - i).assign(&source);
        }
        let max_perplexity = (n - 1) as f64 / 3.0;
        let perplexity = rng.random_range(1.0..=max_perplexity.clamp(1.0, 30.0));
        let (method, dims) = match rng.random_range(0..4) {
            0 => (GradientMethod::Exact, 2),
            1 => (GradientMethod::Fft, 2),
            2 => (GradientMethod::BarnesHut, 3),
            _ => (GradientMethod::BarnesHut, 2),
        };
        let params = TsneParams {
            dims,
            perplexity,
            method,
            iterations: 300,
            learning_rate: if rng.random() {
                LearningRate::Auto
            } else {
                LearningRate::Fixed(10.0)
            },
            seed: case,
            init: if d < dims { Init::Random } else { Init::Pca },
            ..TsneParams::default()
        };
        let r = run(&x, params);
        let what = format!("case {case}: {n} x {d}, spread {spread}, {params:?}");
        assert_sound(&what, &x, &r, perplexity);
    }
}
