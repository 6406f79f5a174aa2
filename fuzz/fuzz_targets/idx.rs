//! IDX images and labels, raw or gzip (the first byte chooses which parser; gzip input is
//! recognised by its magic bytes, so the corpus holds both).
#![no_main]

use std::path::Path;

use embedscope::data::idx::{parse_images, parse_labels};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let p = Path::new("fuzz.idx");
    if which & 1 == 0 {
        if let Ok(img) = parse_images(p, bytes) {
            assert_eq!(img.pixels.len(), img.count * img.rows * img.cols);
        }
    } else if let Ok(labels) = parse_labels(p, bytes) {
        assert!(labels.iter().all(|&l| l <= 9));
    }
});
