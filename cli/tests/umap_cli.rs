//! `embedscope umap` end to end: the same bytes at 1, 2 and 3 threads, a report that says what
//! was used, hard inputs (two far clusters, duplicates, a constant column, 5 and 20 points) that
//! must give finite maps, and bad inputs and flags that must fail with a clear message, a
//! non-zero exit and no output file.

mod common;

use std::path::Path;

use common::{embedscope, s};
use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::reduce::quality::knn_accuracy;
use ndarray::Array2;

/// `n` rows of 6 columns in `groups` groups whose centres are `gap` apart along their own
/// axis, with LCG jitter in the unit cube; labels `i % groups`.
fn groups(n: usize, groups: usize, gap: f32) -> (Array2<f32>, Vec<u8>) {
    let mut state = 12345u64;
    let x = Array2::from_shape_fn((n, 6), |(i, k)| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let jitter = (state >> 40) as f32 / (1u64 << 24) as f32;
        if k == i % groups {
            gap + jitter
        } else {
            jitter
        }
    });
    (x, (0..n).map(|i| (i % groups) as u8).collect())
}

/// Runs `umap` on `input` into `out` with extra flags; asserts success and returns the map.
fn umap_ok(input: &Path, out: &Path, extra: &[&str]) -> Array2<f32> {
    let mut args = vec!["umap", s(input), "--out", s(out)];
    args.extend_from_slice(extra);
    let o = embedscope(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{args:?} failed: {err}");
    let map = read_matrix(out).unwrap();
    assert!(
        map.iter().all(|v| v.is_finite()),
        "{args:?}: non-finite coordinates"
    );
    map
}

#[test]
fn same_bytes_at_one_two_and_three_threads_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.npy");
    let (x, labels) = groups(600, 3, 6.0);
    write_npy(&input, &x).unwrap();
    for init in ["pca", "spectral"] {
        let mut bytes = Vec::new();
        for threads in ["1", "2", "3"] {
            let out = dir.path().join(format!("y-{init}-{threads}.npy"));
            let report = dir.path().join(format!("r-{init}-{threads}.json"));
            let map = umap_ok(
                &input,
                &out,
                &[
                    "--init",
                    init,
                    "--n-epochs",
                    "150",
                    "--seed",
                    "3",
                    "--threads",
                    threads,
                    "--report",
                    s(&report),
                ],
            );
            assert_eq!(map.dim(), (600, 2));
            let acc = knn_accuracy(map.view(), &labels, 10);
            assert!(acc > 0.95, "{init}: 10-NN accuracy {acc}");
            bytes.push(std::fs::read(&out).unwrap());
            let r: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
            assert_eq!(r["command"], "umap");
            assert_eq!(r["parameters"]["n_neighbors"], 15);
            assert_eq!(r["parameters"]["n_epochs"], 150);
            assert_eq!(r["parameters"]["init"], init);
            assert_eq!(r["parameters"]["neighbor_search"], "exact");
            assert_eq!(r["parameters"]["threads"], threads.parse::<u64>().unwrap());
            let a = r["a"].as_f64().unwrap();
            assert!((a - 1.577).abs() < 1e-3, "a {a}");
            assert!(r["seconds"]["total"].as_f64().unwrap() > 0.0);
        }
        assert!(
            bytes.windows(2).all(|w| w[0] == w[1]),
            "{init}: threads change the bytes"
        );
    }
}

