//! The size limits of the readers (issue 13): a file whose header or content claims more than
//! these gets a clear error before anything that large is allocated.
//!
//! Each reader also checks a header's claim against the bytes the file really holds, so a short
//! file claiming a huge shape fails at once, whatever the limits say. Every allocation a reader
//! makes is then bounded by the file's size (raw formats) or by these limits (gzip, text).

use std::sync::OnceLock;

/// The floor of [`max_values`]: 2^30 values, i.e. 4 GiB as float32, whatever the machine says.
const MIN_MAX_VALUES: usize = 1 << 30;

/// At most this many values in one matrix (`.npy` or text): as many float32 values as fill half
/// the machine's memory (the smaller of the physical memory and a cgroup limit), and never fewer
/// than 2^30. On a 16 GiB machine that is 2^31 values, room for 1,000,000 x 1,536 float32. Read
/// once per process; where the memory cannot be read (not Linux), the floor.
pub(crate) fn max_values() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| values_for_memory(machine_memory_bytes()))
}

/// The limit for a machine with `memory` bytes (`None`: unknown).
fn values_for_memory(memory: Option<u64>) -> usize {
    let half_as_f32 = memory.map_or(0, |bytes| bytes / 2 / 4);
    usize::try_from(half_as_f32)
        .unwrap_or(usize::MAX)
        .max(MIN_MAX_VALUES)
}

/// The memory this process may use: `MemTotal` of `/proc/meminfo`, lowered by a cgroup v2
/// (`memory.max`) or v1 (`memory.limit_in_bytes`) limit when one is set.
fn machine_memory_bytes() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| parse_meminfo_total(&text));
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(p).ok())
    .find_map(|text| text.trim().parse::<u64>().ok());
    match (total, cgroup) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }
}

/// The `MemTotal:` line of `/proc/meminfo`, in bytes.
fn parse_meminfo_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_follows_memory_above_the_floor() {
        // 16 GiB: half of it as float32 is 2^31 values, room for 1,000,000 x 1,536.
        assert_eq!(values_for_memory(Some(16 << 30)), 1 << 31);
        assert!(values_for_memory(Some(16 << 30)) >= 1_000_000 * 1_536);
        // Small or unknown machines keep the old 2^30.
        assert_eq!(values_for_memory(Some(1 << 30)), MIN_MAX_VALUES);
        assert_eq!(values_for_memory(None), MIN_MAX_VALUES);
        assert!(max_values() >= MIN_MAX_VALUES);
    }

    #[test]
    fn meminfo_total_parsed_in_bytes() {
        let text = "MemTotal:       24683664 kB\nMemFree:  1 kB\n";
        assert_eq!(parse_meminfo_total(text), Some(24_683_664 * 1024));
        assert_eq!(parse_meminfo_total("MemFree: 1 kB\n"), None);
        assert_eq!(parse_meminfo_total("MemTotal: lots kB\n"), None);
    }
}
