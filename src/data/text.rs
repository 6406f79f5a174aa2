//! Helpers shared by the text readers (numeric tables, word vectors, metadata): a reader that
//! bounds the length of a line, the `csv` reader set up for our formats, and number parsing
//! with messages that name the line and column.

use std::io::{self, Read};
use std::path::Path;

use crate::data::limits::{describe_bytes, MAX_LINE_BYTES};
use crate::data::DataError;

/// Wraps a reader and fails with [`io::ErrorKind::InvalidData`] as soon as one line holds more
/// than [`MAX_LINE_BYTES`], so a parser above it never buffers more than that for one line.
///
/// With `quoting`, a newline inside a double-quoted CSV field does not end the line (a `""`
/// escape toggles the quote state twice, so counting quotes is exact for RFC 4180).
pub(crate) struct LineLimit<R> {
    inner: R,
    quoting: bool,
    in_quotes: bool,
    line_len: usize,
    line: u64,
}

impl<R: Read> LineLimit<R> {
    pub(crate) fn new(inner: R, quoting: bool) -> Self {
        Self {
            inner,
            quoting,
            in_quotes: false,
            line_len: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if self.quoting && b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            if b == b'\n' {
                self.line += 1;
                if !self.in_quotes {
                    self.line_len = 0;
                    continue;
                }
            }
            self.line_len += 1;
            if self.line_len > MAX_LINE_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "line {}: longer than {} (the limit for one line)",
                        self.line,
                        describe_bytes(MAX_LINE_BYTES)
                    ),
                ));
            }
        }
        Ok(n)
    }
}

/// A `csv` reader for one of our delimited formats: no header handling (the callers decide),
/// rows of any length (the callers report ragged rows with their line), lines bounded by
/// [`LineLimit`]. Double quotes are special only with `quoting` (CSV); TSV is plain, like the
/// TensorBoard projector reads it. Lines starting with `comment` are skipped.
pub(crate) fn csv_reader<R: Read>(
    reader: R,
    delimiter: u8,
    quoting: bool,
    comment: Option<u8>,
) -> csv::Reader<LineLimit<R>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(quoting)
        .comment(comment)
        .has_headers(false)
        .flexible(true)
        .from_reader(LineLimit::new(reader, quoting))
}

/// A `csv` error as a [`DataError`] about `path`. Our readers read bytes and accept any row
/// length, so the only errors they can get are I/O, including [`LineLimit`]'s, whose message
/// `csv` displays as is.
pub(crate) fn csv_error(path: &Path, e: csv::Error) -> DataError {
    DataError::invalid(path, e.to_string())
}

/// The 1-based line on which `record` starts.
pub(crate) fn record_line(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// The missing-value spellings of metadata cells (after trimming whitespace).
const MISSING: [&str; 8] = ["", "\"\"", "NA", "N/A", "nan", "NaN", "null", "None"];

/// True when a metadata cell spells a missing value.
pub(crate) fn is_missing(cell: &str) -> bool {
    MISSING.contains(&cell.trim())
}

/// True when `field` reads as a number (finite or not): a header cell is one that does not.
pub(crate) fn is_number(field: &[u8]) -> bool {
    std::str::from_utf8(field).is_ok_and(|s| s.trim().parse::<f64>().is_ok())
}

/// Parses a matrix value: a finite number that fits float32. `line` and `column` are 1-based
/// and only used in the error.
pub(crate) fn parse_value(field: &[u8], line: u64, column: usize) -> Result<f32, String> {
    let text = String::from_utf8_lossy(field);
    let text = text.trim();
    let at = || format!("line {line}, column {column}");
    match text.parse::<f64>() {
        Ok(v) if !v.is_finite() => Err(format!("{}: '{text}' is not a finite number", at())),
        Ok(v) if (v as f32).is_infinite() => {
            Err(format!("{}: '{text}' is outside the float32 range", at()))
        }
        Ok(v) => Ok(v as f32),
        Err(_) => Err(format!("{}: '{text}' is not a number", at())),
    }
}

/// `n` and the noun, singular or plural: "1 field", "5 fields".
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The display name of an input: its file stem (`glove-50d` for `data/glove-50d.txt`).
pub(crate) fn display_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub(crate) use crate::fsutil::extension;
