//! `embedscope view`: from any vectors and their metadata to maps, pictures, TensorBoard logs
//! and a report, in one output directory. The demo is this pipeline on the autoencoder's codes.
//!
//! The stages, each with a named result:
//! 1. [`prepare`]: wide inputs (more than twice `pca_dims` columns) are reduced by PCA first,
//!    as the t-SNE literature does; a perplexity too large for the data is lowered (with a note);
//! 2. [`embed`] 2-D (recorded as the unfolding GIF) and 3-D t-SNE, cached;
//! 3. [`project`]: PCA of the input (3 components, explained variance), cached;
//! 4. [`draw`]: stills (PNG, SVG), the turning GIFs, and the image map when there are images;
//! 5. [`log`]: the TensorBoard log directory (`logs/`): the input and the reductions, every
//!    metadata column, the sprite when there are images;
//! 6. [`assess`]: each point's 10 nearest neighbours in the input, and the 10-NN accuracy of the
//!    colour column's classes, when it is categorical;
//! 7. [`page`]: `index.html`, one self-contained interactive page of the maps, the metadata, the
//!    images and the neighbours;
//! 8. `report.json`.
//!
//! A stage with a cost is cached ([`super::cache`]): its JSON report records a fingerprint of its
//! inputs and parameters, so a rerun redoes only what is missing or stale (an interrupted run
//! resumes). Every file is written atomically.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{s, Array2, ArrayView2};

use crate::data::matrix::{read_matrix, write_npy};
use crate::data::metadata::{Column, Metadata};
use crate::data::thumbnails::ThumbnailView;
use crate::export::html::{write_page, Neighbors, PageMap, PageSpec};
use crate::export::tensorboard::{
    kl_scalars, ExportSpec, LogDirBuilder, NamedEmbedding, ScalarSeries,
};
use crate::fsutil::{ensure_dir, read_json, write_json, AtomicDir};
use crate::pipeline::cache::{Fingerprint, Stage};
use crate::pipeline::reports::{params_caption, PcaReport, TsneReport};
use crate::progress::Progress;
use crate::reduce::knn::KnnGraph;
use crate::reduce::tsne::observer::{Observer, Observers, ProgressObserver};
use crate::reduce::tsne::{self, TsneParams};
use crate::reduce::{pca, quality};
use crate::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use crate::render::colouring::Colouring;
use crate::render::digits::{digit_map, DigitMapOptions};
use crate::render::scatter::{plot, PlotStyle};

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

/// Output file and log names. [`Names::for_stem`] derives them from a stem.
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    /// The 2-D t-SNE unfolding.
    pub tsne_gif: String,
    /// The 3-D t-SNE turning.
    pub tsne3_gif: String,
    /// The PCA turning.
    pub pca_gif: String,
    /// The images at their t-SNE positions.
    pub image_map: String,
    /// The TensorBoard run of the input vectors.
    pub input_run: String,
    /// The projector's name for the input vectors.
    pub input_tensor: String,
}

impl Names {
    /// `STEM_t-SNE.gif`, `STEM_t-SNE_3d.gif`, `STEM_PCA.gif`, `images_tsne.png`, and the run
    /// `vectors` with the tensor `vectors/STEM`.
    pub fn for_stem(stem: &str) -> Self {
        Self {
            tsne_gif: format!("{stem}_t-SNE.gif"),
            tsne3_gif: format!("{stem}_t-SNE_3d.gif"),
            pca_gif: format!("{stem}_PCA.gif"),
            image_map: "images_tsne.png".into(),
            input_run: "vectors".into(),
            input_tensor: format!("vectors/{stem}"),
        }
    }
}

