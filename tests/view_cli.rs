//! CLI tests of `embedscope view` on users' files: word vectors with a metadata table of text
//! and float columns, a small input whose perplexity is lowered, and inputs that must be
//! refused (NaN, too few points). Each case runs in its own temporary directory.

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
    // A view of the words coloured by `column`; its report.
    let view = |column: &str| {
        let o = embedscope(&[
            "view",
            &v,
            "--metadata",
            &m,
            "--color-by",
            column,
            "--out",
            s(&out),
            "--iterations",
            "300",
            "--perplexity",
            "5",
        ]);
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
    // A float column colours with a scale: the rerun reuses the 3-D map but not the 2-D one,
    // whose GIF shows the colours.
    let report = view("freq");
    assert_eq!(report["reused"], serde_json::json!(["t-SNE 3-D", "PCA"]));
    assert!(report["knn10_accuracy"].is_null());
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
