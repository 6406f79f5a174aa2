//! Input tables: the vectors to reduce, read from `.npy`, TSV/CSV or word-vector text, with
//! whatever per-point metadata the format carries (the words of a word-vector file).
//!
//! Formats, chosen by extension:
//! - `.npy`: 2-D, any numeric dtype (float32/64, int8-64, uint8-64, either byte order, C or Fortran order);
//! - `.tsv` (tabs) and `.csv` (commas, with CSV quoting), parsed by the `csv` crate: one row per
//!   line, an optional header row (a first row with any field that is not a number, e.g. the
//!   column names; the projector's tensor TSV has none), lines starting with `#` skipped;
//! - `.txt` and `.vec`: whitespace-separated, either a numeric matrix (as above) or word vectors
//!   in GloVe / word2vec / fastText text format, `word v1 ... vD` per line, with word2vec's
//!   optional first line `N D`. A `.vec` file is always word vectors; a `.txt` file is when its
//!   first line is a word (not a number) followed by numbers. The words become the text column
//!   `word`; a word is everything before the last `D` fields, so words may hold any character,
//!   spaces included, and quotes are not special. (Runs of whitespace cannot be split by the
//!   `csv` crate, so these lines are split here.)
//!
//! Every value must be a finite number that fits float32; errors name the file, the line and
//! the column (1-based). Sizes are bounded by `crate::data::limits`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use ndarray::Array2;

use crate::data::limits::{max_values, MAX_COLUMNS};
use crate::data::metadata::{Column, Metadata, Values};
use crate::data::npy;
use crate::data::text::{
    count, csv_error, csv_reader, display_name, extension, is_number, parse_value, record_line,
    LineLimit,
};
use crate::data::DataError;

/// An input table: `N x D` vectors, the metadata its format carries, and a display name.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// One row per point.
    pub vectors: Array2<f32>,
    /// The words of a word-vector file as a text column `word`; no columns otherwise.
    pub metadata: Metadata,
    /// The input's display name: the file stem, e.g. `glove-50d`.
    pub name: String,
}

/// Reads a table from a file (see the module docs for the formats).
pub fn read_table(path: &Path) -> Result<Table, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
    table_from(path, BufReader::new(file), len)
}

/// Parses the bytes of a table file; `path` chooses the format by its extension and names the
/// input in errors.
pub fn parse_table(path: &Path, bytes: &[u8]) -> Result<Table, DataError> {
    table_from(path, bytes, bytes.len() as u64)
}

fn table_from<R: BufRead>(path: &Path, reader: R, len: u64) -> Result<Table, DataError> {
    let (vectors, metadata) = match extension(path).as_str() {
        "npy" => no_metadata(npy::read_matrix(path, reader, len)?),
        "tsv" => no_metadata(read_delimited(path, reader, b'\t', false)?),
        "csv" => no_metadata(read_delimited(path, reader, b',', true)?),
        ext @ ("txt" | "vec") => read_whitespace(path, reader, ext == "vec")?,
        other => {
            return Err(DataError::invalid(
                path,
                format!("unsupported extension '{other}': expected .npy, .tsv, .csv, .txt or .vec"),
            ))
        }
    };
    Ok(Table {
        vectors,
        metadata,
        name: display_name(path),
    })
}

fn no_metadata(vectors: Array2<f32>) -> (Array2<f32>, Metadata) {
    let n = vectors.nrows();
    (vectors, Metadata::empty(n))
}

/// Numeric rows as they arrive, checked for width and the size limits.
struct Rows<'a> {
    path: &'a Path,
    width: usize,
    values: Vec<f32>,
}

