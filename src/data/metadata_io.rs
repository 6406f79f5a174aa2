//! Reading and writing [`Metadata`] in the TensorBoard projector's conventions.
//!
//! Reading ([`read_metadata`]):
//! - `.npy`: a vector (shape `(N,)` or `(N, 1)`) of integers or floats is one column `label`
//!   (float NaN is a missing value);
//! - text (`.csv` with commas and CSV quoting; any other extension, `.tsv` and `.txt` included,
//!   with tabs and no quoting, as the projector reads it): with one column there is no header
//!   and the column is `label`, except that a first line which is the only non-number of the
//!   column is its name (our old `--labels` files); with several columns the first row is the
//!   header. Lines that hold nothing but whitespace are skipped, as the projector skips them.
//! - Column types are inferred: integers when every present value is one, floats when every
//!   present value is a finite number, text otherwise (and for a column with no value at all).
//!   Missing values: empty cells and `""`, `NA`, `N/A`, `nan`, `NaN`, `null`, `None`.
//!
//! Writing ([`write_metadata_tsv`]) produces what the projector reads back: a header row when
//! there are several columns and none for one, tabs and line breaks inside values replaced by
//! spaces, missing values as empty cells. The projector skips blank lines, so a row that would be
//! blank (its every value missing or blank) gets `NA` in its first cell instead, which
//! [`read_metadata`] reads back as missing.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::data::limits::MAX_METADATA_COLUMNS;
use crate::data::metadata::{Column, Metadata, Values};
use crate::data::npy;
use crate::data::text::{count, csv_error, csv_reader, extension, is_missing, record_line};
use crate::data::DataError;
use crate::fsutil::write_bytes_atomic;

/// Reads the metadata of `n_points` points (see the module docs); the number of rows must be
/// `n_points`.
pub fn read_metadata(path: &Path, n_points: usize) -> Result<Metadata, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
    metadata_from(path, BufReader::new(file), len, n_points)
}

/// Parses the bytes of a metadata file; `path` chooses the format by its extension and names
/// the input in errors.
pub fn parse_metadata(path: &Path, bytes: &[u8], n_points: usize) -> Result<Metadata, DataError> {
    metadata_from(path, bytes, bytes.len() as u64, n_points)
}

fn metadata_from<R: Read>(
    path: &Path,
    reader: R,
    len: u64,
    n_points: usize,
) -> Result<Metadata, DataError> {
    let (metadata, rows) = read_any(path, reader, len, n_points)?;
    if rows != n_points {
        let hint = if metadata.columns().len() == 1 && rows == n_points + 1 {
            " (a one-column file has a header only when its first value is the only one that \
             is not a number)"
        } else {
            ""
        };
        return Err(DataError::invalid(
            path,
            format!("{rows} rows of metadata for {n_points} points; they must match{hint}"),
        ));
    }
    Ok(metadata)
}

/// Reads `.npy` or text metadata, keeping at most `keep` rows (the rest are only counted, so a
/// file far longer than expected costs no memory); returns the metadata and the row count.
pub(crate) fn read_any<R: Read>(
    path: &Path,
    reader: R,
    len: u64,
    keep: usize,
) -> Result<(Metadata, usize), DataError> {
    let invalid = |e: crate::data::metadata::MetadataError| DataError::invalid(path, e.to_string());
    match extension(path).as_str() {
        "npy" => {
            let values = npy::read_column(path, reader, len)?;
            let n = values.len();
            let label = Column {
                name: "label".to_string(),
                values,
            };
            Ok((Metadata::new(n, vec![label]).map_err(invalid)?, n))
        }
        ext => {
            let (delimiter, quoting) = if ext == "csv" {
                (b',', true)
            } else {
                (b'\t', false)
            };
            let (columns, rows) = read_text(path, reader, delimiter, quoting, keep)?;
            let n = columns.first().map_or(0, |c| c.values.len());
            Ok((Metadata::new(n, columns).map_err(invalid)?, rows))
        }
    }
}