/// Validated settings of a view.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Output directory.
    pub out: PathBuf,
    /// Redo every stage even when its cached outputs are valid.
    pub force: bool,
    /// The t-SNE parameters (`dims` is set per map).
    pub tsne: TsneParams,
    /// A GIF frame every this many t-SNE iterations.
    pub gif_every: usize,
    /// The metadata column that colours the pictures; `None`: the first, if any.
    pub colour_by: Option<String>,
    /// Inputs with more than twice this many columns are reduced to it by PCA before t-SNE;
    /// 0 never reduces.
    pub pca_dims: usize,
    /// Output names.
    pub names: Names,
    /// Scalar series added to the input's TensorBoard run (the demo's training losses).
    pub input_scalars: Vec<ScalarSeries>,
}

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
    /// In the input vectors.
    pub input: f64,
    /// In the 2-D t-SNE map.
    pub tsne_2d: f64,
    /// In PC1-PC2.
    pub pca_2d: f64,
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
    /// PCA applied before t-SNE, if the input was wide.
    pub pre_reduction: Option<PreReduction>,
    /// Choices made for the user (a lowered perplexity, a pre-reduction).
    pub notes: Vec<String>,
    /// Seconds per stage (a reused stage took only the time to reload).
    pub seconds: Vec<(String, f64)>,
    /// Stages whose outputs were reused from an earlier run.
    pub reused: Vec<String>,
    /// The 2-D t-SNE report.
    pub tsne_2d: TsneReport,
    /// The 3-D t-SNE report.
    pub tsne_3d: TsneReport,
    /// The PCA report (explained variance).
    pub pca: PcaReport,
    /// 10-NN accuracies, when the colour column is categorical.
    pub knn10_accuracy: Option<KnnAccuracy>,
    /// Every file written, relative to the output directory.
    pub files: Vec<String>,
}

/// The input as t-SNE sees it.
struct Prepared {
    vectors: Array2<f32>,
    pre_reduction: Option<PreReduction>,
    tsne: TsneParams,
    notes: Vec<String>,
}

/// A t-SNE map and its report.
struct Map {
    coords: Array2<f32>,
    report: TsneReport,
}

/// The three maps of a view.
struct Maps {
    tsne2: Map,
    tsne3: Map,
    pca3: Projection,
}

/// The PCA map (3 components) and its report.
struct Projection {
    coords: Array2<f32>,
    report: PcaReport,
}

