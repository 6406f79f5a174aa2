//! TensorBoard log directories that the real `tensorboard --logdir` opens, TensorFlow or not.
//!
//! [`export_logdir`] writes one run at the log directory's root (TensorBoard's run `.`):
//!
//! ```text
//! LOGDIR/
//!   events.out.tfevents.<secs>.<host>   scalars (train/loss, test/loss, tsne/kl_divergence)
//!   projector_config.pbtxt              one `embeddings` block per named embedding
//!   <name>.tensor.tsv | .tensor.bytes   one tensor per embedding (see `projector`; 2-D
//!                                       ones get a zero third column to show at once)
//!   metadata.tsv                        labels, shared by every embedding
//!   sprite.png                          thumbnails, shared by every embedding
//! ```
//!
//! The projector only reads a `projector_config.pbtxt` that sits in a run directory (one that
//! holds an event file), so the config and the event file always go together. The whole
//! directory is staged with [`AtomicDir`] and moved into place at the end: an error or Ctrl-C
//! leaves no half-written log directory.
//!
//! - `record`: TFRecord framing and CRC-32C; `event`: the protobuf encoding;
//! - `scalars`: the [`EventWriter`], usable on its own, and the series of the training and t-SNE histories;
//! - `projector`: tensors, metadata and the config text; `sprite`: the thumbnail grid.

mod event;
mod projector;
mod record;
mod scalars;
mod sprite;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::data::metadata::Metadata;
use crate::export::ExportError;
use crate::fsutil::{write_bytes_atomic, AtomicDir};
use crate::interrupt;
use crate::progress::Progress;

pub use projector::{EmbeddingEntry, NamedEmbedding};
pub use scalars::{kl_scalars, training_scalars, EventWriter, ScalarSeries};
pub use sprite::{Sprite, SpriteLayout};

/// The config file name the projector looks for in each run directory.
pub const CONFIG_FILE: &str = "projector_config.pbtxt";
/// The shared metadata file.
pub const METADATA_FILE: &str = "metadata.tsv";
/// The shared sprite file.
pub const SPRITE_FILE: &str = "sprite.png";

/// Everything a log directory shows: points (metadata, optional thumbnails, named embeddings)
/// and scalar series.
#[derive(Debug, Clone)]
pub struct ExportSpec<'a> {
    /// The points' metadata: every column reaches the projector ("Color by", "Label by",
    /// search); no columns: no metadata file. Its length is the number of points.
    pub metadata: &'a Metadata,
    /// The points' thumbnails (none: no sprite), written once per run directory.
    pub sprite: Option<&'a Sprite>,
    /// The embeddings, each `metadata.len() x D`; none: no projector files. The projector sorts
    /// its menu itself (most points first, then by name) and opens the first entry, e.g.
    /// `autoencoder/code` before `pca/3d` and `tsne/2d`.
    pub embeddings: Vec<NamedEmbedding<'a>>,
    /// Scalar series for the scalars dashboard; series with the same tag continue each other.
    pub scalars: Vec<ScalarSeries>,
}

/// Writes `spec` as a TensorBoard log directory at `out` (see the module docs); returns `out`.
///
/// `out`'s parent directories are created. An existing `out` is replaced only if it is empty or
/// holds nothing but files an earlier export writes; anything else is refused.
pub fn export_logdir(spec: &ExportSpec<'_>, out: &Path) -> Result<PathBuf, ExportError> {
    LogDirBuilder::new(spec).build(out)
}

/// [`export_logdir`] with options: progress reporting and a fixed wall time.
pub struct LogDirBuilder<'s, 'a> {
    spec: &'s ExportSpec<'a>,
    progress: Option<&'s mut dyn Progress>,
    wall_time: Option<f64>,
    done: u64,
}

impl<'s, 'a> LogDirBuilder<'s, 'a> {
    /// A builder for `spec`, without progress reports, stamped with the current time.
    pub fn new(spec: &'s ExportSpec<'a>) -> Self {
        Self {
            spec,
            progress: None,
            wall_time: None,
            done: 0,
        }
    }

