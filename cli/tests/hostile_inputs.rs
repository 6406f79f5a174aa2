//! Issue 13: inputs whose headers or lines claim more than the file holds or memory allows get
//! a clear error quickly, never an allocation failure, an abort or a panic.
//!
//! Each case writes its hostile file in its own temporary directory, then runs this test binary
//! again (the `child` test, selected by `HOSTILE_CASE`) under `ulimit -v` (1 GB of address
//! space), so an attempt to allocate what the header claims would abort the child instead of
//! quietly succeeding on a large machine. The parent checks the child's exit status, its
//! message and its time.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use embedscope::data::{idx, metadata_io, table};

/// Address-space cap for the child, in KiB.
const CAP_KIB: u64 = 1_000_000;

/// Runs `case` on `file` in a child capped at [`CAP_KIB`]; returns the error it printed.
fn capped(case: &str, file: &Path) -> String {
    let exe = std::env::current_exe().unwrap();
    let start = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {CAP_KIB}; exec \"$0\" \"$@\""))
        .arg(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env("HOSTILE_CASE", case)
        .env("HOSTILE_FILE", file)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{case}: child failed ({:?}): {stdout}\n{stderr}",
        out.status
    );
    assert!(
        elapsed < Duration::from_secs(20),
        "{case}: took {elapsed:?}"
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("ERROR: ").map(|(_, e)| e))
        .unwrap_or_else(|| panic!("{case}: no error reported: {stdout}"));
    line.to_string()
}

/// The reader side, run only in the child.
#[test]
fn child() {
    let (Ok(case), Ok(file)) = (std::env::var("HOSTILE_CASE"), std::env::var("HOSTILE_FILE"))
    else {
        return;
    };
    let p = Path::new(&file);
    let err = match case.as_str() {
        "table" => table::read_table(p).map(|_| ()),
        "metadata" => metadata_io::read_metadata(p, 10).map(|_| ()),
        "images" => idx::read_images(p).map(|_| ()),
        "labels" => idx::read_labels(p).map(|_| ()),
        other => panic!("unknown case {other}"),
    }
    .expect_err("a hostile input must be refused");
    println!("ERROR: {err}");
}

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    dims.iter()
        .for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
    v
}

fn gz(parts: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    parts.into_iter().for_each(|p| e.write_all(&p).unwrap());
    e.finish().unwrap()
}

fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let header = format!("{dict:<117}\n");
    let mut v = b"\x93NUMPY\x01\x00".to_vec();
    v.extend_from_slice(&(header.len() as u16).to_le_bytes());
    v.extend_from_slice(header.as_bytes());
    v
}