/// Reads delimited text into named, typed columns; returns them and the number of data rows.
fn read_text<R: Read>(
    path: &Path,
    reader: R,
    delimiter: u8,
    quoting: bool,
    keep: usize,
) -> Result<(Vec<Column>, usize), DataError> {
    let mut csv = csv_reader(reader, delimiter, quoting, None);
    let mut record = csv::ByteRecord::new();
    // Column-major cells of the first `keep + 1` rows (a header may come first).
    let mut cells: Vec<Vec<String>> = Vec::new();
    let mut records = 0usize;
    while csv
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let line = record_line(&record);
        if records == 0 {
            if record.len() > MAX_METADATA_COLUMNS {
                return Err(DataError::invalid(
                    path,
                    format!(
                        "line {line}: {} columns, more than the {MAX_METADATA_COLUMNS} this \
                         reader accepts",
                        record.len()
                    ),
                ));
            }
            cells = vec![Vec::new(); record.len()];
        } else if record.len() != cells.len() {
            return Err(DataError::invalid(
                path,
                format!(
                    "line {line}: {}, but the first row has {}",
                    count(record.len(), "field"),
                    cells.len()
                ),
            ));
        }
        if records <= keep {
            for (column, field) in cells.iter_mut().zip(record.iter()) {
                column.push(String::from_utf8_lossy(field).into_owned());
            }
        }
        records += 1;
    }
    let header = match &cells[..] {
        [] => return Ok((Vec::new(), 0)),
        [only] => is_single_column_header(only),
        _ => true,
    };
    let rows = records - usize::from(header);
    let columns = cells
        .into_iter()
        .enumerate()
        .map(|(k, mut values)| {
            let name = if header {
                let name = values.remove(0).trim().to_string();
                if name.is_empty() {
                    format!("column {}", k + 1)
                } else {
                    name
                }
            } else {
                "label".to_string()
            };
            values.truncate(keep);
            Column {
                name,
                values: infer(values),
            }
        })
        .collect();
    Ok((columns, rows))
}

/// A lone column has a header when its first value is the only one that is not a number.
fn is_single_column_header(values: &[String]) -> bool {
    let numeric = |v: &String| is_missing(v) || v.trim().parse::<f64>().is_ok();
    match values.split_first() {
        Some((first, rest)) => !rest.is_empty() && !numeric(first) && rest.iter().all(numeric),
        None => false,
    }
}

/// The column type the present values allow: integer, float or text.
fn infer(cells: Vec<String>) -> Values {
    let present = || cells.iter().filter(|c| !is_missing(c)).map(|c| c.trim());
    if present().next().is_some() && present().all(|c| c.parse::<i64>().is_ok()) {
        Values::Integer(
            cells
                .iter()
                .map(|c| present_value(c).and_then(|v| v.parse().ok()))
                .collect(),
        )
    } else if present().next().is_some()
        && present().all(|c| c.parse::<f64>().is_ok_and(f64::is_finite))
    {
        Values::Float(
            cells
                .iter()
                .map(|c| present_value(c).and_then(|v| v.parse().ok()))
                .collect(),
        )
    } else {
        Values::Text(
            cells
                .into_iter()
                .map(|c| (!is_missing(&c)).then_some(c))
                .collect(),
        )
    }
}

/// The trimmed cell, or `None` when it spells a missing value.
fn present_value(cell: &str) -> Option<&str> {
    (!is_missing(cell)).then(|| cell.trim())
}

/// Writes `metadata` as a projector metadata TSV, atomically (see the module docs).
pub fn write_metadata_tsv(path: &Path, metadata: &Metadata) -> Result<(), DataError> {
    let text = metadata_tsv(metadata)
        .ok_or_else(|| DataError::invalid(path, "no metadata columns to write"))?;
    write_bytes_atomic(path, text.as_bytes()).map_err(|e| DataError::io(path, e))
}

/// The projector TSV text of `metadata`; `None` when it has no columns.
pub fn metadata_tsv(metadata: &Metadata) -> Option<String> {
    let columns = metadata.columns();
    if columns.is_empty() {
        return None;
    }
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = String::new();
    if columns.len() > 1 {
        let names: Vec<String> = columns.iter().map(|c| clean(&c.name)).collect();
        out.push_str(&names.join("\t"));
        out.push('\n');
    }
    for i in 0..metadata.len() {
        let mut cells: Vec<String> = columns
            .iter()
            .map(|c| c.values.display(i).map_or_else(String::new, |v| clean(&v)))
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            cells[0] = "NA".to_string();
        }
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    Some(out)
}
