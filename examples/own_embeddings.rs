//! The data of the README's "Your own embeddings" example, made from the embedded digits as a
//! user's files would come: `cargo run --release --example own_embeddings -- DIR` writes
//! - `DIR/digits.tsv`: 2,000 rows of 784 pixel values (0-1), no header: a wide input, which
//!   `view` reduces to 50 dimensions by PCA before t-SNE;
//! - `DIR/digits_meta.tsv`: the projector's metadata convention with a header row: `digit`
//!   (the digit's name, text), `ink` (the mean pixel value, a float column coloured with a
//!   colour map), `parity` (`even`/`odd`, with every 50th value missing).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use embedscope::data::Dataset;

const NAMES: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: own_embeddings DIR")?,
    );
    std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
    let mut data = Dataset::embedded();
    data.truncate(2000);
    let pixels = data.pixels_f32();
    let mut vectors = String::new();
    let mut meta = String::from("digit\tink\tparity\n");
    for (i, row) in pixels.outer_iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.3}")).collect();
        vectors.push_str(&cells.join("\t"));
        vectors.push('\n');
        let label = usize::from(data.labels[i]);
        let ink = row.mean().unwrap_or(0.0);
        let parity = match (i % 50, label % 2) {
            (0, _) => "",
            (_, 0) => "even",
            _ => "odd",
        };
        let _ = writeln!(meta, "{}\t{ink:.4}\t{parity}", NAMES[label]);
    }
    std::fs::write(out.join("digits.tsv"), vectors)?;
    std::fs::write(out.join("digits_meta.tsv"), meta)?;
    println!(
        "wrote {0}/digits.tsv and {0}/digits_meta.tsv",
        out.display()
    );
    Ok(())
}
