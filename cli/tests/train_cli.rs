//! CLI tests of `embedscope train` / `encode`: outputs, reproducibility, and malformed data.
//! Each case runs in its own temporary directory.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{embedscope, s};
use embedscope::data::matrix::{read_labels, read_matrix};

fn train(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--out", s(out), "--device", "cpu"];
    args.extend_from_slice(extra);
    embedscope(&args)
}

#[test]
fn train_writes_model_codes_labels_report_and_encode_reproduces_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = train(&out, &["--limit", "1000", "--epochs", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let codes = read_matrix(&out.join("codes.npy")).unwrap();
    assert_eq!(codes.dim(), (1000, 64));
    assert!(codes.iter().all(|v| v.is_finite()));
    let labels = read_labels(&out.join("labels.npy")).unwrap();
    assert_eq!(labels.len(), 1000);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("train.json")).unwrap()).unwrap();
    assert_eq!(report["n_train"], 900);
    assert_eq!(report["n_test"], 100);
    let epochs = report["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 2);
    let test_loss = epochs[1]["test_loss"].as_f64().unwrap();
    // Per-pixel BCE of MNIST: an untrained net gives ~0.69; two epochs must do far better.
    assert!(
        test_loss > 0.0 && test_loss < 0.3,
        "held-out loss {test_loss}"
    );
    assert_eq!(
        report["steps"].as_array().unwrap().len(),
        2 * 900usize.div_ceil(128)
    );

    let enc = dir.path().join("enc");
    let model = out.join("model.safetensors");
    let o = embedscope(&[
        "encode",
        "--model",
        s(&model),
        "--out",
        s(&enc),
        "--limit",
        "1000",
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = read_matrix(&enc.join("codes.npy")).unwrap();
    let max_diff = (&again - &codes).iter().fold(0.0f32, |m, d| m.max(d.abs()));
    assert!(
        max_diff <= 1e-6,
        "encode differs from train's codes by {max_diff}"
    );
    assert_eq!(read_labels(&enc.join("labels.npy")).unwrap(), labels);
}

#[test]
fn same_seed_gives_identical_codes_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| dir.path().join(n)).collect();
    for (run, seed) in runs.iter().zip(["7", "7", "8"]) {
        let o = train(run, &["--limit", "400", "--epochs", "1", "--seed", seed]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let codes: Vec<_> = runs
        .iter()
        .map(|r| read_matrix(&r.join("codes.npy")).unwrap())
        .collect();
    assert_eq!(codes[0], codes[1]);
    assert_ne!(codes[0], codes[2]);
}

#[test]
fn conv_architecture_trains_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("conv");
    let o = train(
        &out,
        &[
            "--limit",
            "300",
            "--epochs",
            "1",
            "--arch",
            "conv",
            "--code-dim",
            "16",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let codes = read_matrix(&out.join("codes.npy")).unwrap();
    assert_eq!(codes.dim(), (300, 16));
    let enc = dir.path().join("enc");
    let model = out.join("model.safetensors");
    let o = embedscope(&[
        "encode",
        "--model",
        s(&model),
        "--out",
        s(&enc),
        "--limit",
        "300",
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = read_matrix(&enc.join("codes.npy")).unwrap();
    assert!((&again - &codes).iter().all(|d| d.abs() <= 1e-6));

    // The same model cut short, and with a header whose first tensor claims 2^40 elements:
    // refused by the header check, before libtorch reads it, naming the file.
    let bytes = std::fs::read(&model).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let cut = dir.path().join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    let lying = dir.path().join("lying.safetensors");
    let claim = header.replacen("\"shape\":[", "\"shape\":[1099511627776,", 1);
    let mut forged = (claim.len() as u64).to_le_bytes().to_vec();
    forged.extend_from_slice(claim.as_bytes());
    forged.extend_from_slice(&bytes[8 + header_len..]);
    std::fs::write(&lying, forged).unwrap();
    for (bad, words) in [(&cut, "but it holds"), (&lying, "needs")] {
        let out = dir.path().join("bad-enc");
        let o = embedscope(&[
            "encode",
            "--model",
            s(bad),
            "--out",
            s(&out),
            "--limit",
            "300",
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(s(bad)) && err.contains(words), "{err}");
        assert!(!out.exists());
    }
}

/// IDX bytes: big-endian magic, sizes, body.
fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    dims.iter()
        .for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
    v.extend_from_slice(body);
    v
}

/// Writes a two-file data directory, runs `train` on it, and checks the failure.
fn assert_bad_data(images: Vec<u8>, labels: Vec<u8>, bad_file: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("images-idx3-ubyte"), images).unwrap();
    std::fs::write(data.join("labels-idx1-ubyte"), labels).unwrap();
    let out = dir.path().join("out");
    let o = train(&out, &["--data", s(&data), "--epochs", "1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(bad_file) && err.contains(expected),
        "stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "no output may be written on bad data");
}

#[test]
fn malformed_data_files_give_clear_errors_and_no_output() {
    let good_images = idx(0x803, &[3, 2, 2], &[0; 12]);
    let good_labels = idx(0x801, &[3], &[1, 2, 3]);
    assert_bad_data(
        idx(0x1234, &[3, 2, 2], &[0; 12]),
        good_labels.clone(),
        "images-idx3-ubyte",
        "bad magic number 0x00001234",
    );
    assert_bad_data(
        idx(0x803, &[3, 2, 2], &[0; 10]),
        good_labels.clone(),
        "images-idx3-ubyte",
        "truncated",
    );
    assert_bad_data(
        good_images.clone(),
        idx(0x801, &[4], &[1, 2, 3, 4]),
        "4 labels",
        "must match",
    );
    assert_bad_data(
        idx(0x803, &[3, 0, 2], &[]),
        good_labels.clone(),
        "images-idx3-ubyte",
        "at least 1",
    );
    // 2-D "images" (an IDX2 file) are the wrong dimensions for MNIST images.
    assert_bad_data(
        idx(0x802, &[3, 4], &[0; 12]),
        good_labels,
        "images-idx3-ubyte",
        "expected 0x00000803",
    );
    assert_bad_data(
        good_images,
        idx(0x801, &[3], &[1, 10, 3]),
        "labels-idx1-ubyte",
        "label 10 at index 1 is outside 0-9",
    );
}

#[test]
fn bad_flags_and_missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = train(&out, &["--epochs", "0"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--epochs"));
    assert!(!o.status.success() && !out.exists());
    let missing = dir.path().join("nope.safetensors");
    let o = embedscope(&["encode", "--model", s(&missing), "--out", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("nope.safetensors"),
        "{err}"
    );
    assert!(!out.exists());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = train(&out, &["--data", s(&empty)]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no MNIST files found"));
    assert!(!out.exists());
}

#[test]
fn default_training_keeps_the_class_structure_of_mnist() {
    // The bar: leave-one-out 10-NN label accuracy of the 10,000 codes >= 0.93 after the
    // default 10 epochs (raw pixels give about 0.94).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = train(&out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let codes = read_matrix(&out.join("codes.npy")).unwrap();
    let labels = read_labels(&out.join("labels.npy")).unwrap();
    assert_eq!(codes.dim(), (10_000, 64));
    let acc = embedscope::reduce::quality::knn_accuracy(codes.view(), &labels, 10);
    assert!(acc >= 0.93, "10-NN accuracy of the codes {acc}");
}
