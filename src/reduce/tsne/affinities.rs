//! Input affinities: the sparse, symmetric joint probabilities P of t-SNE.
//!
//! For every point a Gaussian over its k nearest neighbours is fitted by binary search on its
//! precision β so that the conditional distribution's perplexity `exp(H)` matches the target
//! (entropy tolerance [`ENTROPY_TOLERANCE`] nats, as in scikit-learn). The conditional rows are
//! then symmetrised, `P_ij = (p_j|i + p_i|j) / 2N`, into a CSR matrix that sums to 1.
//! Distances are shifted by the row's smallest one before exponentiating, which leaves the
//! distribution unchanged but means no row can underflow to zero: duplicate points (all
//! distances 0) get a uniform row, never NaN.

use rayon::prelude::*;

use super::neighbors::Knn;

/// Entropy tolerance of the per-point binary search, in nats.
pub const ENTROPY_TOLERANCE: f64 = 1e-5;
/// Iteration cap of the binary search.
const MAX_STEPS: usize = 200;

/// A sparse symmetric matrix in compressed sparse row form, columns sorted within each row.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseP {
    /// Row `i` occupies `indptr[i]..indptr[i + 1]` of `indices` and `values`.
    pub indptr: Vec<usize>,
    /// Column indices.
    pub indices: Vec<u32>,
    /// The probabilities `P_ij`.
    pub values: Vec<f64>,
}

impl SparseP {
    /// Number of rows (points).
    pub fn n(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Columns and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    /// The same matrix with the points renumbered: new point `r` is old point `order[r]`.
    pub fn permuted(&self, order: &[u32]) -> SparseP {
        let mut new_index = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            new_index[i as usize] = r as u32;
        }
        let rows: Vec<Vec<(u32, f64)>> = order
            .par_iter()
            .map(|&i| {
                let (cols, vals) = self.row(i as usize);
                let mut row: Vec<(u32, f64)> = cols
                    .iter()
                    .zip(vals)
                    .map(|(&j, &v)| (new_index[j as usize], v))
                    .collect();
                row.sort_unstable_by_key(|e| e.0);
                row
            })
            .collect();
        let mut indptr = Vec::with_capacity(order.len() + 1);
        indptr.push(0);
        let (mut indices, mut values) = (
            Vec::with_capacity(self.indices.len()),
            Vec::with_capacity(self.values.len()),
        );
        for row in rows {
            for (j, v) in row {
                indices.push(j);
                values.push(v);
            }
            indptr.push(indices.len());
        }
        SparseP {
            indptr,
            indices,
            values,
        }
    }
}

/// Fills `out` with the conditional distribution `p_j|i ∝ exp(-β d_j)` over the squared
/// distances `dist2` whose perplexity matches `perplexity`, and returns β.
pub fn conditional_row(dist2: &[f64], perplexity: f64, out: &mut [f64]) -> f64 {
    let target = perplexity.ln();
    let d0 = dist2.iter().copied().fold(f64::INFINITY, f64::min);
    let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    for _ in 0..MAX_STEPS {
        let entropy = fill_row(dist2, d0, beta, out);
        let diff = entropy - target;
        if diff.abs() <= ENTROPY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi.is_finite() {
                (beta + hi) / 2.0
            } else {
                beta * 2.0
            };
        } else {
            hi = beta;
            beta = if lo.is_finite() {
                (beta + lo) / 2.0
            } else {
                beta / 2.0
            };
        }
    }
    fill_row(dist2, d0, beta, out);
    beta
}

/// Writes the normalised row for precision `beta` and returns its entropy in nats.
fn fill_row(dist2: &[f64], d0: f64, beta: f64, out: &mut [f64]) -> f64 {
    let mut sum = 0.0;
    for (o, &d) in out.iter_mut().zip(dist2) {
        *o = (-(d - d0) * beta).exp();
        sum += *o;
    }
    let mut weighted = 0.0;
    for (o, &d) in out.iter_mut().zip(dist2) {
        *o /= sum;
        weighted += (d - d0) * *o;
    }
    sum.ln() + beta * weighted
}

