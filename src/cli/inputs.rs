//! Reading the user's files for the commands, in one place: metadata files and the images
//! (thumbnails) of the points. Errors name the flag and the file.

use std::path::Path;

use anyhow::{bail, Context};

use crate::data::metadata::Metadata;
use crate::data::metadata_io::read_metadata;
use crate::data::Dataset;

/// The metadata of `n` points from `--FLAG FILE` (the projector's convention; see
/// [`read_metadata`]), or no columns without a file.
pub fn metadata(flag: &str, path: Option<&Path>, n: usize) -> anyhow::Result<Metadata> {
    match path {
        Some(path) => read_metadata(path, n).with_context(|| format!("--{flag}")),
        None => Ok(Metadata::empty(n)),
    }
}

/// The images of `n` points from `--FLAG embedded|DIR` (the embedded MNIST-10k digits, or an
/// MNIST IDX directory): the first `n` images, one per point.
pub fn images(flag: &str, source: &str, n: usize) -> anyhow::Result<Dataset> {
    let mut data = if source == "embedded" {
        Dataset::embedded()
    } else {
        Dataset::from_dir(source.as_ref()).with_context(|| format!("--{flag}"))?
    };
    if data.len() < n {
        bail!(
            "--{flag} {source}: {} images for {n} points; there must be one image per point",
            data.len()
        );
    }
    data.truncate(n);
    Ok(data)
}
