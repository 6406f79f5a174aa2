//! The render library's pictures, checked with an independent decoder (the `image` crate):
//! sizes, frames, delays, looping, class colours, the camera, determinism, a golden image,
//! and bad inputs leaving no file behind.
//!
//! Golden files live in `tests/fixtures/`; after an intended change of the look, regenerate
//! them with `UPDATE_GOLDEN=1 cargo test --test render_pictures golden` and look at them.

mod common;

use std::path::Path;

use common::{classes_present, decode_gif, decode_png, loops_forever, mnist_layout};
use embedscope::reduce::tsne::observer::{IterationInfo, Observer};
use embedscope::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use embedscope::render::digits::{digit_map, DigitMapOptions};
use embedscope::render::palette::{BACKGROUND, FOG_LEVELS};
use embedscope::render::scatter::{plot, PlotStyle};
use embedscope::render::RenderError;
use ndarray::{s, Array2};

fn rgb_at(img: &image::RgbImage) -> impl Fn(u32, u32) -> [u8; 3] + '_ {
    move |x, y| img.get_pixel(x, y).0
}

#[test]
fn scatter_png_has_its_size_and_every_class_colour_in_the_plot() {
    let dir = tempfile::tempdir().unwrap();
    let (xyz, labels, _) = mnist_layout(1000);
    let style = PlotStyle {
        title: "MNIST".into(),
        subtitle: "class-mean contrasts".into(),
        alpha: Some(1.0),
        ..PlotStyle::default()
    };
    let out = dir.path().join("p.png");
    plot(xyz.slice(s![.., ..2]), &labels, &style, &out).unwrap();
    let img = decode_png(&out);
    assert_eq!(img.dimensions(), (800, 680));
    // The legend sits in the right-most 80 pixels; the plot alone must show all ten colours.
    assert_eq!(
        classes_present(rgb_at(&img), (0, 720, 0, 680), &[1.0]),
        (0..10).collect::<Vec<_>>()
    );
}