impl<'a> Rows<'a> {
    fn new(path: &'a Path) -> Self {
        Self {
            path,
            width: 0,
            values: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// Adds the row on `line` (1-based), whose fields are all values.
    fn push<'f>(
        &mut self,
        line: u64,
        fields: impl ExactSizeIterator<Item = &'f [u8]>,
    ) -> Result<(), DataError> {
        let bad = |problem: String| DataError::invalid(self.path, problem);
        let n = fields.len();
        if self.width == 0 {
            if n > MAX_COLUMNS {
                return Err(bad(format!(
                    "line {line}: {n} columns, more than the {MAX_COLUMNS} this reader accepts"
                )));
            }
            self.width = n;
        } else if n != self.width {
            return Err(bad(format!(
                "line {line}: {}, but the first row has {}",
                count(n, "field"),
                self.width
            )));
        }
        let max = max_values();
        if self.values.len() + n > max {
            return Err(bad(format!(
                "line {line}: more than {max} values in all, the limit of this reader \
                 (half this machine's memory as float32)"
            )));
        }
        for (k, field) in fields.enumerate() {
            self.values
                .push(parse_value(field, line, k + 1).map_err(bad)?);
        }
        Ok(())
    }

    fn finish(self) -> Result<Array2<f32>, DataError> {
        if self.values.is_empty() {
            return Err(DataError::invalid(
                self.path,
                "no numeric rows (empty input)",
            ));
        }
        let rows = self.len();
        Array2::from_shape_vec((rows, self.width), self.values)
            .map_err(|e| DataError::invalid(self.path, e.to_string()))
    }
}

/// A TSV or CSV table: an optional header row, then numbers.
fn read_delimited<R: Read>(
    path: &Path,
    reader: R,
    delimiter: u8,
    quoting: bool,
) -> Result<Array2<f32>, DataError> {
    let mut csv = csv_reader(reader, delimiter, quoting, Some(b'#'));
    let mut record = csv::ByteRecord::new();
    let mut rows = Rows::new(path);
    let mut first = true;
    while csv
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        let header = first && record.iter().any(|f| !is_number(f));
        first = false;
        if !header {
            rows.push(record_line(&record), record.iter())?;
        }
    }
    rows.finish()
}

/// What a whitespace-separated file holds, decided by its first lines.
#[derive(Clone, Copy)]
enum Layout {
    Matrix,
    /// Word vectors of `dim` numbers; `declared` is the `N` of a word2vec `N D` first line.
    Words {
        dim: usize,
        declared: Option<usize>,
    },
}

/// A `.txt` or `.vec` file: a numeric matrix or word vectors (see the module docs).
fn read_whitespace<R: Read>(
    path: &Path,
    reader: R,
    always_words: bool,
) -> Result<(Array2<f32>, Metadata), DataError> {
    let mut reader = BufReader::new(LineLimit::new(reader, false));
    let mut buf = Vec::new();
    let mut file = WhitespaceFile::new(path, always_words);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| DataError::invalid(path, e.to_string()))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        file.line(line_no, &String::from_utf8_lossy(&buf))?;
    }
    file.finish()
}

/// What [`read_whitespace`] has read so far.
struct WhitespaceFile<'a> {
    path: &'a Path,
    /// A `.vec` file: word vectors whatever the first line looks like.
    always_words: bool,
    /// Decided by the first lines.
    layout: Option<Layout>,
    /// A first line `N D` that may be word2vec's header or a matrix row: (line, N, D).
    counts_line: Option<(u64, usize, usize)>,
    rows: Rows<'a>,
    /// The words of word-vector lines, one per row.
    words: Vec<Option<String>>,
    /// Whether a matrix's optional header row can no longer come.
    past_header: bool,
}

impl<'a> WhitespaceFile<'a> {
    fn new(path: &'a Path, always_words: bool) -> Self {
        Self {
            path,
            always_words,
            layout: None,
            counts_line: None,
            rows: Rows::new(path),
            words: Vec::new(),
            past_header: false,
        }
    }

    /// Reads line `line_no` (1-based), `text`.
    fn line(&mut self, line_no: u64, text: &str) -> Result<(), DataError> {
        let fields: Vec<&str> = text.split_ascii_whitespace().collect();
        if fields.is_empty() {
            return Ok(());
        }
        let Some(layout) = self.layout_at(line_no, &fields)? else {
            return Ok(());
        };
        match layout {
            Layout::Words { dim, .. } => self.push_word_line(line_no, text, &fields, dim),
            Layout::Matrix if text.trim_start().starts_with('#') => Ok(()),
            Layout::Matrix => {
                let header = !self.past_header && fields.iter().any(|f| !is_number(f.as_bytes()));
                self.past_header = true;
                if header {
                    Ok(())
                } else {
                    self.rows.push(line_no, fields.iter().map(|f| f.as_bytes()))
                }
            }
        }
    }

