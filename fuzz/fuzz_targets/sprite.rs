//! A picture given as a sprite (`--sprite`): decoding (PNG, JPEG, GIF, BMP) and cutting it into
//! the points' cells. Every accepted sprite must give `n` cells of one size.
#![no_main]

use std::path::Path;

use embedscope::data::thumbnails::Thumbnails;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&n, bytes)) = data.split_first() else {
        return;
    };
    let n = usize::from(n);
    if let Ok(t) = Thumbnails::parse_sprite(Path::new("fuzz.png"), bytes, n) {
        assert_eq!(t.len(), n);
        assert_eq!(t.pixels.ncols(), t.rows * t.cols);
    }
});
