//! Reader for the IDX format of the MNIST distribution, gzip-compressed or raw.
//!
//! An IDX file is a big-endian header (`0x00 0x00 type ndim`, then `ndim` u32 sizes) followed by
//! the row-major body. MNIST uses type `0x08` (unsigned byte): images are 3-D
//! (`count x rows x cols`, magic `0x00000803`), labels 1-D (`count`, magic `0x00000801`).
//! Every check failure names the file and the problem.
//!
//! The body the header announces must be at most `MAX_IDX_BYTES`; a raw file must hold exactly
//! that many bytes (checked against its size before allocating), and a gzip stream is
//! decompressed as it is read, stopping at the announced size, so neither a lying header nor a
//! decompression bomb costs more memory than the data that really arrives.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use crate::data::limits::{describe_bytes, MAX_IDX_BYTES};
use crate::data::DataError;

/// A stack of 8-bit greyscale images, row-major, `count * rows * cols` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// The pixels, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Reads an IDX3 images file (magic `0x00000803`), gzip or raw, from disk.
pub fn read_images(path: &Path) -> Result<Images, DataError> {
    let (file, len) = open(path)?;
    images_from(path, file, len)
}

/// Reads an IDX1 labels file (magic `0x00000801`), gzip or raw, from disk.
/// Every label must be a digit 0-9.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let (file, len) = open(path)?;
    labels_from(path, file, len)
}

/// Parses the bytes of an IDX3 images file (gzip or raw); `path` is only used in errors.
pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<Images, DataError> {
    images_from(path, bytes, bytes.len() as u64)
}

/// Parses the bytes of an IDX1 labels file (gzip or raw); `path` is only used in errors.
pub fn parse_labels(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    labels_from(path, bytes, bytes.len() as u64)
}

fn open(path: &Path) -> Result<(BufReader<File>, u64), DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
    Ok((BufReader::new(file), len))
}

fn images_from<R: Read>(path: &Path, reader: R, len: u64) -> Result<Images, DataError> {
    let (dims, pixels) = read_idx(path, reader, len, 3)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(DataError::invalid(
            path,
            format!("images of {rows}x{cols} pixels: both sides must be at least 1"),
        ));
    }
    Ok(Images {
        count,
        rows,
        cols,
        pixels,
    })
}

fn labels_from<R: Read>(path: &Path, reader: R, len: u64) -> Result<Vec<u8>, DataError> {
    let (_, body) = read_idx(path, reader, len, 1)?;
    if let Some((i, &l)) = body.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(DataError::invalid(
            path,
            format!("label {l} at index {i} is outside 0-9"),
        ));
    }
    Ok(body)
}

/// Reads an IDX file of `ndim` dimensions, gzip or raw, whose stored length is `len` bytes;
/// returns its sizes and its body.
fn read_idx<R: Read>(
    path: &Path,
    mut reader: R,
    len: u64,
    ndim: usize,
) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let mut start = [0u8; 2];
    let got = read_up_to(&mut reader, &mut start).map_err(|e| DataError::io(path, e))?;
    let whole = start[..got].chain(reader);
    if start == [0x1f, 0x8b] {
        let gz = |e: std::io::Error| DataError::invalid(path, format!("corrupt gzip stream: {e}"));
        read_body(path, GzDecoder::new(whole), None, ndim, gz)
    } else {
        read_body(path, whole, Some(len), ndim, |e| DataError::io(path, e))
    }
}

/// Reads `buf.len()` bytes or up to the end of `reader`; returns how many it read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Checks the magic number and sizes and reads the body of exactly the announced length.
/// `raw_len` is the length of an uncompressed stream (`None` for gzip); `io_error` turns a read
/// failure into the error to report.
fn read_body<R: Read>(
    path: &Path,
    mut raw: R,
    raw_len: Option<u64>,
    ndim: usize,
    io_error: impl Fn(std::io::Error) -> DataError,
) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let dims = read_header(path, &mut raw, ndim, &io_error)?;
    let expected = body_size(path, &dims)?;
    let truncated = |body: u64| {
        DataError::invalid(
            path,
            format!(
                "truncated: header announces {} ({expected} bytes) but the body has only {body} \
                 bytes",
                describe(&dims)
            ),
        )
    };
    if let Some(len) = raw_len {
        let body = len.saturating_sub((4 + 4 * ndim) as u64);
        if body < expected as u64 {
            return Err(truncated(body));
        }
        if body > expected as u64 {
            return Err(DataError::invalid(
                path,
                format!(
                    "{} trailing bytes after the {} the header announces",
                    body - expected as u64,
                    describe(&dims)
                ),
            ));
        }
    }
    // A raw body's size was checked against the file; a gzip body grows with what arrives, so a
    // stream that ends early costs no more than its data.
    let mut body = Vec::with_capacity(if raw_len.is_some() { expected } else { 0 });
    (&mut raw)
        .take(expected as u64)
        .read_to_end(&mut body)
        .map_err(&io_error)?;
    if body.len() < expected {
        return Err(truncated(body.len() as u64));
    }
    if read_up_to(&mut raw, &mut [0u8; 1]).map_err(&io_error)? > 0 {
        return Err(DataError::invalid(
            path,
            format!(
                "trailing bytes after the {} the header announces",
                describe(&dims)
            ),
        ));
    }
    Ok((dims, body))
}

