//! Recall of the approximate k-nearest-neighbour graph against the exact one, with the time of
//! each search.
//!
//! Usage: `cargo run --release --no-default-features --example knn_recall -- INPUT.npy [K]`
//! (K defaults to 75, the t-SNE default's 3 · perplexity 25).

use std::time::Instant;

use anyhow::{bail, Context};
use embedscope::data::matrix::read_matrix;
use embedscope::reduce::knn::{KnnGraph, KnnParams, NeighborMethod};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, k) = match args.as_slice() {
        [a] => (a, 75),
        [a, k] => (a, k.parse().context("K")?),
        _ => bail!("usage: knn_recall INPUT.npy [K]"),
    };
    let x = read_matrix(std::path::Path::new(input))?;
    let search = |method| {
        let params = KnnParams {
            method,
            ..KnnParams::default()
        };
        let t = Instant::now();
        let graph = KnnGraph::find(x.view(), k, &params)?;
        anyhow::Ok((graph, t.elapsed().as_secs_f64()))
    };
    let (fast, t_approx) = search(NeighborMethod::Approx)?;
    let (exact, t_exact) = search(NeighborMethod::Exact)?;
    println!(
        "{{\"n\": {}, \"k\": {k}, \"recall\": {:.4}, \"sampled_recall\": {:.4}, \"approx_s\": {t_approx:.1}, \"exact_s\": {t_exact:.1}}}",
        x.nrows(),
        fast.recall_against(&exact),
        fast.recall().unwrap_or(1.0)
    );
    Ok(())
}