/// Runs the view of `input` into `settings.out`; returns the report (also `report.json`).
pub fn run(
    input: &Input<'_>,
    settings: &Settings,
    progress: &mut dyn Progress,
) -> anyhow::Result<ViewReport> {
    let out = &settings.out;
    ensure_dir(out).map_err(|e| crate::error::DataError::io(out, e))?;
    let colour_column = match &settings.colour_by {
        Some(name) => Some(input.metadata.column(name)?),
        None => input.metadata.columns().first(),
    };
    let colouring = Colouring::from_column(colour_column);
    let mut steps = Steps::new(9, progress);

    steps.begin("prepare");
    let prepared = prepare(input, settings)?;
    for note in &prepared.notes {
        steps.progress.note(&format!("      note: {note}"));
    }
    let n = prepared.vectors.nrows();
    let valid = [2, 3].map(|dims| TsneParams {
        dims,
        ..prepared.tsne
    });
    let valid = [valid[0].check(n)?, valid[1].check(n)?];
    steps.end();
    let stages = [2, 3].map(|dims| tsne_stage(input, &prepared, settings, dims, &colouring));
    // One neighbour search serves both maps, the page and the 10-NN accuracy: as many
    // neighbours as t-SNE needs when a map is computed, else the page's.
    steps.begin("neighbours");
    let page_k = PAGE_NEIGHBORS.min(n - 1);
    let maps_needed = stages.iter().any(|s| settings.force || !s.is_fresh());
    let k = if maps_needed {
        valid[0].neighbors().max(page_k)
    } else {
        page_k
    };
    let graph = KnnGraph::find(prepared.vectors.view(), k, &valid[0].knn_params())?;
    steps.progress.note(&format!(
        "      {k} neighbours of {n} points, {}{}",
        graph.method().name(),
        graph
            .recall()
            .map_or(String::new(), |r| format!(" (recall {r:.3} on a sample)"))
    ));
    steps.end();
    let mut maps = Vec::with_capacity(2);
    for (i, (stage, valid)) in stages.iter().zip(&valid).enumerate() {
        let dims = valid.params().dims;
        let map = steps.cached(
            &format!("t-SNE {dims}-D"),
            stage,
            settings.force,
            |json| Map::reload(out, json),
            |p| {
                embed(
                    input,
                    &prepared,
                    settings,
                    stage,
                    (valid, &graph, i == 0),
                    &colouring,
                    p,
                )
            },
        )?;
        maps.push(map);
    }
    let (tsne3, tsne2) = (maps.pop().expect("3-D"), maps.pop().expect("2-D"));
    let stage = pca_stage(input, settings);
    let pca3 = steps.cached(
        "PCA",
        &stage,
        settings.force,
        |json| Projection::reload(out, json),
        |_| project(input, settings, &stage),
    )?;
    let maps = Maps { tsne2, tsne3, pca3 };
    steps.begin("pictures");
    let drawn = draw(input, settings, &colouring, &maps, steps.progress)?;
    steps.end();
    steps.begin("TensorBoard logs");
    log(input, settings, &maps, steps.progress)?;
    steps.end();
    steps.begin("10-NN accuracy");
    let graph = if graph.k() > page_k {
        graph.prefix(page_k)
    } else {
        graph
    };
    let knn10_accuracy = assess(input, colour_column, &colouring, &graph, &maps);
    steps.end();
    steps.begin("page");
    page(input, settings, &graph, &maps, steps.progress)?;
    steps.end();

    let mut files = vec![
        "tsne_2d.npy".to_string(),
        "tsne_2d.json".into(),
        "tsne_3d.npy".into(),
        "tsne_3d.json".into(),
        "pca.npy".into(),
        "pca.json".into(),
        settings.names.tsne_gif.clone(),
    ];
    files.extend(drawn);
    files.push(format!("logs/{}", settings.names.input_run));
    files.push(format!("logs/{REDUCTIONS_RUN}"));
    files.push(PAGE_FILE.into());
    files.push("report.json".into());
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
        colour_by: colour_column.map(|c| c.name.clone()),
        pre_reduction: prepared.pre_reduction,
        notes: prepared.notes,
        seconds: steps.seconds,
        reused: steps.reused,
        tsne_2d: maps.tsne2.report,
        tsne_3d: maps.tsne3.report,
        pca: maps.pca3.report,
        knn10_accuracy,
        files,
    };
    write_json(&out.join("report.json"), &report)?;
    Ok(report)
}

/// The lines printed at the end of a view: stage times, KL, explained variance, accuracies.
pub fn summary(r: &ViewReport) -> String {
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
    lines.push(format!(
        "  t-SNE: KL {:.3} (2-D), {:.3} (3-D); PCA: {}",
        r.tsne_2d.kl_divergence, r.tsne_3d.kl_divergence, r.pca.summary
    ));
    if let Some(k) = &r.knn10_accuracy {
        lines.push(format!(
            "  10-NN accuracy of '{}': input {:.4}, t-SNE map {:.4}, PCA map {:.4}",
            k.column, k.input, k.tsne_2d, k.pca_2d
        ));
    }
    lines.push(
        "  pictures, logs and report.json written; open the logs with \
         `scripts/tensorboard.sh OUT/logs`"
            .to_string(),
    );
    lines.join("\n")
}

/// The interactive page.
pub const PAGE_FILE: &str = "index.html";
/// Neighbours per point in the page's k-NN graph (and the 10-NN accuracy).
pub const PAGE_NEIGHBORS: usize = 10;

/// The TensorBoard run of the reductions.
pub const REDUCTIONS_RUN: &str = "reductions";

