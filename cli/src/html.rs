//! `embedscope html`: write the self-contained interactive page from files the other commands
//! wrote: maps (`--map NAME=FILE`), metadata, thumbnails, and the original vectors whose k-NN
//! graph the page shows on click.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ndarray::Array2;

use super::inputs;
use super::progress::Bars;
use embedscope::data::matrix::read_matrix;
use embedscope::export::html::{colourings, write_page, Neighbors, PageMap, PageSpec};
use embedscope::export::tensorboard::Sprite;
use embedscope::reduce::knn::{KnnGraph, KnnParams, Metric, NeighborMethod};
use embedscope::render::colouring;

/// Flags of `embedscope html`.
#[derive(clap::Args, Debug)]
pub struct HtmlArgs {
    /// A map to show, `NAME=FILE` (N x 2 or N x 3, .npy/.tsv/.csv), e.g. "t-SNE 2-D=tsne2.npy";
    /// repeat for several, the first is shown first.
    #[arg(long = "map", value_name = "NAME=FILE", required = true)]
    pub maps: Vec<String>,
    /// Per-point metadata (for now: labels, a .npy integer vector or text, one per line).
    #[arg(long, value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// The metadata column to colour by when the page opens.
    /// Default: the first categorical column of 2 to 50 classes, else the first numeric
    /// one, never a column of nearly all distinct values (names, ids).
    #[arg(long, value_name = "COLUMN")]
    pub color_by: Option<String>,
    /// The metadata column that names the points (the selected point's title, its
    /// neighbours, the first line on hover). Default: `word` for word vectors, else the first
    /// text column of nearly all distinct values, else the point's number.
    #[arg(long, value_name = "COLUMN")]
    pub label_by: Option<String>,
    /// Thumbnails shown on hover.
    #[command(flatten)]
    pub images: inputs::ImageFlags,
    /// The original vectors (N x D, .npy/.tsv/.csv): clicking a point lists its nearest
    /// neighbours among them.
    #[arg(long, value_name = "FILE")]
    pub neighbors_of: Option<PathBuf>,
    /// Neighbours listed per point.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub neighbor_count: usize,
    /// How the neighbours are found: auto (approximate from 50,000 points, else exact),
    /// exact or approx (its recall, measured on a sample, is printed).
    #[arg(long, value_name = "auto|exact|approx", default_value = "auto")]
    pub neighbors: NeighborMethod,
    /// The distance between the vectors: euclidean or cosine.
    #[arg(long, value_name = "euclidean|cosine", default_value = "euclidean")]
    pub metric: Metric,
    /// The page's title.
    #[arg(long, value_name = "TEXT", default_value = "embedscope")]
    pub title: String,
    /// The page to write.
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
}

/// One `--map`, read.
#[derive(Debug)]
struct MapFile {
    /// The flag as given, for error messages.
    flag: String,
    name: String,
    /// Where it came from, shown under the map.
    caption: String,
    coords: Array2<f32>,
}

