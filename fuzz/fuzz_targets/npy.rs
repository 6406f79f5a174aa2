//! `.npy` as an input table (2-D, any numeric dtype) and as a metadata vector.
#![no_main]

use std::path::Path;

use embedscope::data::metadata_io::parse_metadata;
use embedscope::data::table::parse_table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = Path::new("fuzz.npy");
    if let Ok(t) = parse_table(p, data) {
        assert!(t.vectors.iter().all(|v| v.is_finite()));
        assert!(t.vectors.is_standard_layout());
    }
    let _ = parse_metadata(p, data, 3);
});
