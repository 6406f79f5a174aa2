//! Maps that can be reopened: the map directory that `view --out` and `tsne --save-map` write,
//! and [`transform()`], which places new vectors into one of its maps.
//!
//! A map directory holds `map.json` ([`MAP_FILE`]: format and version, the t-SNE parameters,
//! the metric, the pre-reduction and every file with its shape) beside float32 `.npy` files:
//! the reference vectors as t-SNE saw them (`N x D`, after the pre-reduction), the maps'
//! coordinates (`N x 2`, `N x 3`) and, when the input was reduced by PCA first, the basis
//! (`D x D_in`) and the mean (`1 x D_in`) that take new raw vectors through the same step.
//! 1,000,000 points of 50 columns are 200 MB of reference vectors, plus 8 (2-D) or 12 (3-D)
//! bytes per point for each map.
//!
//! Opening a map checks everything before any work: the format and version, each file's
//! shape against `map.json` and against the others; an error names the file and the expected
//! shape. `map.json` is written last, so a directory whose writing was interrupted is not a map.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::matrix::{read_matrix, write_npy};
use crate::data::DataError;
use crate::fsutil::{read_json, write_json, AtomicDir};
use crate::reduce::knn::Metric;
use crate::reduce::scale::Standardization;
use crate::reduce::tsne::observer::Observer;
use crate::reduce::tsne::transform::{self, Placed, Reference, TransformParams};

/// The description of a map directory.
pub const MAP_FILE: &str = "map.json";
/// The format name in `map.json`.
pub const FORMAT: &str = "embedscope-map";
/// The version of the format this build reads and writes.
pub const VERSION: u32 = 1;
/// The reference vectors' file.
pub const VECTORS_FILE: &str = "map_vectors.npy";
/// The pre-reduction's basis and mean.
pub const BASIS_FILE: &str = "map_pca_basis.npy";
/// The pre-reduction's mean (one row).
pub const MEAN_FILE: &str = "map_pca_mean.npy";

/// Which map of a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MapKind {
    /// The 2-D t-SNE map.
    Tsne2,
    /// The 3-D t-SNE map.
    Tsne3,
}

impl MapKind {
    /// The name in `map.json` and on the command line: `tsne2`, `tsne3`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tsne2 => "tsne2",
            Self::Tsne3 => "tsne3",
        }
    }

    /// The map's dimensions.
    pub fn dims(self) -> usize {
        match self {
            Self::Tsne2 => 2,
            Self::Tsne3 => 3,
        }
    }

    /// The kind of a `dims`-dimensional t-SNE map, if there is one.
    pub fn of_dims(dims: usize) -> Option<Self> {
        [Self::Tsne2, Self::Tsne3]
            .into_iter()
            .find(|k| k.dims() == dims)
    }
}

impl std::str::FromStr for MapKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Tsne2, Self::Tsne3]
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("{s}: must be tsne2 or tsne3"))
    }
}

/// A file of the directory and its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileShape {
    /// The file name, relative to the directory.
    pub file: String,
    /// Rows and columns.
    pub shape: [usize; 2],
}

/// The PCA step before t-SNE: `(x - mean) · basisᵀ`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrePca {
    /// The principal axes, `D x D_in`, one per row.
    pub basis: Array2<f32>,
    /// The input's column means, `D_in`.
    pub mean: Vec<f32>,
}

/// The t-SNE parameters a map was fitted with (for the record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    /// The perplexity.
    pub perplexity: f64,
    /// The learning rate, as given (`auto` or a number).
    pub learning_rate: String,
    /// The iterations.
    pub iterations: usize,
    /// The seed.
    pub seed: u64,
}

/// `map.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    format: String,
    version: u32,
    points: usize,
    input_dims: usize,
    metric: String,
    fit: FitRecord,
    vectors: FileShape,
    pre_pca: Option<(FileShape, FileShape)>,
    /// The standardisation of the raw columns (`--standardize`), applied first.
    #[serde(default)]
    standardized: Option<Standardization>,
    maps: Vec<(MapKind, FileShape)>,
}

