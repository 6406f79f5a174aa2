//! Reading `.npy` files of any numeric dtype (float32/64, int8-64, uint8-64, either byte order,
//! C or Fortran order) into a float32 matrix or a metadata column, with the header's claims
//! checked against the file's size before anything is allocated.
//!
//! The header is parsed by `ndarray-npy` and the body decoded by its element readers; this
//! module adds the checks `ndarray-npy` lacks (a header length or shape larger than the file,
//! which it would allocate before noticing) and the conversions.

use std::io::Read;
use std::path::Path;

use ndarray::{Array2, ShapeBuilder};
use ndarray_npy::{ReadDataError, ReadableElement};
use py_literal::Value as PyValue;

use crate::data::limits::{describe_bytes, max_values, MAX_NPY_HEADER_BYTES};
use crate::data::metadata::Values;
use crate::data::DataError;

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The element types we read, named by their numpy kind and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dtype {
    F4,
    F8,
    I1,
    I2,
    I4,
    I8,
    U1,
    U2,
    U4,
    U8,
}

impl Dtype {
    /// From a numpy type descriptor such as `<f4`, `>i8` or `|u1`.
    fn parse(descr: &PyValue) -> Option<Self> {
        let PyValue::String(s) = descr else {
            return None;
        };
        let code = s.trim_start_matches(['<', '>', '|', '=']);
        Some(match code {
            "f4" => Self::F4,
            "f8" => Self::F8,
            "i1" | "b" => Self::I1,
            "i2" => Self::I2,
            "i4" => Self::I4,
            "i8" => Self::I8,
            "u1" | "B" => Self::U1,
            "u2" => Self::U2,
            "u4" => Self::U4,
            "u8" => Self::U8,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Self::I1 | Self::U1 => 1,
            Self::I2 | Self::U2 => 2,
            Self::F4 | Self::I4 | Self::U4 => 4,
            Self::F8 | Self::I8 | Self::U8 => 8,
        }
    }
}

/// A checked `.npy` header: the body that follows holds exactly `len` elements of `dtype`.
struct Header {
    descr: PyValue,
    dtype: Dtype,
    shape: Vec<usize>,
    fortran: bool,
    len: usize,
}

/// A numeric element of a `.npy` body, with the conversions our callers need.
trait Element: ReadableElement + Copy {
    /// True for the integer types.
    const INTEGER: bool;
    fn to_f64(self) -> f64;
    /// `Some` for integer types whose value fits `i64`.
    fn to_i64(self) -> Option<i64>;
}

macro_rules! float_element {
    ($t:ty) => {
        impl Element for $t {
            const INTEGER: bool = false;
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            fn to_i64(self) -> Option<i64> {
                None
            }
        }
    };
}
macro_rules! int_element {
    ($t:ty) => {
        impl Element for $t {
            const INTEGER: bool = true;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn to_i64(self) -> Option<i64> {
                i64::try_from(self).ok()
            }
        }
    };
}
float_element!(f32);
float_element!(f64);
int_element!(i8);
int_element!(i16);
int_element!(i32);
int_element!(i64);
int_element!(u8);
int_element!(u16);
int_element!(u32);
int_element!(u64);

/// What to make of a decoded body; `convert` is called with the element type of the file.
trait Convert {
    type Out;
    fn convert<T: Element>(self, data: Vec<T>) -> Self::Out;
}

/// Reads a `.npy` from `reader`, whose whole length (header and body) is `total_len` bytes.
fn read_checked<R: Read, C: Convert>(
    path: &Path,
    mut reader: R,
    total_len: u64,
    convert: C,
) -> Result<(Vec<usize>, bool, C::Out), DataError> {
    let h = read_header(path, &mut reader, total_len)?;
    let out = match h.dtype {
        Dtype::F4 => convert.convert(read_body::<f32, _>(path, reader, &h)?),
        Dtype::F8 => convert.convert(read_body::<f64, _>(path, reader, &h)?),
        Dtype::I1 => convert.convert(read_body::<i8, _>(path, reader, &h)?),
        Dtype::I2 => convert.convert(read_body::<i16, _>(path, reader, &h)?),
        Dtype::I4 => convert.convert(read_body::<i32, _>(path, reader, &h)?),
        Dtype::I8 => convert.convert(read_body::<i64, _>(path, reader, &h)?),
        Dtype::U1 => convert.convert(read_body::<u8, _>(path, reader, &h)?),
        Dtype::U2 => convert.convert(read_body::<u16, _>(path, reader, &h)?),
        Dtype::U4 => convert.convert(read_body::<u32, _>(path, reader, &h)?),
        Dtype::U8 => convert.convert(read_body::<u64, _>(path, reader, &h)?),
    };
    Ok((h.shape, h.fortran, out))
}

fn read_body<T: Element, R: Read>(path: &Path, reader: R, h: &Header) -> Result<Vec<T>, DataError> {
    T::read_to_end_exact_vec(reader, &h.descr, h.len).map_err(|e| match e {
        ReadDataError::Io(e) => DataError::io(path, e),
        ReadDataError::WrongDescriptor(d) => DataError::invalid(
            path,
            format!("unsupported dtype {d} (byte order must be '<' or '>')"),
        ),
        other => DataError::invalid(path, format!("unreadable .npy body: {other}")),
    })
}

/// Reads and checks the header: magic, version, a header length and a shape that fit in
/// `total_len` bytes, a supported dtype, at most [`max_values`] elements.
fn read_header<R: Read>(path: &Path, reader: &mut R, total_len: u64) -> Result<Header, DataError> {
    let bad = |problem: String| DataError::invalid(path, problem);
    let mut prefix = vec![0u8; 8];
    read_exact_or(path, reader, &mut prefix, "too short for a .npy header")?;
    if &prefix[..6] != MAGIC {
        return Err(bad(
            "not a .npy file (it does not start with \\x93NUMPY)".into()
        ));
    }
    let len_bytes = match prefix[6] {
        1 => 2,
        2 | 3 => 4,
        v => return Err(bad(format!("unsupported .npy format version {v}"))),
    };
    let mut len_buf = vec![0u8; len_bytes];
    read_exact_or(path, reader, &mut len_buf, "truncated .npy header")?;
    let header_len = len_buf
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let start = (8 + len_bytes) as u64;
    if header_len > MAX_NPY_HEADER_BYTES || start + header_len as u64 > total_len {
        return Err(bad(format!(
            "the .npy header claims to be {header_len} bytes long, but the file holds {total_len} \
             bytes (and headers over {} are refused)",
            describe_bytes(MAX_NPY_HEADER_BYTES)
        )));
    }
    let mut raw = prefix;
    raw.extend_from_slice(&len_buf);
    raw.resize(raw.len() + header_len, 0);
    read_exact_or(
        path,
        reader,
        &mut raw[start as usize..],
        "truncated .npy header",
    )?;
    let parsed = ndarray_npy::npy::header::Header::from_reader(&mut raw.as_slice())
        .map_err(|e| bad(format!("invalid .npy header: {e}")))?;
    let dtype = Dtype::parse(&parsed.type_descriptor).ok_or_else(|| {
        bad(format!(
            "unsupported dtype {}: expected float32, float64 or an integer type",
            parsed.type_descriptor
        ))
    })?;
    let shape = parsed.shape;
    let len = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let body = total_len - start - header_len as u64;
    let shape_text = format!("{shape:?}");
    let claimed = len.and_then(|l| l.checked_mul(dtype.size()));
    match claimed {
        Some(bytes) if bytes as u64 == body => {}
        Some(bytes) if (bytes as u64) < body => {
            return Err(bad(format!(
                "{} trailing bytes after the data of shape {shape_text}",
                body - bytes as u64
            )))
        }
        _ => {
            return Err(bad(format!(
                "truncated .npy file: its header announces shape {shape_text} of {} ({} bytes), \
                 but the file holds {body} bytes of data",
                dtype_name(dtype),
                claimed.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string()),
            )))
        }
    }
    let len = len.unwrap_or(usize::MAX);
    let max = max_values();
    if len > max {
        return Err(bad(format!(
            "shape {shape_text} holds {len} values, more than the {max} this reader accepts \
             (half this machine's memory as float32)"
        )));
    }
    Ok(Header {
        descr: parsed.type_descriptor,
        dtype,
        shape,
        fortran: parsed.layout.is_fortran(),
        len,
    })
}

