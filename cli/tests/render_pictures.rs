//! The render library's pictures, checked with an independent decoder (the `image` crate):
//! sizes, frames, delays, looping, class colours, legends and colour bars for any metadata
//! (30 classes, continuous, none), the GIF palette and subsample, the camera, determinism,
//! golden images, and bad inputs leaving no file behind.
//!
//! Golden files live in `cli/tests/fixtures/`; after an intended change of the look, regenerate
//! them with `UPDATE_GOLDEN=1 cargo test --test render_pictures golden` and look at them.
//! They are compared with a tolerance ([`png_close`], [`svg_close`]) so that a font or
//! rasteriser update passes while a wrong picture (points moved or recoloured) fails.

mod common;

use std::path::Path;

use common::layout::{label_colouring, mnist_layout};
use common::{classes_present, decode_gif, decode_png, loops_forever};
use embedscope::data::metadata::{Column, Values};
use embedscope::progress::NoProgress;
use embedscope::reduce::tsne::observer::{IterationInfo, Observer};
use embedscope::render::animation::{rotation_gif, GifOptions, RotationOptions, TsneRecorder};
use embedscope::render::colouring::{Colouring, VIRIDIS};
use embedscope::render::digits::{digit_map, DigitMapOptions};
use embedscope::render::palette::{fog, GifPalette, Rgb, BACKGROUND, CLASS_COLOURS, FOG_LEVELS};
use embedscope::render::scatter::{plot, PlotStyle};
use embedscope::render::Layout;
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
    plot(
        xyz.slice(s![.., ..2]),
        &label_colouring(&labels),
        &style,
        &out,
    )
    .unwrap();
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
    plot(
        xyz.view(),
        &label_colouring(&labels),
        &PlotStyle::default(),
        &out,
    )
    .unwrap();
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
        // Every image (no thinning of crowded regions), so each class's ink is there.
        min_spacing: 0.0,
        ..DigitMapOptions::default()
    };
    let out = dir.path().join("d.png");
    let colouring = label_colouring(&labels);
    digit_map(xyz.view(), data.images(), 28, 28, &colouring, &opts, &out).unwrap();
    let img = decode_png(&out);
    assert_eq!(img.dimensions(), (700, 640));
    // Full-ink pixels (255) take the exact class colour.
    assert_eq!(
        classes_present(rgb_at(&img), (0, 620, 0, 640), &[1.0]),
        (0..10).collect::<Vec<_>>()
    );
    let e = digit_map(xyz.view(), data.images(), 28, 27, &colouring, &opts, &out).unwrap_err();
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
    rotation_gif(
        xyz.view(),
        &label_colouring(&labels),
        &opts,
        &out,
        &mut NoProgress,
    )
    .unwrap();
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
    let mut rec =
        TsneRecorder::new(labels.len(), label_colouring(&labels), 5, small_gif()).unwrap();
    drive(&mut rec, &labels, 40);
    let out = dir.path().join("t.gif");
    rec.finish(&out, &mut NoProgress).unwrap();
    assert!(loops_forever(&std::fs::read(&out).unwrap()));
    let frames = decode_gif(&out);
    assert_eq!(frames.len(), 9); // iterations 1, 5, 10, ..., 40
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
    let colouring = label_colouring(&labels);
    rotation_gif(xyz.view(), &colouring, &opts, &a, &mut NoProgress).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| rotation_gif(xyz.view(), &colouring, &opts, &b, &mut NoProgress))
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

fn golden_style() -> PlotStyle {
    PlotStyle {
        title: "Golden spiral".into(),
        subtitle: "t-SNE, perplexity 25, lr 10, KL 1.23".into(),
        axis_names: ("x".into(), "y".into()),
        width: 400,
        height: 320,
        ..PlotStyle::default()
    }
}