#[test]
fn scatter_svg_is_vector_with_portable_text() {
    let dir = tempfile::tempdir().unwrap();
    let (xyz, labels, _) = mnist_layout(200);
    let out = dir.path().join("p.svg");
    plot(xyz.view(), &labels, &PlotStyle::default(), &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.starts_with("<svg width=\"800\" height=\"680\""));
    // 200 points plus a legend dot per class.
    assert_eq!(svg.matches("<circle").count(), 200 + 10);
    assert!(svg.contains("font-family=\"DejaVu Sans,Verdana,sans-serif\""));
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[test]
fn digit_map_inks_digits_in_class_colours() {
    let dir = tempfile::tempdir().unwrap();
    let (xyz, labels, data) = mnist_layout(600);
    let opts = DigitMapOptions {
        width: 700,
        height: 640,
        max_images: Some(400),
        ..DigitMapOptions::default()
    };
    let out = dir.path().join("d.png");
    digit_map(xyz.view(), data.images(), 28, 28, &labels, &opts, &out).unwrap();
    let img = decode_png(&out);
    assert_eq!(img.dimensions(), (700, 640));
    // Full-ink pixels (255) take the exact class colour.
    assert_eq!(
        classes_present(rgb_at(&img), (0, 620, 0, 640), &[1.0]),
        (0..10).collect::<Vec<_>>()
    );
    let e = digit_map(xyz.view(), data.images(), 28, 27, &labels, &opts, &out).unwrap_err();
    assert!(e.to_string().contains("28 x 27"), "{e}");
}

fn small_gif() -> GifOptions {
    GifOptions {
        width: 360,
        height: 300,
        delay_ms: 50,
        hold_ms: 1500,
        title: "test".into(),
        ..GifOptions::default()
    }
}

#[test]
fn rotation_gif_decodes_with_frames_delays_loop_and_colours() {
    let dir = tempfile::tempdir().unwrap();
    let (xyz, labels, _) = mnist_layout(800);
    let opts = RotationOptions {
        gif: small_gif(),
        frames: 12,
        axis_names: ["A".into(), "B".into(), "C".into()],
        ..RotationOptions::default()
    };
    let out = dir.path().join("r.gif");
    rotation_gif(xyz.view(), &labels, &opts, &out).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(loops_forever(&bytes));
    assert!(bytes.len() < 6 << 20);
    let frames = decode_gif(&out);
    assert_eq!(frames.len(), 12);
    for (img, delay) in &frames {
        assert_eq!(img.dimensions(), (360, 300));
        assert_eq!(*delay, 50);
    }
    let rgb = |x, y| {
        let p = frames[0].0.get_pixel(x, y).0;
        [p[0], p[1], p[2]]
    };
    // Depth fades far points towards the background: any of the palette's strengths counts.
    assert_eq!(
        classes_present(rgb, (0, 300, 0, 300), &FOG_LEVELS),
        (0..10).collect::<Vec<_>>()
    );
    // A quarter turn later the picture has changed; a full turn is the loop back to frame 0.
    let differing = (0..300)
        .flat_map(|y| (0..300).map(move |x| (x, y)))
        .filter(|&(x, y)| frames[0].0.get_pixel(x, y) != frames[3].0.get_pixel(x, y))
        .count();
    assert!(differing > 1000, "{differing}");
}

/// A synthetic optimisation: a cloud of points whose size grows 10,000-fold.
fn drive(recorder: &mut TsneRecorder, labels: &[u8], total: usize) {
    let n = labels.len();
    for it in 1..=total {
        let scale = 1e-4 * 10f32.powf(4.0 * it as f32 / total as f32);
        let coords = recorder.wants_coords(it).then(|| {
            Array2::from_shape_fn((n, 2), |(i, j)| {
                let a = i as f32 * 2.4 + j as f32 * 1.57;
                scale * (f32::from(labels[i]) + 1.0) * a.cos()
            })
        });
        recorder.on_iteration(&IterationInfo {
            iteration: it,
            total,
            exaggeration: if it <= total / 4 { 12.0 } else { 1.0 },
            coords: coords.as_ref().map(|c| c.view()),
            kl: (it % 10 == 0).then_some(2.0 - it as f64 / total as f64),
        });
    }
}

/// The horizontal extent (pixels) of non-background pixels between rows `y0..y1` and
/// columns `0..x1`.
fn ink_width(img: &image::RgbaImage, x1: u32, (y0, y1): (u32, u32)) -> u32 {
    let cols: Vec<u32> = (0..x1)
        .filter(|&x| (y0..y1).any(|y| img.get_pixel(x, y).0[..3] != BACKGROUND))
        .collect();
    cols.last().map_or(0, |l| l - cols[0])
}

#[test]
fn tsne_recorder_keeps_every_kth_frame_follows_the_cloud_and_holds_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<u8> = (0..500).map(|i| (i % 10) as u8).collect();
    let mut rec = TsneRecorder::new(labels.clone(), 5, small_gif()).unwrap();
    drive(&mut rec, &labels, 40);
    assert_eq!(rec.len(), 9); // iterations 1, 5, 10, ..., 40
    let out = dir.path().join("t.gif");
    rec.finish(&out).unwrap();
    assert!(loops_forever(&std::fs::read(&out).unwrap()));
    let frames = decode_gif(&out);
    assert_eq!(frames.len(), 9);
    let delays: Vec<u32> = frames.iter().map(|f| f.1).collect();
    assert_eq!(delays, [50, 50, 50, 50, 50, 50, 50, 50, 1500]);
    // The camera follows: the cloud fills a similar width while it grows 10,000-fold.
    let (first, last) = (
        ink_width(&frames[0].0, 290, (80, 260)),
        ink_width(&frames[8].0, 290, (80, 260)),
    );
    assert!(first > 150 && last > 150, "{first} {last}");
    let rgb = |x, y| {
        let p = frames[8].0.get_pixel(x, y).0;
        [p[0], p[1], p[2]]
    };
    assert_eq!(
        classes_present(rgb, (0, 290, 0, 300), &[1.0]),
        (0..10).collect::<Vec<_>>()
    );
}

