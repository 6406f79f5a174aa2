//! The [`Dataset`]: labelled greyscale images, loaded from the embedded MNIST-10k default or
//! from a directory of MNIST IDX files.
//!
//! Accepted layouts in a `--data DIR`:
//! - our two-file layout: `images-idx3-ubyte[.gz]` and `labels-idx1-ubyte[.gz]`;
//! - the standard MNIST names: `train-images-idx3-ubyte[.gz]` + `train-labels-idx1-ubyte[.gz]`
//!   and/or `t10k-images-idx3-ubyte[.gz]` + `t10k-labels-idx1-ubyte[.gz]` (also with the
//!   `.idx3-ubyte` spelling). When both splits are there they are concatenated, train first,
//!   giving all 70,000 digits.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};

use crate::data::idx::{self, Images};
use crate::data::DataError;

/// The embedded default: 10,000 real MNIST digits (see `assets/mnist-10k/README.md`).
const EMBEDDED_IMAGES: &[u8] = include_bytes!("../../assets/mnist-10k/images-idx3-ubyte.gz");
const EMBEDDED_LABELS: &[u8] = include_bytes!("../../assets/mnist-10k/labels-idx1-ubyte.gz");

/// Labelled images: `images` is `N x (rows*cols)` bytes, one flattened image per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// One flattened 8-bit image per row.
    pub images: Array2<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// Where the data came from, for reports.
    pub source: String,
}

/// The (images, labels) file-name pairs for one split, in order of preference.
const SPLITS: [(&str, &[&str], &[&str]); 3] = [
    ("", &["images-idx3-ubyte"], &["labels-idx1-ubyte"]),
    (
        "train",
        &["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
        &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
    ),
    (
        "t10k",
        &["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
        &["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
    ),
];

impl Dataset {
    /// The embedded MNIST-10k digits.
    pub fn embedded() -> Self {
        let path = Path::new("<embedded assets/mnist-10k>");
        let images = idx::parse_images(path, EMBEDDED_IMAGES).expect("embedded images are valid");
        let labels = idx::parse_labels(path, EMBEDDED_LABELS).expect("embedded labels are valid");
        Self::from_parts(images, labels, "embedded MNIST-10k".to_string())
    }

    /// Loads `dir` when given, the embedded default otherwise.
    pub fn load(dir: Option<&Path>) -> Result<Self, DataError> {
        match dir {
            None => Ok(Self::embedded()),
            Some(d) => Self::from_dir(d),
        }
    }

    /// Loads every split found in `dir` (see the module docs for the accepted names).
    pub fn from_dir(dir: &Path) -> Result<Self, DataError> {
        if !dir.is_dir() {
            return Err(DataError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
            ));
        }
        let mut parts: Vec<Dataset> = Vec::new();
        for (name, image_names, label_names) in SPLITS {
            let img = find(dir, image_names);
            let lab = find(dir, label_names);
            match (img, lab) {
                (Some(i), Some(l)) => parts.push(Self::from_files(&i, &l)?),
                (Some(i), None) => {
                    return Err(DataError::invalid(
                        &i,
                        format!(
                            "no matching labels file ({}[.gz]) beside it",
                            label_names[0]
                        ),
                    ))
                }
                (None, Some(l)) => {
                    return Err(DataError::invalid(
                        &l,
                        format!(
                            "no matching images file ({}[.gz]) beside it",
                            image_names[0]
                        ),
                    ))
                }
                (None, None) => {}
            }
            // Our two-file layout stands alone.
            if name.is_empty() && !parts.is_empty() {
                break;
            }
        }
        let mut parts = parts.into_iter();
        let mut all = parts.next().ok_or_else(|| DataError::Missing {
            dir: dir.to_path_buf(),
            expected: "images-idx3-ubyte[.gz] + labels-idx1-ubyte[.gz], or the standard \
                       train-/t10k- MNIST files"
                .to_string(),
        })?;
        for p in parts {
            if (p.rows, p.cols) != (all.rows, all.cols) {
                return Err(DataError::invalid(
                    dir,
                    format!(
                        "splits disagree on image size: {}x{} ({}) vs {}x{} ({})",
                        all.rows, all.cols, all.source, p.rows, p.cols, p.source
                    ),
                ));
            }
            all.images
                .append(ndarray::Axis(0), p.images.view())
                .expect("same width");
            all.labels.extend(p.labels);
            all.source = format!("{} + {}", all.source, p.source);
        }
        Ok(all)
    }

    /// Loads one images file and its labels file, checking that the counts match.
    pub fn from_files(images: &Path, labels: &Path) -> Result<Self, DataError> {
        let img = idx::read_images(images)?;
        let lab = idx::read_labels(labels)?;
        if img.count != lab.len() {
            return Err(DataError::CountMismatch {
                images: images.to_path_buf(),
                labels: labels.to_path_buf(),
                n_images: img.count,
                n_labels: lab.len(),
            });
        }
        if img.count == 0 {
            return Err(DataError::invalid(images, "holds no images"));
        }
        Ok(Self::from_parts(img, lab, images.display().to_string()))
    }

    fn from_parts(img: Images, labels: Vec<u8>, source: String) -> Self {
        let images = Array2::from_shape_vec((img.count, img.rows * img.cols), img.pixels)
            .expect("IDX body length was checked");
        Self {
            images,
            labels,
            rows: img.rows,
            cols: img.cols,
            source,
        }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Keeps the first `n` images (all of them when `n >= len`).
    pub fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.images = self.images.slice(ndarray::s![..n, ..]).to_owned();
            self.labels.truncate(n);
        }
    }

    /// The images as floats in `[0, 1]` (pixel / 255), one flattened image per row.
    pub fn pixels_f32(&self) -> Array2<f32> {
        self.images.mapv(|p| f32::from(p) / 255.0)
    }

    /// The raw images as a view, one flattened image per row.
    pub fn images(&self) -> ArrayView2<'_, u8> {
        self.images.view()
    }
}