fn read_exact_or<R: Read>(
    path: &Path,
    reader: &mut R,
    buf: &mut [u8],
    problem: &str,
) -> Result<(), DataError> {
    reader.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => DataError::invalid(path, problem),
        _ => DataError::io(path, e),
    })
}

fn dtype_name(d: Dtype) -> &'static str {
    match d {
        Dtype::F4 => "float32",
        Dtype::F8 => "float64",
        Dtype::I1 => "int8",
        Dtype::I2 => "int16",
        Dtype::I4 => "int32",
        Dtype::I8 => "int64",
        Dtype::U1 => "uint8",
        Dtype::U2 => "uint16",
        Dtype::U4 => "uint32",
        Dtype::U8 => "uint64",
    }
}

/// Every element as float32 (integers and float64 rounded).
struct ToF32;

impl Convert for ToF32 {
    type Out = Vec<f32>;
    fn convert<T: Element>(self, data: Vec<T>) -> Vec<f32> {
        data.into_iter().map(|x| x.to_f64() as f32).collect()
    }
}

/// Integers as an integer column, floats as a float column with NaN as missing.
struct ToValues;

impl Convert for ToValues {
    type Out = Result<Values, String>;
    fn convert<T: Element>(self, data: Vec<T>) -> Result<Values, String> {
        if T::INTEGER {
            let ints = data.iter().enumerate().map(|(i, x)| {
                x.to_i64()
                    .map(Some)
                    .ok_or_else(|| format!("index {i}: {} does not fit int64", x.to_f64()))
            });
            ints.collect::<Result<_, _>>().map(Values::Integer)
        } else {
            let floats = data.iter().enumerate().map(|(i, x)| match x.to_f64() {
                v if v.is_nan() => Ok(None),
                v if v.is_infinite() => Err(format!("index {i}: {v} is not a finite number")),
                v => Ok(Some(v)),
            });
            floats.collect::<Result<_, _>>().map(Values::Float)
        }
    }
}

