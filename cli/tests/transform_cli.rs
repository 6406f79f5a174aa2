//! `embedscope transform` end to end: maps written by `view --out` and `tsne --save-map`, new
//! points placed into them (their clusters, the reference map untouched, the reference points
//! placed again landing where they are, the same bits alone or together at 1 and 2 threads),
//! and hostile map directories and inputs refused with a clear message and nothing written.

mod common;

use std::fs;
use std::path::Path;

use common::{embedscope, s};
use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::reduce::knn::{KnnGraph, KnnParams};
use ndarray::{s, Array2};
use rand::{Rng, SeedableRng};

/// `n` points in 6 well-separated clusters in `d` dimensions (cluster `i % 6`), and labels.
fn clusters(n: usize, d: usize, seed: u64) -> (Array2<f32>, Vec<usize>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..n).map(|i| i % 6).collect();
    let x = Array2::from_shape_fn((n, d), |(i, k)| {
        let centre = if k % 6 == labels[i] { 12.0 } else { 0.0 };
        centre + rng.random_range(-1.0f32..1.0)
    });
    (x, labels)
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command that must fail: returns its stderr, after checking the exit status, that
/// it did not panic and that `out` was not written.
fn fails(args: &[&str], out: &Path) -> String {
    let o = embedscope(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    err
}

/// For each placed point: whether all its 10 nearest reference points in the map share its
/// cluster.
fn fraction_in_cluster(
    map: &Array2<f32>,
    labels: &[usize],
    placed: &Array2<f32>,
    truth: &[usize],
) -> f64 {
    let g = KnnGraph::query(map.view(), placed.view(), 10, &KnnParams::default()).unwrap();
    let good = (0..placed.nrows())
        .filter(|&i| {
            g.neighbors(i)
                .iter()
                .all(|&j| labels[j as usize] == truth[i])
        })
        .count();
    good as f64 / placed.nrows() as f64
}

#[test]
fn view_map_takes_new_raw_vectors_through_its_pca_and_leaves_the_map_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (x, labels) = clusters(600, 40, 1);
    let input = dir.path().join("x.npy");
    write_npy(&input, &x).unwrap();
    let view = dir.path().join("view");
    ok(&embedscope(&[
        "view",
        s(&input),
        "--out",
        s(&view),
        "--pca-dims",
        "10",
        "--iterations",
        "400",
    ]));
    let json = fs::read_to_string(view.join("map.json")).unwrap();
    assert!(
        json.contains("\"pre_pca\": [") && json.contains("\"input_dims\": 40"),
        "{json}"
    );
    let before = [2, 3].map(|d| fs::read(view.join(format!("tsne_{d}d.npy"))).unwrap());

    let (new, truth) = clusters(120, 40, 2);
    let new_path = dir.path().join("new.npy");
    write_npy(&new_path, &new).unwrap();
    for (kind, dims) in [("tsne2", 2), ("tsne3", 3)] {
        let out = dir.path().join(format!("placed_{kind}.npy"));
        ok(&embedscope(&[
            "transform",
            s(&view),
            s(&new_path),
            "--out",
            s(&out),
            "--map",
            kind,
        ]));
        let placed = read_matrix(&out).unwrap();
        assert_eq!(placed.dim(), (120, dims));
        let map = read_matrix(&view.join(format!("tsne_{dims}d.npy"))).unwrap();
        let f = fraction_in_cluster(&map, &labels, &placed, &truth);
        assert!(f >= 0.98, "{kind}: {f}");
    }
    // The reference maps are the same bytes after placing points into them.
    let after = [2, 3].map(|d| fs::read(view.join(format!("tsne_{d}d.npy"))).unwrap());
    assert_eq!(before, after);

    // The reference points themselves, placed again, land where they are.
    let again = dir.path().join("again.npy");
    ok(&embedscope(&[
        "transform",
        s(&view),
        s(&input),
        "--out",
        s(&again),
    ]));
    let (placed, map) = (
        read_matrix(&again).unwrap(),
        read_matrix(&view.join("tsne_2d.npy")).unwrap(),
    );
    let extent = (0..2)
        .map(|c| {
            let col = map.column(c);
            col.fold(f32::MIN, |a, &b| a.max(b)) - col.fold(f32::MAX, |a, &b| a.min(b))
        })
        .fold(0.0f32, f32::max);
    let mut moved: Vec<f32> = (0..600)
        .map(|i| (&placed.row(i) - &map.row(i)).mapv(|v| v * v).sum().sqrt())
        .collect();
    moved.sort_unstable_by(f32::total_cmp);
    assert!(
        moved[300] <= 0.02 * extent,
        "median {} of extent {extent}",
        moved[300]
    );
}

