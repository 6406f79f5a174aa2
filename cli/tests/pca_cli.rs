//! `embedscope pca` end to end, and the PCA against numpy's SVD on the real MNIST-10k pixels
//! (fixture made once by `scripts/pca_fixture.py`).

use std::process::{Command, Output};

use embedscope::data::matrix::{read_matrix, write_npy};
use embedscope::data::Dataset;
use embedscope::reduce::pca;
use ndarray::Array2;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_embedscope"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn ratios_match_numpy_svd_on_mnist() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/pca_mnist10k.json")).unwrap();
    let ds = Dataset::embedded();
    let x = ds.images.mapv(|p| f32::from(p) / 255.0);
    let r = pca::fit(x.view(), 20).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs();
    let total = fixture["total_variance"].as_f64().unwrap();
    assert!(
        close(r.total_variance, total),
        "{} vs {total}",
        r.total_variance
    );
    for (key, got) in [
        ("explained_variance_ratio", &r.explained_variance_ratio),
        ("cumulative_ratio", &r.cumulative_ratio),
        ("explained_variance", &r.explained_variance),
    ] {
        let want: Vec<f64> = fixture[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (c, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(close(*g, *w), "{key}[{c}]: {g} vs numpy {w}");
        }
    }
    assert_eq!(r.summary(3), "PC1-PC3 explain 23.5% of the variance");
}

#[test]
fn cli_writes_projection_summary_and_report() {
    let dir = tempfile::tempdir().unwrap();
    // Rank-2 data: the third component carries no variance.
    let x = Array2::<f32>::from_shape_fn((40, 4), |(i, k)| {
        let (a, b) = ((i % 7) as f32, (i % 5) as f32 * 0.5);
        [a + b, a - b, 2.0 * a, b][k]
    });
    let input = dir.path().join("x.npy");
    write_npy(&input, &x).unwrap();
    let out = dir.path().join("p.npy");
    let report = dir.path().join("r.json");
    let o = run(&[
        "pca",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--components",
        "2",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "PC1-PC3 explain 100.0% of the variance"
    );
    assert_eq!(read_matrix(&out).unwrap().dim(), (40, 2));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let cum = r["cumulative_ratio"].as_array().unwrap();
    assert_eq!(cum.len(), 2);
    assert!((cum[1].as_f64().unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(r["explained_variance_ratio"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_requests_fail_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.tsv");
    std::fs::write(&input, "1\t2\n3\t5\n4\t4\n").unwrap();
    let out = dir.path().join("p.npy");
    for (comps, wanted) in [("0", "--components 0"), ("3", "--components 3")] {
        let o = run(&[
            "pca",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--components",
            comps,
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(wanted), "{err}");
        assert!(!out.exists());
    }
    let one = dir.path().join("one.tsv");
    std::fs::write(&one, "1\t2\n").unwrap();
    let o = run(&[
        "pca",
        one.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--components",
        "1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("at least 2"), "{err}");
    assert!(!out.exists());
}
