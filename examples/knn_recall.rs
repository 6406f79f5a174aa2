//! Recall of the approximate k-nearest-neighbour graph against the exact one, with the time of
//! each search.
//!
//! Usage: `cargo run --release --no-default-features --example knn_recall -- INPUT.npy [K]`
//! (K defaults to 75, the t-SNE default's 3 · perplexity 25).

use std::time::Instant;

use anyhow::{bail, Context};
use embedscope::data::matrix::read_matrix;
use embedscope::reduce::tsne::{approx, neighbors};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, k) = match args.as_slice() {
        [a] => (a, 75),
        [a, k] => (a, k.parse().context("K")?),
        _ => bail!("usage: knn_recall INPUT.npy [K]"),
    };
    let x = read_matrix(std::path::Path::new(input))?;
    let t = Instant::now();
    let fast = approx::knn(x.view(), k, 0);
    let t_approx = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let exact = neighbors::knn(x.view(), k);
    let t_exact = t.elapsed().as_secs_f64();
    println!(
        "{{\"n\": {}, \"k\": {k}, \"recall\": {:.4}, \"approx_s\": {t_approx:.1}, \"exact_s\": {t_exact:.1}}}",
        x.nrows(),
        approx::recall(&fast, &exact)
    );
    Ok(())
}
