//! Text input tables: TSV, CSV and whitespace `.txt` / word-vector `.vec` (the first byte
//! chooses the extension).
#![no_main]

use std::path::Path;

use embedscope::data::table::parse_table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let name = ["fuzz.tsv", "fuzz.csv", "fuzz.txt", "fuzz.vec"][usize::from(which % 4)];
    if let Ok(t) = parse_table(Path::new(name), bytes) {
        assert!(t.vectors.nrows() > 0 && t.vectors.ncols() > 0);
        assert!(t.vectors.iter().all(|v| v.is_finite()));
        assert_eq!(t.metadata.len(), t.vectors.nrows());
    }
});
