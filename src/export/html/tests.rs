//! Tests of the page writer: the embedded data decodes back to the inputs, metadata cannot
//! break out of the page, bad inputs are named.

use ndarray::{array, Array2};
use serde_json::Value;

use super::*;
use crate::data::metadata::Column;
use crate::data::thumbnails::ThumbnailView;
use crate::progress::NoProgress;
use crate::render::colouring::{MISSING, VIRIDIS};

const NASTY: &str = "a\tb \"q\" 'p' </script><script>alert(1)</script> <!-- & \u{2028}";

fn metadata() -> Metadata {
    let n = 4;
    Metadata::new(
        n,
        vec![
            Column {
                name: "label".into(),
                values: Values::Integer(vec![Some(3), Some(1), None, Some(3)]),
            },
            Column {
                name: "note </script>".into(),
                values: Values::Text(vec![
                    Some(NASTY.into()),
                    Some("plain".into()),
                    None,
                    Some("{{DATA}}".into()),
                ]),
            },
            Column {
                // 4 distinct values of 4 points: categorical (<= 12 distinct floats).
                name: "score".into(),
                values: Values::Float(vec![Some(0.5), Some(-1.25), Some(2.0), None]),
            },
        ],
    )
    .unwrap()
}

struct Inputs {
    metadata: Metadata,
    map2: Array2<f32>,
    map3: Array2<f32>,
    pixels: Array2<u8>,
    sprite: Sprite,
    colourings: Vec<Colouring>,
    indices: Vec<u32>,
    distances: Vec<f32>,
}

/// The sprite of `n` images of 2x3 pixels.
fn sprite(pixels: &Array2<u8>) -> Sprite {
    Sprite::new(&ThumbnailView {
        pixels: pixels.view(),
        rows: 2,
        cols: 3,
    })
    .unwrap()
}

fn inputs() -> Inputs {
    let pixels = Array2::from_shape_fn((4, 6), |(i, j)| (i * 60 + j * 7) as u8);
    Inputs {
        metadata: metadata(),
        sprite: sprite(&pixels),
        colourings: colourings(&metadata()),
        map2: array![[0.0, 1.5], [-2.25, 3.0], [1e-7, -4e6], [7.0, 8.0]],
        map3: array![
            [0.0, 1.0, 2.0],
            [3.0, 4.0, 5.0],
            [6.0, 7.0, 8.0],
            [9.0, 10.0, f32::MIN_POSITIVE]
        ],
        pixels,
        indices: vec![1, 2, 0, 3, 3, 1, 2, 0],
        distances: vec![0.5, 1.0, 0.5, 2.0, 0.25, 1.0, 0.25, 3.0],
    }
}

fn spec(x: &Inputs) -> PageSpec<'_> {
    PageSpec {
        title: "Digits <b>&</b> \"more\"".into(),
        subtitle: "four points".into(),
        maps: vec![
            PageMap {
                name: "t-SNE 2-D".into(),
                coords: x.map2.view(),
                caption: "KL 1.78".into(),
            },
            PageMap {
                name: "PCA".into(),
                coords: x.map3.view(),
                caption: "PC1–PC3 explain 31.6% of the variance".into(),
            },
        ],
        metadata: &x.metadata,
        colourings: &x.colourings,
        colour_by: Some("label"),
        label_by: None,
        thumbnails: Some(&x.sprite),
        neighbors: Some(Neighbors {
            k: 2,
            indices: &x.indices,
            distances: &x.distances,
            search: "exact, euclidean",
        }),
    }
}

/// The JSON between the data element's tags, as the browser's `textContent` would see it.
fn embedded_json(page: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"embedscope-data\">";
    let start = page.find(open).expect("data element") + open.len();
    let end = start + page[start..].find("</script>").expect("closing tag");
    serde_json::from_str(&page[start..end]).expect("valid JSON")
}

fn decode(v: &Value) -> Vec<u8> {
    BASE64.decode(v.as_str().expect("a base64 string")).unwrap()
}

