//! The Embedding Projector's files: tensors, `metadata.tsv` and `projector_config.pbtxt`.
//!
//! Tensor format, chosen by size:
//! - up to [`RAW_MIN_VALUES`] values: TSV (one point per line, tab-separated, shortest
//!   round-trip decimal, so exact). It is readable, and the projector parses it as text
//!   first, so it never depends on the fallback below. 10,000 x 64 codes are about 6 MB.
//! - larger: raw little-endian float32 with `tensor_shape: N tensor_shape: D` in the config.
//!   70,000 x 64 codes are 17.9 MB raw against about 45 MB of TSV, which TensorBoard would also
//!   parse line by line in Python at each load. TensorBoard only takes a file as raw when
//!   decoding it as UTF-8 fails (it reads the first 16 MiB as text), so raw is used only if the
//!   bytes are provably not UTF-8 within their first MiB; otherwise TSV is written anyway.
//!
//! Embeddings of fewer than [`MIN_DIMS`] dimensions are written with zero columns up to 3: the
//! projector opens on a 3-D PCA view (X, Y, Z = components 1, 2, 3), and with a 2-D tensor it
//! shows no points at all ("Total variance described: NaN%", Z empty). Padded, a 2-D t-SNE lies
//! in the z = 0 plane, its coordinates unchanged; unticking the Z box shows it flat.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use ndarray::{s, Array2, ArrayView2};

use crate::export::ExportError;
use crate::fsutil::write_atomic;

/// Tensors narrower than this are padded with zero columns (see the module docs).
pub(crate) const MIN_DIMS: usize = 3;

/// From this many values (N x D) on, tensors are written as raw float32 instead of TSV.
pub(crate) const RAW_MIN_VALUES: usize = 1 << 20;

/// How much of a raw tensor must already be invalid UTF-8 for TensorBoard to take it as raw.
const UTF8_PROBE: usize = 1 << 20;

/// One `embeddings { ... }` block of the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingEntry {
    /// `tensor_name`, shown in the projector's menu (e.g. `tsne/2d`).
    pub tensor_name: String,
    /// `tensor_path`, relative to the config's directory.
    pub tensor_path: String,
    /// `tensor_shape`: points, dimensions.
    pub shape: (usize, usize),
    /// `metadata_path`, relative to the config's directory.
    pub metadata_path: Option<String>,
    /// The sprite's path and `single_image_dim` (width, height).
    pub sprite: Option<(String, usize, usize)>,
}

/// A named embedding to show in the projector: one row per point.
#[derive(Debug, Clone)]
pub struct NamedEmbedding<'a> {
    /// The name in the projector's menu, e.g. `autoencoder/code` or `tsne/2d`.
    pub name: String,
    /// `N x D` coordinates, all finite.
    pub coords: ArrayView2<'a, f32>,
}

/// Writes `coords` to `dir/<stem>.tensor.tsv` or `.tensor.bytes`, padded to [`MIN_DIMS`]
/// columns (see the module docs); returns the file name and the shape written.
pub(crate) fn write_tensor(
    dir: &Path,
    stem: &str,
    coords: &ArrayView2<'_, f32>,
) -> Result<(String, (usize, usize)), ExportError> {
    let (n, d) = coords.dim();
    let padded = (d < MIN_DIMS).then(|| {
        let mut p = Array2::zeros((n, MIN_DIMS));
        p.slice_mut(s![.., ..d]).assign(coords);
        p
    });
    let coords = &padded.as_ref().map_or(coords.view(), |p| p.view());
    let raw = (coords.len() >= RAW_MIN_VALUES)
        .then(|| raw_f32(coords))
        .filter(|bytes| is_surely_not_utf8(bytes));
    let name = match raw {
        Some(bytes) => {
            let name = format!("{stem}.tensor.bytes");
            let path = dir.join(&name);
            write_atomic(&path, |w| w.write_all(&bytes)).map_err(|e| ExportError::io(&path, e))?;
            name
        }
        None => {
            let name = format!("{stem}.tensor.tsv");
            let path = dir.join(&name);
            write_atomic(&path, |w| {
                let mut line = String::new();
                for row in coords.outer_iter() {
                    line.clear();
                    for (j, v) in row.iter().enumerate() {
                        let sep = if j == 0 { "" } else { "\t" };
                        let _ = write!(line, "{sep}{v}");
                    }
                    line.push('\n');
                    w.write_all(line.as_bytes())?;
                }
                Ok(())
            })
            .map_err(|e| ExportError::io(&path, e))?;
            name
        }
    };
    Ok((name, coords.dim()))
}

