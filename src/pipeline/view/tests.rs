//! Reruns of the view: a second run reuses every stage and leaves every output as it was;
//! changing one setting recomputes exactly the stages that depend on it; damaged or foreign
//! records are recomputed, never errors; a wide input's pre-reduction is reported on reruns.

use std::fs;
use std::path::Path;

use ndarray::Array2;

use super::*;
use crate::data::metadata::{Column, Values};
use crate::progress::NoProgress;
use crate::reduce::tsne::TsneParams;

/// Every stage that can be reused, in order.
const CACHED: [&str; 10] = [
    "principal components",
    "neighbours",
    "t-SNE 2-D",
    "t-SNE 3-D",
    "PCA",
    "pictures",
    "TensorBoard logs",
    "10-NN accuracy",
    "page",
    "map directory",
];

/// 90 points in 3 separated groups of `d` columns, with a categorical and a numeric column.
fn data(d: usize) -> (Array2<f32>, Metadata) {
    let n = 90;
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        let centre = if j % 3 == i % 3 { 6.0 } else { 0.0 };
        centre + ((i * 7 + j * 13) % 17) as f32 / 10.0
    });
    let kinds = ["a", "b", "c"];
    let metadata = Metadata::new(
        n,
        vec![
            Column {
                name: "kind".into(),
                values: Values::Text((0..n).map(|i| Some(kinds[i % 3].into())).collect()),
            },
            Column {
                name: "size".into(),
                values: Values::Float((0..n).map(|i| Some(i as f64 * 0.5)).collect()),
            },
        ],
    )
    .unwrap();
    (x, metadata)
}

fn settings(out: &Path) -> Settings {
    Settings {
        out: out.to_path_buf(),
        force: false,
        tsne: TsneParams {
            perplexity: 8.0,
            iterations: 260,
            ..TsneParams::default()
        },
        gif_every: 20,
        colour_by: None,
        label_by: None,
        pca_dims: 50,
        maps: None,
        names: Names::for_stem("groups"),
        input_scalars: Vec::new(),
        standardized: None,
    }
}

fn view(x: &Array2<f32>, metadata: &Metadata, settings: &Settings) -> ViewReport {
    let input = Input {
        name: "groups".into(),
        source: "test".into(),
        vectors: x.view(),
        metadata,
        images: None,
    };
    run(&input, settings, &mut NoProgress).unwrap()
}

/// The stages of `r` that were recomputed.
fn recomputed(r: &ViewReport) -> Vec<&'static str> {
    CACHED
        .into_iter()
        .filter(|s| !r.reused.iter().any(|u| u == s))
        .collect()
}

/// Every file of the report, with its bytes.
fn contents(out: &Path, r: &ViewReport) -> Vec<(String, Vec<u8>)> {
    r.files
        .iter()
        .filter(|f| *f != REPORT_FILE && !f.starts_with("logs/"))
        .map(|f| (f.clone(), fs::read(out.join(f)).unwrap()))
        .collect()
}

#[test]
fn a_rerun_reuses_every_stage_and_a_change_redoes_exactly_its_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("view");
    let (x, metadata) = data(8);
    let base = settings(&out);
    let first = view(&x, &metadata, &base);
    assert_eq!(recomputed(&first), CACHED.to_vec());
    assert!(first.knn10_accuracy.is_some());
    let before = contents(&out, &first);

    let again = view(&x, &metadata, &base);
    assert_eq!(again.reused, CACHED.to_vec());
    assert_eq!(contents(&out, &again), before, "a rerun rewrites nothing");
    assert_eq!(again.files, first.files);
    assert_eq!(again.tsne_2d, first.tsne_2d);
    assert_eq!(again.knn10_accuracy, first.knn10_accuracy);

    // Colours: the 2-D map's GIF, the pictures, the accuracy (of the new column: none, it is
    // numeric) and the page; the map is recomputed bit for bit the same.
    let by_size = Settings {
        colour_by: Some("size".into()),
        ..base.clone()
    };
    let r = view(&x, &metadata, &by_size);
    assert_eq!(
        recomputed(&r),
        [
            "principal components",
            "neighbours",
            "t-SNE 2-D",
            "pictures",
            "10-NN accuracy",
            "page"
        ]
    );
    assert!(r.knn10_accuracy.is_none());
    assert_eq!(contents(&out, &r)[0], before[0], "tsne_2d.npy");

    // GIF frames: only the 2-D map's stage (and what it reads).
    let frames = Settings {
        gif_every: 10,
        ..by_size.clone()
    };
    let r = view(&x, &metadata, &frames);
    assert_eq!(
        recomputed(&r),
        ["principal components", "neighbours", "t-SNE 2-D"]
    );

    // Perplexity: both maps and everything that shows them or the graph; not the PCA map.
    let perplexity = Settings {
        tsne: TsneParams {
            perplexity: 6.0,
            ..frames.tsne
        },
        ..frames.clone()
    };
    let r = view(&x, &metadata, &perplexity);
    assert_eq!(r.reused, ["PCA"]);

    // --force redoes everything.
    let force = Settings {
        force: true,
        ..perplexity.clone()
    };
    assert!(view(&x, &metadata, &force).reused.is_empty());
}