/// Stage 1: the pre-reduction of wide inputs and the perplexity check.
fn prepare(input: &Input<'_>, settings: &Settings) -> anyhow::Result<Prepared> {
    let (n, d) = input.vectors.dim();
    let mut notes = Vec::new();
    let mut tsne = settings.tsne;
    if n < tsne::MIN_POINTS {
        return Err(crate::error::ReduceError::TooFewPoints {
            n,
            min: tsne::MIN_POINTS,
        }
        .into());
    }
    let largest = (n - 1) as f64 / 3.0;
    if tsne.perplexity > largest {
        notes.push(format!(
            "perplexity {} is too large for {n} points; using the largest allowed, {:.2} \
             ((N - 1) / 3)",
            tsne.perplexity, largest
        ));
        tsne.perplexity = largest;
    }
    let k = settings.pca_dims;
    if k == 0 || d <= 2 * k {
        return Ok(Prepared {
            vectors: input.vectors.to_owned(),
            pre_reduction: None,
            tsne,
            notes,
        });
    }
    let fitted = pca::fit(input.vectors, k)?;
    let kept = fitted.cumulative_ratio[k - 1];
    notes.push(format!(
        "{d} input columns reduced to {k} by PCA before t-SNE ({:.1}% of the variance kept)",
        100.0 * kept
    ));
    Ok(Prepared {
        vectors: fitted.projected,
        pre_reduction: Some(PreReduction {
            from_dims: d,
            to_dims: k,
            explained_variance: kept,
        }),
        tsne,
        notes,
    })
}

/// The cache entry of a t-SNE map: its report records the input, the parameters and, for the
/// 2-D map whose GIF shows the colours, the colouring.
fn tsne_stage(
    input: &Input<'_>,
    prepared: &Prepared,
    settings: &Settings,
    dims: usize,
    colouring: &Colouring,
) -> Stage {
    let out = &settings.out;
    let params = TsneParams {
        dims,
        ..prepared.tsne
    };
    let mut outputs = vec![out.join(format!("tsne_{dims}d.npy"))];
    let mut fingerprint = Fingerprint::new()
        .floats(prepared.vectors.as_slice().expect("standard layout"))
        .bytes(format!("{params:?}").as_bytes());
    if dims == 2 {
        outputs.push(out.join(&settings.names.tsne_gif));
        fingerprint = colouring_fingerprint(
            fingerprint
                .bytes(format!("gif every {} of {}", settings.gif_every, input.name).as_bytes()),
            colouring,
        );
    }
    Stage::new(out.join(format!("tsne_{dims}d.json")), outputs, fingerprint)
}

/// Mixes in what a colouring draws: every point's class or value.
fn colouring_fingerprint(fp: Fingerprint, colouring: &Colouring) -> Fingerprint {
    match colouring {
        Colouring::Single => fp.bytes(b"single"),
        Colouring::Categorical(c) => {
            let names: Vec<&str> = c.classes.iter().map(|k| k.name.as_str()).collect();
            let codes: Vec<u8> = c.of_point.iter().flat_map(|k| k.to_le_bytes()).collect();
            fp.bytes(names.join("\t").as_bytes()).bytes(&codes)
        }
        Colouring::Continuous(s) => {
            let values: Vec<u8> = s.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            fp.bytes(s.column.as_bytes()).bytes(&values)
        }
    }
}

/// Stage 2: a t-SNE map with parameters `valid` from the neighbour `graph` of the prepared
/// vectors; the 2-D one is recorded as the unfolding GIF.
fn embed(
    input: &Input<'_>,
    prepared: &Prepared,
    settings: &Settings,
    stage: &Stage,
    (valid, graph, first): (&tsne::ValidTsneParams, &KnnGraph, bool),
    colouring: &Colouring,
    progress: &mut dyn Progress,
) -> anyhow::Result<Map> {
    let out = &settings.out;
    let params = *valid.params();
    let dims = params.dims;
    let start = Instant::now();
    let mut recorder = (dims == 2)
        .then(|| {
            TsneRecorder::new(
                input.vectors.nrows(),
                colouring.clone(),
                settings.gif_every,
                GifOptions {
                    title: title("t-SNE", input, colouring),
                    subtitle: params_caption(&params),
                    ..GifOptions::default()
                },
            )
        })
        .transpose()?;
    let result = {
        let mut bar = ProgressObserver::new(&mut *progress);
        let mut list: Vec<&mut dyn Observer> = vec![&mut bar];
        if let Some(r) = recorder.as_mut() {
            list.push(r);
        }
        let mut result =
            tsne::fit_with_graph(prepared.vectors.view(), valid, graph, &mut Observers(list))?;
        // The search is reported once, with the first map (it is its own stage of the view).
        if !first {
            result.timings.neighbors = 0.0;
        }
        result
    };
    let npy = format!("tsne_{dims}d.npy");
    write_npy(&out.join(&npy), &result.embedding)?;
    if let Some(r) = recorder {
        r.finish(&out.join(&settings.names.tsne_gif), progress)?;
    }
    let mut report = TsneReport::new(
        &input.source,
        &npy,
        valid,
        prepared.vectors.ncols(),
        &result,
        result.timings.neighbors + start.elapsed().as_secs_f64(),
        rayon::current_num_threads(),
    );
    report.fingerprint = Some(stage.fingerprint().hex());
    write_json(stage.report(), &report)?;
    Ok(Map {
        coords: result.embedding,
        report,
    })
}