fn write(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

#[test]
fn npy_claiming_a_trillion_rows() {
    let mut bytes = npy_header("<f4", "(1000000000000, 64)");
    bytes.extend_from_slice(&[0; 256]);
    let (_d, p) = write("huge.npy", &bytes);
    let e = capped("table", &p);
    assert!(
        e.contains("huge.npy: truncated .npy file")
            && e.contains("[1000000000000, 64]")
            && e.contains("holds 256 bytes of data"),
        "{e}"
    );
}

#[test]
fn npy_with_a_4_gb_header_length_or_an_overflowing_shape() {
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(b"{'descr'");
    let (_d, p) = write("hdr.npy", &bytes);
    let e = capped("table", &p);
    assert!(
        e.contains("header claims to be 4294967295 bytes long"),
        "{e}"
    );
    let bytes = npy_header("<f8", "(18446744073709551615, 18446744073709551615)");
    let (_d, p) = write("overflow.npy", &bytes);
    let e = capped("table", &p);
    assert!(e.contains("more than 2^64"), "{e}");
    let mut bytes = npy_header("<i8", "(1000000000000,)");
    bytes.extend_from_slice(&[0; 80]);
    let (_d, p) = write("labels.npy", &bytes);
    let e = capped("metadata", &p);
    assert!(e.contains("truncated .npy file"), "{e}");
}

#[test]
fn idx_claiming_2_pow_31_images_raw_and_gzip() {
    let mut raw = idx_header(0x803, &[1 << 31, 28, 28]);
    raw.extend_from_slice(&[0; 784]);
    let (_d, p) = write("images-idx3-ubyte", &raw);
    let e = capped("images", &p);
    assert!(
        e.contains("announces 2147483648 images of 28x28, more than the 1 GiB"),
        "{e}"
    );
    let (_d, p) = write("images-idx3-ubyte.gz", &gz([raw]));
    let e = capped("images", &p);
    assert!(e.contains("more than the 1 GiB"), "{e}");
    // Within the limit but far more than the file holds: refused before allocating.
    let mut raw = idx_header(0x801, &[1 << 29]);
    raw.extend_from_slice(&[1; 10]);
    let (_d, p) = write("labels-idx1-ubyte", &raw);
    let e = capped("labels", &p);
    assert!(
        e.contains("announces 536870912 labels") && e.contains("only 10 bytes"),
        "{e}"
    );
}

#[test]
fn gzip_idx_expanding_to_2_gb_stops_early() {
    // The header announces 1000 images of 28x28; the stream goes on to 2 GB of zeros.
    let zeros = vec![0u8; 64 << 20];
    let parts =
        std::iter::once(idx_header(0x803, &[1000, 28, 28])).chain(std::iter::repeat_n(zeros, 32));
    let (_d, p) = write("bomb-idx3-ubyte.gz", &gz(parts));
    let e = capped("images", &p);
    assert!(
        e.contains("trailing bytes after the 1000 images of 28x28"),
        "{e}"
    );
    // A stream that claims 1 GiB (the limit) but holds 1 MB: memory follows what arrives.
    let parts = [idx_header(0x801, &[1 << 30]), vec![1u8; 1 << 20]];
    let (_d, p) = write("short-idx1-ubyte.gz", &gz(parts));
    let e = capped("labels", &p);
    assert!(e.contains("body has only 1048576 bytes"), "{e}");
}

#[test]
fn tsv_with_a_million_columns() {
    let line = "0\t".repeat(999_999) + "0\n";
    let (_d, p) = write("wide.tsv", line.as_bytes());
    let e = capped("table", &p);
    assert!(
        e.contains("wide.tsv: line 1: 1000000 columns, more than the 100000"),
        "{e}"
    );
    let (_d, p) = write("wide-meta.tsv", line.as_bytes());
    let e = capped("metadata", &p);
    assert!(
        e.contains("line 1: 1000000 columns, more than the 1000"),
        "{e}"
    );
}

#[test]
fn a_single_1_gb_line() {
    let dir = tempfile::tempdir().unwrap();
    let chunk = "1234567 ".repeat(1 << 17);
    for name in ["line.tsv", "line.csv", "line.txt", "meta.tsv"] {
        let p = dir.path().join(name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        (0..1024).for_each(|_| f.write_all(chunk.as_bytes()).unwrap());
        f.flush().unwrap();
        drop(f);
        let case = if name == "meta.tsv" {
            "metadata"
        } else {
            "table"
        };
        let e = capped(case, &p);
        assert!(
            e.contains(&format!("{name}: line 1: longer than 16 MiB")),
            "{e}"
        );
        std::fs::remove_file(&p).unwrap();
    }
    // An unclosed CSV quote makes one record of the whole file: bounded the same way.
    let p = dir.path().join("quote.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    f.write_all(b"1,\"").unwrap();
    (0..40).for_each(|_| f.write_all(b"x\n".repeat(1 << 19).as_slice()).unwrap());
    drop(f);
    let e = capped("table", &p);
    assert!(
        e.contains("quote.csv: line ") && e.contains("longer than 16 MiB"),
        "{e}"
    );
}
