//! The view's TensorBoard log directory (`logs/`): two runs, the input (with the extra
//! scalars, e.g. the training losses) and the reductions (the maps the view computed, with the
//! 2-D t-SNE's KL history), so
//! each run's projector tensors share one number of points and each run has its own scalars.

use super::maps::{MapPrints, Maps};
use super::output::{OutputDir, LOGS_DIR, REDUCTIONS_RUN};
use super::prepare::Prepared;
use super::stage::Recorded;
use super::Settings;
use crate::export::tensorboard::{
    kl_scalars, ExportSpec, LogDirBuilder, NamedEmbedding, ScalarSeries, Sprite,
};
use crate::export::ExportError;
use crate::fsutil::AtomicDir;
use crate::pipeline::cache::Fingerprint;
use crate::progress::Progress;

/// The log directory's stage: the logs of the input and of maps made as `maps` says.
pub(super) fn stage(
    prepared: &Prepared<'_, '_>,
    settings: &Settings,
    out: &OutputDir,
    maps: &MapPrints,
) -> Recorded<()> {
    let names = out.names();
    let files = vec![
        format!("{LOGS_DIR}/{}", names.input_run),
        format!("{LOGS_DIR}/{REDUCTIONS_RUN}"),
    ];
    let fp = settings.input_scalars.iter().fold(
        maps.mix(prepared.points_fp)
            .field("input run", &names.input_run)
            .field("input tensor", &names.input_tensor),
        scalars_fingerprint,
    );
    Recorded::new(out, ("TensorBoard logs", "logs"), files, fp)
}

/// Writes both runs, replacing any earlier `logs/` as a whole.
pub(super) fn write(
    (prepared, settings): (&Prepared<'_, '_>, &Settings),
    (maps, sprite): (&Maps, Option<&Sprite>),
    out: &OutputDir,
    progress: &mut dyn Progress,
) -> crate::pipeline::Result<()> {
    let input = prepared.input;
    let names = out.names();
    let logs = out.path(LOGS_DIR);
    let staged = AtomicDir::new(&logs).map_err(|e| ExportError::io(&logs, e))?;
    let vectors = ExportSpec {
        metadata: input.metadata,
        sprite,
        embeddings: vec![NamedEmbedding {
            name: names.input_tensor.clone(),
            coords: input.vectors,
        }],
        scalars: settings.input_scalars.clone(),
    };
    LogDirBuilder::new(&vectors)
        .progress(progress)
        .build(&staged.path().join(&names.input_run))?;
    let reductions = ExportSpec {
        metadata: input.metadata,
        sprite,
        embeddings: map_tensors(maps),
        scalars: maps
            .tsne2
            .iter()
            .map(|m| kl_scalars(m.report.kl_history.iter().map(|p| (p.iteration, p.kl))))
            .collect(),
    };
    LogDirBuilder::new(&reductions)
        .progress(progress)
        .build(&staged.path().join(REDUCTIONS_RUN))?;
    staged.commit().map_err(|e| ExportError::io(&logs, e))?;
    Ok(())
}

/// The ready-made tensors of the maps the view computed: `tsne/2d`, `tsne/3d`, `pca/3d`,
/// `umap/2d`.
fn map_tensors(maps: &Maps) -> Vec<NamedEmbedding<'_>> {
    let coords = [
        ("tsne/2d", maps.tsne2.as_ref().map(|m| &m.coords)),
        ("tsne/3d", maps.tsne3.as_ref().map(|m| &m.coords)),
        ("pca/3d", maps.pca3.as_ref().map(|m| &m.coords)),
        ("umap/2d", maps.umap2.as_ref().map(|m| &m.coords)),
    ];
    coords
        .into_iter()
        .filter_map(|(name, coords)| {
            coords.map(|c| NamedEmbedding {
                name: name.into(),
                coords: c.view(),
            })
        })
        .collect()
}

/// Mixes in a scalar series: its tag and points.
fn scalars_fingerprint(fp: Fingerprint, series: &ScalarSeries) -> Fingerprint {
    series
        .points
        .iter()
        .fold(fp.field("scalars", &series.tag), |fp, (step, v)| {
            fp.field("step", step).floats([*v].into_iter())
        })
}
