//! Numeric matrices in and out: `.npy` (float32/float64, 2-D) and TSV/CSV text for input,
//! float32 `.npy` for output, and int64 `.npy` label vectors.
//!
//! Every reader error names the file and, for text, the line.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use ndarray::{Array1, Array2};
use ndarray_npy::{ReadNpyError, ReadNpyExt, WriteNpyExt};

use crate::error::DataError;
use crate::fsutil::write_atomic;

/// Reads an `N x D` matrix from `.npy` (float32 or float64, 2-D) or from numeric text
/// (`.tsv`, `.csv`, `.txt`: one row per line, separated by tabs, commas or spaces).
pub fn read_matrix(path: &Path) -> Result<Array2<f32>, DataError> {
    match extension(path).as_str() {
        "npy" => read_npy_matrix(path),
        "tsv" | "csv" | "txt" => read_text_matrix(path),
        other => Err(DataError::invalid(
            path,
            format!("unsupported extension '{other}': expected .npy, .tsv, .csv or .txt"),
        )),
    }
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

/// Reads a label vector from `.npy` (int64, int32 or uint8, 1-D) or from text (one integer per
/// line; a non-numeric first line is taken as a header). Labels must lie in 0..=255.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let wide: Vec<i64> = if extension(path) == "npy" {
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        match Array1::<i64>::read_npy(BufReader::new(file)) {
            Ok(a) => a.to_vec(),
            Err(_) => read_npy_1d_fallback(path)?,
        }
    } else {
        read_text_labels(path)?
    };
    wide.iter()
        .enumerate()
        .map(|(i, &l)| {
            u8::try_from(l).map_err(|_| {
                DataError::invalid(path, format!("label {l} at index {i} is outside 0-255"))
            })
        })
        .collect()
}

fn read_npy_1d_fallback(path: &Path) -> Result<Vec<i64>, DataError> {
    let open = || {
        File::open(path)
            .map(BufReader::new)
            .map_err(|e| DataError::io(path, e))
    };
    if let Ok(a) = Array1::<i32>::read_npy(open()?) {
        return Ok(a.iter().map(|&v| i64::from(v)).collect());
    }
    Array1::<u8>::read_npy(open()?)
        .map(|a| a.iter().map(|&v| i64::from(v)).collect())
        .map_err(|e| npy_error(path, e, "a 1-D int64, int32 or uint8 array"))
}

fn read_npy_matrix(path: &Path) -> Result<Array2<f32>, DataError> {
    let open = || {
        File::open(path)
            .map(BufReader::new)
            .map_err(|e| DataError::io(path, e))
    };
    let a = match Array2::<f32>::read_npy(open()?) {
        Ok(a) => a,
        Err(ReadNpyError::WrongDescriptor(_)) => Array2::<f64>::read_npy(open()?)
            .map_err(|e| npy_error(path, e, "a 2-D float32 or float64 array"))?
            .mapv(|v| v as f32),
        Err(e) => return Err(npy_error(path, e, "a 2-D float32 or float64 array")),
    };
    if a.nrows() == 0 || a.ncols() == 0 {
        return Err(DataError::invalid(
            path,
            format!("empty matrix ({} x {})", a.nrows(), a.ncols()),
        ));
    }
    Ok(a)
}

fn npy_error(path: &Path, e: ReadNpyError, wanted: &str) -> DataError {
    let problem = match e {
        ReadNpyError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "truncated .npy file: the data ends before the shape in its header".to_string()
        }
        ReadNpyError::WrongNdim(_, got) => format!("expected {wanted}, found a {got}-D array"),
        ReadNpyError::WrongDescriptor(d) => format!("expected {wanted}, found dtype {d}"),
        ReadNpyError::MissingData => {
            "truncated .npy file: the data ends before the shape in its header".to_string()
        }
        ReadNpyError::ExtraBytes(n) => format!("{n} trailing bytes after the data"),
        other => format!("not a valid .npy file ({other}); expected {wanted}"),
    };
    DataError::invalid(path, problem)
}

fn read_text_matrix(path: &Path) -> Result<Array2<f32>, DataError> {
    let rows = read_text_rows(path)?;
    let ncols = rows.first().map_or(0, Vec::len);
    if ncols == 0 {
        return Err(DataError::invalid(path, "no numeric rows"));
    }
    let nrows = rows.len();
    let flat: Vec<f32> = rows.into_iter().flatten().collect();
    Array2::from_shape_vec((nrows, ncols), flat)
        .map_err(|e| DataError::invalid(path, e.to_string()))
}

/// Parses numeric rows; checks that every row has as many fields as the first.
fn read_text_rows(path: &Path) -> Result<Vec<Vec<f32>>, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut rows: Vec<Vec<f32>> = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| DataError::io(path, e))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split(['\t', ',', ' '])
            .filter(|f| !f.is_empty())
            .collect();
        let parsed: Result<Vec<f32>, _> = fields.iter().map(|f| f.parse::<f32>()).collect();
        let row = match parsed {
            Ok(r) => r,
            // A non-numeric first line is a header.
            Err(_) if rows.is_empty() && i == 0 => continue,
            Err(_) => {
                let bad = fields
                    .iter()
                    .find(|f| f.parse::<f32>().is_err())
                    .unwrap_or(&"");
                return Err(DataError::invalid(
                    path,
                    format!("line {}: '{bad}' is not a number", i + 1),
                ));
            }
        };
        if let Some(first) = rows.first() {
            if row.len() != first.len() {
                return Err(DataError::invalid(
                    path,
                    format!(
                        "line {}: {} fields, but the first row has {} (ragged table)",
                        i + 1,
                        row.len(),
                        first.len()
                    ),
                ));
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

fn read_text_labels(path: &Path) -> Result<Vec<i64>, DataError> {
    let rows = read_text_rows(path)?;
    rows.iter()
        .enumerate()
        .map(|(i, r)| match r.as_slice() {
            [v] if v.fract() == 0.0 => Ok(*v as i64),
            _ => Err(DataError::invalid(
                path,
                format!("row {}: expected one integer label per line", i + 1),
            )),
        })
        .collect()
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
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
        assert!(e.contains("line 2") && e.contains("ragged"), "{e}");
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
