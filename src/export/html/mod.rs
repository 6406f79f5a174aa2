//! The interactive viewer: one self-contained HTML file that shows the embeddings.
//!
//! [`write_page`] embeds everything the page needs (no server, no network, works from
//! `file://`): the maps as base64 float32, every metadata column as text, each column's
//! [`Colouring`] (from [`colourings`]: class names, counts, colours and per-point class codes
//! as base64 uint16, or per-point viridis colours for a continuous column) so the page colours
//! exactly as the PNGs do, the thumbnails as the projector's PNG [`Sprite`], and the k-NN graph of the
//! original vectors (base64 uint32 indices, float32 distances).
//!
//! The page itself (`assets/viewer/page.html`, `viewer.css`, `viewer.js`, plain JavaScript:
//! WebGL `gl.POINTS` with a canvas-2D fallback) is compiled in with `include_str!`. The data
//! travels as JSON in a `<script type="application/json">` element, with every `<`, `>` and
//! `&` written as a `\u00XX` escape so no metadata value can close the element.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ndarray::ArrayView2;
use serde::Serialize;

use crate::data::metadata::{Metadata, Values};
use crate::export::tensorboard::Sprite;
use crate::export::ExportError;
use crate::fsutil::write_atomic;
use crate::progress::Progress;
use crate::render::colouring::{ClassKind, Colouring, SINGLE};
use crate::render::palette::Rgb;

/// The page template; `{{TITLE}}`, `{{STYLE}}`, `{{SCRIPT}}` and `{{DATA}}` are filled in.
const TEMPLATE: &str = include_str!("../../../assets/viewer/page.html");
/// The page's style sheet.
const STYLE: &str = include_str!("../../../assets/viewer/viewer.css");
/// The page's program.
const SCRIPT: &str = include_str!("../../../assets/viewer/viewer.js");

/// Colours sampled along viridis for a continuous column's colour bar.
const BAR_STEPS: usize = 64;

/// What the page shows.
#[derive(Debug, Clone)]
pub struct PageSpec<'a> {
    /// The page's title (e.g. "embedscope: MNIST autoencoder").
    pub title: String,
    /// A line under the title (e.g. "10,000 digits, 64-d codes").
    pub subtitle: String,
    /// The maps to switch between, first shown first; at least one.
    pub maps: Vec<PageMap<'a>>,
    /// One row per point (possibly no columns).
    pub metadata: &'a Metadata,
    /// Each metadata column's colouring, in column order ([`colourings`]).
    pub colourings: &'a [Colouring],
    /// The column to colour by when the page opens; `None`: one colour.
    pub colour_by: Option<&'a str>,
    /// The column that names the points (the selection's title, its neighbours, the first
    /// line on hover); `None`: their index.
    pub label_by: Option<&'a str>,
    /// Per-point thumbnails, shown on hover.
    pub thumbnails: Option<&'a Sprite>,
    /// The k nearest neighbours of every point in the original space, shown on click.
    pub neighbors: Option<Neighbors<'a>>,
}

/// One map of the points.
#[derive(Debug, Clone)]
pub struct PageMap<'a> {
    /// Its name, e.g. "t-SNE 2-D".
    pub name: String,
    /// `N x 2` or `N x 3` coordinates.
    pub coords: ArrayView2<'a, f32>,
    /// A line shown under the map, e.g. "KL 1.78".
    pub caption: String,
}

/// The k-NN graph of the original vectors.
#[derive(Debug, Clone, Copy)]
pub struct Neighbors<'a> {
    /// Neighbours per point.
    pub k: usize,
    /// `N x k` row-major neighbour indices, nearest first.
    pub indices: &'a [u32],
    /// `N x k` row-major distances (not squared) matching `indices`.
    pub distances: &'a [f32],
    /// How they were found, shown with them (e.g. [`KnnGraph::description`]).
    ///
    /// [`KnnGraph::description`]: crate::reduce::knn::KnnGraph::description
    pub search: &'a str,
}

/// The data embedded in the page, as the viewer reads it.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    title: &'a str,
    subtitle: &'a str,
    n: usize,
    maps: Vec<MapData<'a>>,
    columns: Vec<ColumnData<'a>>,
    /// The colouring without a column.
    single: ColouringData,
    /// Index into `columns` of the initial colouring.
    colour_by: Option<usize>,
    /// Index into `columns` of the points' names.
    label_by: Option<usize>,
    thumbnails: Option<ThumbnailData>,
    neighbors: Option<NeighborData<'a>>,
}