/// Pixels may differ by up to this much per channel without counting as different...
const PIXEL_TOLERANCE: u8 = 64;
/// ... and at most this share of the pixels may differ by more (anti-aliasing, hinting).
const MAX_DIFFERING_SHARE: f64 = 0.03;
/// The picture is cut into `BLOCKS x BLOCKS` blocks; each block's mean colour may move by at
/// most this much per channel (a glyph a pixel wider moves it by 1-3; a point moved or
/// recoloured by 10 or more).
const BLOCKS: u32 = 16;
const BLOCK_TOLERANCE: f64 = 6.0;

/// `Ok` when `a` looks like `b` within the stated tolerances; else what differs.
fn png_close(a: &image::RgbImage, b: &image::RgbImage) -> Result<(), String> {
    if a.dimensions() != b.dimensions() {
        return Err(format!("size {:?} vs {:?}", a.dimensions(), b.dimensions()));
    }
    let (w, h) = a.dimensions();
    let differing = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| {
            p.0.iter()
                .zip(q.0)
                .any(|(&x, y)| x.abs_diff(y) > PIXEL_TOLERANCE)
        })
        .count();
    let share = differing as f64 / f64::from(w * h);
    if share > MAX_DIFFERING_SHARE {
        return Err(format!("{:.2}% of the pixels differ", 100.0 * share));
    }
    for by in 0..BLOCKS {
        for bx in 0..BLOCKS {
            let (x0, x1) = (bx * w / BLOCKS, (bx + 1) * w / BLOCKS);
            let (y0, y1) = (by * h / BLOCKS, (by + 1) * h / BLOCKS);
            let mean = |img: &image::RgbImage| -> [f64; 3] {
                let mut sum = [0.0; 3];
                for y in y0..y1 {
                    for x in x0..x1 {
                        let p = img.get_pixel(x, y).0;
                        (0..3).for_each(|k| sum[k] += f64::from(p[k]));
                    }
                }
                sum.map(|v| v / f64::from((x1 - x0) * (y1 - y0)))
            };
            let (ma, mb) = (mean(a), mean(b));
            if (0..3).any(|k| (ma[k] - mb[k]).abs() > BLOCK_TOLERANCE) {
                return Err(format!(
                    "block at ({x0}, {y0}): mean colour {ma:.0?} vs {mb:.0?}"
                ));
            }
        }
    }
    Ok(())
}

/// The drawn elements of an SVG: `(tag, numbers, text)` for every `<circle>`, `<rect>`,
/// `<line>`/`<polyline>` and `<text>`, in order.
fn svg_elements(svg: &str) -> Vec<(String, Vec<f64>, String)> {
    let mut out = Vec::new();
    for chunk in svg.split('<').skip(1) {
        let tag: String = chunk
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        if !["circle", "rect", "line", "polyline", "text"].contains(&tag.as_str()) {
            continue;
        }
        let (attrs, body) = chunk.split_once('>').unwrap_or((chunk, ""));
        let mut numbers = Vec::new();
        let mut colours = String::new();
        for part in attrs.split('"').collect::<Vec<_>>().chunks(2) {
            let [name, value] = part else { continue };
            let name = name.trim().trim_end_matches('=');
            let name = name.rsplit(' ').next().unwrap_or(name);
            if [
                "cx",
                "cy",
                "r",
                "x",
                "y",
                "width",
                "height",
                "x1",
                "y1",
                "x2",
                "y2",
                "font-size",
            ]
            .contains(&name)
            {
                numbers.push(value.parse::<f64>().unwrap_or(f64::NAN));
            } else if name == "points" {
                numbers.extend(
                    value
                        .split([' ', ','])
                        .filter_map(|v| v.parse::<f64>().ok()),
                );
            } else if ["fill", "stroke", "opacity", "fill-opacity"].contains(&name) {
                colours += value;
            }
        }
        let text = if tag == "text" {
            body.trim().to_string()
        } else {
            colours
        };
        out.push((tag, numbers, text));
    }
    out
}

