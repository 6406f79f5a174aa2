//! The view's TensorBoard log directory (`logs/`): two runs, the input (with the extra
//! scalars, e.g. the training losses) and the reductions (with the 2-D t-SNE's KL history), so
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
    let Maps { tsne2, tsne3, pca3 } = maps;
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
    staged.commit().map_err(|e| ExportError::io(&logs, e))?;
    Ok(())
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
