//! CLI tests of `embedscope demo` on a small slice of the embedded MNIST: every listed file is
//! written, the numbers agree with the standalone commands, and an interrupted run resumes,
//! reusing the trained model. Each case runs in its own temporary directory.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{embedscope, s};
use embedscope::data::matrix::read_matrix;

const SMALL: [&str; 8] = [
    "--limit",
    "600",
    "--epochs",
    "1",
    "--gif-every",
    "50",
    "--seed",
    "3",
];

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn demo_writes_every_file_and_agrees_with_the_standalone_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["demo", "--out", s(&out), "--iterations", "300"];
    args.extend_from_slice(&SMALL);
    let o = embedscope(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = json(&out.join("report.json"));
    for f in report["files"].as_array().unwrap() {
        assert!(out.join(f.as_str().unwrap()).exists(), "{f} missing");
    }
    for gif in ["mnist_autoencoder_t-SNE.gif", "mnist_autoencoder_PCA.gif"] {
        let file = std::io::BufReader::new(std::fs::File::open(out.join(gif)).unwrap());
        let decoder = image::codecs::gif::GifDecoder::new(file).unwrap();
        let frames = image::AnimationDecoder::into_frames(decoder)
            .collect_frames()
            .unwrap();
        assert!(frames.len() > 5, "{gif}: {} frames", frames.len());
    }
    // The standalone commands with the same parameters give the same numbers.
    let alone = dir.path().join("alone");
    let o = embedscope(&[
        "train",
        "--out",
        s(&alone),
        "--limit",
        "600",
        "--epochs",
        "1",
        "--seed",
        "3",
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let codes = read_matrix(&alone.join("codes.npy")).unwrap();
    assert_eq!(codes, read_matrix(&out.join("model/codes.npy")).unwrap());
    let train = json(&alone.join("train.json"));
    assert_eq!(train["test_loss"], report["test_loss"]);

    let tsne = dir.path().join("tsne.npy");
    let tsne_report = dir.path().join("tsne.json");
    let o = embedscope(&[
        "tsne",
        s(&alone.join("codes.npy")),
        "--out",
        s(&tsne),
        "--learning-rate",
        "auto",
        "--iterations",
        "300",
        "--seed",
        "3",
        "--report",
        s(&tsne_report),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read_matrix(&tsne).unwrap(),
        read_matrix(&out.join("tsne_2d.npy")).unwrap()
    );
    assert_eq!(
        json(&tsne_report)["kl_divergence"],
        report["tsne_2d"]["kl_divergence"]
    );

    let pca = dir.path().join("pca.npy");
    let pca_report = dir.path().join("pca.json");
    let o = embedscope(&[
        "pca",
        s(&alone.join("codes.npy")),
        "--out",
        s(&pca),
        "--components",
        "3",
        "--report",
        s(&pca_report),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read_matrix(&pca).unwrap(),
        read_matrix(&out.join("pca.npy")).unwrap()
    );
    assert_eq!(
        json(&pca_report)["explained_variance_ratio"],
        report["pca"]["explained_variance_ratio"]
    );
    let knn = report["knn10_accuracy"]["tsne_2d"].as_f64().unwrap();
    assert!(knn > 0.5 && knn <= 1.0, "t-SNE 10-NN accuracy {knn}");
}

#[test]
fn interrupted_demo_resumes_and_reuses_the_trained_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["demo", "--out", s(&out)];
    args.extend_from_slice(&SMALL);
    // Many iterations, so the t-SNE is still running when we interrupt it.
    args.extend_from_slice(&["--iterations", "100000"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_embedscope"))
        .args(&args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stamp = out.join("model/.stamp");
    let start = Instant::now();
    while !stamp.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "training never finished"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the demo ended before its t-SNE: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(!out.join("tsne_2d.npy").exists());
    assert!(!out.join("mnist_autoencoder_t-SNE.gif").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let model = std::fs::read(out.join("model/model.safetensors")).unwrap();

    let mut rerun = vec!["demo", "--out", s(&out), "--iterations", "300"];
    rerun.extend_from_slice(&SMALL);
    let o = embedscope(&rerun);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let report = json(&out.join("report.json"));
    assert_eq!(
        report["reused"],
        serde_json::json!(["autoencoder"]),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.join("model/model.safetensors")).unwrap(),
        model
    );
    assert!(out.join("tsne_2d.npy").exists());
}