/// The texts of an SVG, in order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg_elements(svg)
        .into_iter()
        .filter(|e| e.0 == "text")
        .map(|e| e.2)
        .collect()
}

/// `Ok` when the SVGs draw the same elements with the same colours and texts, positions
/// within 3 pixels (text metrics may move legend text a little) and font sizes within 3;
/// else the first difference.
fn svg_close(a: &str, b: &str) -> Result<(), String> {
    let (ea, eb) = (svg_elements(a), svg_elements(b));
    if ea.len() != eb.len() {
        return Err(format!("{} elements vs {}", ea.len(), eb.len()));
    }
    for (k, (x, y)) in ea.iter().zip(&eb).enumerate() {
        let close =
            x.1.len() == y.1.len() && x.1.iter().zip(&y.1).all(|(p, q)| (p - q).abs() <= 3.0);
        if x.0 != y.0 || x.2 != y.2 || !close {
            return Err(format!("element {k}: {x:?} vs {y:?}"));
        }
    }
    Ok(())
}

/// Compares `actual` with the golden file `name` by `close`, or rewrites it with
/// `UPDATE_GOLDEN=1`.
fn check_golden(name: &str, actual: &Path, close: impl Fn(&Path, &Path) -> Result<(), String>) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, std::fs::read(actual).unwrap()).unwrap();
    }
    if let Err(e) = close(actual, &golden) {
        panic!(
            "{} differs from {}: {e}; if the change is intended, run UPDATE_GOLDEN=1 cargo test \
             --test render_pictures golden and look at the new file",
            actual.display(),
            golden.display()
        );
    }
}

#[test]
fn golden_scatter_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (xy, labels) = golden_input();
    let style = golden_style();
    let colouring = label_colouring(&labels);
    let png = dir.path().join("golden.png");
    plot(xy.view(), &colouring, &style, &png).unwrap();
    check_golden("render_golden.png", &png, |a, b| {
        png_close(&decode_png(a), &decode_png(b))
    });
    let svg = dir.path().join("golden.svg");
    plot(xy.view(), &colouring, &style, &svg).unwrap();
    check_golden("render_golden.svg", &svg, |a, b| {
        svg_close(
            &std::fs::read_to_string(a).unwrap(),
            &std::fs::read_to_string(b).unwrap(),
        )
    });
}

