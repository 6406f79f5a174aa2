//! What a view reports: the 10-NN accuracy of the colour column's classes (a cached stage),
//! `report.json`'s shape, and the summary printed at the end.

use std::path::Path;

use ndarray::{s, ArrayView2};

use super::maps::{MapPrints, Maps};
use super::output::{OutputDir, LOGS_DIR, PAGE_FILE};
use super::prepare::{colouring_fingerprint, Prepared, PAGE_NEIGHBORS};
use super::stage::Recorded;
use crate::data::metadata::Column;
use crate::pipeline::reports::{PcaReport, TsneReport, UmapReport};
use crate::reduce::knn::KnnGraph;
use crate::reduce::quality;
use crate::render::colouring::{mostly_distinct, Colouring};

/// The PCA applied before t-SNE to a wide input.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PreReduction {
    /// Columns of the input.
    pub from_dims: usize,
    /// Columns t-SNE saw.
    pub to_dims: usize,
    /// Share of the input's variance they keep.
    pub explained_variance: f64,
}

/// Leave-one-out 10-NN accuracy of the colour column's classes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KnnAccuracy {
    /// The column whose classes are predicted.
    pub column: String,
    /// In the input vectors (those t-SNE saw).
    pub input: f64,
    /// In the 2-D t-SNE map, when the view drew it.
    pub tsne_2d: Option<f64>,
    /// In PC1-PC2, when the view drew the PCA map.
    pub pca_2d: Option<f64>,
    /// In the 2-D UMAP map, when the view drew it.
    #[serde(default)]
    pub umap_2d: Option<f64>,
}

/// What `report.json` holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ViewReport {
    /// The input's name.
    pub input: String,
    /// Where it came from.
    pub source: String,
    /// Number of points.
    pub points: usize,
    /// Columns of the input.
    pub dims: usize,
    /// The metadata columns.
    pub metadata_columns: Vec<String>,
    /// The column that colours the pictures, if any.
    pub colour_by: Option<String>,
    /// PCA applied before t-SNE, if the input was wide (and the PCA ran in this run).
    pub pre_reduction: Option<PreReduction>,
    /// Choices made for the user (a lowered perplexity, a pre-reduction) and hints (columns on
    /// very different scales).
    pub notes: Vec<String>,
    /// Whether the input's columns were standardised (`--standardize`) before the reductions.
    #[serde(default)]
    pub standardized: bool,
    /// Seconds per stage (a reused stage took only the time to reload).
    pub seconds: Vec<(String, f64)>,
    /// Stages whose outputs were reused from an earlier run (or not needed by any stage
    /// that was not).
    pub reused: Vec<String>,
    /// The maps the view computed (`--maps`), in order.
    pub maps: Vec<String>,
    /// The 2-D t-SNE report, when the view computed that map.
    pub tsne_2d: Option<TsneReport>,
    /// The 3-D t-SNE report, likewise.
    pub tsne_3d: Option<TsneReport>,
    /// The PCA map's report (explained variance), likewise.
    pub pca: Option<PcaReport>,
    /// The 2-D UMAP report, likewise.
    #[serde(default)]
    pub umap_2d: Option<UmapReport>,
    /// 10-NN accuracies, when the colour column is categorical.
    pub knn10_accuracy: Option<KnnAccuracy>,
    /// Every file written, relative to the output directory.
    pub files: Vec<String>,
}

