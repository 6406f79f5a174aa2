//! Reuse of stage outputs across runs.
//!
//! Each cached stage has a [`Fingerprint`] of everything its result depends on (input bytes,
//! parameters, the embedscope version) and a stamp file written *after* its outputs. A rerun
//! reuses the outputs only when the stamp holds the same fingerprint and every output exists;
//! an interrupted stage never wrote its stamp, so it is redone.

use std::path::{Path, PathBuf};

use crate::fsutil::write_bytes_atomic;

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
    pub fn bytes(mut self, data: &[u8]) -> Self {
        for b in (data.len() as u64).to_le_bytes().iter().chain(data) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    /// Mixes in a value's JSON form (parameters).
    pub fn json<T: serde::Serialize>(self, value: &T) -> Self {
        let text = serde_json::to_vec(value).expect("parameters serialise");
        self.bytes(&text)
    }

    /// Mixes in f32 values bit for bit.
    pub fn floats(self, values: &[f32]) -> Self {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(&bytes)
    }

    /// The fingerprint as 16 hex digits.
    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// A cached stage: its stamp file and the outputs it must find.
#[derive(Debug, Clone)]
pub struct Stage {
    stamp: PathBuf,
    outputs: Vec<PathBuf>,
    fingerprint: Fingerprint,
}

impl Stage {
    /// A stage whose `outputs` are valid when `stamp` holds `fingerprint`.
    pub fn new(stamp: PathBuf, outputs: Vec<PathBuf>, fingerprint: Fingerprint) -> Self {
        Self {
            stamp,
            outputs,
            fingerprint,
        }
    }

    /// True when the previous run of this stage finished with the same inputs.
    pub fn is_fresh(&self) -> bool {
        std::fs::read_to_string(&self.stamp).is_ok_and(|s| s.trim() == self.fingerprint.hex())
            && self.outputs.iter().all(|p| p.exists())
    }

    /// Records that the outputs are complete (call after writing them all).
    pub fn mark_done(&self) -> std::io::Result<()> {
        write_bytes_atomic(
            &self.stamp,
            format!("{}\n", self.fingerprint.hex()).as_bytes(),
        )
    }

    /// Forgets the stage (before recomputing it), so a crash midway leaves it stale.
    pub fn invalidate(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.stamp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The stamp file.
    pub fn stamp(&self) -> &Path {
        &self.stamp
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
            Fingerprint::new().floats(&[0.0]),
            Fingerprint::new().floats(&[-0.0])
        );
    }

    #[test]
    fn stage_is_fresh_only_after_mark_done_with_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.npy");
        let stage = Stage::new(
            dir.path().join("x.stamp"),
            vec![out.clone()],
            Fingerprint::new().bytes(b"1"),
        );
        assert!(!stage.is_fresh());
        std::fs::write(&out, b"data").unwrap();
        assert!(!stage.is_fresh());
        stage.mark_done().unwrap();
        assert!(stage.is_fresh());
        let other = Stage::new(
            dir.path().join("x.stamp"),
            vec![out.clone()],
            Fingerprint::new().bytes(b"2"),
        );
        assert!(!other.is_fresh());
        std::fs::remove_file(&out).unwrap();
        assert!(!stage.is_fresh());
        stage.invalidate().unwrap();
        stage.invalidate().unwrap();
    }
}