#[test]
fn golden_comparison_tolerates_small_changes_and_catches_wrong_pictures() {
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let golden = decode_png(&golden_dir.join("render_golden.png"));
    // A rasteriser bump: every pixel off by a little, and the text one pixel to the right.
    let mut bumped = golden.clone();
    for p in bumped.pixels_mut() {
        p.0 = p.0.map(|v| v.saturating_sub(5));
    }
    for y in 0..40 {
        for x in (1..400).rev() {
            let left = *golden.get_pixel(x - 1, y);
            bumped.put_pixel(x, y, left);
        }
    }
    png_close(&bumped, &golden).unwrap();
    // Wrong: the points of one class moved; one class recoloured.
    let dir = tempfile::tempdir().unwrap();
    let (mut xy, labels) = golden_input();
    let colouring = label_colouring(&labels);
    for i in (3..60).step_by(10) {
        xy[[i, 0]] += 1.5;
    }
    let moved = dir.path().join("moved.png");
    plot(xy.view(), &colouring, &golden_style(), &moved).unwrap();
    let e = png_close(&decode_png(&moved), &golden).unwrap_err();
    assert!(e.contains("block") || e.contains("pixels differ"), "{e}");
    let mut recoloured = golden.clone();
    let near = |p: [u8; 3], c: Rgb| p.iter().zip(c).all(|(&a, b)| a.abs_diff(b) < 40);
    for p in recoloured.pixels_mut() {
        if near(p.0, CLASS_COLOURS[3]) {
            p.0 = CLASS_COLOURS[4];
        }
    }
    assert!(png_close(&recoloured, &golden).is_err());
    // The SVG: moved points and another fill fail; the same drawing passes.
    let svg = std::fs::read_to_string(golden_dir.join("render_golden.svg")).unwrap();
    svg_close(&svg, &svg).unwrap();
    let moved_svg = dir.path().join("moved.svg");
    plot(xy.view(), &colouring, &golden_style(), &moved_svg).unwrap();
    assert!(svg_close(&std::fs::read_to_string(&moved_svg).unwrap(), &svg).is_err());
    let hex = |c: Rgb| format!("#{:02X}{:02X}{:02X}", c[0], c[1], c[2]);
    let refilled = svg.replacen(&hex(CLASS_COLOURS[3]), &hex(CLASS_COLOURS[4]), 1);
    assert_ne!(refilled, svg, "the SVG names class 3's colour");
    assert!(svg_close(&refilled, &svg).is_err());
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
    let colouring = label_colouring(&labels);
    expect(
        plot(xy.view(), &label_colouring(&labels[1..]), &style, &out),
        &["60 points but 59 labels"],
    );
    let mut nan = xy.clone();
    nan[[7, 1]] = f32::NAN;
    expect(
        plot(nan.view(), &colouring, &style, &out),
        &["point 7", "NaN"],
    );
    expect(
        plot(xy.view(), &colouring, &style, &dir.path().join("x.jpg")),
        &["x.jpg", "'jpg'", ".png or .svg"],
    );
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"a file, not a directory").unwrap();
    expect(
        plot(xy.view(), &colouring, &style, &blocked.join("x.png")),
        &["file/x.png"],
    );
    let rot = RotationOptions {
        frames: 4,
        ..RotationOptions::default()
    };
    expect(
        rotation_gif(
            xy.view(),
            &colouring,
            &rot,
            &dir.path().join("r.gif"),
            &mut NoProgress,
        ),
        &["at least 3", "found 2"],
    );
    let rec = TsneRecorder::new(labels.len(), colouring, 5, small_gif()).unwrap();
    expect(
        rec.finish(&dir.path().join("t.gif"), &mut NoProgress),
        &["no t-SNE frames"],
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["file"]);
}

/// A text column of 30 classes (`class-00` has 40 points, `class-29` 69) and 5 missing values,
/// shuffled, with `n = 1640` points laid out on a spiral.
fn thirty_classes() -> (Array2<f32>, Column) {
    let mut values: Vec<Option<String>> = (0..30)
        .flat_map(|k| std::iter::repeat_n(Some(format!("class-{k:02}")), 40 + k))
        .chain(std::iter::repeat_n(None, 5))
        .collect();
    let n = values.len();
    // A fixed interleaving, so that every class is spread over the spiral.
    values = (0..n).map(|i| values[(i * 7919) % n].clone()).collect();
    let xy = Array2::from_shape_fn((n, 2), |(i, j)| {
        let a = i as f32 * 0.05;
        if j == 0 {
            a * a.cos()
        } else {
            a * a.sin()
        }
    });
    let column = Column {
        name: "kind".into(),
        values: Values::Text(values),
    };
    (xy, column)
}

fn pixels_in(img: &image::RgbImage, r: embedscope::render::Rect) -> Vec<[u8; 3]> {
    let mut out = Vec::new();
    for y in r.y0.max(0) as u32..(r.y1 as u32).min(img.height()) {
        for x in r.x0.max(0) as u32..(r.x1 as u32).min(img.width()) {
            out.push(img.get_pixel(x, y).0);
        }
    }
    out
}