/// The cache entry of the PCA map.
fn pca_stage(input: &Input<'_>, settings: &Settings) -> Stage {
    let vectors = input.vectors.as_standard_layout();
    let fingerprint = Fingerprint::new()
        .floats(vectors.as_slice().expect("standard layout"))
        .bytes(b"pca 3");
    let out = &settings.out;
    Stage::new(out.join("pca.json"), vec![out.join("pca.npy")], fingerprint)
}

/// Stage 3: PCA of the input, 3 components (fewer for narrower inputs).
fn project(input: &Input<'_>, settings: &Settings, stage: &Stage) -> anyhow::Result<Projection> {
    let k = 3.min(input.vectors.ncols());
    let fitted = pca::fit(input.vectors, k)?;
    let mut report = PcaReport::new(&input.source, "pca.npy", &fitted, input.vectors.ncols(), k);
    report.fingerprint = Some(stage.fingerprint().hex());
    write_npy(&settings.out.join("pca.npy"), &fitted.projected)?;
    write_json(stage.report(), &report)?;
    Ok(Projection {
        coords: fitted.projected,
        report,
    })
}

/// Reloads a cached map or projection.
trait Reload: Sized {
    fn reload(out: &Path, stage_json: &Path) -> anyhow::Result<Self>;
}

impl Reload for Map {
    fn reload(out: &Path, json: &Path) -> anyhow::Result<Self> {
        let report: TsneReport = read_json(json)?;
        let coords = read_matrix(&out.join(&report.output))?;
        Ok(Self { coords, report })
    }
}