#[derive(Debug, Serialize)]
struct MapData<'a> {
    name: &'a str,
    caption: &'a str,
    dims: usize,
    /// Base64 little-endian float32, `N x dims` row-major.
    coords: String,
}

#[derive(Debug, Serialize)]
struct ColumnData<'a> {
    name: &'a str,
    kind: &'static str,
    /// Each value as the user would write it; `null` when missing.
    values: Vec<Option<String>>,
    colouring: ColouringData,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ColouringData {
    Single {
        colour: String,
    },
    Categorical {
        classes: Vec<ClassData>,
        /// Base64 little-endian uint16: each point's entry in `classes`.
        of_point: String,
    },
    Continuous {
        min: f64,
        max: f64,
        missing: usize,
        /// Base64 RGB bytes, 3 per point.
        rgb: String,
        /// Colours from `min` to `max` for the colour bar.
        bar: Vec<String>,
        /// The colour of missing values.
        missing_colour: String,
    },
}

#[derive(Debug, Serialize)]
struct ClassData {
    name: String,
    count: usize,
    colour: String,
    kind: &'static str,
}

#[derive(Debug, Serialize)]
struct ThumbnailData {
    /// Thumbnail width and height in the sprite.
    width: usize,
    height: usize,
    /// Thumbnails per row of the sprite (row-major from the top left).
    per_side: usize,
    /// Base64 PNG: dark ink on white.
    png: String,
}

#[derive(Debug, Serialize)]
struct NeighborData<'a> {
    k: usize,
    /// How they were found.
    search: &'a str,
    /// Base64 little-endian uint32, `N x k`.
    indices: String,
    /// Base64 little-endian float32, `N x k`.
    distances: String,
}

/// Writes the page at `path` atomically and returns `path`. Errors name the input at fault (a
/// map, `colour_by`, `thumbnails`, `neighbors`) or the file.
///
/// ```
/// use embedscope::data::metadata::Metadata;
/// use embedscope::export::html::{colourings, write_page, PageMap, PageSpec};
/// use embedscope::progress::NoProgress;
///
/// let metadata = Metadata::from_labels(&[0, 1, 1, 0]);
/// let map = ndarray::array![[0.0f32, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
/// let spec = PageSpec {
///     title: "four points".into(),
///     subtitle: String::new(),
///     maps: vec![PageMap { name: "map".into(), coords: map.view(), caption: String::new() }],
///     metadata: &metadata,
///     colourings: &colourings(&metadata),
///     colour_by: Some("label"),
///     label_by: None,
///     thumbnails: None,
///     neighbors: None,
/// };
/// let dir = tempfile::tempdir()?;
/// let page = write_page(&spec, &dir.path().join("index.html"), &mut NoProgress)?;
/// let html = std::fs::read_to_string(page)?;
/// assert!(html.starts_with("<!DOCTYPE html>") && html.contains("four points"));
///
/// // A map of the wrong number of points is refused, naming it; nothing is written.
/// let three = map.slice(ndarray::s![..3, ..]);
/// let bad = PageSpec { maps: vec![PageMap { name: "short".into(), coords: three, caption: String::new() }], ..spec };
/// let err = write_page(&bad, &dir.path().join("bad.html"), &mut NoProgress).unwrap_err();
/// assert_eq!(err.to_string(), "map 'short': 3 points, but the metadata has 4");
/// assert!(!dir.path().join("bad.html").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_page(
    spec: &PageSpec<'_>,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<PathBuf, ExportError> {
    let page = render_page(spec, progress)?;
    progress.begin("writing the page", 0);
    let written = write_atomic(path, |w| w.write_all(page.as_bytes()));
    progress.end();
    written.map_err(|e| ExportError::io(path, e))?;
    Ok(path.to_path_buf())
}

/// The whole page as text.
fn render_page(spec: &PageSpec<'_>, progress: &mut dyn Progress) -> Result<String, ExportError> {
    let payload = payload(spec, progress)?;
    let json = serde_json::to_string(&payload)
        .map_err(|e| ExportError::invalid("page data", e.to_string()))?;
    Ok(fill(
        TEMPLATE,
        &[
            ("TITLE", &escape_html(&spec.title)),
            ("STYLE", STYLE),
            ("SCRIPT", SCRIPT),
            ("DATA", &escape_script_json(&json)),
        ],
    ))
}

