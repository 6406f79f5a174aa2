//! CLI tests of `embedscope export`: a full log directory for the embedded digits, and bad
//! inputs that must fail with a clear message and leave nothing behind.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use embedscope::data::matrix::{write_labels_npy, write_npy};
use embedscope::data::Dataset;
use ndarray::Array2;

fn export(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_embedscope"))
        .arg("export")
        .args(args)
        .output()
        .expect("run embedscope")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// TFRecord's masked CRC-32C (Castagnoli), bit by bit: an independent reference for the
/// writer's table-driven one.
fn masked_crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    let crc = !crc;
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Walks a TFRecord file, checking both masked CRCs; returns the number of records.
fn count_records(bytes: &[u8]) -> usize {
    let mut at = 0;
    let mut n = 0;
    while at < bytes.len() {
        let len_bytes = &bytes[at..at + 8];
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
        let crc = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap());
        assert_eq!(crc(&bytes[at + 8..at + 12]), masked_crc32c(len_bytes));
        let data = &bytes[at + 12..at + 12 + len];
        assert_eq!(
            crc(&bytes[at + 12 + len..at + 16 + len]),
            masked_crc32c(data)
        );
        at += 16 + len;
        n += 1;
    }
    n
}

/// Small text inputs: `n` labels and an `n x 2` embedding.
fn small_inputs(dir: &Path, n: usize, rows: usize) {
    let labels: String = (0..n).map(|i| format!("{}\n", i % 10)).collect();
    fs::write(dir.join("labels.txt"), labels).unwrap();
    let coords: String = (0..rows).map(|i| format!("{i}\t{}\n", i * 2)).collect();
    fs::write(dir.join("emb.tsv"), coords).unwrap();
}

#[test]
fn exports_the_embedded_digits_with_scalars() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = Dataset::embedded();
    let n = data.len();
    write_labels_npy(&dir.join("labels.npy"), &data.labels).unwrap();
    let codes = Array2::from_shape_fn((n, 64), |(i, j)| ((i * 31 + j * 7) % 97) as f32 / 97.0);
    write_npy(&dir.join("codes.npy"), &codes).unwrap();
    let tsne = Array2::from_shape_fn((n, 2), |(i, j)| (i as f32 * 0.01).sin() + j as f32);
    write_npy(&dir.join("tsne2.npy"), &tsne).unwrap();
    fs::write(
        dir.join("train.json"),
        r#"{"epochs": [{"epoch": 1, "train_loss": 0.3, "test_loss": 0.25, "seconds": 2.0},
                      {"epoch": 2, "train_loss": 0.2, "test_loss": 0.15, "seconds": 2.0}],
            "steps": [{"step": 1, "loss": 0.5}, {"step": 2, "loss": 0.4}, {"step": 3, "loss": 0.3}],
            "device": "cpu"}"#,
    )
    .unwrap();
    fs::write(
        dir.join("report.json"),
        r#"{"kl_history": [{"iteration": 50, "kl": 3.5}, {"iteration": 100, "kl": 2.5}]}"#,
    )
    .unwrap();
    let out = dir.join("logs");
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let tsne_flag = format!("tsne/2d={}", p("tsne2.npy"));
    let result = export(&[
        "--out",
        &p("logs"),
        "--labels",
        &p("labels.npy"),
        "--codes",
        &p("codes.npy"),
        "--embedding",
        &tsne_flag,
        "--train-json",
        &p("train.json"),
        "--tsne-report",
        &p("report.json"),
        "--images",
        "embedded",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));

    let files = entries(&out);
    assert_eq!(files.len(), 6, "{files:?}");
    let config = fs::read_to_string(out.join("projector_config.pbtxt")).unwrap();
    for line in [
        "tensor_name: \"autoencoder/code\"",
        "tensor_path: \"autoencoder_code.tensor.tsv\"",
        "tensor_name: \"tsne/2d\"",
        "tensor_shape: 10000",
        "tensor_shape: 64",
    ] {
        assert!(config.contains(line), "{line} missing in\n{config}");
    }
    // The 2-D embedding is padded to 3 columns (z = 0) so the projector's 3-D view shows it.
    let tsne_block = &config[config.find("tensor_name: \"tsne/2d\"").unwrap()..];
    assert!(
        tsne_block.contains("tensor_shape: 10000\n  tensor_shape: 3\n"),
        "{config}"
    );
    let tsne_text = fs::read_to_string(out.join("tsne_2d.tensor.tsv")).unwrap();
    let first: Vec<f32> = tsne_text
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(first, [tsne[[0, 0]], tsne[[0, 1]], 0.0]);
    // One metadata and one sprite file, shared by both embeddings.
    assert_eq!(config.matches("metadata_path: \"metadata.tsv\"").count(), 2);
    assert_eq!(config.matches("image_path: \"sprite.png\"").count(), 2);
    let metadata = fs::read_to_string(out.join("metadata.tsv")).unwrap();
    let lines: Vec<&str> = metadata.lines().collect();
    assert_eq!(lines.len(), n);
    assert_eq!(lines[0], data.labels[0].to_string());
    // IHDR: width and height, big-endian, at bytes 16..24: 100 x 28 = 2800.
    let png = fs::read(out.join("sprite.png")).unwrap();
    assert_eq!(&png[16..24], &[0, 0, 0x0A, 0xF0, 0, 0, 0x0A, 0xF0]);
    let events = files
        .iter()
        .find(|f| f.starts_with("events.out.tfevents."))
        .unwrap();
    // file_version + 3 train/loss + 2 test/loss + 2 KL.
    assert_eq!(count_records(&fs::read(out.join(events)).unwrap()), 8);
    // Nothing but the log directory was added.
    assert_eq!(
        entries(dir).iter().filter(|f| f.starts_with('.')).count(),
        0
    );
}

