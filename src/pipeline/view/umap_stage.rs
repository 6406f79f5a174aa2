//! The view's UMAP map (`--maps ...,umap2`): a 2-D UMAP with umap-learn's defaults (15
//! neighbours, `min_dist` 0.1), from the first 15 neighbours of the view's one neighbour graph,
//! seeded with the view's seed.

use std::time::Instant;

use ndarray::Array2;

use super::output::OutputDir;
use super::prepare::Prepared;
use super::stage::{entry, CachedStage};
use crate::data::matrix::{read_matrix, write_npy};
use crate::fsutil::{read_json, write_json};
use crate::pipeline::cache::{Fingerprint, Stage};
use crate::pipeline::reports::UmapReport;
use crate::progress::Progress;
use crate::reduce::knn::KnnGraph;
use crate::reduce::tsne::observer::ProgressObserver;
use crate::reduce::umap::{self, UmapParams, ValidUmapParams};

/// The UMAP map's coordinates.
pub(super) const UMAP_NPY: &str = "umap_2d.npy";
/// Its report (the stage's record).
const UMAP_JSON: &str = "umap_2d.json";

/// The UMAP map and its report.
pub(super) struct UmapMap {
    pub coords: Array2<f32>,
    pub report: UmapReport,
}

/// The UMAP map's stage.
pub(super) struct UmapStage {
    valid: ValidUmapParams,
    /// What the map is made from.
    pub map_fp: Fingerprint,
    entry: Stage,
}

impl UmapStage {
    /// The 2-D UMAP of the prepared vectors.
    pub(super) fn new(
        prepared: &Prepared<'_, '_>,
        out: &OutputDir,
    ) -> crate::pipeline::Result<Self> {
        let t = prepared.tsne[0].params();
        let params = UmapParams {
            metric: t.metric,
            neighbors: t.neighbors,
            seed: t.seed,
            ..UmapParams::default()
        };
        let valid = params.check(prepared.input.vectors.nrows())?;
        let p = valid.params();
        let map_fp = prepared
            .graph_fp()
            .field("umap neighbours", valid.n_neighbors())
            .field("min dist", p.min_dist)
            .field("spread", p.spread)
            .field("dims", p.dims)
            .field("epochs", valid.n_epochs())
            .field("init", p.init.name())
            .field("seed", p.seed);
        Ok(Self {
            valid,
            map_fp,
            entry: entry(out, UMAP_JSON, &[UMAP_NPY.to_string()], map_fp),
        })
    }

    /// Computes the map from the view's neighbour `graph`.
    pub(super) fn compute(
        &self,
        prepared: &Prepared<'_, '_>,
        graph: &KnnGraph,
        out: &OutputDir,
        progress: &mut dyn Progress,
    ) -> crate::pipeline::Result<UmapMap> {
        let start = Instant::now();
        let vectors = prepared.vectors();
        let mut result = {
            let mut bar = ProgressObserver::for_task(&mut *progress, "UMAP");
            umap::fit_with_graph(vectors, &self.valid, graph, &mut bar)?
        };
        // The search is the view's own stage, reported with the first t-SNE map.
        result.timings.neighbors = 0.0;
        write_npy(&out.path(UMAP_NPY), &result.embedding)?;
        let mut report = UmapReport::new(
            &prepared.input.source,
            UMAP_NPY,
            &self.valid,
            vectors.ncols(),
            &result,
            start.elapsed().as_secs_f64(),
            rayon::current_num_threads(),
        );
        report.fingerprint = Some(self.entry.fingerprint().hex());
        write_json(self.entry.report(), &report)?;
        Ok(UmapMap {
            coords: result.embedding,
            report,
        })
    }
}

impl CachedStage for UmapStage {
    type Output = UmapMap;

    fn name(&self) -> &str {
        "UMAP 2-D"
    }

    fn entry(&self) -> &Stage {
        &self.entry
    }

    fn files(&self) -> Vec<String> {
        vec![UMAP_NPY.into(), UMAP_JSON.into()]
    }

    fn reload(&self, out: &OutputDir) -> crate::pipeline::Result<UmapMap> {
        let report: UmapReport = read_json(self.entry.report())?;
        let coords = read_matrix(&out.path(&report.output))?;
        Ok(UmapMap { coords, report })
    }
}
