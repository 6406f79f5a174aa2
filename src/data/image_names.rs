//! Which image file belongs to which point: file names in natural order (runs of digits
//! compared by value, so `img_2.png` comes before `img_10.png`), and, when the names carry
//! numbers, a check that those numbers count the points.
//!
//! The number of a name is the last run of digits in its stem (`digit_7_0042.png` is 42). If
//! every name has one, they must be `0, 1, ..., N-1` or `1, 2, ..., N` in natural order, each
//! once; anything else (a gap, a repeat, names numbered by class first) is an error naming the
//! file, not a guess. Names without digits keep their natural (alphabetical) order. A mix of
//! both is an error too.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use crate::data::DataError;

/// Compares two names naturally: runs of ASCII digits by value (then by length, so `01` and
/// `1` still have an order), everything else byte by byte.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = split_digits(a);
                let (db, rb) = split_digits(b);
                let (va, vb) = (trim_zeros(da), trim_zeros(db));
                let by_value = va.len().cmp(&vb.len()).then_with(|| va.cmp(vb));
                match by_value.then_with(|| da.len().cmp(&db.len())) {
                    Ordering::Equal => (a, b) = (ra, rb),
                    other => return other,
                }
            }
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Equal => (a, b) = (&a[1..], &b[1..]),
                other => return other,
            },
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at(end)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

/// The last run of digits in the stem of `path`, as a number (`None` without digits; an
/// absurdly long run saturates and fails the count check).
fn number_of(path: &Path) -> Option<u64> {
    let stem = path.file_stem()?.to_string_lossy();
    let bytes = stem.as_bytes();
    let end = bytes.iter().rposition(u8::is_ascii_digit)? + 1;
    let start = bytes[..end]
        .iter()
        .rposition(|c| !c.is_ascii_digit())
        .map_or(0, |p| p + 1);
    Some(bytes[start..end].iter().fold(0u64, |v, &c| {
        v.saturating_mul(10).saturating_add(u64::from(c - b'0'))
    }))
}

fn name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Sorts the image files of `dir` naturally and checks their numbers (module doc); file `k`
/// of the result is point `k`.
pub(crate) fn order_images(dir: &Path, mut files: Vec<PathBuf>) -> Result<Vec<PathBuf>, DataError> {
    files.sort_by(|a, b| natural_cmp(&name(a), &name(b)));
    let numbers: Vec<Option<u64>> = files.iter().map(|f| number_of(f)).collect();
    let with = numbers.iter().position(Option::is_some);
    let without = numbers.iter().position(Option::is_none);
    match (with, without) {
        (None, _) => return Ok(files),
        (Some(w), Some(o)) => {
            return Err(DataError::invalid(
                dir,
                format!(
                    "image names must all carry the point's number or none may: {} has one, \
                     {} has none",
                    name(&files[w]),
                    name(&files[o])
                ),
            ))
        }
        (Some(_), None) => {}
    }
    let first = numbers[0].unwrap_or(0);
    if first > 1 {
        return Err(DataError::invalid(
            dir,
            format!(
                "the image names are numbered from {first} ({}); they must count the points \
                 from 0 or 1",
                name(&files[0])
            ),
        ));
    }
    for (k, n) in numbers.iter().enumerate() {
        let expected = first + k as u64;
        if *n != Some(expected) {
            return Err(DataError::invalid(
                dir,
                format!(
                    "image {} in natural name order, {}, is numbered {} where {expected} comes \
                     next (a missing or repeated number, or names numbered by something else); \
                     the numbers must be 0..N-1 or 1..N, one file per point",
                    k + 1,
                    name(&files[k]),
                    n.unwrap_or(0)
                ),
            ));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str]) -> Result<Vec<String>, String> {
        let files = names.iter().map(PathBuf::from).collect();
        order_images(Path::new("imgs"), files)
            .map(|v| v.iter().map(|p| name(p)).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn natural_order_compares_digit_runs_by_value() {
        let mut v = vec![
            "img_10.png",
            "img_2.png",
            "img_1.png",
            "img_01.png",
            "b.png",
            "a.png",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "a.png",
                "b.png",
                "img_1.png",
                "img_01.png",
                "img_2.png",
                "img_10.png"
            ]
        );
        assert_eq!(
            natural_cmp("x99999999999999999999999", "x100000000000000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn unpadded_numbers_count_the_points() {
        let names: Vec<String> = (0..12).rev().map(|i| format!("{i}.png")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let got = order(&refs).unwrap();
        assert_eq!(got[2], "2.png");
        assert_eq!(got[10], "10.png");
        assert_eq!(
            order(&["img_2.png", "img_1.png", "img_3.png"]).unwrap()[0],
            "img_1.png"
        );
        // Names without numbers keep their alphabetical order.
        assert_eq!(
            order(&["pear.png", "apple.png"]).unwrap(),
            ["apple.png", "pear.png"]
        );
    }

    #[test]
    fn numbers_that_do_not_count_the_points_are_refused() {
        let gap = order(&["0.png", "1.png", "3.png"]).unwrap_err();
        assert!(
            gap.contains("3.png") && gap.contains("where 2 comes next"),
            "{gap}"
        );
        let repeat = order(&["a_1.png", "b_1.png"]).unwrap_err();
        assert!(repeat.contains("b_1.png"), "{repeat}");
        let late = order(&["5.png", "6.png"]).unwrap_err();
        assert!(late.contains("numbered from 5"), "{late}");
        // Numbered by class first: the last run of digits is not a count in natural order.
        let by_class = order(&["digit_0_1.png", "digit_0_3.png", "digit_1_2.png"]).unwrap_err();
        assert!(by_class.contains("digit_0_3.png"), "{by_class}");
        let mixed = order(&["1.png", "cover.png"]).unwrap_err();
        assert!(mixed.contains("cover.png has none"), "{mixed}");
    }
}
