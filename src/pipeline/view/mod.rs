//! `embedscope view`: from any vectors and their metadata to maps, pictures, TensorBoard logs
//! and a report, in one output directory. The demo is this pipeline on the autoencoder's codes.
//!
//! The stages, each in its module, each named in the stage log:
//! 1. `prepare`: the parameters checked against the data (a perplexity too large is lowered,
//!    with a note), the colourings, and the fingerprints every later stage builds on;
//! 2. principal components: the one PCA of the input, which serves the pre-reduction of wide
//!    inputs (more than twice `pca_dims` columns, as the t-SNE literature does), the t-SNE
//!    initialisation and the PCA map;
//! 3. neighbours: the one neighbour search of the vectors t-SNE sees, for both maps, the page
//!    and the 10-NN accuracy;
//! 4. `maps` and `umap_stage`: the maps `choice` says (by default the 2-D t-SNE, recorded as
//!    the unfolding GIF, the 3-D t-SNE up to [`BIG_VIEW`] points, and the PCA map; the 2-D
//!    UMAP when asked for);
//! 5. `pictures`: stills (PNG, SVG), the turning GIFs, the image map when there are images;
//! 6. `logs`: the TensorBoard log directory (`logs/`);
//! 7. `report`: the 10-NN accuracy of the colour column's classes, when it is categorical;
//! 8. `page`: `index.html`, one self-contained interactive page;
//! 9. `map_stage`: the map directory (`map.json`, the reference vectors), so that
//!    `embedscope transform` can place new points into the maps;
//! 10. `report.json`.
//!
//! Every stage but the first and the last is a cached stage (`stage::CachedStage`): its record holds a
//! fingerprint of what it is made from ([`crate::pipeline::cache`]), so a rerun redoes only
//! what is missing or stale (an interrupted run resumes), and a stage whose every reader was
//! reused does not run at all. `output::OutputDir` owns the file names. Every file is
//! written atomically.

mod choice;
mod logs;
mod map_stage;
mod maps;
mod output;
mod page;
mod pictures;
mod prepare;
mod report;
mod stage;
#[cfg(test)]
mod tests;
mod umap_stage;

use std::path::PathBuf;

use ndarray::ArrayView2;

use crate::data::metadata::Metadata;
use crate::data::thumbnails::ThumbnailView;
use crate::export::tensorboard::{ScalarSeries, Sprite};
use crate::fsutil::{ensure_dir, write_json};
use crate::pipeline::PipelineError;
use crate::progress::Progress;
use crate::reduce::knn::KnnGraph;
use crate::reduce::scale::Standardization;
use crate::reduce::tsne::Init;
use crate::render::colouring::Colouring;
use maps::{Map, MapPrints, Maps, PcaStage, TsneStage};
use output::OutputDir;
use prepare::{components_stage, Prepared};
use report::accuracy_stage;
use stage::Steps;
use umap_stage::UmapStage;

pub use choice::{MapChoice, ViewMap, BIG_VIEW};
pub use output::{Names, PAGE_FILE, REDUCTIONS_RUN, REPORT_FILE};
pub use prepare::PAGE_NEIGHBORS;
pub use report::{summary, KnnAccuracy, PreReduction, ViewReport};

/// What to look at.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// What the vectors are, for titles: `glove-50d`, `the autoencoder's 64-d codes`.
    pub name: String,
    /// Where they came from, for reports: a path.
    pub source: String,
    /// The vectors, `N x D`.
    pub vectors: ArrayView2<'a, f32>,
    /// Their metadata (`N` points).
    pub metadata: &'a Metadata,
    /// Their images, if any.
    pub images: Option<ThumbnailView<'a>>,
}

/// Validated settings of a view.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Output directory.
    pub out: PathBuf,
    /// Redo every stage even when its cached outputs are valid.
    pub force: bool,
    /// The t-SNE parameters (`dims` is set per map).
    pub tsne: crate::reduce::tsne::TsneParams,
    /// A GIF frame every this many t-SNE iterations.
    pub gif_every: usize,
    /// The metadata column that colours the pictures; `None`: the default column
    /// ([`crate::render::colouring::default_column`]).
    pub colour_by: Option<String>,
    /// The metadata column that names the points on the page; `None`: the default
    /// ([`crate::render::colouring::default_label_column`]).
    pub label_by: Option<String>,
    /// Inputs with more than twice this many columns are reduced to it by PCA before t-SNE;
    /// 0 never reduces.
    pub pca_dims: usize,
    /// Output names.
    pub names: Names,
    /// The maps to compute; `None`: [`MapChoice::default_for`] the number of points.
    pub maps: Option<MapChoice>,
    /// Scalar series added to the input's TensorBoard run (the demo's training losses).
    pub input_scalars: Vec<ScalarSeries>,
    /// The standardisation the caller applied to the input's columns, if any
    /// ([`crate::reduce::scale`]): reported, and shown in the page's subtitle.
    pub standardized: Option<Standardization>,
}