#[test]
fn thirty_classes_legend_names_each_class_with_its_count_and_fits_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let (xy, column) = thirty_classes();
    let colouring = Colouring::from_column(Some(&column));
    let Colouring::Categorical(c) = &colouring else {
        panic!("text is categorical")
    };
    let svg = dir.path().join("c.svg");
    plot(xy.view(), &colouring, &PlotStyle::default(), &svg).unwrap();
    let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
    // The 19 largest classes by name and count, then the 11 others and the missing values.
    let mut expected: Vec<String> = (11..30)
        .map(|k| format!("class-{k:02} ({})", 40 + k))
        .collect();
    let other: usize = (0..11).map(|k| 40 + k).sum();
    expected.push(format!("other (11 classes, {other})"));
    expected.push("(missing, 5)".to_string());
    let at = texts
        .iter()
        .position(|t| t == "kind")
        .expect("the column's name");
    assert_eq!(texts[at + 1..at + 22], expected[..]);
    assert!(!texts.iter().any(|t| t.starts_with("class-03")));
    assert_eq!(c.classes.len(), 21);
    // In PNGs of any size the legend stays right of the plot and on the page.
    for (w, h) in [(800, 680), (400, 320), (360, 300)] {
        let style = PlotStyle {
            width: w,
            height: h,
            ..PlotStyle::default()
        };
        let png = dir.path().join(format!("c{w}.png"));
        plot(xy.view(), &colouring, &style, &png).unwrap();
        let img = decode_png(&png);
        let layout = Layout::new((w, h), &colouring, &style.title, "", false);
        let legend = layout.legend.rect;
        assert!(
            layout.plot.x1 <= legend.x0 && legend.x1 <= w as i32,
            "{w}x{h}"
        );
        // Every class colour is in the legend's area.
        let seen = pixels_in(&img, legend);
        for class in &c.classes {
            assert!(seen.contains(&class.colour), "{w}x{h}: {}", class.name);
        }
    }
}

#[test]
fn a_continuous_column_draws_a_viridis_colour_bar() {
    let dir = tempfile::tempdir().unwrap();
    let (xy, _) = thirty_classes();
    let n = xy.nrows();
    let column = Column {
        name: "score".into(),
        values: Values::Float((0..n).map(|i| Some(i as f64 * 0.37)).collect()),
    };
    let colouring = Colouring::from_column(Some(&column));
    assert!(matches!(colouring, Colouring::Continuous(_)));
    let style = PlotStyle::default();
    let png = dir.path().join("s.png");
    plot(xy.view(), &colouring, &style, &png).unwrap();
    let img = decode_png(&png);
    let layout = Layout::new((800, 680), &colouring, &style.title, "", false);
    let bar = pixels_in(&img, layout.legend.rect);
    assert!(bar.contains(&VIRIDIS[0]) && bar.contains(&VIRIDIS[8]));
    // Not a plain picture: the same plot without metadata has no viridis ends.
    let single = dir.path().join("one.png");
    plot(xy.view(), &Colouring::Single, &style, &single).unwrap();
    let all: Vec<[u8; 3]> = decode_png(&single).pixels().map(|p| p.0).collect();
    assert!(!all.contains(&VIRIDIS[0]) && !all.contains(&VIRIDIS[8]));
    let svg = dir.path().join("s.svg");
    plot(xy.view(), &colouring, &style, &svg).unwrap();
    let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
    let at = texts
        .iter()
        .position(|t| t == "score")
        .expect("the column's name");
    assert_eq!(texts[at + 1..at + 3], ["606", "0"], "max, then min");
}