    /// Reports each file written to `progress` (a task of as many units as files).
    pub fn progress(mut self, progress: &'s mut dyn Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Stamps the event file and every scalar with `wall_time` (seconds since the epoch)
    /// instead of the current time.
    pub fn wall_time(mut self, wall_time: f64) -> Self {
        self.wall_time = Some(wall_time);
        self
    }

    /// Validates the spec, then writes the log directory at `out` all-or-nothing.
    pub fn build(mut self, out: &Path) -> Result<PathBuf, ExportError> {
        let spec = self.spec;
        validate(spec)?;
        check_replaceable(out)?;
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::fsutil::ensure_dir(parent).map_err(|e| ExportError::io(parent, e))?;
        }
        let staged = AtomicDir::new(out).map_err(|e| ExportError::io(out, e))?;
        let dir = staged.path();
        let has_projector = !spec.embeddings.is_empty();
        let has_metadata = !spec.metadata.columns().is_empty();
        let files = 1 + if has_projector {
            1 + usize::from(has_metadata)
                + spec.embeddings.len()
                + usize::from(spec.sprite.is_some())
        } else {
            0
        };
        if let Some(p) = self.progress.as_deref_mut() {
            p.begin("TensorBoard", files as u64);
        }

        let wall_time = self.wall_time.unwrap_or_else(scalars::now);
        self.step("event file");
        let mut events = EventWriter::create_at(dir, wall_time)?;
        for series in &spec.scalars {
            events.add_series(series, wall_time)?;
        }
        events.close()?;

        if has_projector {
            self.write_projector(dir)?;
        }
        if let Some(p) = self.progress.as_deref_mut() {
            p.end();
        }
        staged.commit().map_err(|e| ExportError::io(out, e))
    }

    fn step(&mut self, what: &str) {
        self.done += 1;
        if let Some(p) = self.progress.as_deref_mut() {
            p.update(self.done, Some(what));
        }
    }

    fn write_projector(&mut self, dir: &Path) -> Result<(), ExportError> {
        let spec = self.spec;
        interrupt::check()?;
        let metadata_path = if spec.metadata.columns().is_empty() {
            None
        } else {
            self.step(METADATA_FILE);
            crate::data::metadata_io::write_metadata_tsv(&dir.join(METADATA_FILE), spec.metadata)?;
            Some(METADATA_FILE.to_string())
        };

        let sprite = match spec.sprite {
            Some(sprite) => {
                self.step(SPRITE_FILE);
                sprite.write(&dir.join(SPRITE_FILE))?;
                let layout = sprite.layout();
                Some((
                    SPRITE_FILE.to_string(),
                    layout.thumb_width,
                    layout.thumb_height,
                ))
            }
            None => None,
        };

        let mut used = HashSet::new();
        let mut entries = Vec::with_capacity(spec.embeddings.len());
        for embedding in &spec.embeddings {
            interrupt::check()?;
            self.step(&embedding.name);
            let stem = unique_stem(&embedding.name, &mut used);
            let (tensor_path, shape) = projector::write_tensor(dir, &stem, &embedding.coords)?;
            entries.push(EmbeddingEntry {
                tensor_name: embedding.name.clone(),
                tensor_path,
                shape,
                metadata_path: metadata_path.clone(),
                sprite: sprite.clone(),
            });
        }

        self.step(CONFIG_FILE);
        let path = dir.join(CONFIG_FILE);
        write_bytes_atomic(&path, projector::config_pbtxt(&entries).as_bytes())
            .map_err(|e| ExportError::io(&path, e))
    }
}

/// Checks the spec before anything is written: point counts agree, values are finite, names
/// are usable.
fn validate(spec: &ExportSpec<'_>) -> Result<(), ExportError> {
    spec.scalars.iter().try_for_each(ScalarSeries::check)?;
    let n = spec.metadata.len();
    if spec.embeddings.is_empty() {
        return Ok(());
    }
    if n == 0 {
        return Err(ExportError::invalid("metadata", "no points to export"));
    }
    let mut names = HashSet::new();
    for e in &spec.embeddings {
        let what = format!("embedding '{}'", e.name);
        if e.name.trim().is_empty() || e.name.chars().any(char::is_control) {
            return Err(ExportError::invalid(
                what,
                "the name must be non-empty, without control characters",
            ));
        }
        if !names.insert(e.name.as_str()) {
            return Err(ExportError::invalid(what, "the name is used twice"));
        }
        let (rows, dims) = e.coords.dim();
        if rows != n || dims == 0 {
            return Err(ExportError::invalid(
                what,
                format!("{rows} points of {dims} dimensions, but the metadata has {n} points; the counts must match"),
            ));
        }
        if let Some(((i, j), v)) = e.coords.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(ExportError::invalid(
                what,
                format!("value {v} at point {i}, dimension {j} is not finite"),
            ));
        }
    }
    if let Some(count) = spec.sprite.map(Sprite::points).filter(|&c| c != n) {
        return Err(ExportError::invalid(
            "images",
            format!("{count} images for {n} points; the counts must match"),
        ));
    }
    if let Some(c) = spec
        .metadata
        .columns()
        .iter()
        .find(|c| c.name.trim().is_empty())
    {
        return Err(ExportError::invalid(
            format!("metadata column '{}'", c.name),
            "the name must not be empty",
        ));
    }
    Ok(())
}