/// A map held in memory: what placing points into it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// The reference vectors as t-SNE saw them, `N x D`.
    pub vectors: Array2<f32>,
    /// The metric of their distances.
    pub metric: Metric,
    /// The standardisation of the input's columns, applied before the PCA, if any.
    pub standardized: Option<Standardization>,
    /// The PCA that made them from the input, if any.
    pub pre_pca: Option<PrePca>,
    /// The maps' coordinates (`N x 2`, `N x 3`), each with the file it is (or will be) in.
    pub maps: Vec<(MapKind, String, Array2<f32>)>,
    /// How the maps were fitted.
    pub fit: FitRecord,
}

impl Map {
    /// Columns of the raw vectors the map takes: the input's, before any pre-reduction.
    pub fn input_dims(&self) -> usize {
        self.pre_pca
            .as_ref()
            .map_or(self.vectors.ncols(), |p| p.mean.len())
    }

    /// The coordinates of map `kind`, if the directory has it.
    pub fn coords(&self, kind: MapKind) -> Option<&Array2<f32>> {
        self.maps.iter().find(|m| m.0 == kind).map(|m| &m.2)
    }

    /// Writes the map into `dir` (which must exist): the vectors, the pre-reduction, the maps
    /// whose files are not `existing` (already written there by the caller), then
    /// `map.json`, each file atomically.
    pub fn write(&self, dir: &Path, existing: &[&str]) -> Result<(), DataError> {
        let shape = |file: &str, a: &Array2<f32>| FileShape {
            file: file.to_string(),
            shape: [a.nrows(), a.ncols()],
        };
        write_npy(&dir.join(VECTORS_FILE), &self.vectors)?;
        let pre_pca = match &self.pre_pca {
            Some(p) => {
                let mean =
                    Array2::from_shape_vec((1, p.mean.len()), p.mean.clone()).expect("one row");
                write_npy(&dir.join(BASIS_FILE), &p.basis)?;
                write_npy(&dir.join(MEAN_FILE), &mean)?;
                Some((shape(BASIS_FILE, &p.basis), shape(MEAN_FILE, &mean)))
            }
            None => None,
        };
        for (_, file, coords) in &self.maps {
            if !existing.contains(&file.as_str()) {
                write_npy(&dir.join(file), coords)?;
            }
        }
        let description = Description {
            format: FORMAT.into(),
            version: VERSION,
            points: self.vectors.nrows(),
            input_dims: self.input_dims(),
            metric: self.metric.name().into(),
            fit: self.fit.clone(),
            vectors: shape(VECTORS_FILE, &self.vectors),
            pre_pca,
            standardized: self.standardized.clone(),
            maps: self
                .maps
                .iter()
                .map(|(kind, file, coords)| (*kind, shape(file, coords)))
                .collect(),
        };
        let path = dir.join(MAP_FILE);
        write_json(&path, &description).map_err(|e| DataError::io(&path, e))
    }

