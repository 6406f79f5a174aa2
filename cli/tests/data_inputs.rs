//! The data layer's readers on realistic inputs: `.npy` of every dtype and order, TSV/CSV with
//! and without headers, word vectors, metadata files, and the errors each gives. Every case
//! works in its own temporary directory.

use std::path::{Path, PathBuf};

use embedscope::data::matrix::{read_labels, read_matrix};
use embedscope::data::metadata::{Column, Metadata, Values};
use embedscope::data::metadata_io::{read_metadata, write_metadata_tsv};
use embedscope::data::table::{read_table, Table};
use ndarray::{array, Array1, Array2, ShapeBuilder};
use ndarray_npy::WriteNpyExt;

/// Writes `bytes` as `name` in a fresh temporary directory (kept alive by the returned guard).
fn file(name: &str, bytes: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

fn npy_bytes<T: WriteNpyExt>(a: &T) -> Vec<u8> {
    let mut v = Vec::new();
    a.write_npy(&mut v).unwrap();
    v
}

fn table(name: &str, bytes: impl AsRef<[u8]>) -> Table {
    let (_d, p) = file(name, bytes);
    read_table(&p).unwrap()
}

fn table_err(name: &str, bytes: impl AsRef<[u8]>) -> String {
    let (_d, p) = file(name, bytes);
    let e = read_table(&p).unwrap_err().to_string();
    assert!(e.contains(name), "error does not name the file: {e}");
    e
}

fn meta(name: &str, bytes: impl AsRef<[u8]>, n: usize) -> Result<Metadata, String> {
    let (_d, p) = file(name, bytes);
    read_metadata(&p, n).map_err(|e| e.to_string())
}

fn expected() -> Array2<f32> {
    array![[1.0f32, -2.0, 3.0], [4.0, 5.0, 6.0]]
}

#[test]
fn npy_of_every_numeric_dtype_and_both_orders() {
    let e = expected();
    let cases: Vec<Vec<u8>> = vec![
        npy_bytes(&e),
        npy_bytes(&e.mapv(f64::from)),
        npy_bytes(&e.mapv(|v| v as i8)),
        npy_bytes(&e.mapv(|v| v as i16)),
        npy_bytes(&e.mapv(|v| v as i32)),
        npy_bytes(&e.mapv(|v| v as i64)),
        npy_bytes(&e.mapv(|v| v.abs() as u8)),
        npy_bytes(&e.mapv(|v| v.abs() as u16)),
        npy_bytes(&e.mapv(|v| v.abs() as u32)),
        npy_bytes(&e.mapv(|v| v.abs() as u64)),
    ];
    for (k, bytes) in cases.iter().enumerate() {
        let t = table("x.npy", bytes);
        let want = if k >= 6 { e.mapv(f32::abs) } else { e.clone() };
        assert_eq!(t.vectors, want, "case {k}");
        assert_eq!(t.name, "x");
        assert!(t.metadata.columns().is_empty());
    }
    // Fortran order: the same matrix, stored column by column.
    let mut f = Array2::<f64>::zeros((2, 3).f());
    f.assign(&e.mapv(f64::from));
    let t = table("f.npy", npy_bytes(&f));
    assert_eq!(t.vectors, e);
    assert!(t.vectors.is_standard_layout());
    // Big-endian float64, written by hand: numpy's `>f8`.
    let mut be = b"\x93NUMPY\x01\x00".to_vec();
    let dict = "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 2), }";
    let header = format!("{dict:<117}\n");
    be.extend_from_slice(&(header.len() as u16).to_le_bytes());
    be.extend_from_slice(header.as_bytes());
    for v in [1.5f64, -2.0] {
        be.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(table("be.npy", be).vectors, array![[1.5f32, -2.0]]);
}

#[test]
fn npy_errors_name_the_problem() {
    let e = table_err("v.npy", npy_bytes(&Array1::<f32>::zeros(5)));
    assert!(
        e.contains("expected a 2-D array") && e.contains("1-D"),
        "{e}"
    );
    let mut x = Array2::<f32>::zeros((20, 3));
    x[[17, 2]] = f32::NAN;
    let e = table_err("nan.npy", npy_bytes(&x));
    assert!(
        e.contains("point 17 (0-based row 17, column 2): NaN is not a finite"),
        "{e}"
    );
    x[[17, 2]] = 1e300f64 as f32;
    let e = table_err("inf.npy", npy_bytes(&x));
    assert!(e.contains("inf is not a finite"), "{e}");
    let bytes = npy_bytes(&x);
    let e = table_err("short.npy", &bytes[..bytes.len() - 4]);
    assert!(
        e.contains("truncated .npy file") && e.contains("[20, 3]"),
        "{e}"
    );
    let e = table_err("long.npy", [&bytes[..], b"xy"].concat());
    assert!(e.contains("2 trailing bytes"), "{e}");
    let e = table_err("bool.npy", npy_bytes(&Array2::from_elem((2, 2), true)));
    assert!(e.contains("unsupported dtype"), "{e}");
    let e = table_err("empty.npy", npy_bytes(&Array2::<f32>::zeros((0, 3))));
    assert!(e.contains("empty matrix (0 x 3)"), "{e}");
    let e = table_err("junk.npy", b"hello world");
    assert!(e.contains("not a .npy file"), "{e}");
}

#[test]
fn tsv_and_csv_with_and_without_header() {
    let want = array![[1.0f32, 2.0], [3.0, 4.5]];
    assert_eq!(table("p.tsv", "1\t2\n3\t4.5\n").vectors, want);
    assert_eq!(table("h.tsv", "x\ty\n1\t2\n3\t4.5\n").vectors, want);
    assert_eq!(table("c.csv", "\"x\",y\r\n1,2\r\n3, 4.5\r\n").vectors, want);
    assert_eq!(
        table("s.txt", "# from savetxt\n1  2\n\n3\t4.5\n").vectors,
        want
    );
    // Duplicate rows, constant columns and integers are fine.
    let t = table("d.tsv", "1\t7\n1\t7\n1\t7\n");
    assert_eq!(t.vectors.dim(), (3, 2));
    assert_eq!(t.name, "d");
}

#[test]
fn text_errors_name_line_and_column() {
    let e = table_err("r.tsv", "1\t2\t3\t4\n1\t2\t3\t4\n1\t2\t3\t4\t5\n");
    assert!(
        e.contains("line 3: 5 fields, but the first row has 4"),
        "{e}"
    );
    let e = table_err("n.csv", "a,b,c\n1,2,3\n4,5,nan\n");
    assert!(
        e.contains("line 3, column 3: 'nan' is not a finite number"),
        "{e}"
    );
    let e = table_err("i.tsv", "1\t-inf\n");
    assert!(
        e.contains("line 1, column 2: '-inf' is not a finite number"),
        "{e}"
    );
    let e = table_err("b.csv", "1,2\n3,abc\n");
    assert!(e.contains("line 2, column 2: 'abc' is not a number"), "{e}");
    let e = table_err("o.tsv", "1\t1e39\n");
    assert!(e.contains("outside the float32 range"), "{e}");
    let e = table_err("e.tsv", "");
    assert!(e.contains("empty input"), "{e}");
    let e = table_err("h.csv", "x,y\n");
    assert!(e.contains("empty input"), "{e}");
    let e = table_err("x.json", "{}");
    assert!(e.contains("unsupported extension 'json'"), "{e}");
    let e = read_table(Path::new("/nonexistent/x.tsv")).unwrap_err();
    let chain = format!("{:#}", anyhow::Error::from(e));
    assert_eq!(chain.matches("No such file").count(), 1, "{chain}");
}

fn words(t: &Table) -> Vec<String> {
    match &t.metadata.column("word").unwrap().values {
        Values::Text(v) => v.iter().map(|w| w.clone().unwrap()).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn glove_word2vec_and_fasttext_word_vectors() {
    let glove = "the 0.1 0.2 0.3\n, 1 2 3\n\"quoted\" 4 5 6\n1990 7 8 9\n#tag 1 1 1\n";
    let t = table("glove-50d.txt", glove);
    assert_eq!(t.name, "glove-50d");
    assert_eq!(t.vectors.dim(), (5, 3));
    assert_eq!(t.vectors[[3, 2]], 9.0);
    assert_eq!(words(&t), ["the", ",", "\"quoted\"", "1990", "#tag"]);
    // word2vec: a first line `N D`, trailing spaces; a word holding a space (GloVe 840B has some).
    let w2v = "3 2\nkönig 0.5 -1 \nat a@b.com 1 2 \nend 3 4\n";
    let t = table("w.txt", w2v);
    assert_eq!(words(&t), ["könig", "at a@b.com", "end"]);
    assert_eq!(t.vectors.row(1).to_vec(), [1.0, 2.0]);
    // fastText `.vec` is always word vectors, even when a word is a number.
    let t = table("v.vec", "2 2\n42 1 2\nx 3 4\n");
    assert_eq!(words(&t), ["42", "x"]);
    let e = table_err("bad.txt", "the 1 2 3\nof 1 2\n");
    assert!(
        e.contains("line 2: 3 fields, but a word-vector line needs a word and 3 numbers"),
        "{e}"
    );
    let e = table_err("n.vec", "3 2\na 1 2\n");
    assert!(e.contains("announces 3 words, but the file holds 1"), "{e}");
    let e = table_err("d.vec", "1 3\na 1 2\n");
    assert!(
        e.contains("line 2: 3 fields, but line 1 announces 3 dimensions"),
        "{e}"
    );
    let e = table_err("nan.txt", "a 1 2\nb nan 2\n");
    assert!(
        e.contains("line 2, column 1: 'nan' is not a finite number"),
        "{e}"
    );
    // A `.txt` matrix whose first line is two integers is not word2vec.
    assert_eq!(
        table("m.txt", "3 2\n1 1\n").vectors,
        array![[3.0f32, 2.0], [1.0, 1.0]]
    );
}

#[test]
fn metadata_one_and_several_columns_with_types_and_missing() {
    let m = meta("l.tsv", "3\n1\n4\n", 3).unwrap();
    assert_eq!(m.columns()[0].name, "label");
    assert_eq!(
        m.columns()[0].values,
        Values::Integer(vec![Some(3), Some(1), Some(4)])
    );
    // Our old --labels files: a non-numeric first line is the column's name.
    let m = meta("l.txt", "digit\n3\n1\n", 2).unwrap();
    assert_eq!(m.columns()[0].name, "digit");
    // All text: no header.
    let m = meta("t.tsv", "cat\ndog\n", 2).unwrap();
    assert_eq!(m.columns()[0].name, "label");
    let m = meta(
        "m.tsv",
        "name\tsize\tscore\nrose\t3\t0.5\n\tNA\tnan\nlily\t2\t1\n",
        3,
    )
    .unwrap();
    let names: Vec<&str> = m.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["name", "size", "score"]);
    assert_eq!(
        m.columns()[0].values,
        Values::Text(vec![Some("rose".into()), None, Some("lily".into())])
    );
    assert_eq!(
        m.columns()[1].values,
        Values::Integer(vec![Some(3), None, Some(2)])
    );
    assert_eq!(
        m.columns()[2].values,
        Values::Float(vec![Some(0.5), None, Some(1.0)])
    );
    let m = meta("q.csv", "a,b\n\"x, y\",1\nnull,N/A\n", 2).unwrap();
    assert_eq!(
        m.columns()[0].values,
        Values::Text(vec![Some("x, y".into()), None])
    );
    // .npy vectors.
    let m = meta("y.npy", npy_bytes(&array![1i64, 2, 3]), 3).unwrap();
    assert_eq!(
        m.columns()[0].values,
        Values::Integer(vec![Some(1), Some(2), Some(3)])
    );
    let m = meta("f.npy", npy_bytes(&array![0.5f32, f32::NAN]), 2).unwrap();
    assert_eq!(m.columns()[0].values, Values::Float(vec![Some(0.5), None]));
}

#[test]
fn metadata_errors() {
    let e = meta("c.tsv", "1\n2\n3\n", 4).unwrap_err();
    assert!(
        e.contains("c.tsv: 3 rows of metadata for 4 points; they must match"),
        "{e}"
    );
    let e = meta("r.tsv", "a\tb\n1\t2\n3\n", 2).unwrap_err();
    assert!(
        e.contains("line 3: 1 field, but the first row has 2"),
        "{e}"
    );
    let e = meta("d.tsv", "a\ta\n1\t2\n", 1).unwrap_err();
    assert!(e.contains("the column name 'a' is used twice"), "{e}");
    let e = meta("m.npy", npy_bytes(&Array2::<i32>::zeros((2, 2))), 2).unwrap_err();
    assert!(e.contains("expected a 1-D array"), "{e}");
    let e = meta("h.tsv", "x\n1\n2\n", 3).unwrap_err();
    assert!(e.contains("2 rows of metadata for 3 points"), "{e}");
}

#[test]
fn metadata_tsv_roundtrip_and_projector_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("metadata.tsv");
    let m = Metadata::new(
        3,
        vec![
            Column {
                name: "word".into(),
                values: Values::Text(vec![Some("a\tb".into()), None, Some("line\nbreak".into())]),
            },
            Column {
                name: "n".into(),
                values: Values::Integer(vec![Some(1), None, Some(3)]),
            },
        ],
    )
    .unwrap();
    write_metadata_tsv(&p, &m).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text, "word\tn\na b\t1\nNA\t\nline break\t3\n");
    let back = read_metadata(&p, 3).unwrap();
    assert_eq!(back.columns()[1].values, m.columns()[1].values);
    assert_eq!(
        back.columns()[0].values,
        Values::Text(vec![Some("a b".into()), None, Some("line break".into())])
    );
    // One column: no header; a missing value is `NA`, never a blank line the projector skips.
    let one = Metadata::new(
        3,
        vec![Column {
            name: "label".into(),
            values: Values::Integer(vec![Some(7), None, Some(9)]),
        }],
    )
    .unwrap();
    write_metadata_tsv(&p, &one).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "7\nNA\n9\n");
    assert_eq!(read_metadata(&p, 3).unwrap(), one);
    let e = write_metadata_tsv(&p, &Metadata::empty(3))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no metadata columns to write"), "{e}");
}

