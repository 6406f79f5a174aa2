//! The view's t-SNE and PCA maps: the 2-D t-SNE (recorded as the unfolding GIF) and the 3-D
//! one, both from the one neighbour graph, and the PCA map (3 components) from the one PCA of
//! the input (the UMAP map is `umap_stage`'s).

use std::time::Instant;

use ndarray::{s, Array2};

use super::output::OutputDir;
use super::prepare::{colouring_fingerprint, Prepared};
use super::stage::{entry, CachedStage};
use super::title;
use super::umap_stage::UmapMap;
use crate::data::matrix::{read_matrix, write_npy};
use crate::fsutil::{read_json, write_json};
use crate::pipeline::cache::{Fingerprint, Stage};
use crate::pipeline::reports::{params_caption, PcaReport, TsneReport};
use crate::progress::Progress;
use crate::reduce::knn::KnnGraph;
use crate::reduce::tsne::observer::{Observer, Observers, ProgressObserver};
use crate::reduce::tsne::{self, ValidTsneParams};
use crate::render::animation::{GifOptions, TsneRecorder};

/// A t-SNE map and its report.
pub(super) struct Map {
    pub coords: Array2<f32>,
    pub report: TsneReport,
}

/// The PCA map (3 components) and its report.
pub(super) struct Projection {
    pub coords: Array2<f32>,
    pub report: PcaReport,
}

/// The maps of a view, those it computes ([`super::MapChoice`]).
pub(super) struct Maps {
    pub tsne2: Option<Map>,
    pub tsne3: Option<Map>,
    pub pca3: Option<Projection>,
    pub umap2: Option<UmapMap>,
}

/// What every map is made from (`None`: not computed): the stages that read the maps mix these
/// in, not the maps' own cache entries (the 2-D one also covers its GIF's colours).
#[derive(Debug, Clone, Copy)]
pub(super) struct MapPrints {
    pub tsne2: Option<Fingerprint>,
    pub tsne3: Option<Fingerprint>,
    pub pca3: Option<Fingerprint>,
    pub umap2: Option<Fingerprint>,
}

impl MapPrints {
    /// Mixes in every map's.
    pub(super) fn mix(&self, fp: Fingerprint) -> Fingerprint {
        let hex = |f: Option<Fingerprint>| f.map_or_else(|| "none".to_string(), |f| f.hex());
        fp.field("t-SNE 2-D", hex(self.tsne2))
            .field("t-SNE 3-D", hex(self.tsne3))
            .field("PCA", hex(self.pca3))
            .field("UMAP 2-D", hex(self.umap2))
    }
}

/// A t-SNE map's stage.
pub(super) struct TsneStage {
    name: String,
    valid: ValidTsneParams,
    gif_every: usize,
    /// What the map's coordinates are made from.
    pub map_fp: Fingerprint,
    gif: Option<String>,
    entry: Stage,
}

impl TsneStage {
    /// The map of `prepared.tsne[dims - 2]`; the 2-D one records the unfolding GIF, a frame
    /// every `gif_every` iterations.
    pub(super) fn new(
        prepared: &Prepared<'_, '_>,
        out: &OutputDir,
        dims: usize,
        gif_every: usize,
    ) -> Self {
        let valid = prepared.tsne[dims - 2];
        let map_fp = tsne_fingerprint(prepared.graph_fp(), &valid);
        let gif = (dims == 2).then(|| out.names().tsne_gif.clone());
        let mut fp = map_fp;
        if let Some(gif) = &gif {
            fp = colouring_fingerprint(
                fp.field("gif", gif).field("gif every", gif_every).field(
                    "title",
                    title("t-SNE", prepared.input, &prepared.colouring()),
                ),
                &prepared.colouring(),
            );
        }
        let mut outputs = vec![OutputDir::tsne_npy(dims)];
        outputs.extend(gif.clone());
        Self {
            name: format!("t-SNE {dims}-D"),
            valid,
            gif_every,
            map_fp,
            gif,
            entry: entry(out, &OutputDir::tsne_json(dims), &outputs, fp),
        }
    }

