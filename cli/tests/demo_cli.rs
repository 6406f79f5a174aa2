//! CLI tests of `embedscope demo` on a small slice of the embedded MNIST: every listed file is
//! written, the numbers agree with the standalone commands, and an interrupted run resumes,
//! reusing the trained model. Each case runs in its own temporary directory.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

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

/// Starts the demo with `args` and returns it once its stderr shows the line containing
/// `marker` (the stage to interrupt has begun): no sleeps, whatever the machine's speed.
fn demo_until(args: &[&str], marker: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_embedscope"))
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(line) if line.as_deref().unwrap().contains(marker) => break,
            Some(_) => {}
            None => panic!("the demo ended before '{marker}': {:?}", child.wait()),
        }
    }
    // Keep draining stderr so the demo never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

fn tmp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn interrupted_demo_resumes_and_reuses_the_trained_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["demo", "--out", s(&out)];
    args.extend_from_slice(&SMALL);
    // Many iterations, so the t-SNE is still running when we interrupt it.
    args.extend_from_slice(&["--iterations", "100000"]);
    let mut child = demo_until(&args, "] t-SNE 2-D");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!out.join("tsne_2d.npy").exists());
    assert!(!out.join("tsne_2d.json").exists());
    assert!(!out.join("mnist_autoencoder_t-SNE.gif").exists());
    assert!(tmp_leftovers(&out).is_empty(), "{:?}", tmp_leftovers(&out));
    let model = std::fs::read(out.join("model/model.safetensors")).unwrap();

    let mut rerun = vec!["demo", "--out", s(&out), "--iterations", "300"];
    rerun.extend_from_slice(&SMALL);
    let o = embedscope(&rerun);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let report = json(&out.join("report.json"));
    assert_eq!(report["train_reused"], serde_json::json!(true), "{err}");
    assert_eq!(report["reused"], serde_json::json!([]), "{err}");
    assert_eq!(
        std::fs::read(out.join("model/model.safetensors")).unwrap(),
        model
    );
    assert!(out.join("tsne_2d.npy").exists());
    // No hidden stamp files: each stage's report, or its record in `stages/` (JSON, readable),
    // records what it was made from.
    assert!(out.join("stages/pictures.json").is_file());
    let hidden: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn a_demo_killed_in_any_stage_completes_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["demo", "--out", s(&out), "--iterations", "200"];
    args.extend_from_slice(&SMALL);
    let mut rerun_reused = Vec::new();
    let mut forced = args.clone();
    forced.push("--force");
    for stage in [
        "t-SNE 2-D",
        "t-SNE 3-D",
        "PCA",
        "pictures",
        "TensorBoard logs",
    ] {
        // --force: the stage is being recomputed, not reloaded, when the kill comes.
        let mut child = demo_until(&forced, &format!("] {stage}"));
        child.kill().unwrap();
        child.wait().unwrap();
        for file in ["tsne_2d.json", "tsne_3d.json", "pca.json", "report.json"] {
            let p = out.join(file);
            if p.exists() {
                let text = std::fs::read(&p).unwrap();
                assert!(
                    serde_json::from_slice::<serde_json::Value>(&text).is_ok(),
                    "{file} is damaged after a kill in {stage}"
                );
            }
        }
        let o = embedscope(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let report = json(&out.join("report.json"));
        for f in report["files"].as_array().unwrap() {
            assert!(out.join(f.as_str().unwrap()).exists(), "{f} missing");
        }
        rerun_reused.push(report["reused"].clone());
    }
    // Killed once the 3-D t-SNE had begun, the rerun reused the 2-D map the killed run had
    // finished. (Whether the short 3-D run itself finished before the kill landed depends on
    // the machine's load, so it is not asserted.)
    let reused = rerun_reused[1].as_array().unwrap();
    assert!(
        reused.contains(&serde_json::json!("t-SNE 2-D")),
        "{reused:?}"
    );
}
