//! Reuse of stage outputs across runs.
//!
//! Each cached stage has a [`Fingerprint`] of everything its result depends on (input bytes,
//! parameters, the embedscope version), recorded in the stage's JSON report, which is written
//! *after* its other outputs. A rerun reuses the outputs only when the report records the same
//! fingerprint and every output exists; an interrupted stage never wrote its report, so it is
//! redone.

use std::path::{Path, PathBuf};

use ndarray::ArrayView2;

use crate::data::Dataset;
use crate::fsutil::read_json;

/// A 64-bit FNV-1a hash of a stage's inputs, stable across platforms and Rust versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprint {
    /// A fingerprint of nothing but the embedscope version.
    pub fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325).bytes(env!("CARGO_PKG_VERSION").as_bytes())
    }

    /// Mixes in raw bytes (length-prefixed, so concatenations cannot collide).
    pub fn bytes(self, data: &[u8]) -> Self {
        self.raw(&(data.len() as u64).to_le_bytes()).raw(data)
    }

    /// Mixes in bytes without their length.
    fn raw(mut self, data: &[u8]) -> Self {
        for b in data {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    /// Mixes in one named parameter as `name=value`: an explicit, stable encoding (the value's
    /// `Display` text; floats print the shortest text that reads back the same number), so
    /// renaming a field in the code leaves it unchanged and a changed value or default changes it.
    pub fn field(self, name: &str, value: impl std::fmt::Display) -> Self {
        self.bytes(format!("{name}={value}").as_bytes())
    }

    /// Mixes in a value's JSON form (parameters).
    pub fn json<T: serde::Serialize>(self, value: &T) -> Self {
        let text = serde_json::to_vec(value).expect("parameters serialise");
        self.bytes(&text)
    }

    /// Mixes in f32 values bit for bit, streaming (no copy of the values).
    pub fn floats(self, values: impl ExactSizeIterator<Item = f32>) -> Self {
        let len = values.len() as u64 * 4;
        values.fold(self.raw(&len.to_le_bytes()), |fp, v| {
            fp.raw(&v.to_le_bytes())
        })
    }

    /// Mixes in a matrix: its shape, then its values row by row, bit for bit.
    pub fn matrix(self, m: ArrayView2<f32>) -> Self {
        let (rows, cols) = m.dim();
        let fp = self.field("shape", format!("{rows}x{cols}"));
        m.rows()
            .into_iter()
            .fold(fp, |fp, row| fp.floats(row.iter().copied()))
    }

    /// Mixes in a dataset's pixels and labels.
    pub fn dataset(self, data: &Dataset) -> Self {
        self.bytes(data.images().to_slice().expect("images are contiguous"))
            .bytes(&data.labels)
    }

    /// The fingerprint as 16 hex digits.
    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// A cached stage: the JSON report that records its fingerprint, and the outputs it must find.
///
/// The report is the stage's last write, so it doubles as the completion mark: no separate
/// stamp files. A stage whose report is missing, unreadable or of another fingerprint, or one of
/// whose outputs is missing, is stale.
#[derive(Debug, Clone)]
pub struct Stage {
    report: PathBuf,
    outputs: Vec<PathBuf>,
    fingerprint: Fingerprint,
}

/// The field of a stage's report that holds its fingerprint.
#[derive(Debug, serde::Deserialize)]
struct Recorded {
    fingerprint: Option<String>,
}

impl Stage {
    /// A stage whose `outputs` are valid when `report` records `fingerprint`.
    pub fn new(report: PathBuf, outputs: Vec<PathBuf>, fingerprint: Fingerprint) -> Self {
        Self {
            report,
            outputs,
            fingerprint,
        }
    }

    /// The fingerprint the stage's report must record (as [`Fingerprint::hex`]).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The report file that records the fingerprint.
    pub fn report(&self) -> &Path {
        &self.report
    }

    /// True when the previous run of this stage finished with the same inputs.
    pub fn is_fresh(&self) -> bool {
        read_json::<Recorded>(&self.report)
            .is_ok_and(|r| r.fingerprint == Some(self.fingerprint.hex()))
            && self.outputs.iter().all(|p| p.exists())
    }

    /// Forgets the stage (before recomputing it), so a crash midway leaves it stale.
    pub fn invalidate(&self) -> Result<(), crate::data::DataError> {
        match std::fs::remove_file(&self.report) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(crate::data::DataError::io(&self.report, e))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_separates_inputs_and_is_stable() {
        let a = Fingerprint::new().bytes(b"ab").bytes(b"c");
        let b = Fingerprint::new().bytes(b"a").bytes(b"bc");
        assert_ne!(a, b);
        assert_eq!(a, Fingerprint::new().bytes(b"ab").bytes(b"c"));
        assert_ne!(
            Fingerprint::new().floats([0.0].into_iter()),
            Fingerprint::new().floats([-0.0].into_iter())
        );
        // Streaming floats hash exactly their little-endian bytes.
        let values = [1.5f32, -2.0, f32::MIN_POSITIVE];
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            Fingerprint::new().floats(values.into_iter()),
            Fingerprint::new().bytes(&bytes)
        );
        // A matrix's shape counts: the same values in another shape differ.
        let m = ndarray::Array2::from_shape_vec((2, 3), vec![1.0f32; 6]).unwrap();
        let t = ndarray::Array2::from_shape_vec((3, 2), vec![1.0f32; 6]).unwrap();
        assert_ne!(
            Fingerprint::new().matrix(m.view()),
            Fingerprint::new().matrix(t.view())
        );
        // A transposed view hashes its logical rows, not its memory.
        let tt = t.t();
        assert_eq!(
            Fingerprint::new().matrix(tt),
            Fingerprint::new().matrix(tt.as_standard_layout().view())
        );
        // Fields are explicit text: stable across runs and builds, and values count.
        assert_eq!(
            Fingerprint::new().field("perplexity", 25.0).hex(),
            Fingerprint::new().bytes(b"perplexity=25").hex()
        );
        assert_ne!(
            Fingerprint::new().field("perplexity", 25.0),
            Fingerprint::new().field("perplexity", 25.5)
        );
    }

    #[test]
    fn stage_is_fresh_only_when_its_report_records_the_fingerprint_and_outputs_exist() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.npy");
        let report = dir.path().join("x.json");
        let fp = Fingerprint::new().bytes(b"1");
        let stage = Stage::new(report.clone(), vec![out.clone()], fp);
        assert!(!stage.is_fresh());
        std::fs::write(&out, b"data").unwrap();
        assert!(!stage.is_fresh(), "no report yet");
        std::fs::write(&report, b"{\"fingerprint\": null}").unwrap();
        assert!(!stage.is_fresh(), "a report without a fingerprint");
        std::fs::write(&report, b"not json").unwrap();
        assert!(!stage.is_fresh(), "a damaged report");
        let recorded = serde_json::json!({ "kl": 1.0, "fingerprint": fp.hex() });
        std::fs::write(&report, recorded.to_string()).unwrap();
        assert!(stage.is_fresh());
        let other = Stage::new(
            report.clone(),
            vec![out.clone()],
            Fingerprint::new().bytes(b"2"),
        );
        assert!(!other.is_fresh());
        std::fs::remove_file(&out).unwrap();
        assert!(!stage.is_fresh(), "an output is missing");
        stage.invalidate().unwrap();
        assert!(!report.exists());
        stage.invalidate().unwrap();
    }
}
