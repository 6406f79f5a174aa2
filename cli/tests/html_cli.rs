//! `embedscope html`: a page from map, label and vector files, and errors that name the flag.

mod common;

use base64::Engine as _;
use common::layout::mnist_layout;
use common::{embedscope, s};
use embedscope::data::matrix::{write_labels_npy, write_npy};
use embedscope::reduce::knn::{KnnGraph, KnnParams, NeighborMethod};
use ndarray::s;

/// The page's embedded JSON.
fn data_of(page: &str) -> serde_json::Value {
    let open = "id=\"embedscope-data\">";
    let start = page.find(open).unwrap() + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

#[test]
fn html_writes_a_page_with_maps_labels_thumbnails_and_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let n = 10_000;
    let (layout, labels, data) = mnist_layout(n);
    write_npy(&p("map3.npy"), &layout).unwrap();
    write_npy(&p("map2.npy"), &layout.slice(s![.., ..2]).to_owned()).unwrap();
    write_labels_npy(&p("labels.npy"), &labels).unwrap();
    let codes = data.pixels_f32().slice(s![.., ..200]).to_owned();
    write_npy(&p("codes.npy"), &codes).unwrap();
    let out = p("view.html");

    let run = embedscope(&[
        "html",
        "--map",
        &format!("flat \"2-D\" <map>={}", s(&p("map2.npy"))),
        "--map",
        &format!("deep={}", s(&p("map3.npy"))),
        "--metadata",
        s(&p("labels.npy")),
        "--images",
        "embedded",
        "--neighbors-of",
        s(&p("codes.npy")),
        "--neighbor-count",
        "5",
        "--out",
        s(&out),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let page = std::fs::read_to_string(&out).unwrap();
    let data = data_of(&page);
    assert_eq!(data["n"], n);
    assert_eq!(data["maps"][0]["name"], "flat \"2-D\" <map>");
    assert!(data["maps"][0]["caption"]
        .as_str()
        .unwrap()
        .ends_with("map2.npy"));
    assert_eq!(data["maps"][1]["dims"], 3);
    assert_eq!(data["columns"][0]["name"], "label");
    assert_eq!(data["colour_by"], 0);
    assert_eq!(data["thumbnails"]["per_side"], 100);
    // The neighbours are the k-NN graph of the vectors, with distances (not squared).
    let exact = KnnParams {
        method: NeighborMethod::Exact,
        ..KnnParams::default()
    };
    let g = KnnGraph::find(codes.view(), 5, &exact).unwrap();
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let indices: Vec<u32> = b64(&data["neighbors"]["indices"])
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(indices, g.indices());
    let distances: Vec<f32> = b64(&data["neighbors"]["distances"])
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    for (d, d2) in distances.iter().zip(g.squared_distances()) {
        assert!((f64::from(*d) - d2.sqrt()).abs() < 1e-4);
    }
    assert!(String::from_utf8_lossy(&run.stdout).contains("5 neighbours per point"));
}

#[test]
fn html_errors_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let (layout, labels, _) = mnist_layout(50);
    write_npy(&p("map.npy"), &layout).unwrap();
    write_labels_npy(&p("labels.npy"), &labels[..40]).unwrap();
    let map = format!("m={}", s(&p("map.npy")));
    let out = p("view.html");
    let fails = |args: &[&str]| {
        let mut all = vec!["html", "--out", s(&out)];
        all.extend_from_slice(args);
        let run = embedscope(&all);
        assert!(!run.status.success());
        String::from_utf8_lossy(&run.stderr).into_owned()
    };
    assert!(fails(&["--map", "m"]).contains("--map m: expected NAME=FILE"));
    assert!(fails(&["--map", &map, "--map", &map]).contains("the name 'm' is used twice"));
    let e = fails(&["--map", &map, "--metadata", s(&p("labels.npy"))]);
    assert!(
        e.contains("--metadata") && e.contains("40 rows of metadata for 50 points"),
        "{e}"
    );
    let missing = s(&p("no-such-dir")).to_string();
    let e = fails(&["--map", &map, "--images", &missing]);
    assert!(e.contains(&format!("--images: {missing}")), "{e}");
    let e = fails(&["--map", &map, "--color-by", "kind"]);
    assert!(
        e.contains("--color-by: no column 'kind'; the columns are: none"),
        "{e}"
    );
    let e = fails(&[
        "--map",
        &map,
        "--neighbors-of",
        s(&p("map.npy")),
        "--neighbor-count",
        "50",
    ]);
    assert!(e.contains("--neighbor-count 50: must be between 1"), "{e}");
    assert!(!out.exists(), "nothing written on error");
}
