//! The size limits of the readers (issue 13): a file whose header or content claims more than
//! these gets a clear error before anything that large is allocated.
//!
//! Each reader also checks a header's claim against the bytes the file really holds, so a short
//! file claiming a huge shape fails at once, whatever the limits say. Every allocation a reader
//! makes is then bounded by the file's size (raw formats) or by these limits (gzip, text).

/// At most this many values in one matrix (`.npy` or text): 2^30, i.e. 4 GiB as float32.
pub(crate) const MAX_VALUES: usize = 1 << 30;

/// At most this many bytes in the body of an IDX file (images or labels), after
/// decompression: 1 GiB. All 70,000 MNIST digits take 55 MB.
pub(crate) const MAX_IDX_BYTES: usize = 1 << 30;

/// At most this many bytes on one line of a text file (or in one quoted CSV field that spans
/// lines): 16 MiB, room for 100,000 columns of 20-digit numbers.
pub(crate) const MAX_LINE_BYTES: usize = 16 << 20;

/// At most this many columns in a numeric text table.
pub(crate) const MAX_COLUMNS: usize = 100_000;

/// At most this many columns in a metadata table.
pub(crate) const MAX_METADATA_COLUMNS: usize = 1_000;

/// At most this many bytes in a `.npy` header (numpy itself refuses more than 10,000).
pub(crate) const MAX_NPY_HEADER_BYTES: usize = 64 << 10;

/// `n` bytes in words, for error messages: "16 MiB", "1 GiB", "10 bytes".
pub(crate) fn describe_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}
