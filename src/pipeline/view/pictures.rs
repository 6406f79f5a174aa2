//! The view's pictures: stills (PNG, SVG) of the 2-D t-SNE, PC1-PC2 and the 2-D UMAP, the
//! turning GIFs of the 3-D maps, and the images at their t-SNE positions when there are images
//! (each when the view computed its map).

use super::maps::{MapPrints, Maps};
use super::output::OutputDir;
use super::prepare::{colouring_fingerprint, Prepared};
use super::stage::Recorded;
use super::title;
use super::ViewMap;
use crate::progress::Progress;
use crate::render::animation::{rotation_gif, GifOptions, RotationOptions};
use crate::render::colouring::point_names;
use crate::render::digits::{digit_map, DigitMapOptions};
use crate::render::scatter::{plot, PlotStyle};

/// The stills' maps, by stem.
const STILLS: [(&str, ViewMap); 3] = [
    ("tsne", ViewMap::Tsne2),
    ("pca", ViewMap::Pca),
    ("umap", ViewMap::Umap2),
];

/// The stills' stems (those of the maps in `drawn`): `tsne`, `pca` and `umap` in the default
/// colour column's colours, else `tsne_<column>`, ... (another `--color-by` keeps the default
/// pictures).
fn still_stems(
    prepared: &Prepared<'_, '_>,
    drawn: impl Fn(ViewMap) -> bool,
) -> Vec<(String, ViewMap)> {
    STILLS
        .iter()
        .filter(|(_, map)| drawn(*map))
        .map(|&(stem, map)| {
            let stem = match prepared.colour_column() {
                Some(column) if !prepared.colour_is_default => {
                    let safe: String = column
                        .name
                        .chars()
                        .map(|c| {
                            if c.is_alphanumeric() || c == '-' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    format!("{stem}_{safe}")
                }
                _ => stem.to_string(),
            };
            (stem, map)
        })
        .collect()
}

/// The pictures' stage: the pictures of maps made as `maps` says, coloured as `prepared` says.
pub(super) fn stage(
    prepared: &Prepared<'_, '_>,
    out: &OutputDir,
    maps: &MapPrints,
) -> Recorded<()> {
    let names = out.names();
    let pca_dims = maps
        .pca3
        .map_or(0, |_| 3.min(prepared.input.vectors.ncols()));
    let stems = still_stems(prepared, |map| match map {
        ViewMap::Tsne2 => maps.tsne2.is_some(),
        ViewMap::Pca => pca_dims >= 2,
        ViewMap::Umap2 => maps.umap2.is_some(),
        ViewMap::Tsne3 => false,
    });
    let mut files = Vec::new();
    for ext in ["png", "svg"] {
        files.extend(stems.iter().map(|(stem, _)| format!("{stem}.{ext}")));
    }
    if pca_dims == 3 {
        files.push(names.pca_gif.clone());
    }
    if maps.tsne3.is_some() {
        files.push(names.tsne3_gif.clone());
    }
    if prepared.input.images.is_some() && maps.tsne2.is_some() {
        files.push(names.image_map.clone());
    }
    let fp = colouring_fingerprint(
        maps.mix(prepared.points_fp)
            .field("name", &prepared.input.name)
            .field("files", files.join("\t")),
        &prepared.colouring(),
    );
    Recorded::new(out, ("pictures", "pictures"), files, fp)
}

/// Draws the stills, turning GIFs and the image map of the maps the view computed.
pub(super) fn draw(
    prepared: &Prepared<'_, '_>,
    maps: &Maps,
    out: &OutputDir,
    progress: &mut dyn Progress,
) -> crate::pipeline::Result<()> {
    let colouring = prepared.colouring();
    let colouring = &*colouring;
    let input = prepared.input;
    let names = out.names();
    // Few points are named on the stills, more get their classes' names.
    let point_names = prepared.label_column().map(point_names);
    let style = |method: &str, subtitle: String| PlotStyle {
        title: title(method, input, colouring),
        subtitle,
        names: point_names.clone(),
        class_labels: true,
        ..PlotStyle::default()
    };
    let mut stills = Vec::new();
    for (stem, map) in still_stems(prepared, |_| true) {
        let still = match map {
            ViewMap::Tsne2 => maps
                .tsne2
                .as_ref()
                .map(|m| (m.coords.view(), style("t-SNE", m.report.caption()))),
            ViewMap::Pca => maps.pca3.as_ref().map(|m| {
                // The still draws two components: say so, beside what the three of the GIF
                // explain.
                let drawn: f64 = m.report.explained_variance_ratio.iter().take(2).sum();
                let subtitle = format!(
                    "PCA, PC1 and PC2 drawn ({:.1}% of the variance); {}",
                    100.0 * drawn,
                    m.report.summary
                );
                let style = PlotStyle {
                    axis_names: ("PC1".into(), "PC2".into()),
                    ..style("PCA", subtitle)
                };
                (m.coords.view(), style)
            }),
            ViewMap::Umap2 => maps
                .umap2
                .as_ref()
                .map(|m| (m.coords.view(), style("UMAP", m.report.caption()))),
            ViewMap::Tsne3 => None,
        };
        stills.extend(still.map(|(coords, style)| (stem, coords, style)));
    }
    for ext in ["png", "svg"] {
        for (stem, coords, style) in &stills {
            if coords.ncols() < 2 {
                continue;
            }
            let file = format!("{stem}.{ext}");
            progress.note(&format!("      {file}"));
            plot(coords.view(), colouring, style, &out.path(&file))?;
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
    if let Some(pca3) = maps.pca3.as_ref().filter(|m| m.coords.ncols() == 3) {
        rotation_gif(
            pca3.coords.view(),
            colouring,
            &rotation(
                "PCA",
                format!("PCA, {}", pca3.report.summary),
                ["PC1", "PC2", "PC3"],
            ),
            &out.path(&names.pca_gif),
            progress,
        )?;
    }
    if let Some(tsne3) = &maps.tsne3 {
        rotation_gif(
            tsne3.coords.view(),
            colouring,
            // t-SNE's axes mean nothing: lines to turn by, no names over the points.
            &rotation("t-SNE 3-D", tsne3.report.caption(), ["", "", ""]),
            &out.path(&names.tsne3_gif),
            progress,
        )?;
    }
    if let (Some(images), Some(tsne2)) = (&input.images, &maps.tsne2) {
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
            &out.path(&names.image_map),
        )?;
    }
    Ok(())
}