    /// Writes the map as the new directory `dir`, whole or not at all (built under a
    /// temporary name, then moved into place). An existing `dir` is replaced only when it is
    /// empty or a map directory itself.
    pub fn save(&self, dir: &Path) -> Result<(), DataError> {
        if dir.is_dir() && !dir.join(MAP_FILE).is_file() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
            if entries.next().is_some() {
                return Err(DataError::invalid(
                    dir,
                    format!("exists and is not a map directory (no {MAP_FILE}); not replaced"),
                ));
            }
        }
        let staged = AtomicDir::new(dir).map_err(|e| DataError::io(dir, e))?;
        self.write(staged.path(), &[])?;
        staged.commit().map_err(|e| DataError::io(dir, e))?;
        Ok(())
    }

    /// Opens the map directory `dir`, checking the format, the version and every file's shape.
    pub fn open(dir: &Path) -> Result<Map, DataError> {
        let path = dir.join(MAP_FILE);
        let d: Description = read_json(&path).map_err(|e| DataError::io(&path, e))?;
        if d.format != FORMAT || d.version != VERSION {
            return Err(DataError::invalid(
                &path,
                format!(
                    "a map of format {:?} version {}; this build reads {FORMAT:?} version \
                     {VERSION} (fit the map again with this build)",
                    d.format, d.version
                ),
            ));
        }
        let metric: Metric = d
            .metric
            .parse()
            .map_err(|e| DataError::invalid(&path, format!("{e}")))?;
        let n = d.points;
        let dims = d.vectors.shape[1];
        let vectors = load(dir, &d.vectors, [n, dims])?;
        let pre_pca = match &d.pre_pca {
            Some((basis, mean)) => Some(PrePca {
                basis: load(dir, basis, [dims, d.input_dims])?,
                mean: load(dir, mean, [1, d.input_dims])?
                    .into_raw_vec_and_offset()
                    .0,
            }),
            None if d.input_dims != dims => {
                return Err(DataError::invalid(
                    &path,
                    format!(
                        "input_dims {} differs from the vectors' {dims} columns without a \
                         pre-reduction",
                        d.input_dims
                    ),
                ))
            }
            None => None,
        };
        if let Some(s) = &d.standardized {
            let widths = [s.mean.len(), s.scale.len()];
            let bad = s.scale.iter().any(|v| !(v.is_finite() && *v > 0.0))
                || s.mean.iter().any(|v| !v.is_finite());
            if widths != [d.input_dims; 2] || bad {
                return Err(DataError::invalid(
                    &path,
                    format!(
                        "'standardized' must hold {} finite means and {} positive scales",
                        d.input_dims, d.input_dims
                    ),
                ));
            }
        }
        let maps = d
            .maps
            .iter()
            .map(|(kind, f)| Ok((*kind, f.file.clone(), load(dir, f, [n, kind.dims()])?)))
            .collect::<Result<Vec<_>, DataError>>()?;
        Ok(Map {
            vectors,
            metric,
            standardized: d.standardized,
            pre_pca,
            maps,
            fit: d.fit,
        })
    }

    /// Refuses raw vectors (`M x D_in`, from `source`) the map cannot take: empty input, or a
    /// width other than the map's input width; the error names `source` and the shape.
    pub fn check_input(&self, raw: ArrayView2<f32>, source: &Path) -> Result<(), DataError> {
        let want = self.input_dims();
        if raw.nrows() == 0 {
            return Err(DataError::invalid(
                source,
                "no points to place (empty input)",
            ));
        }
        if raw.ncols() != want {
            return Err(DataError::invalid(
                source,
                format!(
                    "{} x {}: the map expects M x {want} (the width of the vectors it was \
                     fitted to)",
                    raw.nrows(),
                    raw.ncols()
                ),
            ));
        }
        Ok(())
    }

    /// `raw` (`M x D_in`) as t-SNE would see it: standardised and through the pre-reduction,
    /// as the map's input was, after [`Map::check_input`] (with `source` in its errors).
    pub fn prepare(&self, raw: ArrayView2<f32>, source: &Path) -> Result<Array2<f32>, DataError> {
        self.check_input(raw, source)?;
        let scaled = match &self.standardized {
            Some(s) => Some(
                s.apply(raw)
                    .map_err(|e| DataError::invalid(source, e.to_string()))?,
            ),
            None => None,
        };
        let raw = scaled.as_ref().map_or(raw, |s| s.view());
        let Some(p) = &self.pre_pca else {
            return Ok(raw.to_owned());
        };
        let k = p.basis.nrows();
        let mut out = Array2::<f32>::zeros((raw.nrows(), k));
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(raw.axis_iter(Axis(0)))
            .for_each(|(mut o, x)| {
                let centred: Vec<f64> = x
                    .iter()
                    .zip(&p.mean)
                    .map(|(&v, &m)| f64::from(v) - f64::from(m))
                    .collect();
                for (c, axis) in o.iter_mut().zip(p.basis.rows()) {
                    let dot: f64 = centred
                        .iter()
                        .zip(axis)
                        .map(|(a, &b)| a * f64::from(b))
                        .sum();
                    *c = dot as f32;
                }
            });
        Ok(out)
    }
}

