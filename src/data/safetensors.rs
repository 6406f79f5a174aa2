//! A check of a safetensors file's header (`encode --model`'s weights) before libtorch reads it:
//! the format's every rule checked against the file's real size, with clear errors, so a
//! truncated, lying or hostile file is refused here, by code that is fuzzed, and reaches
//! libtorch only when it is consistent.
//!
//! The format: an 8-byte little-endian header length `H`, `H` bytes of JSON mapping each tensor
//! name to `{"dtype", "shape", "data_offsets": [begin, end]}` (and an optional `__metadata__`
//! object of strings), then the data. The tensors' byte ranges, relative to the data, must tile
//! it exactly: the first begins at 0, each begins where the one before ends, the last ends at the
//! end of the file, and each holds `product(shape) x size(dtype)` bytes.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::data::limits::describe_bytes;
use crate::data::DataError;

/// At most this many bytes of JSON header (the safetensors crate allows 100 MB; a model of ours
/// needs under 1 KiB).
pub const MAX_HEADER_BYTES: usize = 16 << 20;

/// One tensor of the file, as its header describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// Its name.
    pub name: String,
    /// Its element type as the file spells it, e.g. `F32`.
    pub dtype: String,
    /// Its shape.
    pub shape: Vec<usize>,
}

/// A tensor's entry in the header.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: [u64; 2],
}

/// Bytes per element of a dtype, `None` for one the format does not define.
pub fn dtype_size(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" => 1,
        "I16" | "U16" | "F16" | "BF16" => 2,
        "I32" | "U32" | "F32" => 4,
        "I64" | "U64" | "F64" => 8,
        _ => return None,
    })
}

/// Reads and checks the header of the safetensors file at `path` (only the header is read).
pub fn read_header(path: &Path) -> Result<Vec<TensorInfo>, DataError> {
    let io = |e| DataError::io(path, e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    // The length, then no more than the header it announces (the data is libtorch's to read).
    let mut prefix = Vec::new();
    (&mut file).take(8).read_to_end(&mut prefix).map_err(io)?;
    if let Ok(len) = <[u8; 8]>::try_from(prefix.as_slice()) {
        let header_len = u64::from_le_bytes(len).min(MAX_HEADER_BYTES as u64);
        (&mut file)
            .take(header_len)
            .read_to_end(&mut prefix)
            .map_err(io)?;
    }
    parse_header(path, &prefix, file_len)
}

/// Checks a safetensors header: `prefix` is the file's first bytes (at least the length and the
/// header; the rest is ignored), `file_len` the whole file's size; `path` names it in errors.
/// The tensors come back in the order of their data.
pub fn parse_header(
    path: &Path,
    prefix: &[u8],
    file_len: u64,
) -> Result<Vec<TensorInfo>, DataError> {
    let bad = |problem: String| DataError::invalid(path, problem);
    let (json, data_len) = split_header(prefix, file_len).map_err(bad)?;
    let header: BTreeMap<String, serde_json::Value> = serde_json::from_slice(json)
        .map_err(|e| bad(format!("header is not a JSON object: {e}")))?;
    let mut tensors = Vec::with_capacity(header.len());
    for (name, value) in header {
        if name == "__metadata__" {
            serde_json::from_value::<BTreeMap<String, String>>(value)
                .map_err(|e| bad(format!("__metadata__ must map strings to strings: {e}")))?;
            continue;
        }
        tensors.push(tensor(name, value).map_err(bad)?);
    }
    tensors.sort_by_key(|&(begin, end, _)| (begin, end));
    check_tiling(&tensors, data_len).map_err(bad)?;
    Ok(tensors.into_iter().map(|(_, _, info)| info).collect())
}

/// The JSON header within `prefix` and the length of the data after it, checked against the
/// file's length; else the problem, in words.
fn split_header(prefix: &[u8], file_len: u64) -> Result<(&[u8], u64), String> {
    let Some(len_bytes) = prefix.get(..8) else {
        return Err(format!(
            "{file_len} bytes: too short for a safetensors file (an 8-byte header length first)"
        ));
    };
    let header_len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes"));
    if header_len > MAX_HEADER_BYTES as u64 {
        return Err(format!(
            "header length {header_len} bytes: over the {} allowed",
            describe_bytes(MAX_HEADER_BYTES)
        ));
    }
    if 8 + header_len > file_len || prefix.len() < 8 + header_len as usize {
        return Err(format!(
            "header length {header_len} bytes, but the file holds {file_len} bytes in all \
             (truncated?)"
        ));
    }
    Ok((
        &prefix[8..8 + header_len as usize],
        file_len - 8 - header_len,
    ))
}

/// The tensor `name` of the header, described by `value`: its byte range in the data and what
/// it is; else the problem, in words.
fn tensor(name: String, value: serde_json::Value) -> Result<(u64, u64, TensorInfo), String> {
    let entry: Entry =
        serde_json::from_value(value).map_err(|e| format!("tensor '{name}': {e}"))?;
    let size = dtype_size(&entry.dtype)
        .ok_or_else(|| format!("tensor '{name}': unknown dtype '{}'", entry.dtype))?;
    let bytes = entry
        .shape
        .iter()
        .try_fold(size, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("tensor '{name}': shape {:?} overflows", entry.shape))?;
    let [begin, end] = entry.data_offsets;
    if begin > end || end - begin != bytes {
        return Err(format!(
            "tensor '{name}': data_offsets [{begin}, {end}] hold {} bytes, but {} {:?} needs \
             {bytes}",
            end.saturating_sub(begin),
            entry.dtype,
            entry.shape
        ));
    }
    let shape = entry
        .shape
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("tensor '{name}': shape {:?} too large", entry.shape))?;
    Ok((
        begin,
        end,
        TensorInfo {
            name,
            dtype: entry.dtype,
            shape,
        },
    ))
}