#[test]
fn gifs_are_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (xyz, labels, _) = mnist_layout(300);
    let opts = RotationOptions {
        gif: small_gif(),
        frames: 30, // more than one parallel chunk
        ..RotationOptions::default()
    };
    let (a, b) = (dir.path().join("a.gif"), dir.path().join("b.gif"));
    rotation_gif(xyz.view(), &labels, &opts, &a).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| rotation_gif(xyz.view(), &labels, &opts, &b))
        .unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

fn golden_input() -> (Array2<f32>, Vec<u8>) {
    let labels: Vec<u8> = (0..60).map(|i| (i % 10) as u8).collect();
    let xy = Array2::from_shape_fn((60, 2), |(i, j)| {
        let (c, k) = ((i % 10) as f32, (i / 10) as f32);
        let a = c * 0.628 + k * 0.05;
        let r = 3.0 + k * 0.4;
        if j == 0 {
            r * a.cos()
        } else {
            r * a.sin()
        }
    });
    (xy, labels)
}

/// Compares `actual` with the golden file `name`, or rewrites it with `UPDATE_GOLDEN=1`.
fn check_golden(name: &str, actual: &Path, same: impl Fn(&Path, &Path) -> bool) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, std::fs::read(actual).unwrap()).unwrap();
    }
    assert!(
        same(actual, &golden),
        "{} differs from {}; if the change is intended, run UPDATE_GOLDEN=1 cargo test --test \
         render_pictures golden and look at the new file",
        actual.display(),
        golden.display()
    );
}

#[test]
fn golden_scatter_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (xy, labels) = golden_input();
    let style = PlotStyle {
        title: "Golden spiral".into(),
        subtitle: "t-SNE, perplexity 25, lr 10, KL 1.23".into(),
        axis_names: ("x".into(), "y".into()),
        width: 400,
        height: 320,
        ..PlotStyle::default()
    };
    let png = dir.path().join("golden.png");
    plot(xy.view(), &labels, &style, &png).unwrap();
    check_golden("render_golden.png", &png, |a, b| {
        decode_png(a) == decode_png(b)
    });
    let svg = dir.path().join("golden.svg");
    plot(xy.view(), &labels, &style, &svg).unwrap();
    check_golden("render_golden.svg", &svg, |a, b| {
        std::fs::read_to_string(a).unwrap() == std::fs::read_to_string(b).unwrap()
    });
}

#[test]
fn bad_inputs_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (xy, labels) = golden_input();
    let style = PlotStyle::default();
    let out = dir.path().join("x.png");
    let expect = |r: Result<(), RenderError>, words: &[&str]| {
        let e = r.unwrap_err().to_string();
        assert!(words.iter().all(|w| e.contains(w)), "{e}");
    };
    expect(
        plot(xy.view(), &labels[1..], &style, &out),
        &["60 points but 59 labels"],
    );
    let mut nan = xy.clone();
    nan[[7, 1]] = f32::NAN;
    expect(plot(nan.view(), &labels, &style, &out), &["point 7", "NaN"]);
    expect(
        plot(xy.view(), &labels, &style, &dir.path().join("x.jpg")),
        &["x.jpg", "'jpg'", ".png or .svg"],
    );
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"a file, not a directory").unwrap();
    expect(
        plot(xy.view(), &labels, &style, &blocked.join("x.png")),
        &["file/x.png"],
    );
    let rot = RotationOptions {
        frames: 4,
        ..RotationOptions::default()
    };
    expect(
        rotation_gif(xy.view(), &labels, &rot, &dir.path().join("r.gif")),
        &["at least 3", "found 2"],
    );
    let rec = TsneRecorder::new(labels.clone(), 5, small_gif()).unwrap();
    expect(rec.finish(&dir.path().join("t.gif")), &["no t-SNE frames"]);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["file"]);
}