/// Reads `f` of `dir` and checks its shape against `map.json`'s and the expected one.
fn load(dir: &Path, f: &FileShape, expected: [usize; 2]) -> Result<Array2<f32>, DataError> {
    let path: PathBuf = dir.join(&f.file);
    let expect = format!("{} x {}", expected[0], expected[1]);
    if f.shape != expected {
        return Err(DataError::invalid(
            dir.join(MAP_FILE),
            format!(
                "{} is listed as {} x {}, but the map needs {expect}",
                f.file, f.shape[0], f.shape[1]
            ),
        ));
    }
    let a = read_matrix(&path).map_err(|e| {
        let problem = match e {
            DataError::Invalid { problem, .. } => problem,
            DataError::Io { cause, .. } => cause.to_string(),
            other => other.to_string(),
        };
        DataError::invalid(
            &path,
            format!("{problem}; the map needs a float32 {expect} .npy"),
        )
    })?;
    if a.dim() != (expected[0], expected[1]) {
        return Err(DataError::invalid(
            &path,
            format!(
                "{} x {}, but {MAP_FILE} says {expect}",
                a.nrows(),
                a.ncols()
            ),
        ));
    }
    Ok(a)
}

/// How to place points: which map, and the optimisation's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaceParams {
    /// The map to place into.
    pub map: MapKind,
    /// The optimisation.
    pub transform: TransformParams,
}

impl Default for PlaceParams {
    /// The 2-D map, the tuned defaults.
    fn default() -> Self {
        Self {
            map: MapKind::Tsne2,
            transform: TransformParams::default(),
        }
    }
}

/// Places `vectors` (raw, `M x D_in`, the width of the map's input) into `map`'s map
/// `params.map`: through the map's pre-reduction, then [`transform::transform`]. The
/// reference map is not changed; each new point's result depends on it and the map alone.
///
/// ```
/// use embedscope::pipeline::map_dir::{transform, FitRecord, Map, MapKind, PlaceParams};
/// use embedscope::reduce::knn::Metric;
/// use embedscope::reduce::tsne::observer::NoObserver;
/// // A map of two far groups of 30 points each, fitted elsewhere (here: made up).
/// let x = ndarray::Array2::from_shape_fn((60, 3), |(i, k)| (i / 30 * 40 + (i * 7 + k) % 5) as f32);
/// let coords = ndarray::Array2::from_shape_fn((60, 2), |(i, k)| (i / 30 * 30 + (i + k) % 4) as f32);
/// let map = Map {
///     vectors: x,
///     metric: Metric::Euclidean,
///     standardized: None,
///     pre_pca: None,
///     maps: vec![(MapKind::Tsne2, "tsne_2d.npy".into(), coords)],
///     fit: FitRecord { perplexity: 10.0, learning_rate: "auto".into(), iterations: 1000, seed: 0 },
/// };
/// let new = ndarray::array![[1.0f32, 2.0, 1.0], [41.0, 42.0, 41.0]];
/// let placed = transform(&map, new.view(), &PlaceParams::default(), &mut NoObserver)?;
/// assert_eq!(placed.embedding.dim(), (2, 2));
/// assert!(placed.embedding[[0, 0]] < 10.0 && placed.embedding[[1, 0]] > 20.0);
/// # Ok::<(), embedscope::pipeline::PipelineError>(())
/// ```
pub fn transform(
    map: &Map,
    vectors: ArrayView2<f32>,
    params: &PlaceParams,
    observer: &mut dyn Observer,
) -> crate::pipeline::Result<Placed> {
    let coords = map.coords(params.map).ok_or_else(|| {
        let have: Vec<&str> = map.maps.iter().map(|m| m.0.name()).collect();
        crate::pipeline::PipelineError::Mismatch(format!(
            "the map has no {} map (it has {})",
            params.map.name(),
            have.join(", ")
        ))
    })?;
    let source = Path::new("the new vectors");
    map.check_input(vectors, source)?;
    // Without a standardisation or a pre-reduction the vectors are used as they are (no copy).
    let prepared = match (&map.standardized, &map.pre_pca) {
        (None, None) => None,
        _ => Some(map.prepare(vectors, source)?),
    };
    let reference = Reference {
        vectors: map.vectors.view(),
        map: coords.view(),
        metric: map.metric,
    };
    Ok(transform::transform(
        reference,
        prepared.as_ref().map_or(vectors, |p| p.view()),
        &params.transform,
        observer,
    )?)
}
