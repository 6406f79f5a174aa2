//! From a metadata column to colours: the one rule every picture, the TensorBoard export and the
//! HTML page share.
//!
//! - No column: every point in one colour ([`Colouring::Single`]).
//! - Categorical (text columns; integer columns with at most [`MAX_INTEGER_CATEGORIES`]
//!   distinct values; float columns with at most [`MAX_FLOAT_CATEGORIES`]): classes in natural
//!   order (numeric order for numbers, else string order). With at most `PALETTE.len()`
//!   classes each gets the palette colour of its rank, so the digits 0-9 keep Tableau 10's
//!   colours. With more, the `PALETTE.len() - 1` largest classes (ties: natural order) keep
//!   colours, in natural order, and the rest are gathered into one "other" entry.
//!   Missing values form a "(missing)" entry in [`MISSING`] grey, outside the palette.
//! - Continuous (other numeric columns): viridis from the column's minimum to its maximum,
//!   missing values in [`MISSING`].
//!
//! Without `--color-by`, the colour column is [`default_column`]'s: the first categorical column
//! of 2 to [`MAX_DEFAULT_CLASSES`] classes, else the first numeric one, never a column whose
//! values are nearly all distinct (names, ids: [`MOSTLY_DISTINCT`]).

use std::cmp::Ordering;
use std::collections::HashMap;

use super::palette::{Rgb, CLASS_COLOURS};
use crate::data::metadata::{Column, Metadata, MetadataError, Values};

// The colours the rule hands out, defined with the others in `palette`.
pub use super::palette::{viridis, viridis_ramp, MISSING, OTHER, PALETTE, VIRIDIS};

/// The single colour of points without metadata.
pub const SINGLE: Rgb = CLASS_COLOURS[0];

/// Integer columns with at most this many distinct values are categorical.
pub const MAX_INTEGER_CATEGORIES: usize = 50;
/// Float columns with at most this many distinct values are categorical.
pub const MAX_FLOAT_CATEGORIES: usize = 12;

/// A default colour column has at most this many classes.
pub const MAX_DEFAULT_CLASSES: usize = 50;
/// A column with at least this fraction of distinct values (of its points) names or numbers
/// the points rather than grouping them: never the default colour, no 10-NN accuracy.
pub const MOSTLY_DISTINCT: f64 = 0.9;

/// The distinct present values of a column, with their counts.
fn value_counts(values: &Values) -> HashMap<String, usize> {
    let mut distinct: HashMap<String, usize> = HashMap::new();
    for i in 0..values.len() {
        if let Some(v) = values.display(i) {
            *distinct.entry(v).or_default() += 1;
        }
    }
    distinct
}

/// Whether a column of `distinct` values is coloured by class (the module's rule).
fn is_categorical(values: &Values, distinct: usize) -> bool {
    match values {
        Values::Text(_) => true,
        Values::Integer(_) => distinct <= MAX_INTEGER_CATEGORIES,
        Values::Float(_) => distinct <= MAX_FLOAT_CATEGORIES,
    }
}

/// True when nearly every point has its own value in `column` ([`MOSTLY_DISTINCT`]).
pub fn mostly_distinct(column: &Column) -> bool {
    let n = column.values.len();
    n > 0 && value_counts(&column.values).len() as f64 >= MOSTLY_DISTINCT * n as f64
}

/// The colour column when none is asked for: the first categorical column of 2 to
/// [`MAX_DEFAULT_CLASSES`] classes, else the first numeric column, skipping columns that are
/// [`mostly_distinct`]; `None` when no column qualifies (one colour).
pub fn default_column(metadata: &Metadata) -> Option<&Column> {
    let mut numeric = None;
    for c in metadata.columns() {
        let distinct = value_counts(&c.values).len();
        if distinct as f64 >= MOSTLY_DISTINCT * c.values.len() as f64 {
            continue;
        }
        if is_categorical(&c.values, distinct) && (2..=MAX_DEFAULT_CLASSES).contains(&distinct) {
            return Some(c);
        }
        if numeric.is_none() && !matches!(c.values, Values::Text(_)) {
            numeric = Some(c);
        }
    }
    numeric
}

