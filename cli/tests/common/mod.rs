//! Helpers shared by the integration tests: running the binary, a cheap deterministic layout
//! of real MNIST digits, an independent look at the pictures (the `image` crate decodes them),
//! and malformed matrix files with the check that a command refused them cleanly.

#![allow(dead_code)] // each test binary uses its own subset

pub mod layout;

use embedscope::render::palette::{Rgb, CLASS_COLOURS};
use image::AnimationDecoder;
use ndarray::{Array1, Array2};

/// Asserts that `o`, the output of `args` (a command that was to write `out`), failed cleanly:
/// a non-zero exit, stderr starting with `error: ` and containing each of `wanted`, no panic,
/// and no `out`.
pub fn assert_failed_cleanly(
    o: &std::process::Output,
    args: &[&str],
    out: &std::path::Path,
    wanted: &[&str],
) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "succeeded: {args:?}");
    assert!(err.starts_with("error: "), "{err}");
    for w in wanted {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "output written despite the error");
}

/// Malformed matrix files written into `dir` (a truncated `.npy`, a 1-D `.npy`, a ragged TSV,
/// a missing file), each with the words its error must contain.
pub fn bad_matrix_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<&'static str>)> {
    use ndarray_npy::WriteNpyExt;
    let mut bytes = Vec::new();
    Array2::<f32>::zeros((20, 3)).write_npy(&mut bytes).unwrap();
    let trunc = dir.join("trunc.npy");
    std::fs::write(&trunc, &bytes[..bytes.len() - 10]).unwrap();
    let mut bytes = Vec::new();
    Array1::<f32>::zeros(20).write_npy(&mut bytes).unwrap();
    let flat = dir.join("flat.npy");
    std::fs::write(&flat, bytes).unwrap();
    let ragged = dir.join("ragged.tsv");
    std::fs::write(&ragged, "1\t2\t3\n4\t5\n").unwrap();
    vec![
        (trunc, vec!["trunc.npy", "truncated"]),
        (flat, vec!["flat.npy", "1-D"]),
        (ragged, vec!["ragged.tsv", "line 2", "ragged"]),
        (dir.join("missing.npy"), vec!["missing.npy"]),
    ]
}

/// Runs the `embedscope` binary with `args` and collects its output.
pub fn embedscope(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_embedscope"))
        .args(args)
        .output()
        .expect("embedscope runs")
}

/// A path as a command-line argument.
pub fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Decodes a PNG to RGB with `image`.
pub fn decode_png(path: &std::path::Path) -> image::RgbImage {
    image::open(path).expect("decodes").to_rgb8()
}

/// Decodes every frame of a GIF with `image` (composited, as a viewer shows them), with each
/// frame's delay in milliseconds.
pub fn decode_gif(path: &std::path::Path) -> Vec<(image::RgbaImage, u32)> {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let decoder = image::codecs::gif::GifDecoder::new(file).expect("a GIF");
    decoder
        .into_frames()
        .collect_frames()
        .expect("frames decode")
        .into_iter()
        .map(|f| {
            let (num, den) = f.delay().numer_denom_ms();
            (f.into_buffer(), num / den)
        })
        .collect()
}

/// True when the GIF carries the NETSCAPE2.0 loop extension with a count of 0 (forever),
/// read from the raw bytes.
pub fn loops_forever(bytes: &[u8]) -> bool {
    let tag = b"NETSCAPE2.0\x03\x01\x00\x00";
    bytes.windows(tag.len()).any(|w| w == tag)
}

/// The classes whose colour, at one of `strengths` (1 = the class colour itself, less is
/// mixed towards white), appears exactly among `pixels` within the box `x0..x1, y0..y1`.
pub fn classes_present(
    pixels: impl Fn(u32, u32) -> Rgb,
    (x0, x1, y0, y1): (u32, u32, u32, u32),
    strengths: &[f32],
) -> Vec<usize> {
    let mix = |c: Rgb, s: f32| -> Rgb {
        std::array::from_fn(|k| (255.0 + (f32::from(c[k]) - 255.0) * s).round() as u8)
    };
    let mut seen = [false; 10];
    for y in y0..y1 {
        for x in x0..x1 {
            let p = pixels(x, y);
            for (c, &colour) in CLASS_COLOURS.iter().enumerate() {
                seen[c] |= strengths.iter().any(|&s| mix(colour, s) == p);
            }
        }
    }
    (0..10).filter(|&c| seen[c]).collect()
}