/// Reads and checks the header of an IDX file of `ndim` dimensions (`4 + 4 ndim` bytes: the
/// magic number, then the sizes); returns the sizes.
fn read_header<R: Read>(
    path: &Path,
    raw: &mut R,
    ndim: usize,
    io_error: impl Fn(std::io::Error) -> DataError,
) -> Result<Vec<usize>, DataError> {
    let header_len = 4 + 4 * ndim;
    let mut header = vec![0u8; header_len];
    let got = read_up_to(raw, &mut header).map_err(io_error)?;
    if got < 4 {
        return Err(DataError::invalid(
            path,
            format!("file is {got} bytes long, too short for an IDX header"),
        ));
    }
    let magic = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    let expected_magic = 0x0800 | ndim as u32;
    if magic != expected_magic {
        let what = if ndim == 3 {
            "images (IDX3, unsigned byte)"
        } else {
            "labels (IDX1, unsigned byte)"
        };
        return Err(DataError::invalid(
            path,
            format!(
                "bad magic number 0x{magic:08x}: expected 0x{expected_magic:08x} for MNIST {what}"
            ),
        ));
    }
    if got < header_len {
        return Err(DataError::invalid(
            path,
            format!("truncated header: {got} bytes, need {header_len}"),
        ));
    }
    Ok(header[4..]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect())
}

/// The body's length in bytes for the sizes `dims`, refused above [`MAX_IDX_BYTES`].
fn body_size(path: &Path, dims: &[usize]) -> Result<usize, DataError> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_IDX_BYTES)
        .ok_or_else(|| {
            DataError::invalid(
                path,
                format!(
                    "the header announces {}, more than the {} this reader accepts",
                    describe(dims),
                    describe_bytes(MAX_IDX_BYTES)
                ),
            )
        })
}

fn describe(dims: &[usize]) -> String {
    match dims {
        [n] => format!("{n} labels"),
        [n, r, c] => format!("{n} images of {r}x{c}"),
        _ => format!("{dims:?}"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// Builds raw IDX bytes (used by tests across the crate).
    pub(crate) fn idx_bytes(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(body);
        v
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_raw_and_gzip_images() {
        let body: Vec<u8> = (0..2 * 3 * 4).map(|i| i as u8).collect();
        let raw = idx_bytes(0x803, &[2, 3, 4], &body);
        for bytes in [raw.clone(), gz(&raw)] {
            let img = parse_images(Path::new("x"), &bytes).unwrap();
            assert_eq!((img.count, img.rows, img.cols), (2, 3, 4));
            assert_eq!(img.pixels, body);
        }
    }

    #[test]
    fn rejects_bad_magic_truncation_and_labels() {
        let p = Path::new("f.idx");
        let e = parse_images(p, &idx_bytes(0x801, &[2], &[0, 1]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("f.idx") && e.contains("bad magic"), "{e}");
        let e = parse_images(p, &idx_bytes(0x803, &[2, 2, 2], &[0; 7]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = parse_images(p, &idx_bytes(0x803, &[1, 0, 2], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least 1"), "{e}");
        let e = parse_labels(p, &idx_bytes(0x801, &[3], &[1, 12, 3]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("label 12 at index 1"), "{e}");
        let e = parse_labels(p, &idx_bytes(0x801, &[2], &[1, 2, 3]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("trailing"), "{e}");
        let mut broken = gz(&idx_bytes(0x801, &[2], &[1, 2]));
        broken.truncate(broken.len() - 6);
        let e = parse_labels(p, &broken).unwrap_err().to_string();
        assert!(e.contains("gzip"), "{e}");
    }
}