#[test]
fn label_count_mismatch_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_inputs(dir, 5, 6);
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let result = export(&[
        "--out",
        &p("logs"),
        "--labels",
        &p("labels.txt"),
        "--codes",
        &p("emb.tsv"),
        "--no-sprite",
    ]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(
        err.contains(&format!(
            "--metadata: {}: 5 rows of metadata for 6 points; they must match",
            p("labels.txt")
        )),
        "{err}"
    );
    assert_eq!(entries(dir), ["emb.tsv", "labels.txt"]);
}

#[test]
fn unwritable_output_is_a_clear_error_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_inputs(dir, 4, 4);
    fs::write(dir.join("file"), b"not a directory").unwrap();
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let out = p("file/logs");
    let result = export(&[
        "--out",
        &out,
        "--labels",
        &p("labels.txt"),
        "--embedding",
        &format!("x={}", p("emb.tsv")),
        "--no-sprite",
    ]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.starts_with(&format!("error: --out: {out}: ")), "{err}");
    assert!(err.contains("Not a directory"), "{err}");
    assert_eq!(entries(dir), ["emb.tsv", "file", "labels.txt"]);
}

#[test]
fn a_sprite_only_when_images_are_given() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_inputs(dir, 4, 4);
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let base = ["--labels", &p("labels.txt"), "--codes", &p("emb.tsv")].map(String::from);
    let run = |out: &str, extra: &[&str]| {
        let mut args: Vec<&str> = vec!["--out", out];
        args.extend(base.iter().map(String::as_str));
        args.extend(extra);
        export(&args)
    };
    let plain = p("plain");
    assert_eq!(run(&plain, &[]).status.code(), Some(0));
    assert!(!dir.join("plain/sprite.png").exists());
    assert!(dir.join("plain/metadata.tsv").exists());
    let with = p("with");
    assert_eq!(run(&with, &["--images", "embedded"]).status.code(), Some(0));
    assert!(dir.join("with/sprite.png").exists());
    let missing = p("no-such-dir");
    let result = run(&p("bad"), &["--images", &missing]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains(&format!("--images: {missing}")), "{err}");
    assert!(!dir.join("bad").exists());
}

#[test]
fn bad_flags_and_histories_name_their_source() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_inputs(dir, 4, 4);
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    fs::write(
        dir.join("train.json"),
        r#"{"epochs": [], "steps": [{"step": 3, "loss": 0.5}, {"step": 2, "loss": 0.4}]}"#,
    )
    .unwrap();
    fs::write(dir.join("report.json"), r#"{"kl": []}"#).unwrap();
    let base = [
        "--out",
        &p("logs"),
        "--labels",
        &p("labels.txt"),
        "--no-sprite",
    ]
    .map(String::from);
    let emb = format!("e={}", p("emb.tsv"));
    let (train, report) = (p("train.json"), p("report.json"));
    let cases: [(Vec<&str>, String); 5] = [
        (vec![], "nothing to show in the projector".into()),
        (
            vec!["--embedding", "tsne2d.npy"],
            "--embedding tsne2d.npy: expected NAME=FILE".into(),
        ),
        (
            vec!["--embedding", &emb, "--embedding", &emb],
            format!("--embedding {emb}: the name 'e' is used twice"),
        ),
        (
            vec!["--embedding", &emb, "--train-json", &train],
            format!("--train-json {train}: scalar 'train/loss': step 2 follows step 3"),
        ),
        (
            vec!["--embedding", &emb, "--tsne-report", &report],
            format!("--tsne-report: {report}: not the expected JSON"),
        ),
    ];
    for (extra, expected) in cases {
        let args: Vec<&str> = base.iter().map(String::as_str).chain(extra).collect();
        let result = export(&args);
        assert_eq!(result.status.code(), Some(1), "{args:?}");
        let err = stderr(&result);
        assert!(err.contains(&expected), "expected {expected:?} in {err}");
        assert!(!dir.join("logs").exists());
    }
}
