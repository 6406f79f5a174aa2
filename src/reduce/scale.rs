//! Columns on different scales: standardisation (`--standardize`: every column to zero mean
//! and unit variance before PCA and t-SNE) and the check that notes when the columns'
//! variances differ by more than [`SPREAD_NOTE`] times, where the widest column would decide
//! every distance (raw penguin measurements: body mass in grams against bill depth in mm).
//!
//! Sums run in f64, row by row in order, so the result does not depend on the threads.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::ReduceError;

/// Column variances further apart than this many times get a note suggesting
/// `--standardize`.
pub const SPREAD_NOTE: f64 = 100.0;

/// The per-column shift and scale of a standardisation, kept to apply it again to new vectors
/// (placing points into a map).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    /// Each column's mean.
    pub mean: Vec<f64>,
    /// Each column's standard deviation (population), or 1 for a constant column, which is
    /// only centred.
    pub scale: Vec<f64>,
    /// The constant columns (0-based).
    pub constant: Vec<usize>,
}

/// Per-column means and population variances of `x`, in f64.
fn moments(x: ArrayView2<f32>) -> (Vec<f64>, Vec<f64>) {
    let (n, d) = x.dim();
    let mut mean = vec![0f64; d];
    for row in x.axis_iter(Axis(0)) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    let mut var = vec![0f64; d];
    for row in x.axis_iter(Axis(0)) {
        for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
            let t = f64::from(v) - m;
            *s += t * t;
        }
    }
    var.iter_mut().for_each(|s| *s /= n.max(1) as f64);
    (mean, var)
}

/// A variance this small against the column's magnitude is rounding: the column is constant.
fn is_constant(var: f64, mean: f64) -> bool {
    var <= 1e-12 * mean * mean || var == 0.0
}

impl Standardization {
    /// The standardisation of the columns of `x`.
    ///
    /// ```
    /// use embedscope::reduce::scale::Standardization;
    /// let x = ndarray::array![[1.0f32, 10.0, 5.0], [3.0, 30.0, 5.0]];
    /// let s = Standardization::fit(x.view());
    /// assert_eq!(s.constant, [2]);
    /// let z = s.apply(x.view()).unwrap();
    /// assert_eq!(z, ndarray::array![[-1.0f32, -1.0, 0.0], [1.0, 1.0, 0.0]]);
    /// ```
    pub fn fit(x: ArrayView2<f32>) -> Self {
        let (mean, var) = moments(x);
        let mut constant = Vec::new();
        let scale = var
            .iter()
            .zip(&mean)
            .enumerate()
            .map(|(j, (&v, &m))| {
                if is_constant(v, m) {
                    constant.push(j);
                    1.0
                } else {
                    v.sqrt()
                }
            })
            .collect();
        Self {
            mean,
            scale,
            constant,
        }
    }

    /// `(x - mean) / scale`, column by column; `x` must have the fitted number of columns.
    pub fn apply(&self, x: ArrayView2<f32>) -> Result<Array2<f32>, ReduceError> {
        if x.ncols() != self.mean.len() {
            return Err(ReduceError::Shape(format!(
                "standardising {} columns with a standardisation of {}",
                x.ncols(),
                self.mean.len()
            )));
        }
        let mut out = x.to_owned();
        for mut row in out.axis_iter_mut(Axis(0)) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = ((f64::from(*v) - m) / s) as f32;
            }
        }
        Ok(out)
    }

    /// What the user is told about constant columns, if there are any.
    pub fn note(&self) -> Option<String> {
        (!self.constant.is_empty()).then(|| {
            let cols: Vec<String> = self.constant.iter().map(|j| j.to_string()).collect();
            format!(
                "standardized: column(s) {} (0-based) are constant, so only centred",
                cols.join(", ")
            )
        })
    }
}

/// A note when the variances of the non-constant columns of `x` differ by more than
/// [`SPREAD_NOTE`] times, naming the widest and the narrowest column.
pub fn spread_note(x: ArrayView2<f32>) -> Option<String> {
    let (mean, var) = moments(x);
    let spread: Vec<(usize, f64)> = var
        .iter()
        .zip(&mean)
        .enumerate()
        .filter(|(_, (&v, &m))| !is_constant(v, m))
        .map(|(j, (&v, _))| (j, v))
        .collect();
    let by_var = |a: &&(usize, f64), b: &&(usize, f64)| a.1.total_cmp(&b.1);
    let &(wide, max) = spread.iter().max_by(by_var)?;
    let &(narrow, min) = spread.iter().min_by(by_var)?;
    (max > SPREAD_NOTE * min).then(|| {
        format!(
            "the column variances differ {:.0}x (column {wide}: {max:.3e}, column {narrow}: \
             {min:.3e}, 0-based), so the widest columns decide the distances; --standardize \
             puts every column on one scale",
            max / min
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardized_columns_have_zero_mean_and_unit_variance() {
        // Grams against millimetres, a constant column and a column of duplicates.
        let x = array![
            [3750.0f32, 18.7, 1.0, 2.0],
            [3800.0, 17.4, 1.0, 2.0],
            [3250.0, 18.0, 1.0, 4.0],
            [4675.0, 19.3, 1.0, 4.0]
        ];
        let s = Standardization::fit(x.view());
        assert_eq!(s.constant, [2]);
        let z = s.apply(x.view()).unwrap();
        let (mean, var) = moments(z.view());
        for j in [0, 1, 3] {
            assert!(
                mean[j].abs() < 1e-6 && (var[j] - 1.0).abs() < 1e-5,
                "{j}: {mean:?} {var:?}"
            );
        }
        assert!(
            z.column(2).iter().all(|&v| v == 0.0),
            "constant: centred, not divided"
        );
        assert!(z.iter().all(|v| v.is_finite()));
        assert!(s.note().unwrap().contains("column(s) 2"));
        assert!(s.apply(x.slice(ndarray::s![.., ..2])).is_err());
    }

    #[test]
    fn spread_note_names_the_columns_only_when_needed() {
        let raw = array![
            [3750.0f32, 18.7, 5.0],
            [3800.0, 17.4, 5.0],
            [3250.0, 18.0, 5.0]
        ];
        let note = spread_note(raw.view()).unwrap();
        assert!(
            note.contains("column 0") && note.contains("column 1"),
            "{note}"
        );
        let z = Standardization::fit(raw.view()).apply(raw.view()).unwrap();
        assert_eq!(spread_note(z.view()), None);
        let similar = array![[1.0f32, 2.0], [2.0, 5.0], [3.0, 1.0]];
        assert_eq!(spread_note(similar.view()), None);
    }
}
