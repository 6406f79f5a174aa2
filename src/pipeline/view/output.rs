//! The view's output directory: every file name in one place, and the record of the files
//! written, in the order their stages ran.

use std::path::{Path, PathBuf};

/// The interactive page.
pub const PAGE_FILE: &str = "index.html";
/// The TensorBoard run of the reductions.
pub const REDUCTIONS_RUN: &str = "reductions";
/// The TensorBoard log directory.
pub(crate) const LOGS_DIR: &str = "logs";
/// The view's report.
pub const REPORT_FILE: &str = "report.json";
/// Records of the cached stages that have no report of their own (pictures, logs, page).
pub(crate) const STAGES_DIR: &str = "stages";

/// The names of the outputs that depend on the input's name. [`Names::for_stem`] derives them
/// from a stem; the demo keeps the original project's.
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

/// Where each output of a view goes, and which were written (or kept from an earlier run).
#[derive(Debug)]
pub(super) struct OutputDir {
    root: PathBuf,
    names: Names,
    files: Vec<String>,
}

impl OutputDir {
    /// The directory `root`, with the input-dependent `names`.
    pub(super) fn new(root: &Path, names: &Names) -> Self {
        Self {
            root: root.to_path_buf(),
            names: names.clone(),
            files: Vec::new(),
        }
    }

    /// The output names that depend on the input.
    pub(super) fn names(&self) -> &Names {
        &self.names
    }

    /// The path of `file` (relative to the directory).
    pub(super) fn path(&self, file: &str) -> PathBuf {
        self.root.join(file)
    }

    /// A t-SNE map's coordinates.
    pub(super) fn tsne_npy(dims: usize) -> String {
        format!("tsne_{dims}d.npy")
    }

    /// A t-SNE map's report (its stage record).
    pub(super) fn tsne_json(dims: usize) -> String {
        format!("tsne_{dims}d.json")
    }

    /// The PCA map's coordinates.
    pub(super) const PCA_NPY: &'static str = "pca.npy";
    /// The PCA map's report (its stage record).
    pub(super) const PCA_JSON: &'static str = "pca.json";

    /// The record of a stage without a report of its own.
    pub(super) fn stage_record(stage: &str) -> String {
        format!("{STAGES_DIR}/{stage}.json")
    }

    /// Records `files` as written (each once, in order).
    pub(super) fn record(&mut self, files: impl IntoIterator<Item = String>) {
        for f in files {
            if !self.files.contains(&f) {
                self.files.push(f);
            }
        }
    }

    /// Every file recorded so far.
    pub(super) fn into_files(self) -> Vec<String> {
        self.files
    }
}