/// Whether a file name is one an export writes at the log directory's root.
fn is_export_file(name: &str) -> bool {
    name.starts_with("events.out.tfevents.")
        || [CONFIG_FILE, METADATA_FILE, SPRITE_FILE].contains(&name)
        || name.ends_with(".tensor.tsv")
        || name.ends_with(".tensor.bytes")
}

/// Refuses to replace an `out` that holds anything an export would not have written.
fn check_replaceable(out: &Path) -> Result<(), ExportError> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if out.exists() && !out.is_dir() => {
            return Err(ExportError::invalid(
                out.display().to_string(),
                format!("exists and is not a directory ({e})"),
            ))
        }
        Err(e) => return Err(ExportError::io(out, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| ExportError::io(out, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !is_export_file(&name) {
            return Err(ExportError::invalid(
                out.display().to_string(),
                format!(
                    "exists and holds '{name}', which an export does not write; \
                     refusing to replace it (choose another --out or remove it)"
                ),
            ));
        }
    }
    Ok(())
}

/// A file-name stem for an embedding name: `[A-Za-z0-9._-]` kept, the rest `_`, made unique.
fn unique_stem(name: &str, used: &mut HashSet<String>) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = (1..)
        .map(|k| match k {
            1 => base.clone(),
            k => format!("{base}-{k}"),
        })
        .find(|s| !used.contains(s))
        .expect("an unused stem exists");
    used.insert(stem.clone());
    stem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::metadata::{Column, Values};
    use crate::data::thumbnails::ThumbnailView;
    use ndarray::Array2;

    fn sprite(images: ndarray::ArrayView2<u8>) -> Sprite {
        Sprite::new(&ThumbnailView {
            pixels: images,
            rows: 4,
            cols: 4,
        })
        .unwrap()
    }

    fn spec_parts(n: usize) -> (Metadata, Sprite, Array2<f32>) {
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        let labels = Metadata::from_labels(&labels);
        let images = Array2::from_shape_fn((n, 16), |(i, k)| ((i * 7 + k * 13) % 256) as u8);
        let codes = Array2::from_shape_fn((n, 3), |(i, j)| (i as f32).sin() + j as f32);
        (labels, sprite(images.view()), codes)
    }

    fn spec<'a>(
        metadata: &'a Metadata,
        images: &'a Sprite,
        codes: &'a Array2<f32>,
    ) -> ExportSpec<'a> {
        ExportSpec {
            metadata,
            sprite: Some(images),
            embeddings: vec![
                NamedEmbedding {
                    name: "autoencoder/code".into(),
                    coords: codes.view(),
                },
                NamedEmbedding {
                    name: "autoencoder_code".into(),
                    coords: codes.view(),
                },
            ],
            scalars: vec![ScalarSeries::new("train/loss", vec![(1, 0.5), (2, 0.25)])],
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_a_complete_logdir() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("nested/logs");
        let (labels, images, codes) = spec_parts(10);
        let spec = spec(&labels, &images, &codes);
        let written = LogDirBuilder::new(&spec)
            .wall_time(100.0)
            .build(&out)
            .unwrap();
        assert_eq!(written, out);
        let files = names(&out);
        assert_eq!(files.len(), 6, "{files:?}");
        assert!(
            files[2].starts_with("events.out.tfevents.100."),
            "{files:?}"
        );
        assert_eq!(
            [&files[..2], &files[3..]].concat(),
            [
                "autoencoder_code-2.tensor.tsv",
                "autoencoder_code.tensor.tsv",
                "metadata.tsv",
                "projector_config.pbtxt",
                "sprite.png"
            ]
        );
        let config = fs::read_to_string(out.join(CONFIG_FILE)).unwrap();
        assert_eq!(config.matches("embeddings {").count(), 2);
        assert_eq!(config.matches("metadata_path: \"metadata.tsv\"").count(), 2);
        // 10 points: 4x4 grid of 4x4 thumbnails.
        assert_eq!(config.matches("single_image_dim: 4\n").count(), 4);
        let events = fs::read(out.join(&files[2])).unwrap();
        assert_eq!(record::read_records(&events).unwrap().len(), 3);
        // Nothing else was left beside it.
        assert_eq!(names(tmp.path()), ["nested"]);
        assert_eq!(names(&tmp.path().join("nested")), ["logs"]);
    }

    #[test]
    fn count_mismatch_is_refused_before_writing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("logs");
        let (labels, images, codes) = spec_parts(10);
        let mut nine = labels.clone();
        nine.truncate(9);
        let spec = spec(&nine, &images, &codes);
        let err = export_logdir(&spec, &out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "embedding 'autoencoder/code': 10 points of 3 dimensions, but the metadata has 9 \
             points; the counts must match"
        );
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn failure_midway_leaves_nothing_and_keeps_the_old_logdir() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("logs");
        let (labels, images, codes) = spec_parts(10);
        let good = spec(&labels, &images, &codes);
        export_logdir(&good, &out).unwrap();
        let before = names(&out);
        // Two series of one tag continue each other: restarting at step 1 fails in the event
        // writer, after the event file was started.
        let mut bad = good.clone();
        bad.scalars
            .push(ScalarSeries::new("train/loss", vec![(1, 0.5)]));
        let err = export_logdir(&bad, &out).unwrap_err();
        assert!(matches!(err, ExportError::StepOrder { .. }), "{err}");
        assert_eq!(names(tmp.path()), ["logs"]);
        assert_eq!(names(&out), before);
    }

    #[test]
    fn refuses_to_replace_a_foreign_directory() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("thesis.tex"), b"x").unwrap();
        let (labels, images, codes) = spec_parts(4);
        let err = export_logdir(&spec(&labels, &images, &codes), tmp.path()).unwrap_err();
        assert!(err.to_string().contains("holds 'thesis.tex'"), "{err}");
        assert_eq!(names(tmp.path()), ["thesis.tex"]);
    }

    #[test]
    fn bad_values_and_names_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("logs");
        let (labels, images, mut codes) = spec_parts(4);
        codes[[2, 1]] = f32::NAN;
        let err = export_logdir(&spec(&labels, &images, &codes), &out).unwrap_err();
        assert!(
            err.to_string()
                .contains("value NaN at point 2, dimension 1"),
            "{err}"
        );
        codes[[2, 1]] = 0.0;
        let mut s = spec(&labels, &images, &codes);
        s.embeddings[1].name = "autoencoder/code".into();
        assert!(export_logdir(&s, &out)
            .unwrap_err()
            .to_string()
            .contains("used twice"));
        let blank = Metadata::new(
            4,
            vec![Column {
                name: " ".into(),
                values: Values::Integer(vec![Some(1); 4]),
            }],
        )
        .unwrap();
        assert_eq!(
            export_logdir(&spec(&blank, &images, &codes), &out)
                .unwrap_err()
                .to_string(),
            "metadata column ' ': the name must not be empty"
        );
        let few = sprite(Array2::zeros((3, 16)).view());
        let mut s = spec(&labels, &images, &codes);
        s.sprite = Some(&few);
        assert_eq!(
            export_logdir(&s, &out).unwrap_err().to_string(),
            "images: 3 images for 4 points; the counts must match"
        );
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn metadata_columns_follow_the_projector_convention() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, images, codes) = spec_parts(3);
        let one = Metadata::from_labels(&[7, 1, 7]);
        let out = tmp.path().join("one");
        export_logdir(&spec(&one, &images, &codes), &out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join(METADATA_FILE)).unwrap(),
            "7\n1\n7\n"
        );
        let text =
            |v: &[Option<&str>]| Values::Text(v.iter().map(|x| x.map(str::to_string)).collect());
        let two = Metadata::new(
            3,
            vec![
                Column {
                    name: "species".into(),
                    values: text(&[Some("setosa"), None, Some("a\tb")]),
                },
                Column {
                    name: "petal width".into(),
                    values: Values::Float(vec![Some(0.25), Some(1.5), None]),
                },
            ],
        )
        .unwrap();
        let out = tmp.path().join("two");
        export_logdir(&spec(&two, &images, &codes), &out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join(METADATA_FILE)).unwrap(),
            "species\tpetal width\nsetosa\t0.25\n\t1.5\na b\t\n"
        );
        // No columns: no metadata file, and the config names none.
        let none = Metadata::empty(3);
        let mut s = spec(&none, &images, &codes);
        s.sprite = None;
        let out = tmp.path().join("none");
        export_logdir(&s, &out).unwrap();
        assert!(!out.join(METADATA_FILE).exists());
        assert!(!out.join(SPRITE_FILE).exists());
        let config = fs::read_to_string(out.join(CONFIG_FILE)).unwrap();
        assert!(!config.contains("metadata_path"), "{config}");
        assert!(!config.contains("sprite"), "{config}");
    }

    #[test]
    fn an_output_under_a_file_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, b"x").unwrap();
        let out = file.join("logs");
        let (labels, images, codes) = spec_parts(4);
        let err = export_logdir(&spec(&labels, &images, &codes), &out).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: Not a directory (os error 20)", out.display())
        );
        assert_eq!(names(tmp.path()), ["file"]);
    }
}
