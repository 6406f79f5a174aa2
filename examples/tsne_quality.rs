//! Scores a t-SNE embedding: exact KL(P‖Q) at a perplexity (all N² pairs, O(N) memory), and
//! leave-one-out 10-NN label accuracy.
//!
//! Usage: `cargo run --release --example tsne_quality -- INPUT.npy EMBEDDING.npy [PERPLEXITY
//! [LABELS.npy]]`. Without LABELS (uint8 .npy), INPUT's rows must be the first N embedded
//! digits in order (e.g. `mnist64.npy`).

use std::path::PathBuf;

use anyhow::{bail, Context};
use embedscope::data::{matrix::read_matrix, Dataset};
use embedscope::reduce::quality::{exact_kl, knn_accuracy};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, embedding) = match args.as_slice() {
        [a, b] | [a, b, _] | [a, b, _, _] => (PathBuf::from(a), PathBuf::from(b)),
        _ => bail!("usage: tsne_quality INPUT.npy EMBEDDING.npy [PERPLEXITY [LABELS.npy]]"),
    };
    let perplexity: f64 = args
        .get(2)
        .map_or(Ok(25.0), |p| p.parse())
        .context("PERPLEXITY")?;
    let x = read_matrix(&input)?;
    let y = read_matrix(&embedding)?;
    let labels: Vec<u8> = match args.get(3) {
        Some(path) => ndarray_npy::read_npy::<_, ndarray::Array1<u8>>(path)
            .with_context(|| path.clone())?
            .to_vec(),
        None => Dataset::embedded().labels,
    };
    if x.nrows() != y.nrows() || x.nrows() > labels.len() {
        bail!(
            "{} rows vs {} rows (at most {} labels)",
            x.nrows(),
            y.nrows(),
            labels.len()
        );
    }
    let acc = knn_accuracy(y.view(), &labels[..y.nrows()], 10);
    let kl = exact_kl(x.view(), y.view(), perplexity);
    println!("{{\"kl_exact\": {kl:.4}, \"knn10_accuracy\": {acc:.4}}}");
    Ok(())
}