/// Checks that the byte ranges of `tensors` (sorted) tile the `data_len` bytes of data; else
/// the problem, in words.
fn check_tiling(tensors: &[(u64, u64, TensorInfo)], data_len: u64) -> Result<(), String> {
    let mut at = 0u64;
    for (begin, end, info) in tensors {
        if *begin != at {
            return Err(format!(
                "tensor '{}': data begins at byte {begin} of the data, expected {at} (the \
                 tensors must tile the data with no gap or overlap)",
                info.name
            ));
        }
        at = *end;
    }
    if at != data_len {
        return Err(format!(
            "the tensors end at byte {at} of the data, but it holds {data_len} bytes"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A safetensors file of `header` JSON and `data_len` data bytes.
    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.resize(out.len() + data_len, 0);
        out
    }

    fn check(bytes: &[u8]) -> Result<Vec<TensorInfo>, String> {
        parse_header(Path::new("m.safetensors"), bytes, bytes.len() as u64)
            .map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"{"__metadata__":{"format":"pt"},
        "enc.bias":{"dtype":"F32","shape":[4],"data_offsets":[24,40]},
        "enc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#;

    #[test]
    fn a_good_header_lists_the_tensors_in_data_order() {
        let t = check(&file(GOOD, 40)).unwrap();
        assert_eq!(
            t,
            vec![
                TensorInfo {
                    name: "enc.weight".into(),
                    dtype: "F32".into(),
                    shape: vec![2, 3]
                },
                TensorInfo {
                    name: "enc.bias".into(),
                    dtype: "F32".into(),
                    shape: vec![4]
                },
            ]
        );
        // Read from a file, only the header is needed.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        std::fs::write(&path, file(GOOD, 40)).unwrap();
        assert_eq!(read_header(&path).unwrap(), t);
    }

    #[test]
    fn every_rule_has_its_error() {
        let cases: [(Vec<u8>, &str); 10] = [
            (vec![1, 2, 3], "too short for a safetensors file"),
            (
                file(GOOD, 39),
                "the tensors end at byte 40 of the data, but it holds 39",
            ),
            (
                file(GOOD, 41),
                "the tensors end at byte 40 of the data, but it holds 41",
            ),
            (file(GOOD, 40)[..30].to_vec(), "(truncated?)"),
            (
                u64::MAX.to_le_bytes().to_vec(),
                "header length 18446744073709551615 bytes: over the 16 MiB allowed",
            ),
            (file("[1, 2]", 0), "header is not a JSON object"),
            (
                file(
                    r#"{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}"#,
                    1,
                ),
                "tensor 'a': unknown dtype 'Q9'",
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#,
                    4,
                ),
                "tensor 'a': data_offsets [0, 4] hold 4 bytes, but F32 [2] needs 8",
            ),
            (
                file(
                    r#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},
                        "b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#,
                    3,
                ),
                "tensor 'b': data begins at byte 1 of the data, expected 2",
            ),
            (
                file(
                    r#"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
                    8,
                ),
                "overflows",
            ),
        ];
        for (bytes, expected) in cases {
            let err = check(&bytes).unwrap_err();
            assert!(
                err.starts_with("m.safetensors: ") && err.contains(expected),
                "{err} (expected {expected})"
            );
        }
        let err = check(&file(r#"{"__metadata__":{"n":1}}"#, 0)).unwrap_err();
        assert!(
            err.contains("__metadata__ must map strings to strings"),
            "{err}"
        );
        let err = check(&file(
            r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}}"#,
            1,
        ))
        .unwrap_err();
        assert!(err.contains("unknown field `extra`"), "{err}");
    }
}