/// Checks the spec and gathers everything the page embeds.
fn payload<'a>(
    spec: &'a PageSpec<'_>,
    progress: &mut dyn Progress,
) -> Result<Payload<'a>, ExportError> {
    let n = spec.metadata.len();
    check(spec)?;
    progress.begin("page data", spec.metadata.columns().len() as u64);
    let mut columns = Vec::new();
    for (k, column) in spec.metadata.columns().iter().enumerate() {
        columns.push(ColumnData {
            name: &column.name,
            kind: match column.values {
                Values::Text(_) => "text",
                Values::Integer(_) => "integer",
                Values::Float(_) => "float",
            },
            values: (0..n).map(|i| column.values.display(i)).collect(),
            colouring: colouring_data(&spec.colourings[k], n),
        });
        progress.update(k as u64 + 1, Some(&column.name));
    }
    progress.end();
    let column_index = |what: &str, name: Option<&str>| -> Result<Option<usize>, ExportError> {
        let Some(name) = name else { return Ok(None) };
        spec.metadata
            .column(name)
            .map_err(|e| ExportError::invalid(what, e.to_string()))?;
        Ok(spec.metadata.columns().iter().position(|c| c.name == name))
    };
    let colour_by = column_index("colour_by", spec.colour_by)?;
    let label_by = column_index("label_by", spec.label_by)?;
    let maps = spec
        .maps
        .iter()
        .map(|m| MapData {
            name: &m.name,
            caption: &m.caption,
            dims: m.coords.ncols(),
            coords: base64_f32(m.coords.iter().copied()),
        })
        .collect();
    let thumbnails = spec.thumbnails.map(sprite_data);
    let neighbors = spec.neighbors.map(|g| NeighborData {
        k: g.k,
        search: g.search,
        indices: BASE64.encode(
            g.indices
                .iter()
                .flat_map(|i| i.to_le_bytes())
                .collect::<Vec<_>>(),
        ),
        distances: base64_f32(g.distances.iter().copied()),
    });
    Ok(Payload {
        title: &spec.title,
        subtitle: &spec.subtitle,
        n,
        maps,
        columns,
        single: colouring_data(&Colouring::Single, n),
        colour_by,
        label_by,
        thumbnails,
        neighbors,
    })
}

/// Checks that every input agrees with the metadata's number of points.
fn check(spec: &PageSpec<'_>) -> Result<(), ExportError> {
    let n = spec.metadata.len();
    if n == 0 {
        return Err(ExportError::invalid("metadata", "no points to show"));
    }
    if spec.maps.is_empty() {
        return Err(ExportError::invalid(
            "maps",
            "the page needs at least one map",
        ));
    }
    for (k, m) in spec.maps.iter().enumerate() {
        check_map(m, &spec.maps[..k], n)?;
    }
    if let Some(count) = spec.thumbnails.map(Sprite::points).filter(|&c| c != n) {
        return Err(ExportError::invalid(
            "thumbnails",
            format!("{count} images for {n} points; the counts must match"),
        ));
    }
    if spec.colourings.len() != spec.metadata.columns().len() {
        return Err(ExportError::invalid(
            "colourings",
            format!(
                "{} colourings for {} metadata columns",
                spec.colourings.len(),
                spec.metadata.columns().len()
            ),
        ));
    }
    match &spec.neighbors {
        Some(g) => check_neighbors(g, n),
        None => Ok(()),
    }
}

/// Checks map `m`, shown after `earlier`: a name of its own, and `n` finite points in 2 or 3
/// columns.
fn check_map(m: &PageMap<'_>, earlier: &[PageMap<'_>], n: usize) -> Result<(), ExportError> {
    let what = format!("map '{}'", m.name);
    if earlier.iter().any(|o| o.name == m.name) {
        return Err(ExportError::invalid(what, "the name is used twice"));
    }
    if m.coords.nrows() != n {
        return Err(ExportError::invalid(
            what,
            format!("{} points, but the metadata has {n}", m.coords.nrows()),
        ));
    }
    if !matches!(m.coords.ncols(), 2 | 3) {
        return Err(ExportError::invalid(
            what,
            format!("{} columns; a map has 2 or 3", m.coords.ncols()),
        ));
    }
    if let Some((i, v)) = m.coords.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ExportError::invalid(
            what,
            format!(
                "point {} has a non-finite coordinate ({v})",
                i / m.coords.ncols()
            ),
        ));
    }
    Ok(())
}