/// Stages in the log besides the maps' and the map directory's.
const STAGES: usize = 7;

/// Runs the view of `input` into `settings.out`; returns the report (also `report.json`).
pub fn run(
    input: &Input<'_>,
    settings: &Settings,
    progress: &mut dyn Progress,
) -> crate::pipeline::Result<ViewReport> {
    let root = &settings.out;
    for dir in [root.clone(), root.join(output::STAGES_DIR)] {
        ensure_dir(&dir).map_err(|e| crate::data::DataError::io(&dir, e))?;
    }
    let (chosen, maps_note) = MapChoice::resolve(settings.maps, input.vectors.nrows());
    let has_tsne = chosen.contains(ViewMap::Tsne2) || chosen.contains(ViewMap::Tsne3);
    let mut steps = Steps::new(
        STAGES + chosen.maps().count() + usize::from(has_tsne),
        OutputDir::new(root, &settings.names),
        settings.force,
        progress,
    );

    steps.begin("prepare");
    let mut prepared = Prepared::new(input, settings)?;
    prepared.notes.extend(maps_note);
    for note in &prepared.notes {
        steps.progress.note(&format!("      note: {note}"));
    }
    let out = &steps.out;
    let components = components_stage(&prepared, out);
    let [tsne2, tsne3] = [ViewMap::Tsne2, ViewMap::Tsne3].map(|map| {
        let dims = if map == ViewMap::Tsne2 { 2 } else { 3 };
        chosen
            .contains(map)
            .then(|| TsneStage::new(&prepared, out, dims, settings.gif_every))
    });
    let pca = chosen
        .contains(ViewMap::Pca)
        .then(|| PcaStage::new(&prepared, out));
    let umap = chosen
        .contains(ViewMap::Umap2)
        .then(|| UmapStage::new(&prepared, out))
        .transpose()?;
    let prints = MapPrints {
        tsne2: tsne2.as_ref().map(|s| s.map_fp),
        tsne3: tsne3.as_ref().map(|s| s.map_fp),
        pca3: pca.as_ref().map(|s| s.map_fp),
        umap2: umap.as_ref().map(|s| s.map_fp),
    };
    let pictures = pictures::stage(&prepared, out, &prints);
    let logs = logs::stage(&prepared, settings, out, &prints);
    let accuracy = accuracy_stage(&prepared, out, &prints);
    let page = page::stage(&prepared, out, &prints);
    let map_dir = has_tsne.then(|| map_stage::stage(&prepared, out, &prints));
    // What an earlier run left valid decides what runs: the search only for a stage that
    // reads the graph, the PCA only for one that reads the components.
    let earlier2 = tsne2.as_ref().map(|s| steps.earlier(s));
    let earlier3 = tsne3.as_ref().map(|s| steps.earlier(s));
    let earlier_pca = pca.as_ref().map(|s| steps.earlier(s));
    let earlier_umap = umap.as_ref().map(|s| steps.earlier(s));
    let earlier_pictures = steps.earlier(&pictures);
    let earlier_logs = steps.earlier(&logs);
    let earlier_accuracy = steps.earlier(&accuracy);
    let earlier_page = steps.earlier(&page);
    let earlier_map_dir = map_dir.as_ref().and_then(|s| steps.earlier(s));
    let tsne_needed = missing(&earlier2) || missing(&earlier3);
    let graph_needed = tsne_needed
        || missing(&earlier_umap)
        || earlier_accuracy.is_none()
        || earlier_page.is_none();
    let pca_needed = missing(&earlier_pca)
        || (prepared.reduce_to.is_some() && graph_needed)
        || (tsne_needed && settings.tsne.init == Init::Pca);
    let earlier_components = (!pca_needed).then(|| steps.earlier(&components)).flatten();
    steps.end();

    let pre_reduction = steps.run(&components, earlier_components, |_, _| {
        prepared.pca()?;
        components.finish(prepared.pre_reduction())
    })?;
    let mut notes = prepared.notes.clone();
    if let Some(r) = &pre_reduction {
        let note = Prepared::pre_reduction_note(r);
        steps.progress.note(&format!("      note: {note}"));
        notes.push(note);
    }
    let graph = if graph_needed {
        Some(neighbours(&mut steps, &prepared)?)
    } else {
        steps.skip("neighbours");
        None
    };
    // The first t-SNE map computed reports the search's time.
    let mut first = true;
    let mut tsne_map =
        |steps: &mut Steps<'_>, stage: Option<TsneStage>, earlier: Option<Option<Map>>| {
            stage
                .map(|stage| {
                    steps.run(&stage, earlier.flatten(), |out, p| {
                        let map = stage.compute(&prepared, (need(&graph)?, first), out, p);
                        first = false;
                        map
                    })
                })
                .transpose()
        };
    let tsne2 = tsne_map(&mut steps, tsne2, earlier2)?;
    let tsne3 = tsne_map(&mut steps, tsne3, earlier3)?;
    let pca3 = pca
        .map(|stage| {
            steps.run(&stage, earlier_pca.flatten(), |out, _| {
                stage.compute(&mut prepared, out)
            })
        })
        .transpose()?;
    let umap2 = umap
        .map(|stage| {
            steps.run(&stage, earlier_umap.flatten(), |out, p| {
                stage.compute(&prepared, need(&graph)?, out, p)
            })
        })
        .transpose()?;
    let maps = Maps {
        tsne2,
        tsne3,
        pca3,
        umap2,
    };
    steps.run(&pictures, earlier_pictures, |out, p| {
        pictures::draw(&prepared, &maps, out, p)?;
        pictures.finish(())
    })?;
    // The sprite is drawn once, for the logs and the page.
    let mut sprite = None;
    steps.run(&logs, earlier_logs, |out, p| {
        let sprite = sprite_of(&mut sprite, input)?;
        logs::write((&prepared, settings), (&maps, sprite), out, p)?;
        logs.finish(())
    })?;
    let knn10_accuracy = steps.run(&accuracy, earlier_accuracy, |_, _| {
        accuracy.finish(report::accuracy(&prepared, &maps, need(&graph)?))
    })?;
    steps.run(&page, earlier_page, |out, p| {
        let sprite = sprite_of(&mut sprite, input)?;
        page::write(&prepared, (&maps, need(&graph)?, sprite), out, p)?;
        page.finish(())
    })?;
    if let Some(map_dir) = &map_dir {
        steps.run(map_dir, earlier_map_dir, |out, _| {
            map_stage::write(&mut prepared, &maps, out)?;
            map_dir.finish(())
        })?;
    }

    steps.out.record([REPORT_FILE.to_string()]);
    let Steps {
        seconds,
        reused,
        out,
        ..
    } = steps;
    let report = ViewReport {
        input: input.name.clone(),
        source: input.source.clone(),
        points: input.vectors.nrows(),
        dims: input.vectors.ncols(),
        metadata_columns: input
            .metadata
            .columns()
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        colour_by: prepared.colour_column().map(|c| c.name.clone()),
        pre_reduction,
        notes,
        standardized: settings.standardized.is_some(),
        seconds,
        reused,
        maps: chosen.maps().map(|m| m.name().to_string()).collect(),
        tsne_2d: maps.tsne2.map(|m| m.report),
        tsne_3d: maps.tsne3.map(|m| m.report),
        pca: maps.pca3.map(|m| m.report),
        umap_2d: maps.umap2.map(|m| m.report),
        knn10_accuracy,
        files: out.into_files(),
    };
    write_json(&root.join(REPORT_FILE), &report)?;
    Ok(report)
}