fn raw_f32(coords: &ArrayView2<'_, f32>) -> Vec<u8> {
    coords.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// True when the first [`UTF8_PROBE`] bytes hold an invalid UTF-8 sequence (a multi-byte
/// character merely cut at the probe's end does not count).
fn is_surely_not_utf8(bytes: &[u8]) -> bool {
    let probe = &bytes[..bytes.len().min(UTF8_PROBE)];
    std::str::from_utf8(probe).is_err_and(|e| e.error_len().is_some())
}

/// The `projector_config.pbtxt` text for `entries`.
pub(crate) fn config_pbtxt(entries: &[EmbeddingEntry]) -> String {
    let mut s = String::new();
    for e in entries {
        s.push_str("embeddings {\n");
        let _ = writeln!(s, "  tensor_name: {}", quote(&e.tensor_name));
        let _ = writeln!(s, "  tensor_path: {}", quote(&e.tensor_path));
        let _ = writeln!(s, "  tensor_shape: {}", e.shape.0);
        let _ = writeln!(s, "  tensor_shape: {}", e.shape.1);
        if let Some(m) = &e.metadata_path {
            let _ = writeln!(s, "  metadata_path: {}", quote(m));
        }
        if let Some((path, w, h)) = &e.sprite {
            s.push_str("  sprite {\n");
            let _ = writeln!(s, "    image_path: {}", quote(path));
            let _ = writeln!(s, "    single_image_dim: {w}");
            let _ = writeln!(s, "    single_image_dim: {h}");
            s.push_str("  }\n");
        }
        s.push_str("}\n");
    }
    s
}

/// A protobuf text-format string literal.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(q, "\\{b:03o}");
                }
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pbtxt_text() {
        let entries = [
            EmbeddingEntry {
                tensor_name: "autoencoder/code".into(),
                tensor_path: "autoencoder_code.tensor.bytes".into(),
                shape: (70000, 64),
                metadata_path: Some("metadata.tsv".into()),
                sprite: Some(("sprite.png".into(), 28, 28)),
            },
            EmbeddingEntry {
                tensor_name: "odd \"name\"\\".into(),
                tensor_path: "x.tensor.tsv".into(),
                shape: (3, 2),
                metadata_path: None,
                sprite: None,
            },
        ];
        let expected = r#"embeddings {
  tensor_name: "autoencoder/code"
  tensor_path: "autoencoder_code.tensor.bytes"
  tensor_shape: 70000
  tensor_shape: 64
  metadata_path: "metadata.tsv"
  sprite {
    image_path: "sprite.png"
    single_image_dim: 28
    single_image_dim: 28
  }
}
embeddings {
  tensor_name: "odd \"name\"\\"
  tensor_path: "x.tensor.tsv"
  tensor_shape: 3
  tensor_shape: 2
}
"#;
        assert_eq!(config_pbtxt(&entries), expected);
        assert_eq!(quote("a\u{1}é"), "\"a\\001é\"");
    }

    #[test]
    fn small_tensor_is_exact_tsv() {
        let dir = tempfile::tempdir().unwrap();
        let a = array![[0.1f32, -2.5e-8, 7.0], [3.0, 1.0e20, -0.5]];
        let (name, shape) = write_tensor(dir.path(), "t", &a.view()).unwrap();
        assert_eq!((name.as_str(), shape), ("t.tensor.tsv", (2, 3)));
        let text = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        assert_eq!(
            text,
            "0.1\t-0.000000025\t7\n3\t100000000000000000000\t-0.5\n"
        );
        let back: Vec<f32> = text
            .split(['\t', '\n'])
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(back, a.into_raw_vec_and_offset().0);
    }

    #[test]
    fn large_tensor_is_raw_little_endian() {
        let dir = tempfile::tempdir().unwrap();
        let a = Array2::from_shape_fn((RAW_MIN_VALUES / 4, 4), |(i, j)| {
            (i as f32 * 0.37).sin() - j as f32
        });
        let (name, shape) = write_tensor(dir.path(), "big", &a.view()).unwrap();
        assert_eq!((name.as_str(), shape), ("big.tensor.bytes", a.dim()));
        let bytes = std::fs::read(dir.path().join(&name)).unwrap();
        assert_eq!(bytes.len(), RAW_MIN_VALUES * 4);
        assert_eq!(&bytes[4 * 5..4 * 6], &a[[1, 1]].to_le_bytes());
        assert!(std::str::from_utf8(&bytes).is_err());
    }

    #[test]
    fn large_tensor_that_reads_as_utf8_falls_back_to_tsv() {
        // All zeros is valid UTF-8 (NUL bytes): TensorBoard would parse it as text.
        let dir = tempfile::tempdir().unwrap();
        let a = Array2::<f32>::zeros((RAW_MIN_VALUES, 3));
        let (name, _) = write_tensor(dir.path(), "zeros", &a.view()).unwrap();
        assert_eq!(name, "zeros.tensor.tsv");
        assert!(is_surely_not_utf8(&[b'a', 0xFF]));
        assert!(!is_surely_not_utf8(&[b'a', 0xC3])); // cut multi-byte char: not proof
    }

    #[test]
    fn narrow_tensors_are_padded_to_three_columns() {
        let dir = tempfile::tempdir().unwrap();
        let a = array![[1.5f32, -2.0], [0.25, 4.0]];
        let (name, shape) = write_tensor(dir.path(), "tsne_2d", &a.view()).unwrap();
        assert_eq!(shape, (2, 3));
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(text, "1.5\t-2\t0\n0.25\t4\t0\n");
        let one = array![[9.0f32], [8.0]];
        let (name, shape) = write_tensor(dir.path(), "one", &one.view()).unwrap();
        assert_eq!(shape, (2, 3));
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(text, "9\t0\t0\n8\t0\t0\n");
    }
}