/// Checks the neighbour lists `g` of `n` points: `k` of each, indices below `n`, finite
/// distances `>= 0`.
fn check_neighbors(g: &Neighbors<'_>, n: usize) -> Result<(), ExportError> {
    let (k, expected) = (g.k, n * g.k);
    if k == 0 || g.indices.len() != expected || g.distances.len() != expected {
        let (indices, distances) = (g.indices.len(), g.distances.len());
        return Err(ExportError::invalid(
            "neighbors",
            format!(
                "{indices} indices and {distances} distances for {n} points with k = {k}; \
                 expected {expected} of each"
            ),
        ));
    }
    if let Some((at, &j)) = g.indices.iter().enumerate().find(|(_, &j)| j as usize >= n) {
        return Err(ExportError::invalid(
            "neighbors",
            format!(
                "point {} lists neighbour {j}, beyond the {n} points",
                at / g.k
            ),
        ));
    }
    if let Some((at, d)) = g
        .distances
        .iter()
        .enumerate()
        .find(|(_, d)| !d.is_finite() || **d < 0.0)
    {
        return Err(ExportError::invalid(
            "neighbors",
            format!(
                "point {} has distance {d}; distances are finite and >= 0",
                at / g.k
            ),
        ));
    }
    Ok(())
}

/// The sprite atlas of the thumbnails, as the projector lays it out.
fn sprite_data(sprite: &Sprite) -> ThumbnailData {
    let layout = sprite.layout();
    ThumbnailData {
        width: layout.thumb_width,
        height: layout.thumb_height,
        per_side: layout.per_side,
        png: BASE64.encode(sprite.png()),
    }
}

/// Each column's colouring, as the pictures colour by it: what [`PageSpec::colourings`] holds.
pub fn colourings(metadata: &Metadata) -> Vec<Colouring> {
    metadata
        .columns()
        .iter()
        .map(|c| Colouring::from_column(Some(c)))
        .collect()
}

/// A [`Colouring`] as the page reads it.
fn colouring_data(colouring: &Colouring, n: usize) -> ColouringData {
    match colouring {
        Colouring::Single => ColouringData::Single {
            colour: hex(SINGLE),
        },
        Colouring::Categorical(c) => ColouringData::Categorical {
            classes: c
                .classes
                .iter()
                .map(|class| ClassData {
                    name: class.name.clone(),
                    count: class.count,
                    colour: hex(class.colour),
                    kind: match class.kind {
                        ClassKind::Value => "value",
                        ClassKind::Other { .. } => "other",
                        ClassKind::Missing => "missing",
                    },
                })
                .collect(),
            of_point: BASE64.encode(
                c.of_point
                    .iter()
                    .flat_map(|k| k.to_le_bytes())
                    .collect::<Vec<_>>(),
            ),
        },
        Colouring::Continuous(s) => ColouringData::Continuous {
            min: s.min,
            max: s.max,
            missing: s.values.iter().filter(|v| v.is_nan()).count(),
            rgb: BASE64.encode((0..n).flat_map(|i| colouring.colour(i)).collect::<Vec<_>>()),
            bar: (0..BAR_STEPS)
                .map(|k| {
                    let t = k as f64 / (BAR_STEPS - 1) as f64;
                    hex(s.colour(s.min + t * (s.max - s.min)))
                })
                .collect(),
            missing_colour: hex(s.colour(f64::NAN)),
        },
    }
}

/// Base64 of little-endian float32 values.
fn base64_f32(values: impl Iterator<Item = f32>) -> String {
    BASE64.encode(values.flat_map(f32::to_le_bytes).collect::<Vec<_>>())
}

/// `#rrggbb`.
fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// Text safe inside HTML elements and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside a `<script>` element: `<`, `>` and `&` can only occur inside JSON strings,
/// where `\u003c`, `\u003e` and `\u0026` mean the same, so nothing can end the element.
fn escape_script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// `template` with each `{{KEY}}` replaced by its value, in one pass: values are never scanned
/// for keys. Unknown keys are left as they are.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| {
            values
                .iter()
                .find(|(k, _)| *k == &after[..end])
                .map(|v| (end, v.1))
        }) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
