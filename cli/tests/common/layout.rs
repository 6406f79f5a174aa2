//! Layouts of real MNIST digits for the tests and the render benchmark (which includes this
//! file alone): cheap, deterministic and visibly clustered, with their label colouring.

use embedscope::data::metadata::Metadata;
use embedscope::data::Dataset;
use embedscope::render::colouring::Colouring;
use ndarray::{Array1, Array2, Axis};

/// The first `n` embedded MNIST digits placed in 3-D along class-mean contrasts
/// (0 vs 1, 7 vs 3, 2 vs 6): cheap, deterministic and visibly clustered.
pub fn mnist_layout(n: usize) -> (Array2<f32>, Vec<u8>, Dataset) {
    let mut data = Dataset::embedded();
    data.truncate(n);
    let x = data.pixels_f32();
    let mean_of = |c: u8| -> Array1<f32> {
        let rows: Vec<usize> = (0..n).filter(|&i| data.labels[i] == c).collect();
        x.select(Axis(0), &rows).mean_axis(Axis(0)).unwrap()
    };
    let dirs = [(0, 1), (7, 3), (2, 6)].map(|(a, b)| mean_of(a) - mean_of(b));
    let mut out = Array2::zeros((n, 3));
    for (j, d) in dirs.iter().enumerate() {
        out.column_mut(j).assign(&x.dot(d));
    }
    (out, data.labels.clone(), data)
}

/// The colouring of digit labels (the one integer column `label`).
pub fn label_colouring(labels: &[u8]) -> Colouring {
    Colouring::from_column(Some(&Metadata::from_labels(labels).columns()[0]))
}