/// The column `name` if given (an error when there is none of that name), else `default`'s.
fn named_or<'m>(
    metadata: &'m Metadata,
    name: Option<&str>,
    default: fn(&Metadata) -> Option<&Column>,
) -> Result<Option<&'m Column>, MetadataError> {
    match name {
        Some(name) => metadata.column(name).map(Some),
        None => Ok(default(metadata)),
    }
}

/// The column `name` (`--color-by`) if given, else [`default_column`]'s.
pub fn colour_column<'m>(
    metadata: &'m Metadata,
    name: Option<&str>,
) -> Result<Option<&'m Column>, MetadataError> {
    named_or(metadata, name, default_column)
}

/// The column that names the points when none is asked for: `word` (word vectors) if there
/// is one, else the first text column that is [`mostly_distinct`]; `None`: the points are
/// called by their index.
pub fn default_label_column(metadata: &Metadata) -> Option<&Column> {
    let columns = metadata.columns();
    columns.iter().find(|c| c.name == "word").or_else(|| {
        columns
            .iter()
            .find(|c| matches!(c.values, Values::Text(_)) && mostly_distinct(c))
    })
}

/// Each point's name in `column` (its value as text; missing values an empty name, drawn as
/// nothing).
pub fn point_names(column: &Column) -> Vec<String> {
    (0..column.values.len())
        .map(|i| column.values.display(i).unwrap_or_default())
        .collect()
}

/// The column `name` (`--label-by`) if given, else [`default_label_column`]'s.
pub fn label_column<'m>(
    metadata: &'m Metadata,
    name: Option<&str>,
) -> Result<Option<&'m Column>, MetadataError> {
    named_or(metadata, name, default_label_column)
}

/// How the points of a picture are coloured.
#[derive(Debug, Clone, PartialEq)]
pub enum Colouring {
    /// No metadata column: one colour for all.
    Single,
    /// One colour per class.
    Categorical(Categories),
    /// A colour map over a numeric column.
    Continuous(Scale),
}

/// The classes of a categorical column.
#[derive(Debug, Clone, PartialEq)]
pub struct Categories {
    /// The column's name.
    pub column: String,
    /// Legend entries: the coloured classes in natural order, then "other" (if any), then
    /// "(missing)" (if any).
    pub classes: Vec<Class>,
    /// Per point, its entry in `classes`.
    pub of_point: Vec<u16>,
}

/// What a legend entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// One value of the column.
    Value,
    /// Several values gathered because the palette ran out (`members` of them).
    Other {
        /// How many distinct values were gathered.
        members: usize,
    },
    /// Points whose value is missing.
    Missing,
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    /// The value as written (e.g. `setosa`, `7`), or `other (12 classes)`, or `(missing)`.
    pub name: String,
    /// Points in the entry.
    pub count: usize,
    /// Its colour.
    pub colour: Rgb,
    /// A value, "other" or missing.
    pub kind: ClassKind,
}

impl Class {
    /// The legend text: the name with the count, e.g. `setosa (50)`, `other (11 classes, 340)`,
    /// `(missing, 5)`; counts of 10,000 and more are grouped by thousands.
    pub fn label(&self) -> String {
        let count = group_thousands(self.count);
        match self.kind {
            ClassKind::Value => format!("{} ({count})", self.name),
            ClassKind::Other { members } => format!("other ({members} classes, {count})"),
            ClassKind::Missing => format!("(missing, {count})"),
        }
    }
}

/// `n` grouped by thousands with commas, from 10,000 up (`9999`, `10,000`, `1,234,567`).
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    if n < 10_000 {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A continuous colour scale over a numeric column.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    /// The column's name.
    pub column: String,
    /// Per point, its value; NaN when missing.
    pub values: Vec<f64>,
    /// The smallest present value.
    pub min: f64,
    /// The largest present value.
    pub max: f64,
}