    /// The layout that line `line_no` (its `fields`, not empty) is read with: decided by the
    /// first lines, so by this one while it is not known. `None` when this is a first line
    /// `N D`, kept until the next line shows whether it was word2vec's header.
    fn layout_at(&mut self, line_no: u64, fields: &[&str]) -> Result<Option<Layout>, DataError> {
        if let Some(layout) = self.layout {
            return Ok(Some(layout));
        }
        let is_word_line = fields.len() >= 2
            && !is_number(fields[0].as_bytes())
            && fields[1..].iter().all(|f| is_number(f.as_bytes()));
        let layout = if let Some(counts) = self.counts_line.take() {
            self.after_counts(line_no, fields, is_word_line, counts)?
        } else {
            if let [n, d] = fields {
                if let (Ok(n), Ok(d)) = (n.parse::<usize>(), d.parse::<usize>()) {
                    self.counts_line = Some((line_no, n, d));
                    return Ok(None);
                }
            }
            first_layout(fields, is_word_line, self.always_words)
        };
        Ok(Some(*self.layout.insert(layout)))
    }

    /// The layout decided by the line after a first line `counts_at: N D`: word vectors of `D`
    /// numbers (and `N` words), or a matrix whose first row was that line.
    fn after_counts(
        &mut self,
        line_no: u64,
        fields: &[&str],
        is_word_line: bool,
        (counts_at, n, d): (u64, usize, usize),
    ) -> Result<Layout, DataError> {
        if !(self.always_words || is_word_line) {
            push_counts(&mut self.rows, (counts_at, n, d))?;
            self.past_header = true;
            return Ok(Layout::Matrix);
        }
        if fields.len() != d + 1 {
            return Err(DataError::invalid(
                self.path,
                format!(
                    "line {line_no}: {}, but line {counts_at} announces {d} dimensions (a word \
                     and {d} numbers per line)",
                    count(fields.len(), "field")
                ),
            ));
        }
        Ok(Layout::Words {
            dim: d,
            declared: Some(n),
        })
    }

    /// Adds a word-vector line `text` (its `fields`): a word, then `dim` numbers.
    fn push_word_line(
        &mut self,
        line_no: u64,
        text: &str,
        fields: &[&str],
        dim: usize,
    ) -> Result<(), DataError> {
        if dim == 0 || fields.len() < dim + 1 {
            return Err(DataError::invalid(
                self.path,
                format!(
                    "line {line_no}: {}, but a word-vector line needs a word and {} numbers",
                    count(fields.len(), "field"),
                    dim.max(1)
                ),
            ));
        }
        let numbers = &fields[fields.len() - dim..];
        // The word is the text before the first number, whatever it holds.
        let start = numbers[0].as_ptr() as usize - text.as_ptr() as usize;
        self.rows
            .push(line_no, numbers.iter().map(|f| f.as_bytes()))?;
        self.words.push(Some(text[..start].trim().to_string()));
        Ok(())
    }

    /// The vectors and, for word vectors, the words, once every line is read.
    fn finish(mut self) -> Result<(Array2<f32>, Metadata), DataError> {
        if let Some(counts) = self.counts_line {
            // A file of one line `N D` is a one-row matrix.
            push_counts(&mut self.rows, counts)?;
        }
        let vectors = self.rows.finish()?;
        let Some(Layout::Words { declared, .. }) = self.layout else {
            let metadata = Metadata::empty(vectors.nrows());
            return Ok((vectors, metadata));
        };
        let words = self.words;
        if let Some(n) = declared.filter(|&n| n != words.len()) {
            return Err(DataError::invalid(
                self.path,
                format!(
                    "the first line announces {n} words, but the file holds {}",
                    words.len()
                ),
            ));
        }
        let word = Column {
            name: "word".to_string(),
            values: Values::Text(words),
        };
        let metadata = Metadata::new(vectors.nrows(), vec![word])
            .map_err(|e| DataError::invalid(self.path, e.to_string()))?;
        Ok((vectors, metadata))
    }
}

/// Adds a first line `N D` that turned out to be a matrix row.
fn push_counts(rows: &mut Rows, (line, n, d): (u64, usize, usize)) -> Result<(), DataError> {
    let fields = [n.to_string(), d.to_string()];
    rows.push(line, fields.iter().map(String::as_bytes))
}

/// The layout a first line (not word2vec's `N D`) implies.
fn first_layout(fields: &[&str], is_word_line: bool, always_words: bool) -> Layout {
    if always_words || is_word_line {
        Layout::Words {
            dim: fields.len() - 1,
            declared: None,
        }
    } else {
        Layout::Matrix
    }
}
