//! Reader for the IDX format of the MNIST distribution, gzip-compressed or raw.
//!
//! An IDX file is a big-endian header (`0x00 0x00 type ndim`, then `ndim` u32 sizes) followed by
//! the row-major body. MNIST uses type `0x08` (unsigned byte): images are 3-D
//! (`count x rows x cols`, magic `0x00000803`), labels 1-D (`count`, magic `0x00000801`).
//! Every check failure names the file and the problem.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::DataError;

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
    parse_images(path, &read_maybe_gz(path)?)
}

/// Reads an IDX1 labels file (magic `0x00000801`), gzip or raw, from disk.
/// Every label must be a digit 0-9.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    parse_labels(path, &read_maybe_gz(path)?)
}

/// Parses the bytes of an IDX3 images file (gzip or raw); `path` is only used in errors.
pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<Images, DataError> {
    let raw = gunzip_if_needed(path, bytes)?;
    let (dims, body) = parse_header(path, &raw, 3)?;
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
        pixels: body.to_vec(),
    })
}

/// Parses the bytes of an IDX1 labels file (gzip or raw); `path` is only used in errors.
pub fn parse_labels(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let raw = gunzip_if_needed(path, bytes)?;
    let (_, body) = parse_header(path, &raw, 1)?;
    if let Some((i, &l)) = body.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(DataError::invalid(
            path,
            format!("label {l} at index {i} is outside 0-9"),
        ));
    }
    Ok(body.to_vec())
}

fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|e| DataError::io(path, e))
}

fn gunzip_if_needed<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| DataError::invalid(path, format!("corrupt gzip stream: {e}")))?;
        Ok(out.into())
    } else {
        Ok(bytes.into())
    }
}

/// Checks the magic number and sizes; returns the sizes and the body of exactly the right length.
fn parse_header<'a>(
    path: &Path,
    raw: &'a [u8],
    ndim: usize,
) -> Result<(Vec<usize>, &'a [u8]), DataError> {
    let expected_magic = 0x0800 | ndim as u32;
    if raw.len() < 4 {
        return Err(DataError::invalid(
            path,
            format!(
                "file is {} bytes long, too short for an IDX header",
                raw.len()
            ),
        ));
    }
    let magic = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
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
    let header_len = 4 + 4 * ndim;
    if raw.len() < header_len {
        return Err(DataError::invalid(
            path,
            format!("truncated header: {} bytes, need {header_len}", raw.len()),
        ));
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]) as usize
        })
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| DataError::invalid(path, format!("sizes {dims:?} overflow")))?;
    let body = &raw[header_len..];
    if body.len() < expected {
        return Err(DataError::invalid(
            path,
            format!(
                "truncated: header announces {} ({expected} bytes) but the body has only {} bytes",
                describe(&dims),
                body.len()
            ),
        ));
    }
    if body.len() > expected {
        return Err(DataError::invalid(
            path,
            format!(
                "{} trailing bytes after the {} the header announces",
                body.len() - expected,
                describe(&dims)
            ),
        ));
    }
    Ok((dims, body))
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