    /// Computes the map from the neighbour `graph` of the prepared vectors; `first` says that
    /// it is the view's first map, which reports the neighbour search's time.
    pub(super) fn compute(
        &self,
        prepared: &Prepared<'_, '_>,
        (graph, first): (&KnnGraph, bool),
        out: &OutputDir,
        progress: &mut dyn Progress,
    ) -> crate::pipeline::Result<Map> {
        let input = prepared.input;
        let params = *self.valid.params();
        let dims = params.dims;
        let start = Instant::now();
        let colouring = prepared.colouring();
        let mut recorder = self
            .gif
            .as_ref()
            .map(|_| {
                TsneRecorder::new(
                    input.vectors.nrows(),
                    colouring.clone().into_owned(),
                    self.gif_every,
                    GifOptions {
                        title: title("t-SNE", input, &colouring),
                        subtitle: params_caption(&params),
                        ..GifOptions::default()
                    },
                )
            })
            .transpose()?;
        let vectors = prepared.vectors();
        let result = {
            let mut bar = ProgressObserver::new(&mut *progress);
            let mut list: Vec<&mut dyn Observer> = vec![&mut bar];
            if let Some(r) = recorder.as_mut() {
                list.push(r);
            }
            let scores = prepared.scores();
            let mut result =
                tsne::fit_with_graph(vectors, &self.valid, graph, scores, &mut Observers(list))?;
            // The search is reported once, with the first map (it is its own stage of the view).
            if !first {
                result.timings.neighbors = 0.0;
            }
            result
        };
        let npy = OutputDir::tsne_npy(dims);
        write_npy(&out.path(&npy), &result.embedding)?;
        if let (Some(r), Some(gif)) = (recorder, &self.gif) {
            r.finish(&out.path(gif), progress)?;
        }
        let mut report = TsneReport::new(
            &input.source,
            &npy,
            &self.valid,
            vectors.ncols(),
            &result,
            result.timings.neighbors + start.elapsed().as_secs_f64(),
            rayon::current_num_threads(),
        );
        report.fingerprint = Some(self.entry.fingerprint().hex());
        write_json(self.entry.report(), &report)?;
        Ok(Map {
            coords: result.embedding,
            report,
        })
    }
}

impl CachedStage for TsneStage {
    type Output = Map;

    fn name(&self) -> &str {
        &self.name
    }

    fn entry(&self) -> &Stage {
        &self.entry
    }

    fn files(&self) -> Vec<String> {
        let dims = self.valid.params().dims;
        let mut files = vec![OutputDir::tsne_npy(dims), OutputDir::tsne_json(dims)];
        files.extend(self.gif.clone());
        files
    }

    fn reload(&self, out: &OutputDir) -> crate::pipeline::Result<Map> {
        let report: TsneReport = read_json(self.entry.report())?;
        let coords = read_matrix(&out.path(&report.output))?;
        Ok(Map { coords, report })
    }
}

/// The parameters of a t-SNE map, resolved for its points, as explicit fields.
fn tsne_fingerprint(graph_fp: Fingerprint, valid: &ValidTsneParams) -> Fingerprint {
    let p = valid.params();
    let (early, after) = valid.learning_rates();
    graph_fp
        .field("dims", p.dims)
        .field("perplexity", p.perplexity)
        .field("learning rate", format!("{early} then {after}"))
        .field("iterations", p.iterations)
        .field("gradient", valid.gradient_method().name())
        .field("theta", p.theta)
        .field("init", p.init.name())
        .field("seed", p.seed)
        .field("exaggeration", tsne::EARLY_EXAGGERATION)
        .field("exaggeration iterations", tsne::EXAGGERATION_ITERATIONS)
}

/// The PCA map's stage.
pub(super) struct PcaStage {
    components: usize,
    /// What the map is made from.
    pub map_fp: Fingerprint,
    entry: Stage,
}

impl PcaStage {
    /// The first 3 principal components of the input (fewer for narrower inputs).
    pub(super) fn new(prepared: &Prepared<'_, '_>, out: &OutputDir) -> Self {
        let components = 3.min(prepared.input.vectors.ncols());
        let map_fp = prepared.input_fp.field("pca components", components);
        Self {
            components,
            map_fp,
            entry: entry(
                out,
                OutputDir::PCA_JSON,
                &[OutputDir::PCA_NPY.to_string()],
                map_fp,
            ),
        }
    }

    /// The map from the view's one PCA of the input.
    pub(super) fn compute(
        &self,
        prepared: &mut Prepared<'_, '_>,
        out: &OutputDir,
    ) -> crate::pipeline::Result<Projection> {
        let (source, d) = (
            prepared.input.source.clone(),
            prepared.input.vectors.ncols(),
        );
        let fitted = prepared.pca()?;
        let k = self.components;
        let mut report = PcaReport::new(&source, OutputDir::PCA_NPY, fitted, d, k);
        report.fingerprint = Some(self.entry.fingerprint().hex());
        let coords = fitted.projected.slice(s![.., ..k]).to_owned();
        write_npy(&out.path(OutputDir::PCA_NPY), &coords)?;
        write_json(self.entry.report(), &report)?;
        Ok(Projection { coords, report })
    }
}

impl CachedStage for PcaStage {
    type Output = Projection;

    fn name(&self) -> &str {
        "PCA"
    }

    fn entry(&self) -> &Stage {
        &self.entry
    }

    fn files(&self) -> Vec<String> {
        vec![OutputDir::PCA_NPY.into(), OutputDir::PCA_JSON.into()]
    }

    fn reload(&self, out: &OutputDir) -> crate::pipeline::Result<Projection> {
        let report: PcaReport = read_json(self.entry.report())?;
        let coords = read_matrix(&out.path(&report.output))?;
        Ok(Projection { coords, report })
    }
}