impl Scale {
    /// Where `value` lies from `min` (0) to `max` (1); 0.5 when they are equal; `None` for NaN.
    fn position(&self, value: f64) -> Option<f64> {
        if value.is_nan() {
            None
        } else if self.max > self.min {
            Some(((value - self.min) / (self.max - self.min)).clamp(0.0, 1.0))
        } else {
            Some(0.5)
        }
    }

    /// The colour of `value` (viridis from `min` to `max`; [`MISSING`] for NaN).
    pub fn colour(&self, value: f64) -> Rgb {
        self.position(value).map_or(MISSING, viridis)
    }

    /// The colour of `value` on [`viridis_ramp`]`(steps)` (the nearest step), for pictures with
    /// a fixed palette (GIFs); [`MISSING`] for NaN.
    pub fn stepped_colour(&self, value: f64, steps: usize) -> Rgb {
        let last = steps.max(2) - 1;
        self.position(value).map_or(MISSING, |t| {
            viridis((t * last as f64).round() / last as f64)
        })
    }
}

impl Colouring {
    /// The colouring of `column` (or [`Colouring::Single`] without one), by the rule in the
    /// module documentation.
    pub fn from_column(column: Option<&Column>) -> Self {
        let Some(column) = column else {
            return Self::Single;
        };
        let values = &column.values;
        let n = values.len();
        let distinct = value_counts(values);
        if !is_categorical(values, distinct.len()) {
            let values: Vec<f64> = (0..n)
                .map(|i| values.number(i).unwrap_or(f64::NAN))
                .collect();
            let present = values.iter().copied().filter(|v| !v.is_nan());
            let min = present.clone().fold(f64::INFINITY, f64::min);
            let max = present.fold(f64::NEG_INFINITY, f64::max);
            return Self::Continuous(Scale {
                column: column.name.clone(),
                values,
                min,
                max,
            });
        }
        Self::Categorical(categories(column, distinct))
    }

    /// The number of points the colouring is for; `None` for [`Colouring::Single`], which
    /// fits any number.
    pub fn points(&self) -> Option<usize> {
        match self {
            Self::Single => None,
            Self::Categorical(c) => Some(c.of_point.len()),
            Self::Continuous(s) => Some(s.values.len()),
        }
    }

    /// The colour of point `i`.
    pub fn colour(&self, i: usize) -> Rgb {
        match self {
            Self::Single => SINGLE,
            Self::Categorical(c) => c.classes[usize::from(c.of_point[i])].colour,
            Self::Continuous(s) => s.colour(s.values[i]),
        }
    }

    /// The colour of point `i`, a continuous scale cut to `steps` colours
    /// ([`Scale::stepped_colour`]); categorical and single colours are unchanged.
    pub fn stepped_colour(&self, i: usize, steps: usize) -> Rgb {
        match self {
            Self::Continuous(s) => s.stepped_colour(s.values[i], steps),
            _ => self.colour(i),
        }
    }
}

