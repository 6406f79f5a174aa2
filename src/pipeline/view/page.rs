//! The view's interactive page (`index.html`): the view's maps, every metadata column, the
//! images, and each point's nearest neighbours in the input, from the view's one neighbour
//! graph (a prefix of it).

use super::maps::{MapPrints, Maps};
use super::output::{OutputDir, PAGE_FILE};
use super::prepare::{Prepared, PAGE_NEIGHBORS};
use super::stage::Recorded;
use crate::export::html::{write_page, Neighbors, PageMap, PageSpec};
use crate::export::tensorboard::Sprite;
use crate::progress::Progress;
use crate::reduce::knn::KnnGraph;

/// The page's stage: the page of maps made as `maps` says.
pub(super) fn stage(
    prepared: &Prepared<'_, '_>,
    out: &OutputDir,
    maps: &MapPrints,
) -> Recorded<()> {
    let fp = maps
        .mix(prepared.points_fp)
        .field("graph", prepared.graph_fp().hex())
        .field("page neighbours", PAGE_NEIGHBORS)
        .field("name", &prepared.input.name)
        .field("colour by", prepared.colour.map_or(-1, |c| c as i64))
        .field("label by", prepared.label.map_or(-1, |c| c as i64));
    Recorded::new(out, ("page", "page"), vec![PAGE_FILE.to_string()], fp)
}

/// Writes the page; `graph` holds the page's neighbours (its first [`PAGE_NEIGHBORS`]).
pub(super) fn write(
    prepared: &Prepared<'_, '_>,
    (maps, graph, sprite): (&Maps, &KnnGraph, Option<&Sprite>),
    out: &OutputDir,
    progress: &mut dyn Progress,
) -> crate::pipeline::Result<()> {
    let input = prepared.input;
    let page_k = PAGE_NEIGHBORS.min(input.vectors.nrows() - 1);
    let graph = graph.prefix(page_k);
    let distances = graph.distances_f32();
    let search = graph.description();
    let spec = PageSpec {
        title: format!("embedscope: {}", input.name),
        subtitle: format!(
            "{} points of {} dimensions{}",
            input.vectors.nrows(),
            input.vectors.ncols(),
            if prepared.standardized.is_some() {
                ", each column standardized"
            } else {
                ""
            }
        ),
        maps: page_maps(maps),
        metadata: input.metadata,
        colourings: &prepared.colourings,
        colour_by: prepared.colour_column().map(|c| c.name.as_str()),
        label_by: prepared.label_column().map(|c| c.name.as_str()),
        thumbnails: sprite,
        neighbors: Some(Neighbors {
            k: graph.k(),
            indices: graph.indices(),
            distances: &distances,
            search: &search,
        }),
    };
    write_page(&spec, &out.path(PAGE_FILE), progress)?;
    Ok(())
}

/// The page's tabs: the maps the view computed.
fn page_maps(maps: &Maps) -> Vec<PageMap<'_>> {
    let mut tabs = Vec::new();
    for (name, map) in [("t-SNE 2-D", &maps.tsne2), ("t-SNE 3-D", &maps.tsne3)] {
        tabs.extend(map.as_ref().map(|m| PageMap {
            name: name.into(),
            coords: m.coords.view(),
            caption: m.report.caption(),
        }));
    }
    tabs.extend(maps.pca3.as_ref().map(|m| PageMap {
        name: "PCA".into(),
        coords: m.coords.view(),
        caption: format!("PCA, {}", m.report.summary),
    }));
    tabs.extend(maps.umap2.as_ref().map(|m| PageMap {
        name: "UMAP".into(),
        coords: m.coords.view(),
        caption: m.report.caption(),
    }));
    tabs
}
