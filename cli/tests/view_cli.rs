//! CLI tests of `embedscope view` on users' files: word vectors with a metadata table of text
//! and float columns, a small input whose perplexity is lowered, pictures as a directory of
//! image files or as a ready-made sprite, and inputs that must be refused (NaN, too few points,
//! a sprite of the wrong grid). Each case runs in its own temporary directory.

use std::fs;
use std::path::Path;

mod common;

use common::{embedscope, s};

/// 60 word vectors in three clusters (GloVe text format), and a metadata table with a text
/// column `pos` and a float column `freq` with missing values.
fn words(dir: &Path) -> (String, String) {
    let mut vectors = String::new();
    let mut meta = String::from("pos\tfreq\n");
    let kinds = ["noun", "verb", "adj"];
    for i in 0..60 {
        let k = i % 3;
        let coords: Vec<String> = (0..8)
            .map(|j| {
                let centre = if j == k { 5.0 } else { 0.0 };
                format!("{:.3}", centre + ((i * 7 + j * 13) % 11) as f64 / 10.0)
            })
            .collect();
        vectors.push_str(&format!("w{i}-{} {}\n", kinds[k], coords.join(" ")));
        let freq = if i % 10 == 0 {
            String::new()
        } else {
            format!("{}", i as f64 * 1.5)
        };
        meta.push_str(&format!("{}\t{freq}\n", kinds[k]));
    }
    let v = dir.join("words-8d.txt");
    let m = dir.join("words-meta.tsv");
    fs::write(&v, vectors).unwrap();
    fs::write(&m, meta).unwrap();
    (s(&v).to_string(), s(&m).to_string())
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

#[test]
fn word_vectors_with_metadata_give_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let (v, m) = words(dir.path());
    let out = dir.path().join("view");
    // A view of the words coloured by `column` (`""`: the default column); its report.
    let view = |column: &str| {
        let mut args = vec!["view", &v, "--metadata", &m, "--out", s(&out)];
        args.extend(["--iterations", "300", "--perplexity", "5"]);
        if !column.is_empty() {
            args.extend(["--color-by", column]);
        }
        let o = embedscope(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        json(&out.join("report.json"))
    };
    let report = view("pos");
    for f in report["files"].as_array().unwrap() {
        assert!(out.join(f.as_str().unwrap()).exists(), "{f} missing");
    }
    assert_eq!(
        report["metadata_columns"],
        serde_json::json!(["word", "pos", "freq"])
    );
    assert_eq!(report["colour_by"], "pos");
    let knn = &report["knn10_accuracy"];
    assert_eq!(knn["column"], "pos");
    assert!(knn["input"].as_f64().unwrap() > 0.9, "{knn}");
    // The legend names the classes with their counts; the title names input and column.
    let svg = fs::read_to_string(out.join("tsne.svg")).unwrap();
    for class in ["adj (20)", "noun (20)", "verb (20)"] {
        assert!(svg.contains(class), "{class} missing from the legend");
    }
    assert!(svg.contains("t-SNE of words-8d, coloured by pos"));
    // Every metadata column reaches the projector, with a header row.
    let tsv = fs::read_to_string(out.join("logs/reductions/metadata.tsv")).unwrap();
    let mut lines = tsv.lines();
    assert_eq!(lines.next(), Some("word\tpos\tfreq"));
    assert_eq!(lines.next(), Some("w0-noun\tnoun\t"));
    assert!(!out.join("logs/reductions/sprite.png").exists());
    // A float column colours with a scale: the rerun reuses the 3-D map, the logs and the map
    // directory (which show no colours) but not the 2-D map, whose GIF shows them.
    let before = fs::read(out.join("tsne.png")).unwrap();
    let report = view("freq");
    assert_eq!(
        report["reused"],
        serde_json::json!(["t-SNE 3-D", "PCA", "TensorBoard logs", "map directory"])
    );
    assert!(report["knn10_accuracy"].is_null());
    // Another colour column gets stills of its own; the default column's stay as they were.
    for f in [
        "tsne_freq.png",
        "tsne_freq.svg",
        "pca_freq.png",
        "pca_freq.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert_eq!(fs::read(out.join("tsne.png")).unwrap(), before);
    // Unique words make no colour column by default and no 10-NN accuracy when asked for:
    // the default is the part of speech.
    let report = view("word");
    assert_eq!(report["colour_by"], "word");
    assert!(
        report["knn10_accuracy"].is_null(),
        "{}",
        report["knn10_accuracy"]
    );
    let report = view("");
    assert_eq!(report["colour_by"], "pos");
    assert_eq!(report["knn10_accuracy"]["column"], "pos");
    // The page names the points by their word (column 0).
    let page = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("\"label_by\":0"), "the words name the points");
}

#[test]
fn small_inputs_lower_the_perplexity_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = d.join("small.csv");
    let rows: Vec<String> = (0..10)
        .map(|i| format!("{},{},{}", i % 3, (i * 7) % 5, i))
        .collect();
    fs::write(&small, format!("a,b,c\n{}\n", rows.join("\n"))).unwrap();
    let out = d.join("small-view");
    let o = embedscope(&["view", s(&small), "--out", s(&out), "--iterations", "100"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("perplexity 25 is too large for 10 points"),
        "{err}"
    );
    let report = json(&out.join("report.json"));
    assert_eq!(report["tsne_2d"]["parameters"]["perplexity"], 3.0);
    assert!(report["colour_by"].is_null());

    let nan = d.join("nan.tsv");
    fs::write(&nan, "1\t2\n3\tnan\n5\t6\n7\t8\n9\t1\n").unwrap();
    let out = d.join("nan-view");
    let o = embedscope(&["view", s(&nan), "--out", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nan.tsv") && err.contains("line 2"), "{err}");
    assert!(!out.exists(), "nothing is written for a refused input");

    let three = d.join("three.tsv");
    fs::write(&three, "1\t2\n3\t4\n5\t6\n").unwrap();
    let o = embedscope(&["view", s(&three), "--out", s(&d.join("three-view"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("3 point(s); at least 4 are needed"), "{err}");
}

/// Decodes a greyscale PNG: (width, height, grey levels).
fn grey_png(p: &Path) -> (u32, u32, Vec<u8>) {
    let img = image::open(p).unwrap().to_luma8();
    (img.width(), img.height(), img.into_raw())
}

#[test]
fn image_files_and_a_sprite_become_thumbnails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 12 points in three clusters, and one 8x6 picture per point whose grey level tells it.
    let table = d.join("points.csv");
    let rows: Vec<String> = (0..12)
        .map(|i| format!("{},{},{}", (i % 3) * 10, i % 2, i / 4))
        .collect();
    fs::write(&table, rows.join("\n")).unwrap();
    let pics = d.join("pics");
    fs::create_dir(&pics).unwrap();
    let grey = |i: u32| (20 * i + 5) as u8;
    for i in 0..12u32 {
        image::GrayImage::from_fn(8, 6, |x, y| {
            image::Luma([if x + y == 0 { 255 } else { grey(i) }])
        })
        .save(pics.join(format!("img{i:02}.png")))
        .unwrap();
    }
    let out = d.join("out");
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["view", s(&table), "--out", s(out), "--iterations", "100"];
        args.extend_from_slice(extra);
        embedscope(&args)
    };
    let o = run(&["--images", s(&pics)], &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The projector's sprite: ceil(sqrt(12)) = 4 cells a side, point i at row i / 4, column
    // i % 4, the pictures as they were.
    let sprite = out.join("logs/reductions/sprite.png");
    let (w, h, px) = grey_png(&sprite);
    assert_eq!((w, h), (32, 24));
    for i in 0..12u32 {
        let (top, left) = ((i / 4) * 6, (i % 4) * 8);
        assert_eq!(
            px[(top * w + left) as usize],
            255,
            "cell {i}'s marked corner"
        );
        assert_eq!(px[((top + 3) * w + left + 4) as usize], grey(i), "cell {i}");
    }
    let report = json(&out.join("report.json"));
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"images_tsne.png"), "{files:?}");

    // That sprite given back with --sprite gives the same sprite.
    let again = d.join("again");
    let o = run(&["--sprite", s(&sprite)], &again);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(grey_png(&again.join("logs/reductions/sprite.png")).2, px);

    // Refused: a sprite that is no 4x4 grid, a picture short, both flags.
    let wrong = d.join("wrong.png");
    image::GrayImage::new(30, 24).save(&wrong).unwrap();
    let bad = d.join("bad");
    let o = run(&["--sprite", s(&wrong)], &bad);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--sprite") && err.contains("wrong.png") && err.contains("30x24 px"),
        "{err}"
    );
    assert!(!bad.exists(), "nothing is written for a refused input");
    fs::remove_file(pics.join("img11.png")).unwrap();
    let o = run(&["--images", s(&pics)], &bad);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("11 image files") && err.contains("for 12 points"),
        "{err}"
    );
    let o = run(&["--images", s(&pics), "--sprite", s(&sprite)], &bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be used with"));
}

/// A table like the flower measurements that found the "KL NaN" bug: 150 rows of 4 columns,
/// 3 species, one far from the other two. `view` must finish with every output, finite KLs in
/// the report and the TensorBoard scalars written.
#[test]
fn a_table_with_a_far_class_gives_every_output_and_finite_kls() {
    let dir = tempfile::tempdir().unwrap();
    let mut table = String::from("a\tb\tc\td\n");
    let mut meta = String::new();
    for i in 0..150 {
        let species = i % 3;
        let offset = [0.0, 3.0, 60.0][species];
        let row: Vec<String> = (0..4)
            .map(|k| format!("{:.2}", offset + ((i * 7 + k * 5) % 13) as f64 * 0.1))
            .collect();
        table.push_str(&(row.join("\t") + "\n"));
        meta.push_str(&format!(
            "{}\n",
            ["setosa", "versicolor", "virginica"][species]
        ));
    }
    let (t, m) = (
        dir.path().join("flowers.tsv"),
        dir.path().join("species.tsv"),
    );
    fs::write(&t, table).unwrap();
    fs::write(&m, meta).unwrap();
    let out = dir.path().join("view");
    let o = embedscope(&["view", s(&t), "--metadata", s(&m), "--out", s(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = json(&out.join("report.json"));
    for f in report["files"].as_array().unwrap() {
        assert!(out.join(f.as_str().unwrap()).exists(), "{f} missing");
    }
    for map in ["tsne_2d", "tsne_3d"] {
        let kl = report[map]["kl_divergence"].as_f64();
        assert!(
            kl.is_some_and(|v| v.is_finite() && v >= 0.0),
            "{map}: {kl:?}"
        );
        for point in report[map]["kl_history"].as_array().unwrap() {
            assert!(point["kl"].as_f64().is_some(), "{map}: {point}");
        }
    }
    assert!(out.join("logs/reductions").is_dir());
}

/// Penguin-like measurements: body mass in grams beside bill and flipper lengths in mm, and a
/// constant column, for three species.
fn measurements(dir: &Path) -> String {
    let mut csv = String::from("mass_g,bill_mm,flipper_mm,year\n");
    for i in 0..60 {
        let k = i % 3;
        let wobble = ((i * 37) % 17) as f64 / 17.0;
        let mass = 3500.0 + 900.0 * k as f64 + 400.0 * wobble;
        let bill = 14.0 + 2.5 * ((k + 1) % 3) as f64 + wobble;
        let flipper = 185.0 + 12.0 * ((k + 2) % 3) as f64 + 3.0 * wobble;
        csv.push_str(&format!("{mass:.0},{bill:.1},{flipper:.1},2009\n"));
    }
    let p = dir.join("penguins.csv");
    fs::write(&p, csv).unwrap();
    s(&p).to_string()
}

#[test]
fn columns_on_different_scales_get_a_note_and_standardize() {
    let dir = tempfile::tempdir().unwrap();
    let input = measurements(dir.path());
    let out = dir.path().join("raw");
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["view", &input, "--out", s(out), "--iterations", "250"];
        args.extend(["--perplexity", "5"]);
        args.extend(extra);
        let o = embedscope(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            String::from_utf8_lossy(&o.stderr).into_owned(),
            json(&out.join("report.json")),
        )
    };
    let (err, report) = run(&[], &out);
    assert!(err.contains("column variances differ"), "{err}");
    assert!(err.contains("--standardize"), "{err}");
    assert_eq!(report["standardized"], false);
    let pc1 = |r: &serde_json::Value| r["pca"]["explained_variance_ratio"][0].as_f64().unwrap();
    let raw_pc1 = pc1(&report);
    let std_out = dir.path().join("standardized");
    let (err, report) = run(&["--standardize"], &std_out);
    assert!(!err.contains("column variances differ"), "{err}");
    assert_eq!(report["standardized"], true);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("column(s) 3 (0-based) are constant"),
        "{notes}"
    );
    let page = fs::read_to_string(std_out.join("index.html")).unwrap();
    assert!(page.contains("each column standardized"));
    // Body mass alone is PC1 of the raw columns; standardised, the columns share it.
    assert!(
        raw_pc1 > 0.99 && pc1(&report) < 0.9,
        "{raw_pc1} {}",
        pc1(&report)
    );
    // The map directory records the standardisation: the raw points placed again land where
    // they are (without it they would all crowd one end of the map).
    let placed_path = dir.path().join("placed.npy");
    let o = embedscope(&["transform", s(&std_out), &input, "--out", s(&placed_path)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let placed: ndarray::Array2<f32> = ndarray_npy::read_npy(&placed_path).unwrap();
    let map: ndarray::Array2<f32> = ndarray_npy::read_npy(std_out.join("tsne_2d.npy")).unwrap();
    let extent = map.column(0).iter().fold(f32::MIN, |a, &b| a.max(b))
        - map.column(0).iter().fold(f32::MAX, |a, &b| a.min(b));
    let mut moved: Vec<f32> = (0..map.nrows())
        .map(|i| (&placed.row(i) - &map.row(i)).mapv(|v| v * v).sum().sqrt())
        .collect();
    moved.sort_by(f32::total_cmp);
    assert!(
        moved[moved.len() / 2] < 0.05 * extent,
        "{} of {extent}",
        moved[moved.len() / 2]
    );
    // pca and tsne take the flag too; the maps are finite.
    let pca_out = dir.path().join("pca.npy");
    let pca_report = dir.path().join("pca.json");
    let o = embedscope(&[
        "pca",
        &input,
        "--out",
        s(&pca_out),
        "--standardize",
        "--report",
        s(&pca_report),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ratio = json(&pca_report)["explained_variance_ratio"][0]
        .as_f64()
        .unwrap();
    assert!(ratio < 0.9, "{ratio}");
    let tsne_out = dir.path().join("tsne.npy");
    let o = embedscope(&[
        "tsne",
        &input,
        "--out",
        s(&tsne_out),
        "--standardize",
        "--perplexity",
        "5",
        "--iterations",
        "250",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let map: ndarray::Array2<f32> = ndarray_npy::read_npy(&tsne_out).unwrap();
    assert!(map.iter().all(|v| v.is_finite()));
}
