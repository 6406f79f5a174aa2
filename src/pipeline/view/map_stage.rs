//! The view's map directory: `map.json` and the reference vectors (and the pre-reduction's
//! PCA basis and mean) beside the view's `tsne_2d.npy` and `tsne_3d.npy` (those it computed), so that
//! `embedscope transform VIEW_DIR NEW` places new points into the view's maps
//! ([`crate::pipeline::map_dir`]).

use ndarray::s;

use super::maps::{MapPrints, Maps};
use super::output::OutputDir;
use super::prepare::Prepared;
use super::stage::Recorded;
use crate::pipeline::map_dir::{
    FitRecord, Map, MapKind, PrePca, BASIS_FILE, MAP_FILE, MEAN_FILE, VECTORS_FILE, VERSION,
};

/// The stage: a map of the vectors t-SNE saw and both t-SNE maps, made as `maps` says.
pub(super) fn stage(
    prepared: &Prepared<'_, '_>,
    out: &OutputDir,
    maps: &MapPrints,
) -> Recorded<()> {
    let fp = maps.mix(prepared.vectors_fp).field("map format", VERSION);
    let mut files = vec![MAP_FILE.to_string(), VECTORS_FILE.to_string()];
    if prepared.reduce_to.is_some() {
        files.extend([BASIS_FILE.to_string(), MEAN_FILE.to_string()]);
    }
    Recorded::new(out, ("map directory", "map"), files, fp)
}

/// Writes the map directory's files into the view's directory (the maps' coordinates are
/// already there).
pub(super) fn write(
    prepared: &mut Prepared<'_, '_>,
    maps: &Maps,
    out: &OutputDir,
) -> crate::pipeline::Result<()> {
    let pre_pca = match prepared.reduce_to {
        Some(k) => {
            let pca = prepared.pca()?;
            Some(PrePca {
                basis: pca.components.slice(s![..k, ..]).mapv(|v| v as f32),
                mean: pca.mean.iter().map(|&v| v as f32).collect(),
            })
        }
        None => None,
    };
    let params = prepared.tsne[0].params();
    let tsne: Vec<_> = [(MapKind::Tsne2, &maps.tsne2), (MapKind::Tsne3, &maps.tsne3)]
        .into_iter()
        .filter_map(|(kind, m)| m.as_ref().map(|m| (kind, m)))
        .collect();
    let map = Map {
        standardized: prepared.standardized.clone(),
        vectors: prepared.vectors().to_owned(),
        metric: params.metric,
        pre_pca,
        maps: tsne
            .iter()
            .map(|(kind, m)| (*kind, OutputDir::tsne_npy(kind.dims()), m.coords.clone()))
            .collect(),
        fit: FitRecord {
            perplexity: params.perplexity,
            learning_rate: params.learning_rate.to_string(),
            iterations: params.iterations,
            seed: params.seed,
        },
    };
    let existing: Vec<String> = tsne
        .iter()
        .map(|(kind, _)| OutputDir::tsne_npy(kind.dims()))
        .collect();
    let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
    map.write(out.path("").as_path(), &existing)?;
    Ok(())
}