/// Reads a `.npy` vector (shape `(N,)` or `(N, 1)`, any supported dtype) as one metadata
/// column: integers as [`Values::Integer`], floats as [`Values::Float`] with NaN as missing.
pub(crate) fn read_column<R: Read>(
    path: &Path,
    reader: R,
    total_len: u64,
) -> Result<Values, DataError> {
    let (shape, _, values) = read_checked(path, reader, total_len, ToValues)?;
    if !matches!(shape[..], [_] | [_, 1]) {
        return Err(DataError::invalid(
            path,
            format!("expected a 1-D array (one value per point), found shape {shape:?}"),
        ));
    }
    values.map_err(|problem| DataError::invalid(path, problem))
}

/// Reads an `N x D` `.npy` (any supported dtype) as float32 in standard layout, refusing NaN
/// and infinities. `total_len` is the length of the whole file.
pub(crate) fn read_matrix<R: Read>(
    path: &Path,
    reader: R,
    total_len: u64,
) -> Result<Array2<f32>, DataError> {
    let (shape, fortran, data) = read_checked(path, reader, total_len, ToF32)?;
    let [rows, cols] = shape[..] else {
        return Err(DataError::invalid(
            path,
            format!(
                "expected a 2-D array (points x dimensions), found a {}-D array of shape {shape:?}",
                shape.len()
            ),
        ));
    };
    if rows == 0 || cols == 0 {
        return Err(DataError::invalid(
            path,
            format!("empty matrix ({rows} x {cols})"),
        ));
    }
    let a = Array2::from_shape_vec((rows, cols).set_f(fortran), data)
        .map_err(|e| DataError::invalid(path, e.to_string()))?;
    let a = if fortran {
        a.as_standard_layout().into_owned()
    } else {
        a
    };
    if let Some(((r, c), v)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(DataError::invalid(
            path,
            format!("point {r} (0-based row {r}, column {c}): {v} is not a finite float32 number"),
        ));
    }
    Ok(a)
}