/// Natural order of two values of a column: numerically when both are numbers.
fn natural(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

fn categories(column: &Column, counts: HashMap<String, usize>) -> Categories {
    let values = &column.values;
    let mut names: Vec<(String, usize)> = counts.into_iter().collect();
    names.sort_by(|a, b| natural(&a.0, &b.0));
    let kept: Vec<(String, usize)> = if names.len() <= PALETTE.len() {
        names.clone()
    } else {
        let mut by_size = names.clone();
        // Stable: equal counts stay in natural order.
        by_size.sort_by_key(|e| std::cmp::Reverse(e.1));
        by_size.truncate(PALETTE.len() - 1);
        by_size.sort_by(|a, b| natural(&a.0, &b.0));
        by_size
    };
    let mut classes: Vec<Class> = kept
        .iter()
        .enumerate()
        .map(|(rank, (name, count))| Class {
            name: name.clone(),
            count: *count,
            colour: PALETTE[rank],
            kind: ClassKind::Value,
        })
        .collect();
    let index: HashMap<&str, u16> = kept
        .iter()
        .enumerate()
        .map(|(k, (name, _))| (name.as_str(), k as u16))
        .collect();
    let gathered = names.len() - kept.len();
    let other = (gathered > 0).then(|| {
        classes.push(Class {
            name: format!("other ({gathered} classes)"),
            count: 0,
            colour: OTHER,
            kind: ClassKind::Other { members: gathered },
        });
        (classes.len() - 1) as u16
    });
    let missing_count = values.missing();
    let missing = (missing_count > 0).then(|| {
        classes.push(Class {
            name: "(missing)".into(),
            count: missing_count,
            colour: MISSING,
            kind: ClassKind::Missing,
        });
        (classes.len() - 1) as u16
    });
    let of_point: Vec<u16> = (0..values.len())
        .map(|i| match values.display(i) {
            None => missing.expect("a missing value was counted"),
            Some(v) => match index.get(v.as_str()) {
                Some(&k) => k,
                None => other.expect("a value outside the kept classes"),
            },
        })
        .collect();
    if let Some(o) = other {
        classes[usize::from(o)].count = of_point.iter().filter(|&&k| k == o).count();
    }
    Categories {
        column: column.name.clone(),
        classes,
        of_point,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::metadata::Metadata;

    fn text_column(values: &[Option<&str>]) -> Column {
        Column {
            name: "c".into(),
            values: Values::Text(values.iter().map(|v| v.map(str::to_string)).collect()),
        }
    }

    #[test]
    fn default_column_groups_the_points() {
        let n = 200;
        let col = |name: &str, values: Values| Column {
            name: name.into(),
            values,
        };
        let word = col(
            "word",
            Values::Text((0..n).map(|i| Some(format!("w{i}"))).collect()),
        );
        let pos = col(
            "pos",
            Values::Text(
                (0..n)
                    .map(|i| Some(["noun", "verb"][i % 2].into()))
                    .collect(),
            ),
        );
        let many = col(
            "many",
            Values::Text((0..n).map(|i| Some(format!("c{}", i % 60))).collect()),
        );
        let mass = col(
            "mass",
            Values::Float((0..n).map(|i| Some((i % 100) as f64 * 1.5)).collect()),
        );
        let id = col(
            "id",
            Values::Integer((0..n).map(|i| Some(i as i64)).collect()),
        );
        let one = col("one", Values::Text(vec![Some("x".into()); n]));
        let meta =
            |cols: Vec<&Column>| Metadata::new(n, cols.into_iter().cloned().collect()).unwrap();
        let pick = |m: &Metadata| default_column(m).map(|c| c.name.clone());
        // Unique words are skipped for the part of speech, wherever it stands.
        assert_eq!(pick(&meta(vec![&word, &id, &pos])).as_deref(), Some("pos"));
        // 60 classes or a single one do not make a default; a numeric column does.
        assert_eq!(
            pick(&meta(vec![&many, &one, &mass])).as_deref(),
            Some("mass")
        );
        // Ids and names only: one colour.
        assert_eq!(pick(&meta(vec![&word, &id])), None);
        assert!(mostly_distinct(&word) && mostly_distinct(&id) && !mostly_distinct(&pos));
        // An explicit column is taken as it is, and a wrong name is an error.
        let m = meta(vec![&word, &pos]);
        assert_eq!(
            colour_column(&m, Some("word")).unwrap().unwrap().name,
            "word"
        );
        assert!(colour_column(&m, Some("nope")).is_err());
        // Names: the word, else the first mostly distinct text column, else none.
        let name = |m: &Metadata| default_label_column(m).map(|c| c.name.clone());
        assert_eq!(name(&meta(vec![&pos, &id, &word])).as_deref(), Some("word"));
        let title = col(
            "title",
            Values::Text((0..n).map(|i| Some(format!("t{i}"))).collect()),
        );
        assert_eq!(
            name(&meta(vec![&pos, &id, &title])).as_deref(),
            Some("title")
        );
        assert_eq!(name(&meta(vec![&pos, &id])), None);
        assert_eq!(label_column(&m, Some("pos")).unwrap().unwrap().name, "pos");
    }

    #[test]
    fn digits_keep_tableau_colours_in_numeric_order() {
        let labels: Vec<u8> = (0..30).map(|i| (29 - i) % 11 % 10).collect();
        let m = Metadata::from_labels(&labels);
        let Colouring::Categorical(c) = Colouring::from_column(m.columns().first()) else {
            panic!("labels are categorical");
        };
        let names: Vec<&str> = c.classes.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        for (k, class) in c.classes.iter().enumerate() {
            assert_eq!(class.colour, CLASS_COLOURS[k]);
        }
        for (i, &l) in labels.iter().enumerate() {
            assert_eq!(c.of_point[i], u16::from(l));
        }
        assert_eq!(c.classes.iter().map(|k| k.count).sum::<usize>(), 30);
    }

    #[test]
    fn beyond_the_palette_the_largest_classes_keep_colours_and_the_rest_is_other() {
        // 30 classes: class k has 100 - k points, so classes 0..19 are the largest.
        let mut v: Vec<Option<String>> = Vec::new();
        for k in 0..30 {
            v.extend(std::iter::repeat_n(Some(format!("class-{k:02}")), 100 - k));
        }
        v.push(None);
        let col = Column {
            name: "kind".into(),
            values: Values::Text(v.clone()),
        };
        let Colouring::Categorical(c) = Colouring::from_column(Some(&col)) else {
            panic!("text is categorical");
        };
        assert_eq!(c.classes.len(), 21, "19 classes, other, missing");
        assert_eq!(c.classes[0].name, "class-00");
        assert_eq!(c.classes[18].name, "class-18");
        assert_eq!(c.classes[19].kind, ClassKind::Other { members: 11 });
        assert_eq!(
            c.classes[19].count,
            (19..30).map(|k| 100 - k).sum::<usize>()
        );
        assert_eq!(c.classes[20].kind, ClassKind::Missing);
        assert_eq!(c.classes[20].count, 1);
        let colours: std::collections::HashSet<Rgb> =
            c.classes[..19].iter().map(|k| k.colour).collect();
        assert_eq!(colours.len(), 19);
        assert_eq!(c.of_point.len(), v.len());
        assert_eq!(
            Colouring::Categorical(c.clone()).colour(v.len() - 1),
            MISSING
        );
    }

    #[test]
    fn many_distinct_numbers_are_continuous() {
        let col = Column {
            name: "score".into(),
            values: Values::Float(
                (0..100)
                    .map(|i| Some(i as f64 / 10.0))
                    .chain([None])
                    .collect(),
            ),
        };
        let Colouring::Continuous(s) = Colouring::from_column(Some(&col)) else {
            panic!("100 distinct floats are continuous");
        };
        assert_eq!((s.min, s.max), (0.0, 9.9));
        assert_eq!(s.colour(0.0), VIRIDIS[0]);
        assert_eq!(s.colour(9.9), VIRIDIS[8]);
        assert_eq!(s.colour(f64::NAN), MISSING);
        let ramp = viridis_ramp(32);
        assert_eq!((ramp[0], ramp[31]), (VIRIDIS[0], VIRIDIS[8]));
        assert_eq!(s.stepped_colour(9.9, 32), VIRIDIS[8]);
        assert!(ramp.contains(&s.stepped_colour(3.3, 32)));
        assert_eq!(s.stepped_colour(f64::NAN, 32), MISSING);
        assert_eq!(group_thousands(9999), "9999");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        let few = text_column(&[Some("b"), Some("a"), Some("b")]);
        let Colouring::Categorical(c) = Colouring::from_column(Some(&few)) else {
            panic!("text is categorical");
        };
        assert_eq!(c.of_point, [1, 0, 1]);
        assert_eq!(Colouring::from_column(None).colour(5), SINGLE);
    }
}