fn find(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|n| {
        [format!("{n}.gz"), n.to_string()]
            .into_iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::tests::idx_bytes;

    #[test]
    fn embedded_is_mnist_10k() {
        let d = Dataset::embedded();
        assert_eq!((d.len(), d.rows, d.cols), (10_000, 28, 28));
        let mut counts = [0usize; 10];
        d.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert_eq!(
            counts,
            [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
        );
    }

    #[test]
    fn standard_names_concatenate_train_then_test() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str, b: Vec<u8>| std::fs::write(dir.path().join(n), b).unwrap();
        w(
            "train-images-idx3-ubyte",
            idx_bytes(0x803, &[2, 2, 2], &[1; 8]),
        );
        w("train-labels-idx1-ubyte", idx_bytes(0x801, &[2], &[3, 4]));
        w(
            "t10k-images-idx3-ubyte",
            idx_bytes(0x803, &[1, 2, 2], &[2; 4]),
        );
        w("t10k-labels-idx1-ubyte", idx_bytes(0x801, &[1], &[5]));
        let d = Dataset::from_dir(dir.path()).unwrap();
        assert_eq!(d.labels, vec![3, 4, 5]);
        assert_eq!(d.images.row(2).to_vec(), vec![2; 4]);
    }

    #[test]
    fn count_mismatch_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let e = Dataset::from_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("no MNIST files"), "{e}");
        std::fs::write(
            dir.path().join("images-idx3-ubyte"),
            idx_bytes(0x803, &[2, 1, 1], &[1, 2]),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("labels-idx1-ubyte"),
            idx_bytes(0x801, &[3], &[1, 2, 3]),
        )
        .unwrap();
        let e = Dataset::from_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("2 images") && e.contains("3 labels"), "{e}");
    }
}
