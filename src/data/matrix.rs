//! Numeric matrices in and out: any input table ([`crate::data::table`]) for input, float32
//! `.npy` for output, and label vectors (int64 `.npy` out; `.npy` or text in).
//!
//! Every reader error names the file and, for text, the line.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use ndarray::{Array1, Array2};
use ndarray_npy::WriteNpyExt;

use crate::data::metadata::Values;
use crate::data::metadata_io;
use crate::data::table::read_table;
use crate::data::DataError;
use crate::fsutil::write_atomic;

/// Reads an `N x D` matrix from any input table (`.npy`, `.tsv`, `.csv`, `.txt`, `.vec`; see
/// [`crate::data::table`]), dropping the metadata it may carry.
pub fn read_matrix(path: &Path) -> Result<Array2<f32>, DataError> {
    read_table(path).map(|t| t.vectors)
}

/// Writes a float32 matrix as `.npy`, atomically.
pub fn write_npy(path: &Path, a: &Array2<f32>) -> Result<(), DataError> {
    write_atomic(path, |w| a.write_npy(w).map_err(std::io::Error::other))
        .map_err(|e| DataError::io(path, e))
}

/// Writes labels as an int64 `.npy` vector, atomically.
pub fn write_labels_npy(path: &Path, labels: &[u8]) -> Result<(), DataError> {
    let a: Array1<i64> = labels.iter().map(|&l| i64::from(l)).collect();
    write_atomic(path, |w| a.write_npy(w).map_err(std::io::Error::other))
        .map_err(|e| DataError::io(path, e))
}

/// Reads a label vector: a `.npy` vector of integers (or of integer-valued floats), or text with
/// one integer per line (a first line that is the only non-number is a header; see
/// [`crate::data::metadata_io`]). Labels must lie in 0..=255.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
    let (metadata, _) = metadata_io::read_any(path, BufReader::new(file), len, usize::MAX)?;
    let wanted = "expected one integer label per line (or a 1-D integer .npy)";
    let values = match metadata.columns() {
        [] => return Err(DataError::invalid(path, "no labels (empty input)")),
        [column] => &column.values,
        more => {
            return Err(DataError::invalid(
                path,
                format!("{} columns; {wanted}", more.len()),
            ))
        }
    };
    (0..values.len())
        .map(|i| {
            let label = match values {
                Values::Text(_) => None,
                _ => values.number(i).filter(|v| v.fract() == 0.0),
            };
            let shown = values
                .display(i)
                .unwrap_or_else(|| "a missing value".into());
            match label {
                Some(l) if (0.0..=255.0).contains(&l) => Ok(l as u8),
                Some(_) => Err(format!("label {shown} at index {i} is outside 0-255")),
                None => Err(format!(
                    "{shown} at index {i} is not an integer label; {wanted}"
                )),
            }
            .map_err(|problem| DataError::invalid(path, problem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn npy_roundtrip_and_f64_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        let a = array![[1.0f32, 2.0], [3.0, 4.5]];
        write_npy(&p, &a).unwrap();
        assert_eq!(read_matrix(&p).unwrap(), a);
        let p64 = dir.path().join("b.npy");
        let b = array![[1.0f64, -2.0, 3.0]];
        std::fs::write(&p64, {
            let mut v = Vec::new();
            b.write_npy(&mut v).unwrap();
            v
        })
        .unwrap();
        assert_eq!(read_matrix(&p64).unwrap(), array![[1.0f32, -2.0, 3.0]]);
    }

    #[test]
    fn bad_npy_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.npy");
        let mut bytes = Vec::new();
        Array2::<f32>::zeros((10, 4)).write_npy(&mut bytes).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 9]).unwrap();
        let e = read_matrix(&p).unwrap_err().to_string();
        assert!(e.contains("t.npy") && e.contains("truncated"), "{e}");
        let p1 = dir.path().join("v.npy");
        let mut bytes = Vec::new();
        Array1::<f32>::zeros(5).write_npy(&mut bytes).unwrap();
        std::fs::write(&p1, bytes).unwrap();
        let e = read_matrix(&p1).unwrap_err().to_string();
        assert!(e.contains("1-D"), "{e}");
    }

    #[test]
    fn text_tables_with_header_and_ragged_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.tsv");
        std::fs::write(&p, "x\ty\n1\t2\n3\t4\n").unwrap();
        assert_eq!(read_matrix(&p).unwrap(), array![[1.0f32, 2.0], [3.0, 4.0]]);
        let c = dir.path().join("m.csv");
        std::fs::write(&c, "1,2\n3\n").unwrap();
        let e = read_matrix(&c).unwrap_err().to_string();
        assert!(
            e.contains("line 2: 1 field, but the first row has 2"),
            "{e}"
        );
        std::fs::write(&c, "1,2\n3,abc\n").unwrap();
        let e = read_matrix(&c).unwrap_err().to_string();
        assert!(e.contains("'abc' is not a number"), "{e}");
    }

    #[test]
    fn labels_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.npy");
        write_labels_npy(&p, &[0, 9, 3]).unwrap();
        assert_eq!(read_labels(&p).unwrap(), vec![0, 9, 3]);
    }
}
