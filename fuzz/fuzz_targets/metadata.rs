//! Metadata TSV/CSV: reading, and writing what was read then reading it back (the writer's
//! output must read back to the same number of rows and columns).
#![no_main]

use std::path::Path;

use embedscope::data::metadata_io::{metadata_tsv, parse_metadata};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let name = if which & 1 == 0 {
        "fuzz.tsv"
    } else {
        "fuzz.csv"
    };
    // The row count is taken from the input itself, so most inputs get past the count check.
    let n = bytes
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(usize::from(which >> 7));
    let Ok(m) = parse_metadata(Path::new(name), bytes, n) else {
        return;
    };
    if let Some(text) = metadata_tsv(&m) {
        let back = parse_metadata(Path::new("back.tsv"), text.as_bytes(), m.len())
            .unwrap_or_else(|e| panic!("written metadata does not read back: {e}\n{text:?}"));
        assert_eq!(back.columns().len(), m.columns().len());
    }
});