impl Reload for Projection {
    fn reload(out: &Path, json: &Path) -> anyhow::Result<Self> {
        let report: PcaReport = read_json(json)?;
        let coords = read_matrix(&out.join(&report.output))?;
        Ok(Self { coords, report })
    }
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

/// Stage 4: stills, turning GIFs and the image map; returns the files written.
fn draw(
    input: &Input<'_>,
    settings: &Settings,
    colouring: &Colouring,
    maps: &Maps,
    progress: &mut dyn Progress,
) -> anyhow::Result<Vec<String>> {
    let Maps { tsne2, tsne3, pca3 } = maps;
    let out = &settings.out;
    let names = &settings.names;
    let mut files = Vec::new();
    let pca_caption = format!("PCA, {}", pca3.report.summary);
    let tsne_style = PlotStyle {
        title: title("t-SNE", input, colouring),
        subtitle: tsne2.report.caption(),
        ..PlotStyle::default()
    };
    let pca_style = PlotStyle {
        title: title("PCA", input, colouring),
        subtitle: pca_caption.clone(),
        axis_names: ("PC1".into(), "PC2".into()),
        ..PlotStyle::default()
    };
    let stills = [
        ("tsne", tsne2.coords.view(), &tsne_style),
        ("pca", pca3.coords.view(), &pca_style),
    ];
    for ext in ["png", "svg"] {
        for (stem, coords, style) in &stills {
            if coords.ncols() < 2 {
                continue;
            }
            let file = format!("{stem}.{ext}");
            progress.note(&format!("      {file}"));
            plot(coords.view(), colouring, style, &out.join(&file))?;
            files.push(file);
        }
    }
    let rotation = |method: &str, subtitle: String, axes: [&str; 3]| RotationOptions {
        gif: GifOptions {
            title: title(method, input, colouring),
            subtitle,
            ..GifOptions::default()
        },
        axis_names: axes.map(str::to_string),
        ..RotationOptions::default()
    };
    if pca3.coords.ncols() == 3 {
        rotation_gif(
            pca3.coords.view(),
            colouring,
            &rotation("PCA", pca_caption, ["PC1", "PC2", "PC3"]),
            &out.join(&names.pca_gif),
            progress,
        )?;
        files.push(names.pca_gif.clone());
    }
    rotation_gif(
        tsne3.coords.view(),
        colouring,
        &rotation("t-SNE 3-D", tsne3.report.caption(), ["1", "2", "3"]),
        &out.join(&names.tsne3_gif),
        progress,
    )?;
    files.push(names.tsne3_gif.clone());
    if let Some(images) = &input.images {
        digit_map(
            tsne2.coords.view(),
            images.pixels,
            images.rows,
            images.cols,
            colouring,
            &DigitMapOptions {
                title: format!("{} at their t-SNE positions", input.name),
                subtitle: tsne2.report.caption(),
                ..DigitMapOptions::default()
            },
            &out.join(&names.image_map),
        )?;
        files.push(names.image_map.clone());
    }
    Ok(files)
}

/// Stage 5: two TensorBoard runs under `logs/`: the input (with the extra scalars, e.g. the
/// training losses) and the reductions (with the 2-D t-SNE's KL history), so each run's
/// projector tensors share one number of points and each run its own scalars.
fn log(
    input: &Input<'_>,
    settings: &Settings,
    maps: &Maps,
    progress: &mut dyn Progress,
) -> anyhow::Result<()> {
    let Maps { tsne2, tsne3, pca3 } = maps;
    let images = input.images.map(ThumbnailView::reborrow);
    let staged = AtomicDir::new(&settings.out.join("logs"))
        .map_err(|e| crate::error::ExportError::io(settings.out.join("logs"), e))?;
    let vectors = ExportSpec {
        metadata: input.metadata,
        images,
        embeddings: vec![NamedEmbedding {
            name: settings.names.input_tensor.clone(),
            coords: input.vectors,
        }],
        scalars: settings.input_scalars.clone(),
    };
    LogDirBuilder::new(&vectors)
        .progress(progress)
        .build(&staged.path().join(&settings.names.input_run))?;
    let reductions = ExportSpec {
        metadata: input.metadata,
        images,
        embeddings: vec![
            NamedEmbedding {
                name: "tsne/2d".into(),
                coords: tsne2.coords.view(),
            },
            NamedEmbedding {
                name: "tsne/3d".into(),
                coords: tsne3.coords.view(),
            },
            NamedEmbedding {
                name: "pca/3d".into(),
                coords: pca3.coords.view(),
            },
        ],
        scalars: vec![kl_scalars(
            tsne2.report.kl_history.iter().map(|p| (p.iteration, p.kl)),
        )],
    };
    LogDirBuilder::new(&reductions)
        .progress(progress)
        .build(&staged.path().join(REDUCTIONS_RUN))?;
    staged
        .commit()
        .map_err(|e| crate::error::ExportError::io(settings.out.join("logs"), e))?;
    Ok(())
}

/// Stage 6: how well each space keeps the colour column's classes apart (leave-one-out 10-NN
/// accuracy); `None` when the colouring is not categorical. The input's uses the neighbour
/// graph the page shows (of the vectors t-SNE saw).
fn assess(
    input: &Input<'_>,
    column: Option<&Column>,
    colouring: &Colouring,
    graph: &KnnGraph,
    maps: &Maps,
) -> Option<KnnAccuracy> {
    let Maps { tsne2, pca3, .. } = maps;
    let (Colouring::Categorical(_), Some(column)) = (colouring, column) else {
        return None;
    };
    let classes = class_ids(column);
    let k = PAGE_NEIGHBORS.min(input.vectors.nrows() - 1);
    let pca_2d = pca3.coords.slice(s![.., ..2.min(pca3.coords.ncols())]);
    Some(KnnAccuracy {
        column: column.name.clone(),
        input: quality::graph_accuracy(graph, &classes),
        tsne_2d: quality::knn_accuracy(tsne2.coords.view(), &classes, k),
        pca_2d: quality::knn_accuracy(pca_2d, &classes, k),
    })
}

/// Stage 7: the self-contained interactive page (`index.html`): the three maps, every metadata
/// column, the images, and each point's nearest neighbours in the input.
fn page(
    input: &Input<'_>,
    settings: &Settings,
    graph: &KnnGraph,
    maps: &Maps,
    progress: &mut dyn Progress,
) -> anyhow::Result<()> {
    let Maps { tsne2, tsne3, pca3 } = maps;
    let distances = graph.distances_f32();
    let colour_by = settings
        .colour_by
        .as_deref()
        .or_else(|| input.metadata.columns().first().map(|c| c.name.as_str()));
    let spec = PageSpec {
        title: format!("embedscope: {}", input.name),
        subtitle: format!(
            "{} points of {} dimensions",
            input.vectors.nrows(),
            input.vectors.ncols()
        ),
        maps: vec![
            PageMap {
                name: "t-SNE 2-D".into(),
                coords: tsne2.coords.view(),
                caption: tsne2.report.caption(),
            },
            PageMap {
                name: "t-SNE 3-D".into(),
                coords: tsne3.coords.view(),
                caption: tsne3.report.caption(),
            },
            PageMap {
                name: "PCA".into(),
                coords: pca3.coords.view(),
                caption: format!("PCA, {}", pca3.report.summary),
            },
        ],
        metadata: input.metadata,
        colour_by,
        thumbnails: input.images.map(ThumbnailView::reborrow),
        neighbors: Some(Neighbors {
            k: graph.k(),
            indices: graph.indices(),
            distances: &distances,
        }),
    };
    write_page(&spec, &settings.out.join(PAGE_FILE), progress)?;
    Ok(())
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

/// Stage headers, timings and the cache bookkeeping.
struct Steps<'p> {
    total: usize,
    current: usize,
    name: String,
    started: Instant,
    seconds: Vec<(String, f64)>,
    reused: Vec<String>,
    progress: &'p mut dyn Progress,
}

impl<'p> Steps<'p> {
    fn new(total: usize, progress: &'p mut dyn Progress) -> Self {
        Self {
            total,
            current: 0,
            name: String::new(),
            started: Instant::now(),
            seconds: Vec::new(),
            reused: Vec::new(),
            progress,
        }
    }

    fn begin(&mut self, name: &str) {
        self.current += 1;
        self.name = name.to_string();
        self.started = Instant::now();
        self.progress
            .note(&format!("[{}/{}] {name}", self.current, self.total));
    }

    fn end(&mut self) {
        self.seconds
            .push((self.name.clone(), self.started.elapsed().as_secs_f64()));
    }

    /// Runs a cached stage: reloads its outputs (`load`, given the report) when fresh, else
    /// recomputes them (`compute`).
    fn cached<T>(
        &mut self,
        name: &str,
        stage: &Stage,
        force: bool,
        load: impl FnOnce(&Path) -> anyhow::Result<T>,
        compute: impl FnOnce(&mut dyn Progress) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.begin(name);
        if !force && stage.is_fresh() {
            if let Ok(v) = load(stage.report()) {
                self.progress
                    .note("      reusing the outputs of an earlier run (--force redoes them)");
                self.reused.push(self.name.clone());
                self.end();
                return Ok(v);
            }
        }
        stage.invalidate()?;
        let v = compute(&mut *self.progress)?;
        self.end();
        Ok(v)
    }
}
