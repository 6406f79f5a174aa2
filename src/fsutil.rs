//! Atomic file and directory output.
//!
//! Every file embedscope writes goes through [`write_atomic`] (or [`AtomicDir`] for a whole
//! directory): the content is written to a hidden temporary file beside the target and renamed
//! over it only once complete, so an error or an interrupt (Ctrl-C) never leaves a half-written
//! output behind. Temporary files are removed when dropped.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Writes `path` atomically: `fill` writes the content to a temporary file in the same
/// directory, which is then flushed, synced and renamed over `path`.
///
/// On any error the temporary file is removed and `path` is left untouched.
pub fn write_atomic<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut BufWriter<&mut fs::File>) -> io::Result<()>,
{
    let mut tmp = temp_beside(path, ".tmp")?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        fill(&mut w)?;
        w.flush()?;
    }
    persist(tmp, path)
}

/// [`write_atomic`] for writers that want a path (a library's `save(path)`): `fill` writes the
/// temporary file at the path it is given, which is then synced and renamed over `path`. The
/// temporary name keeps `path`'s extension, for writers that choose the format by it.
pub fn write_atomic_at<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&Path) -> io::Result<()>,
{
    let ext = path
        .extension()
        .map(|e| format!(".tmp.{}", e.to_string_lossy()))
        .unwrap_or_else(|| ".tmp".to_string());
    let tmp = temp_beside(path, &ext)?;
    fill(tmp.path())?;
    persist(tmp, path)
}

/// A hidden temporary file in `path`'s directory, removed when dropped.
fn temp_beside(path: &Path, suffix: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name(path)))
        .suffix(suffix)
        .tempfile_in(parent_dir(path))
}

/// Makes the finished temporary file an ordinary output (0644), syncs it and renames it over
/// `path`.
fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> io::Result<()> {
    // Temporary files are created private (0600); outputs are ordinary files (0644).
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic(path, |w| w.write_all(bytes))
}

/// Writes `value` as pretty JSON (with a final newline), atomically. The error names the file.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> io::Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
    .map_err(|e| naming(path, e))
}

/// Reads a JSON file written by [`write_json`] (a report, a stage's record). The error names
/// the file; one that is not JSON of the expected shape is [`io::ErrorKind::InvalidData`] and
/// says where (line and column).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<T> {
    let bytes = fs::read(path).map_err(|e| naming(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        naming(
            path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not the expected JSON: {e}"),
            ),
        )
    })
}

/// `e` with the path in front of its message, keeping its kind (and no source, so an error
/// chain prints the cause once).
fn naming(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A directory built under a temporary name and moved into place by [`AtomicDir::commit`].
///
/// If the value is dropped without `commit` (an error, an interrupt), the temporary directory
/// and everything in it are removed, so no half-written directory is left behind.
#[derive(Debug)]
pub struct AtomicDir {
    tmp: Option<tempfile::TempDir>,
    target: PathBuf,
}

impl AtomicDir {
    /// Starts building `target`. The parent directory must exist and be writable.
    pub fn new(target: &Path) -> io::Result<Self> {
        let parent = parent_dir(target);
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", file_name(target)))
            .suffix(".tmp")
            .tempdir_in(parent)?;
        Ok(Self {
            tmp: Some(tmp),
            target: target.to_path_buf(),
        })
    }

    /// The temporary directory to write into.
    pub fn path(&self) -> &Path {
        self.tmp
            .as_ref()
            .expect("AtomicDir used after commit")
            .path()
    }

    /// Moves the finished directory into place, replacing an existing `target` directory.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let tmp = self.tmp.take().expect("AtomicDir committed twice");
        let staged = tmp.keep();
        fs::set_permissions(&staged, fs::Permissions::from_mode(0o755))?;
        if self.target.exists() {
            // Move the old directory aside first so the swap is as short as possible.
            let old = tempfile::Builder::new()
                .prefix(&format!(".{}.old.", file_name(&self.target)))
                .tempdir_in(parent_dir(&self.target))?;
            let old_path = old.path().join("old");
            fs::rename(&self.target, &old_path)?;
            if let Err(e) = fs::rename(&staged, &self.target) {
                let _ = fs::rename(&old_path, &self.target);
                let _ = fs::remove_dir_all(&staged);
                return Err(e);
            }
            drop(old);
        } else if let Err(e) = fs::rename(&staged, &self.target) {
            let _ = fs::remove_dir_all(&staged);
            return Err(e);
        }
        Ok(self.target.clone())
    }
}

/// The lower-case extension of `path` ("" when it has none): how every reader and writer
/// chooses a format.
pub fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Creates `dir` (and its parents) if needed.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.bin");
        let err = write_atomic(&target, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert_eq!(err.unwrap_err().to_string(), "boom");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.txt");
        write_bytes_atomic(&target, b"one").unwrap();
        write_bytes_atomic(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        let mode = fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_dir_is_removed_and_commit_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("logs");
        {
            let staged = AtomicDir::new(&target).unwrap();
            fs::write(staged.path().join("a"), b"1").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        for content in [b"1", b"2"] {
            let staged = AtomicDir::new(&target).unwrap();
            fs::write(staged.path().join("a"), content).unwrap();
            staged.commit().unwrap();
        }
        assert_eq!(fs::read(target.join("a")).unwrap(), b"2");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