#[test]
fn saved_maps_place_points_deterministically_and_each_point_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (x, labels) = clusters(500, 12, 3);
    let input = dir.path().join("x.npy");
    write_npy(&input, &x).unwrap();
    let mapdir = dir.path().join("map");
    let coords = dir.path().join("map.npy");
    ok(&embedscope(&[
        "tsne",
        s(&input),
        "--out",
        s(&coords),
        "--perplexity",
        "15",
        "--learning-rate",
        "auto",
        "--save-map",
        s(&mapdir),
    ]));
    // New points: fresh draws, exact duplicates of reference rows, and one repeated point.
    let (fresh, truth) = clusters(60, 12, 4);
    let mut new = fresh.clone();
    new.append(ndarray::Axis(0), x.slice(s![..10, ..])).unwrap();
    new.append(ndarray::Axis(0), fresh.slice(s![5..6, ..]))
        .unwrap();
    let new_path = dir.path().join("new.npy");
    write_npy(&new_path, &new).unwrap();
    let place = |name: &str, input: &Path, threads: &str| {
        let out = dir.path().join(name);
        let report = dir.path().join(format!("{name}.json"));
        ok(&embedscope(&[
            "transform",
            s(&mapdir),
            s(input),
            "--out",
            s(&out),
            "--threads",
            threads,
            "--report",
            s(&report),
        ]));
        assert!(fs::read_to_string(&report)
            .unwrap()
            .contains("\"reference_points\": 500"));
        (fs::read(&out).unwrap(), read_matrix(&out).unwrap())
    };
    let (one_bytes, one) = place("one.npy", &new_path, "1");
    let (two_bytes, _) = place("two.npy", &new_path, "2");
    assert_eq!(one_bytes, two_bytes);
    let map = read_matrix(&coords).unwrap();
    let f = fraction_in_cluster(&map, &labels, &one.slice(s![..60, ..]).to_owned(), &truth);
    assert!(f >= 0.98, "{f}");
    assert_eq!(one.row(5), one.row(70), "a repeated point lands on itself");
    assert!(one.iter().all(|v| v.is_finite()));
    // Point 17 alone gets the bits it got among the others.
    let alone_path = dir.path().join("alone.npy");
    write_npy(&alone_path, &new.slice(s![17..18, ..]).to_owned()).unwrap();
    let (_, alone) = place("alone_placed.npy", &alone_path, "2");
    assert_eq!(alone.row(0), one.row(17));
}

#[test]
fn hostile_map_directories_and_inputs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (x, _) = clusters(200, 8, 5);
    let input = dir.path().join("x.npy");
    write_npy(&input, &x).unwrap();
    let good = dir.path().join("good");
    let coords = dir.path().join("c.npy");
    ok(&embedscope(&[
        "tsne",
        s(&input),
        "--out",
        s(&coords),
        "--perplexity",
        "10",
        "--iterations",
        "300",
        "--save-map",
        s(&good),
    ]));
    let out = dir.path().join("placed.npy");
    let copy = |name: &str| {
        let d = dir.path().join(name);
        fs::create_dir(&d).unwrap();
        for f in fs::read_dir(&good).unwrap() {
            let f = f.unwrap().path();
            fs::copy(&f, d.join(f.file_name().unwrap())).unwrap();
        }
        d
    };
    let place =
        |map: &Path, new: &Path| fails(&["transform", s(map), s(new), "--out", s(&out)], &out);

    let v = copy("version");
    let json = fs::read_to_string(v.join("map.json")).unwrap();
    fs::write(
        v.join("map.json"),
        json.replace("\"version\": 1", "\"version\": 2"),
    )
    .unwrap();
    let e = place(&v, &input);
    assert!(
        e.contains("map.json") && e.contains("version 2") && e.contains("version 1"),
        "{e}"
    );

    let t = copy("truncated");
    let bytes = fs::read(t.join("map_vectors.npy")).unwrap();
    fs::write(t.join("map_vectors.npy"), &bytes[..bytes.len() - 100]).unwrap();
    let e = place(&t, &input);
    assert!(
        e.contains("map_vectors.npy") && e.contains("200 x 8"),
        "{e}"
    );

    let shaped = copy("shaped");
    let json = fs::read_to_string(shaped.join("map.json")).unwrap();
    fs::write(shaped.join("map.json"), json.replacen("200,", "199,", 1)).unwrap();
    let e = place(&shaped, &input);
    assert!(e.contains("199") && e.contains("map_vectors.npy"), "{e}");

    let missing = copy("missing");
    fs::remove_file(missing.join("tsne_2d.npy")).unwrap();
    let e = place(&missing, &input);
    assert!(e.contains("tsne_2d.npy") && e.contains("200 x 2"), "{e}");

    let e = place(&dir.path().join("nowhere"), &input);
    assert!(e.contains("map.json"), "{e}");

    let narrow = dir.path().join("narrow.npy");
    write_npy(&narrow, &Array2::zeros((5, 7))).unwrap();
    let e = place(&good, &narrow);
    assert!(
        e.contains("narrow.npy") && e.contains("5 x 7") && e.contains("M x 8"),
        "{e}"
    );

    let empty = dir.path().join("empty.tsv");
    fs::write(&empty, "").unwrap();
    let e = place(&good, &empty);
    assert!(e.contains("empty.tsv"), "{e}");

    let e = fails(
        &[
            "transform",
            s(&good),
            s(&input),
            "--out",
            s(&out),
            "--map",
            "tsne3",
        ],
        &out,
    );
    assert!(e.contains("no tsne3 map"), "{e}");
    let e = fails(
        &[
            "transform",
            s(&good),
            s(&input),
            "--out",
            s(&out),
            "--neighbors",
            "0",
        ],
        &out,
    );
    assert!(e.contains("--neighbors 0"), "{e}");

    // --save-map refuses to replace a directory that is not a map, and writes nothing there.
    let other = dir.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("keep.txt"), "mine").unwrap();
    let c2 = dir.path().join("c2.npy");
    let e = fails(
        &[
            "tsne",
            s(&input),
            "--out",
            s(&c2),
            "--perplexity",
            "10",
            "--save-map",
            s(&other),
        ],
        &c2,
    );
    assert!(e.contains("not a map directory"), "{e}");
    assert_eq!(fs::read_dir(&other).unwrap().count(), 1);
}