#[test]
fn labels_from_npy_of_any_int_dtype_and_text() {
    for bytes in [
        npy_bytes(&array![3i64, 1, 4]),
        npy_bytes(&array![3u8, 1, 4]),
        npy_bytes(&array![3i16, 1, 4]),
        npy_bytes(&array![3.0f64, 1.0, 4.0]),
    ] {
        let (_d, p) = file("l.npy", bytes);
        assert_eq!(read_labels(&p).unwrap(), [3, 1, 4]);
    }
    let (_d, p) = file("l.txt", "label\n3\n1\n4\n");
    assert_eq!(read_labels(&p).unwrap(), [3, 1, 4]);
    let (_d, p) = file("l.txt", "3\n300\n");
    let e = read_labels(&p).unwrap_err().to_string();
    assert!(e.contains("label 300 at index 1 is outside 0-255"), "{e}");
    let (_d, p) = file("l.npy", npy_bytes(&array![1.5f32]));
    let e = read_labels(&p).unwrap_err().to_string();
    assert!(e.contains("1.5 at index 0 is not an integer label"), "{e}");
    // The old reader's input stays readable through read_matrix too.
    let (_d, p) = file("m.tsv", "1\t2\n");
    assert_eq!(read_matrix(&p).unwrap(), array![[1.0f32, 2.0]]);
}
