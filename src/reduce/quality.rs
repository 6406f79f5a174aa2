//! Embedding-quality measures, exact and parallel: leave-one-out k-NN label accuracy and the
//! exact KL(P‖Q) of a t-SNE embedding (P over all pairs, as scikit-learn computes it).
//!
//! Both are for tests and measurements; `exact_kl` holds an `N x N` float32 matrix
//! (400 MB at N = 10,000).

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::tsne::affinities::conditional_row;
use super::tsne::neighbors::knn;

/// Leave-one-out `k`-nearest-neighbour accuracy: the fraction of points whose label equals the
/// majority label of their `k` nearest other points (exact; distance ties go to the lower
/// index, vote ties to the smaller label, as scikit-learn's `KNeighborsClassifier`).
///
/// # Panics
/// If `labels` does not have one entry per row, or `k` is not in `1..N`.
pub fn knn_accuracy(points: ArrayView2<f32>, labels: &[u8], k: usize) -> f64 {
    assert_eq!(labels.len(), points.nrows(), "one label per point");
    let nn = knn(points, k);
    let hits: usize = (0..points.nrows())
        .into_par_iter()
        .map(|i| {
            let mut votes = [0usize; 256];
            for &j in nn.row(i).0 {
                votes[labels[j as usize] as usize] += 1;
            }
            let best = (0..256).fold(0, |b, l| if votes[l] > votes[b] { l } else { b });
            usize::from(best == labels[i] as usize)
        })
        .sum();
    hits as f64 / points.nrows() as f64
}

/// The exact KL(P‖Q) of `embedding` for `data` (same rows): P is the perplexity-calibrated
/// Gaussian affinity over all pairs, symmetrised (`(p_j|i + p_i|j) / 2N`), Q the Student-t
/// affinity of the embedding normalised over all pairs.
///
/// # Panics
/// If the row counts differ or there are fewer than 2 rows.
pub fn exact_kl(data: ArrayView2<f32>, embedding: ArrayView2<f32>, perplexity: f64) -> f64 {
    let n = data.nrows();
    assert!(
        n >= 2 && embedding.nrows() == n,
        "exact_kl: {n} vs {} rows",
        embedding.nrows()
    );
    let x: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    let y: Vec<f64> = embedding.iter().map(|&v| f64::from(v)).collect();
    let (dx, dy) = (data.ncols(), embedding.ncols());
    let dist2 = |v: &[f64], d: usize, i: usize, j: usize| -> f64 {
        v[i * d..(i + 1) * d]
            .iter()
            .zip(&v[j * d..(j + 1) * d])
            .map(|(a, b)| (a - b) * (a - b))
            .sum()
    };
    // Conditional rows p_j|i, with the diagonal left at 0.
    let mut cond = vec![0f32; n * n];
    cond.par_chunks_mut(n).enumerate().for_each_init(
        || (vec![0f64; n - 1], vec![0f64; n - 1]),
        |(d, p), (i, row)| {
            for (t, j) in (0..n).filter(|&j| j != i).enumerate() {
                d[t] = dist2(&x, dx, i, j);
            }
            conditional_row(d, perplexity, p);
            for (t, j) in (0..n).filter(|&j| j != i).enumerate() {
                row[j] = p[t] as f32;
            }
        },
    );
    // Per row: Σ P ln(P / w), Σ P and Σ w, combined serially in row order.
    let parts: Vec<(f64, f64, f64)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
            for j in (0..n).filter(|&j| j != i) {
                let w = 1.0 / (1.0 + dist2(&y, dy, i, j));
                c += w;
                let pij =
                    (f64::from(cond[i * n + j]) + f64::from(cond[j * n + i])) / (2 * n) as f64;
                if pij > 0.0 {
                    a += pij * (pij / w).ln();
                    b += pij;
                }
            }
            (a, b, c)
        })
        .collect();
    let (a, b, z) = parts
        .iter()
        .fold((0.0, 0.0, 0.0), |s, p| (s.0 + p.0, s.1 + p.1, s.2 + p.2));
    a + b * z.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn knn_accuracy_on_a_hand_made_layout() {
        // Two tight pairs far apart, plus one point nearer the first pair but labelled 1.
        let p = array![
            [0.0f32, 0.0],
            [0.1, 0.0],
            [10.0, 0.0],
            [10.1, 0.0],
            [1.0, 0.0]
        ];
        let labels = [0u8, 0, 1, 1, 1];
        // k = 1: the stray point's neighbour is point 1 (label 0): 4 of 5 right.
        assert_eq!(knn_accuracy(p.view(), &labels, 1), 0.8);
        // k = 2: points 0 and 1 see {1 or 0, 4} → tie 0/1 → smaller label 0 (right);
        // points 2, 3 see {3 or 2, 4} → 1 (right); point 4 sees {1, 0} → 0 (wrong).
        assert_eq!(knn_accuracy(p.view(), &labels, 2), 0.8);
    }

    #[test]
    fn exact_kl_of_a_perfect_copy_is_small_and_of_a_scramble_large() {
        let n = 120;
        let x = Array2::from_shape_fn((n, 2), |(i, k)| {
            ((i * (k + 3)) % 17) as f32 + (i % 5) as f32 * 30.0
        });
        let scrambled = Array2::from_shape_fn((n, 2), |(i, k)| x[[(i * 7) % n, k]]);
        let good = exact_kl(x.view(), x.view(), 5.0);
        let bad = exact_kl(x.view(), scrambled.view(), 5.0);
        assert!(good.is_finite() && good >= 0.0);
        assert!(bad > good + 1.0, "{good} vs {bad}");
    }
}