/// The stage "neighbours": the one search of the vectors t-SNE sees.
fn neighbours(
    steps: &mut Steps<'_>,
    prepared: &Prepared<'_, '_>,
) -> crate::pipeline::Result<KnnGraph> {
    steps.begin("neighbours");
    let (n, k) = (prepared.input.vectors.nrows(), prepared.graph_k());
    let graph = KnnGraph::find(prepared.vectors(), k, &prepared.knn_params())?;
    steps.progress.note(&format!(
        "      {k} neighbours of {n} points, {}{}",
        graph.method().name(),
        graph
            .recall()
            .map_or(String::new(), |r| format!(" (recall {r:.3} on a sample)"))
    ));
    steps.end();
    Ok(graph)
}

/// Whether a chosen map's stage (`Some`) found no valid outputs of an earlier run (`None`).
fn missing<T>(earlier: &Option<Option<T>>) -> bool {
    matches!(earlier, Some(None))
}

/// The neighbour graph, found whenever a stage that reads it is not reused.
fn need(graph: &Option<KnnGraph>) -> crate::pipeline::Result<&KnnGraph> {
    graph.as_ref().ok_or_else(|| {
        PipelineError::Mismatch("internal: the neighbour graph was not found".into())
    })
}

/// The input's sprite, drawn on first use; `None` without images.
fn sprite_of<'s>(
    slot: &'s mut Option<Sprite>,
    input: &Input<'_>,
) -> crate::pipeline::Result<Option<&'s Sprite>> {
    let Some(images) = &input.images else {
        return Ok(None);
    };
    if slot.is_none() {
        *slot = Some(Sprite::new(images)?);
    }
    Ok(slot.as_ref())
}

/// `t-SNE of glove-50d, coloured by pos`.
fn title(method: &str, input: &Input<'_>, colouring: &Colouring) -> String {
    match colouring {
        Colouring::Single => format!("{method} of {}", input.name),
        Colouring::Categorical(c) => {
            format!("{method} of {}, coloured by {}", input.name, c.column)
        }
        Colouring::Continuous(s) => format!("{method} of {}, coloured by {}", input.name, s.column),
    }
}