impl HtmlArgs {
    /// Loads and checks the inputs, computes the neighbour graph, writes the page.
    pub fn run(self) -> anyhow::Result<()> {
        let maps = self.read_maps()?;
        let n = maps[0].coords.nrows();
        for m in &maps {
            if m.coords.nrows() != n {
                bail!(
                    "{}: {} points, but {} has {n}; every map must have the same points",
                    m.flag,
                    m.coords.nrows(),
                    maps[0].flag
                );
            }
        }
        let metadata = inputs::metadata("metadata", self.metadata.as_deref(), n)?;
        let colour_by = colouring::colour_column(&metadata, self.color_by.as_deref())
            .context("--color-by")?
            .map(|c| c.name.as_str());
        let label_by = colouring::label_column(&metadata, self.label_by.as_deref())
            .context("--label-by")?
            .map(|c| c.name.as_str());
        let images = self.images.read(n)?;
        let sprite = match &images {
            Some(t) => Some(Sprite::new(&t.view()).context("--images")?),
            None => None,
        };
        let colourings = colourings(&metadata);
        let graph = self.neighbor_graph(n)?;
        let search = graph.as_ref().map(|(g, _)| g.description());

        let spec = PageSpec {
            title: self.title.clone(),
            subtitle: format!(
                "{n} points{}",
                match &self.neighbors_of {
                    Some(p) => format!(", neighbours in {}", p.display()),
                    None => String::new(),
                }
            ),
            maps: maps
                .iter()
                .map(|m| PageMap {
                    name: m.name.clone(),
                    coords: m.coords.view(),
                    caption: m.caption.clone(),
                })
                .collect(),
            metadata: &metadata,
            colourings: &colourings,
            colour_by,
            label_by,
            thumbnails: sprite.as_ref(),
            neighbors: graph
                .as_ref()
                .zip(search.as_deref())
                .map(|((g, distances), search)| Neighbors {
                    k: g.k(),
                    indices: g.indices(),
                    distances,
                    search,
                }),
        };
        let out = write_page(&spec, &self.out, &mut Bars::new()).context("--out")?;
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        println!(
            "wrote {}: {n} points, {} map(s){}{}, {:.1} MB; open it in a browser",
            out.display(),
            maps.len(),
            if images.is_some() { ", thumbnails" } else { "" },
            graph.as_ref().map_or(String::new(), |(g, _)| format!(
                ", {} neighbours per point ({}, {}{})",
                g.k(),
                g.metric().name(),
                g.method().name(),
                g.recall()
                    .map_or(String::new(), |r| format!(", recall {r:.3} on a sample"))
            )),
            size as f64 / 1e6
        );
        Ok(())
    }

    /// Each `--map NAME=FILE` (split at the first `=`), read and checked.
    fn read_maps(&self) -> anyhow::Result<Vec<MapFile>> {
        let mut maps: Vec<MapFile> = Vec::new();
        for raw in &self.maps {
            let flag = format!("--map {raw}");
            let Some((name, file)) = raw
                .split_once('=')
                .filter(|(n, f)| !n.trim().is_empty() && !f.is_empty())
            else {
                bail!("{flag}: expected NAME=FILE, e.g. \"t-SNE 2-D=tsne2.npy\"");
            };
            if maps.iter().any(|m| m.name == name) {
                bail!("{flag}: the name '{name}' is used twice");
            }
            let coords = read_matrix(Path::new(file)).with_context(|| flag.clone())?;
            if !matches!(coords.ncols(), 2 | 3) {
                bail!("{flag}: {} columns; a map has 2 or 3", coords.ncols());
            }
            maps.push(MapFile {
                caption: format!("from {file}"),
                flag,
                name: name.to_string(),
                coords,
            });
        }
        Ok(maps)
    }

    /// The `--neighbors-of` vectors' graph with the page's distances, when given.
    fn neighbor_graph(&self, n: usize) -> anyhow::Result<Option<(KnnGraph, Vec<f32>)>> {
        let Some(path) = &self.neighbors_of else {
            return Ok(None);
        };
        let flag = format!("--neighbors-of {}", path.display());
        let k = self.neighbor_count;
        if k == 0 || k >= n {
            bail!(
                "--neighbor-count {k}: must be between 1 and the number of points minus one ({})",
                n.saturating_sub(1)
            );
        }
        let data = read_matrix(path).with_context(|| flag.clone())?;
        if data.nrows() != n {
            bail!(
                "{flag}: {} rows, but the maps have {n} points",
                data.nrows()
            );
        }
        let params = KnnParams {
            method: self.neighbors,
            metric: self.metric,
            seed: 0,
        };
        let graph = KnnGraph::find(data.view(), k, &params)
            .map_err(super::flag_error)
            .with_context(|| flag.clone())?;
        let distances = graph.distances_f32();
        Ok(Some((graph, distances)))
    }
}
