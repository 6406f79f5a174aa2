//! `embedscope render` end to end: pictures that decode, and bad input that fails with a clear
//! message, a non-zero exit and no output file.

mod common;

use common::s;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::layout::mnist_layout;
use common::{decode_gif, decode_png, loops_forever};
use embedscope::data::matrix::{write_labels_npy, write_npy};

/// Writes 300 MNIST points (3 columns) and their labels into `dir`.
fn inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let (xyz, labels, _) = mnist_layout(300);
    let (p, l) = (dir.join("points.npy"), dir.join("labels.npy"));
    write_npy(&p, &xyz).unwrap();
    write_labels_npy(&l, &labels).unwrap();
    (p, l)
}

fn render(args: &[&str]) -> Output {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    common::embedscope(&all)
}

#[test]
fn png_svg_digit_map_and_rotating_gif() {
    let dir = tempfile::tempdir().unwrap();
    let (p, l) = inputs(dir.path());
    let png = dir.path().join("a.png");
    let o = render(&[
        s(&p),
        "--labels",
        s(&l),
        "--out",
        s(&png),
        "--subtitle",
        "PCA",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(decode_png(&png).dimensions(), (800, 680));

    let svg = dir.path().join("a.svg");
    let o = render(&[
        s(&p),
        "--labels",
        s(&l),
        "--out",
        s(&svg),
        "--title",
        "T",
        "--width",
        "500",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .starts_with("<svg width=\"500\" height=\"425\""));

    let digits = dir.path().join("d.png");
    let o = render(&[
        s(&p),
        "--images",
        "embedded",
        "--out",
        s(&digits),
        "--width",
        "600",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(decode_png(&digits).dimensions(), (600, 548));

    let gif = dir.path().join("r.gif");
    let o = render(&[
        s(&p),
        "--labels",
        s(&l),
        "--out",
        s(&gif),
        "--rotate",
        "--frames",
        "6",
        "--delay-ms",
        "80",
        "--width",
        "300",
        "--axis-names",
        "PC1,PC2,PC3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(loops_forever(&std::fs::read(&gif).unwrap()));
    let frames = decode_gif(&gif);
    assert_eq!(frames.len(), 6);
    assert!(frames
        .iter()
        .all(|(f, d)| f.dimensions() == (300, 250) && *d == 80));
}

/// Runs `render` with `args`, expecting failure with every one of `words` in stderr and no
/// file left in `dir` besides the inputs.
fn fails(dir: &Path, args: &[&str], words: &[&str]) {
    let o = render(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(words.iter().all(|w| err.contains(w)), "{args:?}: {err}");
    let mut left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert!(
        left.iter().all(|n| n.ends_with(".npy") || n == "file"),
        "{left:?}"
    );
}

#[test]
fn bad_inputs_name_the_problem_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, l) = inputs(d);
    let out = d.join("o.png");
    let short = d.join("short.npy");
    write_labels_npy(&short, &[1, 2, 3]).unwrap();
    fails(
        d,
        &[s(&p), "--labels", s(&short), "--out", s(&out)],
        &[
            "--metadata",
            "short.npy",
            "3 rows of metadata for 300 points",
        ],
    );
    let nan = d.join("nan.npy");
    let mut xyz = embedscope::data::matrix::read_matrix(&p).unwrap();
    xyz[[42, 0]] = f32::NAN;
    write_npy(&nan, &xyz).unwrap();
    fails(
        d,
        &[s(&nan), "--labels", s(&l), "--out", s(&out)],
        &["nan.npy", "point 42", "NaN"],
    );
    fails(
        d,
        &[s(&p), "--labels", s(&l), "--out", s(&d.join("o.jpg"))],
        &["--out", "'jpg'"],
    );
    fails(
        d,
        &[s(&p), "--labels", s(&l), "--out", s(&d.join("o.gif"))],
        &["--rotate"],
    );
    fails(
        d,
        &[
            s(&p),
            "--labels",
            s(&l),
            "--out",
            s(&d.join("o.gif")),
            "--rotate",
            "--frames",
            "1",
        ],
        &["--frames 1"],
    );
    fails(
        d,
        &[s(&p), "--labels", s(&l), "--out", s(&out), "--width", "50"],
        &["--width 50"],
    );
    fails(
        d,
        &[s(&p), "--images", "embedded", "--out", s(&d.join("o.svg"))],
        &["--images", ".png"],
    );
    fails(
        d,
        &[
            s(&p),
            "--labels",
            s(&l),
            "--color-by",
            "kind",
            "--out",
            s(&out),
        ],
        &["--color-by", "no column 'kind'; the columns are: label"],
    );
    let file = d.join("file");
    std::fs::write(&file, b"not a directory").unwrap();
    fails(
        d,
        &[s(&p), "--labels", s(&l), "--out", s(&file.join("o.png"))],
        &["file/o.png"],
    );
    fails(
        d,
        &[
            s(&d.join("missing.npy")),
            "--labels",
            s(&l),
            "--out",
            s(&out),
        ],
        &["missing.npy"],
    );
}

#[test]
fn string_classes_and_no_metadata_render() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, _) = inputs(d);
    // A header row and string classes (more than the palette's 20), as a user's file would be.
    let species = d.join("species.tsv");
    let mut text = String::from("species\tsize\n");
    for i in 0..300 {
        text.push_str(&format!("kind-{:02}\t{}\n", i % 30, i as f64 / 7.0));
    }
    std::fs::write(&species, text).unwrap();
    let svg = d.join("s.svg");
    let o = render(&[s(&p), "--metadata", s(&species), "--out", s(&svg)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let body = std::fs::read_to_string(&svg).unwrap();
    assert!(
        body.contains("kind-00 (10)"),
        "the legend names classes with counts"
    );
    assert!(
        body.contains("other (11 classes"),
        "classes beyond 19 are gathered"
    );
    let stem = p.file_stem().unwrap().to_string_lossy();
    assert!(
        body.contains(&format!("{stem}, coloured by species")),
        "the default title names the points and the colour column"
    );
    let sized = d.join("sized.svg");
    let o = render(&[
        s(&p),
        "--metadata",
        s(&species),
        "--color-by",
        "size",
        "--title",
        "Mine",
        "--out",
        s(&sized),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let body = std::fs::read_to_string(&sized).unwrap();
    assert!(body.contains("Mine") && !body.contains("coloured by"));
    let plain = d.join("plain.png");
    let o = render(&[s(&p), "--out", s(&plain)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(decode_png(&plain).dimensions().0 > 0);
}

/// Names on a small map: each of 20 spread points gets its name once (one `<text>` element
/// per name in the SVG); a map of more than 300 points names its classes instead.
#[test]
fn small_maps_name_their_points_and_big_ones_their_classes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let points = ndarray::Array2::from_shape_fn((20, 2), |(i, k)| {
        if k == 0 {
            (i % 5) as f32 * 10.0
        } else {
            (i / 5) as f32 * 7.0
        }
    });
    let npy = d.join("words.npy");
    ndarray_npy::write_npy(&npy, &points).unwrap();
    let names: Vec<String> = (0..20).map(|i| format!("word{i:02}")).collect();
    let meta = d.join("words.tsv");
    std::fs::write(
        &meta,
        format!(
            "word\tpos\n{}\n",
            names
                .iter()
                .enumerate()
                .map(|(i, w)| format!("{w}\t{}", ["noun", "verb"][i % 2]))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    )
    .unwrap();
    let svg = d.join("words.svg");
    let o = common::embedscope(&["render", s(&npy), "--metadata", s(&meta), "--out", s(&svg)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The text elements' contents, trimmed.
    let texts = |svg: &Path| -> Vec<String> {
        let s = std::fs::read_to_string(svg).unwrap();
        s.split("<text")
            .skip(1)
            .filter_map(|e| Some(e[e.find('>')? + 1..e.find("</text>")?].trim().to_string()))
            .collect()
    };
    let count = |all: &[String], w: &str| all.iter().filter(|t| *t == w).count();
    let all = texts(&svg);
    for w in &names {
        assert_eq!(count(&all, w), 1, "{w} once in {all:?}");
    }
    // 400 points of two classes: no point names, the two class names on the map (beside
    // the legend's entries, which carry their counts).
    let big = ndarray::Array2::from_shape_fn((400, 2), |(i, k)| {
        let c = if i % 2 == 0 { 0.0 } else { 50.0 };
        c + ((i * 7 + k * 13) % 17) as f32
    });
    let npy = d.join("big.npy");
    ndarray_npy::write_npy(&npy, &big).unwrap();
    let meta = d.join("big.tsv");
    let rows: Vec<String> = (0..400)
        .map(|i| format!("p{i}\t{}", ["left", "right"][i % 2]))
        .collect();
    std::fs::write(&meta, format!("name\tside\n{}\n", rows.join("\n"))).unwrap();
    let svg = d.join("big.svg");
    let o = common::embedscope(&["render", s(&npy), "--metadata", s(&meta), "--out", s(&svg)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = texts(&svg);
    assert_eq!(count(&all, "p0"), 0, "no point names at 400 points");
    assert_eq!(count(&all, "left"), 1, "{all:?}");
    assert_eq!(count(&all, "right"), 1, "{all:?}");
}