fn f32s(v: &Value) -> Vec<f32> {
    decode(v)
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

#[test]
fn embedded_data_round_trips() {
    let x = inputs();
    let page = render_page(&spec(&x), &mut NoProgress).unwrap();
    let data = embedded_json(&page);
    assert_eq!(data["n"], 4);
    assert_eq!(data["title"], "Digits <b>&</b> \"more\"");
    assert_eq!(data["colour_by"], 0);

    for (m, coords) in data["maps"]
        .as_array()
        .unwrap()
        .iter()
        .zip([&x.map2, &x.map3])
    {
        assert_eq!(m["dims"], coords.ncols());
        let back = f32s(&m["coords"]);
        let want: Vec<f32> = coords.iter().copied().collect();
        assert_eq!(
            back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
    assert_eq!(
        data["maps"][1]["caption"],
        "PC1–PC3 explain 31.6% of the variance"
    );

    // Metadata: every value as displayed, missing as null, text untouched.
    let columns = data["columns"].as_array().unwrap();
    assert_eq!(columns[1]["name"], "note </script>");
    assert_eq!(columns[1]["kind"], "text");
    assert_eq!(columns[1]["values"][0], NASTY);
    assert_eq!(columns[1]["values"][2], Value::Null);
    assert_eq!(columns[1]["values"][3], "{{DATA}}");
    assert_eq!(columns[2]["values"][1], "-1.25");

    // Colourings: exactly the classes and codes of `Colouring::from_column`.
    for (col, column) in columns.iter().zip(x.metadata.columns()) {
        let Colouring::Categorical(c) = Colouring::from_column(Some(column)) else {
            panic!("these columns are categorical");
        };
        let colouring = &col["colouring"];
        assert_eq!(colouring["type"], "categorical");
        let classes = colouring["classes"].as_array().unwrap();
        assert_eq!(classes.len(), c.classes.len());
        for (got, want) in classes.iter().zip(&c.classes) {
            assert_eq!(got["name"], want.name.as_str());
            assert_eq!(got["count"], want.count);
            assert_eq!(got["colour"], hex(want.colour));
        }
        let codes: Vec<u16> = decode(&colouring["of_point"])
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(codes, c.of_point);
    }
    assert_eq!(data["single"]["colour"], hex(SINGLE));

    // Neighbours.
    let g = &data["neighbors"];
    assert_eq!(g["k"], 2);
    assert_eq!(g["search"], "exact, euclidean");
    let indices: Vec<u32> = decode(&g["indices"])
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(indices, x.indices);
    assert_eq!(f32s(&g["distances"]), x.distances);

    // Thumbnails: a 2x2 grid of 3x2 images, dark ink on white.
    let t = &data["thumbnails"];
    assert_eq!(
        (t["width"].as_u64(), t["height"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(t["per_side"], 2);
    let png = decode(&t["png"]);
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (6, 4));
    for i in 0..4 {
        let (top, left) = ((i / 2) * 2, (i % 2) * 3);
        for r in 0..2 {
            for c in 0..3 {
                let got = buf[(top + r) * 6 + left + c];
                assert_eq!(got, 255 - x.pixels[[i, r * 3 + c]], "image {i} ({r}, {c})");
            }
        }
    }
}

#[test]
fn metadata_cannot_leave_the_data_element() {
    let x = inputs();
    let page = render_page(&spec(&x), &mut NoProgress).unwrap();
    // Exactly the template's two script elements, one style element, one title.
    assert_eq!(page.matches("</script").count(), 2);
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("</style").count(), 1);
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("<title>Digits &lt;b&gt;&amp;&lt;/b&gt; &quot;more&quot;</title>"));
    // A value looking like a slot stays a value: the data is in the page once.
    assert_eq!(page.matches("id=\"embedscope-data\"").count(), 1);
    assert!(page.contains(r#""{{DATA}}""#));
}

#[test]
fn continuous_columns_carry_rust_colours() {
    let n = 60;
    let metadata = Metadata::new(
        n,
        vec![Column {
            name: "ink".into(),
            values: Values::Float((0..n).map(|i| (i > 0).then_some(i as f64 * 0.5)).collect()),
        }],
    )
    .unwrap();
    let coords = Array2::from_shape_fn((n, 2), |(i, j)| (i * (j + 1)) as f32);
    let spec = PageSpec {
        title: "t".into(),
        subtitle: String::new(),
        maps: vec![PageMap {
            name: "m".into(),
            coords: coords.view(),
            caption: String::new(),
        }],
        metadata: &metadata,
        colourings: &colourings(&metadata),
        colour_by: None,
        label_by: None,
        thumbnails: None,
        neighbors: None,
    };
    let data = embedded_json(&render_page(&spec, &mut NoProgress).unwrap());
    assert_eq!(data["colour_by"], Value::Null);
    assert_eq!(data["thumbnails"], Value::Null);
    let c = &data["columns"][0]["colouring"];
    assert_eq!(c["type"], "continuous");
    assert_eq!(
        (c["min"].as_f64(), c["max"].as_f64()),
        (Some(0.5), Some(29.5))
    );
    assert_eq!(c["missing"], 1);
    let Colouring::Continuous(scale) = Colouring::from_column(metadata.columns().first()) else {
        panic!("60 distinct floats are continuous");
    };
    let rgb = decode(&c["rgb"]);
    for i in 0..n {
        assert_eq!(
            rgb[3 * i..3 * i + 3],
            scale.colour(scale.values[i]),
            "point {i}"
        );
    }
    assert_eq!(&rgb[..3], &MISSING);
    let bar = c["bar"].as_array().unwrap();
    assert_eq!(bar.len(), BAR_STEPS);
    assert_eq!(bar[0], hex(VIRIDIS[0]));
    assert_eq!(bar[BAR_STEPS - 1], hex(VIRIDIS[VIRIDIS.len() - 1]));
}

/// The error `render_page` gives for `s`.
fn message(s: PageSpec<'_>) -> String {
    render_page(&s, &mut NoProgress).unwrap_err().to_string()
}

#[test]
fn bad_inputs_are_named() {
    let x = inputs();
    let mut s = spec(&x);
    s.maps[0].coords = x.map2.slice(ndarray::s![..3, ..]);
    assert_eq!(
        message(s),
        "map 't-SNE 2-D': 3 points, but the metadata has 4"
    );
    let wide = Array2::<f32>::zeros((4, 4));
    let mut s = spec(&x);
    s.maps[1].coords = wide.view();
    assert_eq!(message(s), "map 'PCA': 4 columns; a map has 2 or 3");
    let mut nan = x.map3.clone();
    nan[[2, 1]] = f32::NAN;
    let mut s = spec(&x);
    s.maps[1].coords = nan.view();
    assert_eq!(
        message(s),
        "map 'PCA': point 2 has a non-finite coordinate (NaN)"
    );
    let mut s = spec(&x);
    s.maps[1].name = "t-SNE 2-D".into();
    assert_eq!(message(s), "map 't-SNE 2-D': the name is used twice");
    let mut s = spec(&x);
    s.maps.clear();
    assert_eq!(message(s), "maps: the page needs at least one map");
    let mut s = spec(&x);
    s.colour_by = Some("digit");
    assert_eq!(
        message(s),
        "colour_by: no column 'digit'; the columns are: label, note </script>, score"
    );
    let three = sprite(&x.pixels.slice(ndarray::s![..3, ..]).to_owned());
    let mut s = spec(&x);
    s.thumbnails = Some(&three);
    assert_eq!(
        message(s),
        "thumbnails: 3 images for 4 points; the counts must match"
    );
    let mut s = spec(&x);
    s.colourings = &x.colourings[..2];
    assert_eq!(
        message(s),
        "colourings: 2 colourings for 3 metadata columns"
    );
    let far = [1, 2, 0, 3, 3, 9, 2, 0];
    let mut s = spec(&x);
    s.neighbors.as_mut().unwrap().indices = &far;
    assert_eq!(
        message(s),
        "neighbors: point 2 lists neighbour 9, beyond the 4 points"
    );
    let mut s = spec(&x);
    s.neighbors.as_mut().unwrap().k = 3;
    assert_eq!(
        message(s),
        "neighbors: 8 indices and 8 distances for 4 points with k = 3; expected 12 of each"
    );
    let negative = [0.5, 1.0, 0.5, 2.0, 0.25, 1.0, 0.25, -3.0];
    let mut s = spec(&x);
    s.neighbors.as_mut().unwrap().distances = &negative;
    assert_eq!(
        message(s),
        "neighbors: point 3 has distance -3; distances are finite and >= 0"
    );
}

#[test]
fn write_page_is_atomic_and_names_the_file() {
    let x = inputs();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("view.html");
    assert_eq!(write_page(&spec(&x), &out, &mut NoProgress).unwrap(), out);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let missing = dir.path().join("no/such/dir/view.html");
    let e = write_page(&spec(&x), &missing, &mut NoProgress).unwrap_err();
    assert!(
        e.to_string().starts_with(&missing.display().to_string()),
        "{e}"
    );
}

#[test]
fn fill_replaces_known_slots_once() {
    assert_eq!(
        fill("a {{X}} b {{Y}} {{Z}} {{", &[("X", "{{Y}}"), ("Y", "y")]),
        "a {{Y}} b y {{Z}} {{"
    );
}

#[test]
fn the_viewer_assets_fit_the_template() {
    for slot in ["{{TITLE}}", "{{STYLE}}", "{{SCRIPT}}", "{{DATA}}"] {
        assert_eq!(TEMPLATE.matches(slot).count(), 1, "{slot}");
    }
    // Inline code must not close its own element.
    assert!(!SCRIPT.to_lowercase().contains("</script"));
    assert!(!SCRIPT.contains("<!--"));
    assert!(!STYLE.to_lowercase().contains("</style"));
}