#[test]
fn far_clusters_duplicates_constant_columns_and_tiny_inputs_give_finite_maps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two clusters 1000 apart: two components of the graph, kept apart in the map.
    let (far, labels) = groups(200, 2, 1000.0);
    let far_path = d.join("far.npy");
    write_npy(&far_path, &far).unwrap();
    for init in ["pca", "spectral"] {
        let map = umap_ok(
            &far_path,
            &d.join("far-out.npy"),
            &["--init", init, "--dims", "3"],
        );
        assert_eq!(map.dim(), (200, 3));
        assert_eq!(knn_accuracy(map.view(), &labels, 10), 1.0, "{init}");
    }
    // Each row four times, and a constant column.
    let (base, _) = groups(30, 3, 5.0);
    let dup = Array2::from_shape_fn(
        (120, 7),
        |(i, k)| if k == 6 { 2.5 } else { base[[i / 4, k]] },
    );
    let dup_path = d.join("dup.npy");
    write_npy(&dup_path, &dup).unwrap();
    // 5 and 20 points: n_neighbors is lowered, with a note.
    for (name, x) in [
        ("dup", dup.clone()),
        ("five", base.slice(ndarray::s![..5, ..]).to_owned()),
        ("twenty", base.slice(ndarray::s![..20, ..]).to_owned()),
    ] {
        let input = d.join(format!("{name}.npy"));
        write_npy(&input, &x).unwrap();
        for init in ["pca", "spectral"] {
            let map = umap_ok(
                &input,
                &d.join(format!("{name}-out.npy")),
                &["--init", init],
            );
            assert_eq!(map.nrows(), x.nrows());
        }
    }
    let o = embedscope(&["umap", s(&d.join("five.npy")), "--out", s(&d.join("f.npy"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--n-neighbors 15 lowered to 5"), "{err}");
}

/// Runs `umap` on `input` with extra flags; asserts failure, a message containing each of
/// `wanted`, and no output file.
fn assert_fails(dir: &Path, input: &Path, extra: &[&str], wanted: &[&str]) {
    let out = dir.join("out.npy");
    let mut args = vec!["umap", s(input), "--out", s(&out)];
    args.extend_from_slice(extra);
    common::assert_failed_cleanly(&embedscope(&args), &args, &out, wanted);
}

#[test]
fn bad_inputs_and_flags_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let two = d.join("two.tsv");
    std::fs::write(&two, "1\t2\t3\n4\t5\t6\n").unwrap();
    assert_fails(d, &two, &[], &["2 point", "at least 3"]);

    let mut x = Array2::<f32>::from_shape_fn((50, 4), |(i, k)| (i * 4 + k) as f32);
    x[[17, 2]] = f32::NAN;
    let nan = d.join("nan.npy");
    write_npy(&nan, &x).unwrap();
    assert_fails(d, &nan, &[], &["row 17", "NaN"]);

    let tsv = d.join("ok.tsv");
    let (ok, _) = groups(30, 3, 5.0);
    let text: Vec<String> = ok
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    std::fs::write(&tsv, text.join("\n")).unwrap();
    assert_fails(d, &tsv, &["--dims", "4"], &["--dims 4", "2 or 3"]);
    assert_fails(
        d,
        &tsv,
        &["--n-neighbors", "1"],
        &["--n-neighbors 1", "at least 2"],
    );
    assert_fails(
        d,
        &tsv,
        &["--min-dist", "2"],
        &["--min-dist 2", "at most --spread"],
    );
    assert_fails(d, &tsv, &["--spread", "0"], &["--spread 0", "> 0"]);
    assert_fails(
        d,
        &tsv,
        &["--n-epochs", "0"],
        &["--n-epochs 0", "at least 1"],
    );
    assert_fails(d, &tsv, &["--threads", "0"], &["--threads 0"]);
    assert_fails(
        d,
        &tsv,
        &["--init", "random"],
        &["'random' for '--init", "spectral or pca"],
    );
    assert_fails(
        d,
        &tsv,
        &["--metric", "manhattan"],
        &["euclidean or cosine"],
    );
    assert_fails(
        d,
        &tsv,
        &["--neighbors", "fast"],
        &["auto, exact or approx"],
    );

    let zero = d.join("zero.tsv");
    let rows: Vec<String> = (0..20).map(|i| format!("{}\t{}", i, (i * 7) % 5)).collect();
    std::fs::write(&zero, rows.join("\n")).unwrap();
    assert_fails(
        d,
        &zero,
        &["--metric", "cosine"],
        &["--metric cosine", "row 0"],
    );

    for (input, wanted) in common::bad_matrix_files(d) {
        assert_fails(d, &input, &[], &wanted);
    }

    let help = embedscope(&["umap", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--n-neighbors",
        "--min-dist",
        "--spread",
        "--n-epochs",
        "--init",
        "--seed",
    ] {
        assert!(text.contains(flag), "{flag} not in --help");
    }
}