#[test]
fn pictures_without_metadata_work() {
    let dir = tempfile::tempdir().unwrap();
    let (xyz, _, data) = mnist_layout(300);
    let single = Colouring::Single;
    let svg = dir.path().join("p.svg");
    plot(xyz.view(), &single, &PlotStyle::default(), &svg).unwrap();
    // The points and no legend dots.
    assert_eq!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .matches("<circle")
            .count(),
        300
    );
    plot(
        xyz.view(),
        &single,
        &PlotStyle::default(),
        &dir.path().join("p.png"),
    )
    .unwrap();
    let opts = DigitMapOptions {
        width: 500,
        height: 400,
        ..DigitMapOptions::default()
    };
    let digits = dir.path().join("d.png");
    digit_map(xyz.view(), data.images(), 28, 28, &single, &opts, &digits).unwrap();
    assert_eq!(decode_png(&digits).dimensions(), (500, 400));
    let rot = RotationOptions {
        gif: small_gif(),
        frames: 3,
        ..RotationOptions::default()
    };
    let gif = dir.path().join("r.gif");
    rotation_gif(xyz.view(), &single, &rot, &gif, &mut NoProgress).unwrap();
    assert_eq!(decode_gif(&gif).len(), 3);
    let labels = vec![0u8; 300];
    let mut rec = TsneRecorder::new(300, Colouring::Single, 10, small_gif()).unwrap();
    drive(&mut rec, &labels, 20);
    rec.finish(&dir.path().join("t.gif"), &mut NoProgress)
        .unwrap();
}

#[test]
fn gif_frames_use_only_palette_colours_for_any_colouring() {
    let dir = tempfile::tempdir().unwrap();
    let (xy, column) = thirty_classes();
    let n = xy.nrows();
    let xyz = Array2::from_shape_fn(
        (n, 3),
        |(i, j)| {
            if j < 2 {
                xy[[i, j]]
            } else {
                (i % 17) as f32
            }
        },
    );
    let score = Column {
        name: "score".into(),
        values: Values::Float((0..n).map(|i| (i % 50 != 0).then_some(i as f64)).collect()),
    };
    let palette: std::collections::HashSet<[u8; 3]> =
        GifPalette::new().colours().iter().copied().collect();
    for (name, colouring) in [
        ("classes", Colouring::from_column(Some(&column))),
        ("score", Colouring::from_column(Some(&score))),
    ] {
        let opts = RotationOptions {
            gif: small_gif(),
            frames: 4,
            ..RotationOptions::default()
        };
        let out = dir.path().join(format!("{name}.gif"));
        rotation_gif(xyz.view(), &colouring, &opts, &out, &mut NoProgress).unwrap();
        let frames = decode_gif(&out);
        let mut seen = std::collections::HashSet::new();
        for (img, _) in &frames {
            for p in img.pixels() {
                let c = [p.0[0], p.0[1], p.0[2]];
                assert!(palette.contains(&c), "{name}: {c:?} is not in the palette");
                seen.insert(c);
            }
        }
        // The points keep their exact colours, at full strength in front.
        if let Colouring::Categorical(c) = &colouring {
            for class in &c.classes {
                assert!(seen.contains(&class.colour), "{name}: {}", class.name);
            }
        } else {
            assert!(seen.contains(&VIRIDIS[0]) && seen.contains(&VIRIDIS[8]));
            assert!(seen.contains(&fog(VIRIDIS[8], FOG_LEVELS[3])));
        }
    }
}

#[test]
fn the_tsne_recorder_draws_a_subsample_above_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<u8> = (0..2000).map(|i| (i % 10) as u8).collect();
    let coloured_pixels = |max_points: usize| {
        let opts = GifOptions {
            max_points,
            point_radius: Some(1.0),
            ..small_gif()
        };
        let mut rec = TsneRecorder::new(labels.len(), label_colouring(&labels), 10, opts).unwrap();
        drive(&mut rec, &labels, 20);
        let out = dir.path().join(format!("t{max_points}.gif"));
        rec.finish(&out, &mut NoProgress).unwrap();
        let frames = decode_gif(&out);
        let last = &frames.last().unwrap().0;
        // Points are class colours; the legend (x >= 290) is left out.
        (0..290)
            .flat_map(|x| (0..300).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let p = last.get_pixel(x, y).0;
                CLASS_COLOURS.contains(&[p[0], p[1], p[2]])
            })
            .count()
    };
    let (all, capped) = (coloured_pixels(20_000), coloured_pixels(100));
    assert!(capped > 0 && capped * 5 < all, "{capped} of {all}");
}