/// The symmetric joint probabilities from the k-nearest-neighbour graph.
pub fn joint_probabilities(knn: &Knn, perplexity: f64) -> SparseP {
    let (n, k) = (knn.dist2.len() / knn.k, knn.k);
    let mut cond = vec![0f64; n * k];
    cond.par_chunks_mut(k).enumerate().for_each(|(i, row)| {
        conditional_row(knn.row(i).1, perplexity, row);
    });

    // Every (i, j, p_j|i) lands in row i (column j) and in row j (column i).
    let mut start = vec![k; n + 1];
    start[0] = 0;
    for &j in &knn.indices {
        start[j as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut cursor = start.clone();
    let mut entries = vec![(0u32, 0f64); start[n]];
    for i in 0..n {
        let (cols, _) = knn.row(i);
        for (&j, &p) in cols.iter().zip(&cond[i * k..(i + 1) * k]) {
            entries[cursor[i]] = (j, p);
            cursor[i] += 1;
            entries[cursor[j as usize]] = (i as u32, p);
            cursor[j as usize] += 1;
        }
    }

    // Sort each row by column and merge the (at most two) entries of a pair.
    let mut rows: Vec<&mut [(u32, f64)]> = Vec::with_capacity(n);
    let mut rest = entries.as_mut_slice();
    for i in 0..n {
        let (row, tail) = rest.split_at_mut(start[i + 1] - start[i]);
        rows.push(row);
        rest = tail;
    }
    let lens: Vec<usize> = rows
        .into_par_iter()
        .map(|row| {
            row.sort_unstable_by_key(|e| e.0);
            let mut len = 0;
            for t in 0..row.len() {
                if len > 0 && row[len - 1].0 == row[t].0 {
                    row[len - 1].1 += row[t].1;
                } else {
                    row[len] = row[t];
                    len += 1;
                }
            }
            len
        })
        .collect();

    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    let total_len: usize = lens.iter().sum();
    let (mut indices, mut values) = (Vec::with_capacity(total_len), Vec::with_capacity(total_len));
    for i in 0..n {
        for &(j, p) in &entries[start[i]..start[i] + lens[i]] {
            indices.push(j);
            values.push(p);
        }
        indptr.push(indices.len());
    }
    // Each conditional row sums to 1, so the total is 2N up to rounding: normalise exactly.
    let total: f64 = values.iter().sum();
    values.iter_mut().for_each(|v| *v /= total);
    SparseP {
        indptr,
        indices,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::tsne::neighbors::knn;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};

    fn entropy(p: &[f64]) -> f64 {
        -p.iter()
            .filter(|&&v| v > 0.0)
            .map(|v| v * v.ln())
            .sum::<f64>()
    }

    #[test]
    fn rows_match_perplexity_and_p_is_symmetric_summing_to_one() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let data = Array2::from_shape_fn((300, 10), |_| rng.random::<f32>() * 4.0);
        let perplexity = 12.0;
        let nn = knn(data.view(), 36);
        let mut row = vec![0.0; 36];
        for i in 0..300 {
            conditional_row(nn.row(i).1, perplexity, &mut row);
            let perp = entropy(&row).exp();
            assert!(
                (perp - perplexity).abs() / perplexity < 1e-4,
                "row {i}: {perp}"
            );
        }
        let p = joint_probabilities(&nn, perplexity);
        let total: f64 = p.values.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let mut dense = vec![0.0f64; 300 * 300];
        for i in 0..300 {
            let (cols, vals) = p.row(i);
            assert!(
                cols.windows(2).all(|w| w[0] < w[1]),
                "row {i} not sorted/unique"
            );
            for (&j, &v) in cols.iter().zip(vals) {
                assert!(v > 0.0 && j as usize != i);
                dense[i * 300 + j as usize] = v;
            }
        }
        for i in 0..300 {
            for j in 0..300 {
                assert_eq!(dense[i * 300 + j], dense[j * 300 + i], "({i}, {j})");
            }
        }
    }

    #[test]
    fn duplicate_points_give_finite_uniform_rows() {
        let mut data = Array2::<f32>::zeros((20, 3));
        data.row_mut(19).fill(1.0);
        let nn = knn(data.view(), 6);
        let p = joint_probabilities(&nn, 2.0);
        assert!(p.values.iter().all(|v| v.is_finite() && *v > 0.0));
        let mut row = vec![0.0; 6];
        conditional_row(&[0.0; 6], 2.0, &mut row);
        assert!(row.iter().all(|&v| (v - 1.0 / 6.0).abs() < 1e-15));
    }
}
