//! `embedscope pca`: project a matrix on its principal components.
//!
//! Reads `.npy` (float32/float64, 2-D) or TSV/CSV, writes the projection as float32 `.npy`,
//! prints the PC1-PC3 summary line, and optionally writes a JSON report with per-component and
//! cumulative explained-variance ratios.

use std::path::PathBuf;

use anyhow::{bail, Context};
use ndarray::s;

use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::fsutil::write_json;
use embedscope::pipeline::reports::{PcaReport, SUMMARY_COMPONENTS};
use embedscope::reduce::pca;

/// Flags of `embedscope pca`.
#[derive(clap::Args, Debug)]
pub struct PcaArgs {
    /// Input matrix, one point per row: .npy (any numeric dtype, 2-D), TSV/CSV (header or
    /// not), or word vectors (.txt/.vec: a word, then the numbers).
    pub input: PathBuf,
    /// Output projection (float32 .npy, N x components).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of principal components to keep.
    #[arg(long, default_value_t = 3)]
    pub components: usize,
    /// Also write a JSON report with the explained-variance ratios.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Standardisation of the columns.
    #[command(flatten)]
    pub scale: super::inputs::ScaleFlags,
}

impl PcaArgs {
    /// Validates the flags, fits the PCA and writes the outputs.
    pub fn run(self) -> anyhow::Result<()> {
        if self.components == 0 {
            bail!("--components 0: must be at least 1");
        }
        let (data, _, notes) = self.scale.apply_noted(read_matrix(&self.input)?)?;
        let d = data.ncols();
        if self.components > d {
            bail!(
                "--components {}: {} has only {d} columns",
                self.components,
                self.input.display()
            );
        }
        let fitted = pca::fit(data.view(), self.components.max(SUMMARY_COMPONENTS.min(d)))
            .with_context(|| format!("PCA of {}", self.input.display()))?;
        let k = self.components;
        let projected = fitted.projected.slice(s![.., ..k]).to_owned();
        write_npy(&self.out, &projected)?;
        println!("{}", fitted.summary(SUMMARY_COMPONENTS));
        notes.iter().for_each(|n| eprintln!("{n}"));
        if let Some(path) = &self.report {
            let report = PcaReport::new(
                &self.input.display().to_string(),
                &self.out.display().to_string(),
                &fitted,
                d,
                k,
            );
            write_json(path, &report)?;
        }
        Ok(())
    }
}
