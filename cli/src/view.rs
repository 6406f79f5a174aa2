//! `embedscope view`: any vectors (and their metadata) to maps, GIFs, TensorBoard logs and a
//! report, in one command: the demo's pipeline on the user's data.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use super::inputs;
use super::progress::Bars;
use super::tsne::TsneFlags;
use embedscope::data::table::read_table;
use embedscope::pipeline::view::{self, Input, MapChoice, Names, Settings};
use embedscope::reduce::tsne::LearningRate;

/// Flags of `embedscope view`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// The vectors, one point per row: .npy (any numeric dtype), TSV/CSV with or without a
    /// header, or word vectors (GloVe / word2vec text: a word, then the numbers), whose words
    /// become the metadata column `word`.
    pub input: PathBuf,
    /// The metadata and its colour and name columns.
    #[command(flatten)]
    pub columns: inputs::ColumnFlags,
    /// The points' images.
    #[command(flatten)]
    pub images: inputs::ImageFlags,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "view")]
    pub out: PathBuf,
    /// Redo every stage, even those whose outputs from an earlier run are still valid.
    #[arg(long)]
    pub force: bool,
    /// Inputs with more than twice this many columns are reduced to it by PCA before t-SNE
    /// (0: never).
    #[arg(long, default_value_t = 50)]
    pub pca_dims: usize,
    /// The maps to compute, comma-separated: tsne2 (the stills, the unfolding GIF, the image
    /// map), tsne3 (the turning GIF, the page's 3-D tab), pca (PC1-PC2 still, turning GIF),
    /// umap2 (a 2-D UMAP with 15 neighbours: still, page tab, TensorBoard tensor). Default:
    /// tsne2,tsne3,pca, and tsne2,pca above 250,000 points (the 3-D t-SNE would take about as
    /// long as the 2-D map again); UMAP only when named.
    #[arg(long, value_name = "LIST", value_parser = parse_maps)]
    pub maps: Option<MapChoice>,
    /// A GIF frame every this many t-SNE iterations.
    #[arg(long, default_value_t = 10)]
    pub gif_every: usize,
    /// The t-SNE settings.
    #[command(flatten)]
    pub tsne: TsneFlags,
    /// Standardisation of the columns.
    #[command(flatten)]
    pub scale: inputs::ScaleFlags,
}

impl ViewArgs {
    /// Validates the flags, reads the inputs, runs the view and prints its summary.
    pub fn run(self) -> anyhow::Result<()> {
        if self.gif_every == 0 {
            bail!("--gif-every 0: must be at least 1");
        }
        let tsne = self.tsne.params(LearningRate::Auto);
        let table = read_table(&self.input)?;
        let (vectors, standardized) = self.scale.apply(table.vectors)?;
        let mut metadata = inputs::metadata(
            "metadata",
            self.columns.metadata.as_deref(),
            vectors.nrows(),
        )?;
        // The words of a word-vector file come first, before the file's columns.
        for column in table.metadata.columns().iter().rev() {
            if metadata.column(&column.name).is_err() {
                metadata.prepend(column.clone())?;
            }
        }
        let stem = table.name;
        let images = self.images.read(vectors.nrows())?;
        let input = Input {
            name: stem.clone(),
            source: self.input.display().to_string(),
            vectors: vectors.view(),
            metadata: &metadata,
            images: images.as_ref().map(|t| t.view()),
        };
        let settings = Settings {
            out: self.out.clone(),
            force: self.force,
            tsne,
            gif_every: self.gif_every,
            colour_by: self.columns.colour_by.clone(),
            label_by: self.columns.label_by.clone(),
            pca_dims: self.pca_dims,
            maps: self.maps,
            names: Names::for_stem(&stem),
            standardized,
            input_scalars: Vec::new(),
        };
        let mut bars = Bars::new();
        let report = view::run(&input, &settings, &mut bars)
            .map_err(super::flag_error)
            .with_context(|| format!("view of {}", self.input.display()))?;
        println!(
            "embedscope view: {} points of {}",
            report.points, report.input
        );
        println!("{}", view::summary(&report, &self.out));
        Ok(())
    }
}

/// `--maps`: the library's message without its parameter name (clap names the flag).
fn parse_maps(list: &str) -> Result<MapChoice, String> {
    list.parse().map_err(|e| match e {
        embedscope::reduce::ReduceError::InvalidParam { problem, .. } => problem,
        other => other.to_string(),
    })
}