/// The lines printed at the end of a view written to `out`: stage times, KL, explained
/// variance, accuracies, and how to open the results.
pub fn summary(r: &ViewReport, out: &Path) -> String {
    let stages: Vec<String> = r
        .seconds
        .iter()
        .map(|(name, s)| {
            let reused = if r.reused.contains(name) {
                " (reused)"
            } else {
                ""
            };
            format!("{name} {s:.1} s{reused}")
        })
        .collect();
    let mut lines = vec![format!("  seconds: {}", stages.join(", "))];
    lines.extend(r.notes.iter().map(|n| format!("  note: {n}")));
    let mut maps: Vec<String> = [(&r.tsne_2d, "2-D"), (&r.tsne_3d, "3-D")]
        .into_iter()
        .filter_map(|(t, dims)| {
            t.as_ref()
                .map(|t| format!("t-SNE {dims} KL {:.3}", t.kl_divergence))
        })
        .collect();
    maps.extend(r.pca.as_ref().map(|p| format!("PCA: {}", p.summary)));
    maps.extend(r.umap_2d.as_ref().map(|u| {
        format!(
            "UMAP 2-D: {} neighbours, {} epochs",
            u.parameters.n_neighbors, u.parameters.n_epochs
        )
    }));
    lines.push(format!("  maps: {}", maps.join("; ")));
    if let Some(k) = &r.knn10_accuracy {
        let mut scores = vec![format!("input {:.4}", k.input)];
        for (name, score) in [
            ("t-SNE map", k.tsne_2d),
            ("PCA map", k.pca_2d),
            ("UMAP map", k.umap_2d),
        ] {
            scores.extend(score.map(|s| format!("{name} {s:.4}")));
        }
        lines.push(format!(
            "  10-NN accuracy of '{}': {}",
            k.column,
            scores.join(", ")
        ));
    }
    lines.push(format!(
        "  pictures, logs and report.json written in {}; open {} in a browser, or the logs with \
         `tensorboard --logdir {}`",
        out.display(),
        out.join(PAGE_FILE).display(),
        out.join(LOGS_DIR).display()
    ));
    lines.join("\n")
}

/// The 10-NN accuracy's stage: how well the input and maps made as `maps` say keep the colour
/// column's classes apart.
pub(super) fn accuracy_stage(
    prepared: &Prepared<'_, '_>,
    out: &OutputDir,
    maps: &MapPrints,
) -> Recorded<Option<KnnAccuracy>> {
    let fp = colouring_fingerprint(
        maps.mix(prepared.graph_fp())
            .field("neighbours", PAGE_NEIGHBORS),
        &prepared.colouring(),
    );
    Recorded::new(out, ("10-NN accuracy", "accuracy"), Vec::new(), fp)
}

/// Leave-one-out 10-NN accuracy of the colour column's classes in the input (from the view's
/// neighbour graph), the 2-D t-SNE and PC1-PC2; `None` when the colouring is not categorical.
pub(super) fn accuracy(
    prepared: &Prepared<'_, '_>,
    maps: &Maps,
    graph: &KnnGraph,
) -> Option<KnnAccuracy> {
    let (Colouring::Categorical(_), Some(column)) =
        (&*prepared.colouring(), prepared.colour_column())
    else {
        return None;
    };
    if mostly_distinct(column) {
        // Names or ids: every point its own class, an accuracy with no meaning.
        return None;
    }
    let classes = class_ids(column);
    let k = PAGE_NEIGHBORS.min(prepared.input.vectors.nrows() - 1);
    let score = |coords: ArrayView2<f32>| quality::knn_accuracy(coords, &classes, k);
    Some(KnnAccuracy {
        column: column.name.clone(),
        input: quality::graph_accuracy(&graph.prefix(k), &classes),
        tsne_2d: maps.tsne2.as_ref().map(|m| score(m.coords.view())),
        pca_2d: maps
            .pca3
            .as_ref()
            .map(|m| score(m.coords.slice(s![.., ..2.min(m.coords.ncols())]))),
        umap_2d: maps.umap2.as_ref().map(|m| score(m.coords.view())),
    })
}

/// Each point's class as a number: one per distinct value, missing values a class of their own.
fn class_ids(column: &Column) -> Vec<u32> {
    let mut ids = std::collections::HashMap::new();
    (0..column.values.len())
        .map(|i| {
            let next = ids.len() as u32;
            *ids.entry(column.values.display(i)).or_insert(next)
        })
        .collect()
}
