//! The view's pictures: stills (PNG, SVG) of the 2-D t-SNE and PC1-PC2, the turning GIFs of
//! the 3-D maps, and the images at their t-SNE positions when there are images.

use super::maps::{MapPrints, Maps};
use super::output::OutputDir;
use super::prepare::{colouring_fingerprint, Prepared};
use super::stage::Recorded;
use super::title;
use crate::progress::Progress;
use crate::render::animation::{rotation_gif, GifOptions, RotationOptions};
use crate::render::colouring::point_names;
use crate::render::digits::{digit_map, DigitMapOptions};
use crate::render::scatter::{plot, PlotStyle};

/// The stills, by stem.
const STILLS: [&str; 2] = ["tsne", "pca"];

/// The stills' stems: `tsne` and `pca` in the default colour column's colours, else
/// `tsne_<column>` and `pca_<column>` (another `--color-by` keeps the default pictures).
fn still_stems(prepared: &Prepared<'_, '_>) -> [String; 2] {
    STILLS.map(|stem| match prepared.colour_column() {
        Some(column) if !prepared.colour_is_default => {
            let name = &column.name;
            let safe: String = name
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
    })
}

/// The pictures' stage: the pictures of maps made as `maps` says, coloured as `prepared` says.
pub(super) fn stage(
    prepared: &Prepared<'_, '_>,
    out: &OutputDir,
    maps: &MapPrints,
) -> Recorded<()> {
    let names = out.names();
    let pca_dims = 3.min(prepared.input.vectors.ncols());
    let mut files = Vec::new();
    let [tsne, pca] = still_stems(prepared);
    for ext in ["png", "svg"] {
        files.push(format!("{tsne}.{ext}"));
        if pca_dims >= 2 {
            files.push(format!("{pca}.{ext}"));
        }
    }
    if pca_dims == 3 {
        files.push(names.pca_gif.clone());
    }
    files.push(names.tsne3_gif.clone());
    if prepared.input.images.is_some() {
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

/// Draws the stills, turning GIFs and the image map.
pub(super) fn draw(
    prepared: &Prepared<'_, '_>,
    maps: &Maps,
    out: &OutputDir,
    progress: &mut dyn Progress,
) -> crate::pipeline::Result<()> {
    let Maps { tsne2, tsne3, pca3 } = maps;
    let colouring = prepared.colouring();
    let colouring = &*colouring;
    let input = prepared.input;
    let names = out.names();
    let pca_caption = format!("PCA, {}", pca3.report.summary);
    // Few points are named on the stills, more get their classes' names.
    let point_names = prepared.label_column().map(point_names);
    let tsne_style = PlotStyle {
        title: title("t-SNE", input, colouring),
        subtitle: tsne2.report.caption(),
        names: point_names.clone(),
        class_labels: true,
        ..PlotStyle::default()
    };
    // The still draws two components: say so, beside what the three of the GIF explain.
    let drawn: f64 = pca3.report.explained_variance_ratio.iter().take(2).sum();
    let pca_style = PlotStyle {
        title: title("PCA", input, colouring),
        subtitle: format!(
            "PCA, PC1 and PC2 drawn ({:.1}% of the variance); {}",
            100.0 * drawn,
            pca3.report.summary
        ),
        axis_names: ("PC1".into(), "PC2".into()),
        names: point_names,
        class_labels: true,
        ..PlotStyle::default()
    };
    let [tsne_stem, pca_stem] = still_stems(prepared);
    let stills = [
        (tsne_stem, tsne2.coords.view(), &tsne_style),
        (pca_stem, pca3.coords.view(), &pca_style),
    ];
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
    if pca3.coords.ncols() == 3 {
        rotation_gif(
            pca3.coords.view(),
            colouring,
            &rotation("PCA", pca_caption, ["PC1", "PC2", "PC3"]),
            &out.path(&names.pca_gif),
            progress,
        )?;
    }
    rotation_gif(
        tsne3.coords.view(),
        colouring,
        // t-SNE's axes mean nothing: lines to turn by, no names over the points.
        &rotation("t-SNE 3-D", tsne3.report.caption(), ["", "", ""]),
        &out.path(&names.tsne3_gif),
        progress,
    )?;
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
            &out.path(&names.image_map),
        )?;
    }
    Ok(())
}
