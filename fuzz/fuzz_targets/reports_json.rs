//! The JSON reports read back with `fsutil::read_json` (t-SNE, PCA, training). Each input is
//! written to a file in a private temporary directory (in memory under `/dev/shm` when there is
//! one) and read through the real function.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use embedscope::fsutil::read_json;
use embedscope::pipeline::reports::{PcaReport, TrainReport, TsneReport};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("temporary directory");
        let file = dir.path().join("report.json");
        (dir, file)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("scratch file is writable");
    let _ = read_json::<TsneReport>(path);
    let _ = read_json::<PcaReport>(path);
    let _ = read_json::<TrainReport>(path);
});