#[test]
fn damaged_records_are_recomputed_and_a_wide_input_keeps_its_pre_reduction() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("view");
    let (x, metadata) = data(40);
    let wide = Settings {
        pca_dims: 4,
        ..settings(&out)
    };
    let first = view(&x, &metadata, &wide);
    let map3 = fs::read(out.join(OutputDir::tsne_npy(3))).unwrap();
    let reduced = first.pre_reduction.clone().expect("40 > 2 x 4 columns");
    assert_eq!((reduced.from_dims, reduced.to_dims), (40, 4));
    assert!(first
        .notes
        .iter()
        .any(|n| n.contains("reduced to 4 by PCA")));
    assert_eq!(first.tsne_2d.as_ref().unwrap().input_dims, 4);

    let again = view(&x, &metadata, &wide);
    assert_eq!(again.reused, CACHED.to_vec());
    assert_eq!(again.pre_reduction, first.pre_reduction);
    assert_eq!(again.notes, first.notes);

    // A damaged record, one of another version's shape and a missing output: those stages
    // (and only those) are redone, without an error.
    fs::write(out.join(OutputDir::stage_record("page")), b"{ not json").unwrap();
    fs::write(
        out.join(OutputDir::tsne_json(3)),
        br#"{"fingerprint": "0123456789abcdef"}"#,
    )
    .unwrap();
    fs::remove_file(out.join("pca.svg")).unwrap();
    let r = view(&x, &metadata, &wide);
    assert_eq!(
        recomputed(&r),
        [
            "principal components",
            "neighbours",
            "t-SNE 3-D",
            "pictures",
            "page"
        ]
    );
    let kl3 = |r: &ViewReport| r.tsne_3d.as_ref().map(|t| t.kl_divergence);
    assert_eq!(kl3(&r), kl3(&first));
    assert_eq!(fs::read(out.join(OutputDir::tsne_npy(3))).unwrap(), map3);
}

#[test]
fn the_chosen_maps_alone_are_computed_drawn_exported_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("view");
    let (x, metadata) = data(8);
    let chosen = Settings {
        maps: Some("umap2,pca".parse().unwrap()),
        ..settings(&out)
    };
    let r = view(&x, &metadata, &chosen);
    assert_eq!(r.maps, ["pca", "umap2"]);
    assert!(r.tsne_2d.is_none() && r.tsne_3d.is_none());
    assert!(r.pca.is_some());
    let umap = r.umap_2d.as_ref().expect("the UMAP report");
    assert_eq!(umap.output, "umap_2d.npy");
    let stages: Vec<&str> = r.seconds.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        stages,
        [
            "prepare",
            "principal components",
            "neighbours",
            "PCA",
            "UMAP 2-D",
            "pictures",
            "TensorBoard logs",
            "10-NN accuracy",
            "page"
        ],
        "no t-SNE and no map directory without a t-SNE map"
    );
    for file in [
        "umap.png",
        "umap.svg",
        "pca.png",
        "umap_2d.npy",
        "index.html",
    ] {
        assert!(r.files.iter().any(|f| f == file), "{file} in {:?}", r.files);
        assert!(out.join(file).exists(), "{file}");
    }
    for file in ["tsne.png", "tsne_2d.npy", "tsne_3d.npy", "map.json"] {
        assert!(!out.join(file).exists(), "{file} was written");
    }
    let knn = r.knn10_accuracy.as_ref().unwrap();
    assert!(knn.tsne_2d.is_none());
    assert!(knn.umap_2d.unwrap() > 0.9, "{knn:?}");
    let page = fs::read_to_string(out.join(PAGE_FILE)).unwrap();
    assert!(page.contains("UMAP, 15 neighbours"));
    let projector = fs::read_to_string(out.join("logs/reductions/projector_config.pbtxt")).unwrap();
    assert!(projector.contains("umap/2d") && !projector.contains("tsne/2d"));

    // A rerun with the default maps keeps the PCA map and computes the t-SNE ones.
    let r = view(&x, &metadata, &settings(&out));
    assert_eq!(r.maps, ["tsne2", "tsne3", "pca"]);
    assert!(r.reused.iter().any(|s| s == "PCA"));
    assert!(r.umap_2d.is_none() && out.join("map.json").exists());
}
