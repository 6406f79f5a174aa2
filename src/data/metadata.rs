//! Per-point metadata: a table of named columns (text, integer or float, with missing values)
//! that travels beside the vectors untouched.
//!
//! This is the TensorBoard projector's model of metadata: any number of columns, each value a
//! string in the file. A column becomes colours only in `render` and `export::html`; here it is
//! data. MNIST labels are the one-column case ([`Metadata::from_labels`]).

/// The values of one column, one per point; `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Free text or category names.
    Text(Vec<Option<String>>),
    /// Whole numbers.
    Integer(Vec<Option<i64>>),
    /// Real numbers (finite).
    Float(Vec<Option<f64>>),
}

impl Values {
    /// Number of values (points).
    pub fn len(&self) -> usize {
        match self {
            Self::Text(v) => v.len(),
            Self::Integer(v) => v.len(),
            Self::Float(v) => v.len(),
        }
    }

    /// True when the column holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for integer and float columns.
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Self::Text(_))
    }

    /// The value of point `i` as the user would write it; `None` when missing.
    pub fn display(&self, i: usize) -> Option<String> {
        match self {
            Self::Text(v) => v[i].clone(),
            Self::Integer(v) => v[i].map(|x| x.to_string()),
            Self::Float(v) => v[i].map(|x| x.to_string()),
        }
    }

    /// The value of point `i` as a number (integer and float columns); `None` when missing or
    /// text.
    pub fn number(&self, i: usize) -> Option<f64> {
        match self {
            Self::Text(_) => None,
            Self::Integer(v) => v[i].map(|x| x as f64),
            Self::Float(v) => v[i],
        }
    }

    /// Number of missing values.
    pub fn missing(&self) -> usize {
        match self {
            Self::Text(v) => v.iter().filter(|x| x.is_none()).count(),
            Self::Integer(v) => v.iter().filter(|x| x.is_none()).count(),
            Self::Float(v) => v.iter().filter(|x| x.is_none()).count(),
        }
    }

    /// The first `n` values only.
    fn truncate(&mut self, n: usize) {
        match self {
            Self::Text(v) => v.truncate(n),
            Self::Integer(v) => v.truncate(n),
            Self::Float(v) => v.truncate(n),
        }
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name (the header cell; `label` for a headerless single column).
    pub name: String,
    /// One value per point.
    pub values: Values,
}

/// The metadata of `len` points: zero or more columns of `len` values each, with distinct names.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    len: usize,
    columns: Vec<Column>,
}

/// Why a set of columns is not a valid [`Metadata`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// A column's length differs from the number of points.
    #[error("column '{name}' has {found} values for {expected} points")]
    Length {
        /// The column.
        name: String,
        /// Number of points.
        expected: usize,
        /// Values in the column.
        found: usize,
    },
    /// Two columns share a name.
    #[error("the column name '{0}' is used twice")]
    Duplicate(String),
    /// `--color-by` (or a caller) named a column that does not exist.
    #[error("no column '{name}'; the columns are: {available}")]
    NoSuchColumn {
        /// The name asked for.
        name: String,
        /// The names there are, comma-separated (or "none").
        available: String,
    },
}

impl Metadata {
    /// No columns for `len` points.
    pub fn empty(len: usize) -> Self {
        Self {
            len,
            columns: Vec::new(),
        }
    }

    /// Checks that every column has `len` values and a distinct name.
    pub fn new(len: usize, columns: Vec<Column>) -> Result<Self, MetadataError> {
        for (k, c) in columns.iter().enumerate() {
            if c.values.len() != len {
                return Err(MetadataError::Length {
                    name: c.name.clone(),
                    expected: len,
                    found: c.values.len(),
                });
            }
            if columns[..k].iter().any(|o| o.name == c.name) {
                return Err(MetadataError::Duplicate(c.name.clone()));
            }
        }
        Ok(Self { len, columns })
    }

    /// One integer column `label` (the MNIST case).
    pub fn from_labels(labels: &[u8]) -> Self {
        Self {
            len: labels.len(),
            columns: vec![Column {
                name: "label".into(),
                values: Values::Integer(labels.iter().map(|&l| Some(i64::from(l))).collect()),
            }],
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column called `name`, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<&Column, MetadataError> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| MetadataError::NoSuchColumn {
                name: name.to_string(),
                available: if self.columns.is_empty() {
                    "none".to_string()
                } else {
                    self.columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })
    }

    /// Adds a column (e.g. the words of a word-vector file) in front of the others.
    pub fn prepend(&mut self, column: Column) -> Result<(), MetadataError> {
        let mut columns = vec![column];
        columns.append(&mut self.columns);
        *self = Self::new(self.len, columns)?;
        Ok(())
    }

    /// Keeps the first `n` points only.
    pub fn truncate(&mut self, n: usize) {
        if n < self.len {
            self.len = n;
            for c in &mut self.columns {
                c.values.truncate(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, v: &[Option<&str>]) -> Column {
        Column {
            name: name.into(),
            values: Values::Text(v.iter().map(|x| x.map(str::to_string)).collect()),
        }
    }

    #[test]
    fn columns_are_checked_for_length_and_names() {
        let a = text("species", &[Some("setosa"), None]);
        let err = Metadata::new(3, vec![a.clone()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column 'species' has 2 values for 3 points"
        );
        let err = Metadata::new(2, vec![a.clone(), a.clone()]).unwrap_err();
        assert_eq!(err.to_string(), "the column name 'species' is used twice");
        let m = Metadata::new(2, vec![a]).unwrap();
        assert_eq!(m.column("species").unwrap().values.missing(), 1);
        assert_eq!(
            m.column("pos").unwrap_err().to_string(),
            "no column 'pos'; the columns are: species"
        );
        assert_eq!(
            Metadata::empty(2).column("x").unwrap_err().to_string(),
            "no column 'x'; the columns are: none"
        );
    }

    #[test]
    fn labels_are_one_integer_column_and_truncate_keeps_lengths() {
        let mut m = Metadata::from_labels(&[3, 1, 4, 1]);
        assert_eq!(m.len(), 4);
        let c = m.column("label").unwrap();
        assert_eq!(c.values.display(2).as_deref(), Some("4"));
        assert_eq!(c.values.number(3), Some(1.0));
        m.prepend(text("word", &[Some("a"), Some("b"), None, Some("d")]))
            .unwrap();
        assert_eq!(m.columns()[0].name, "word");
        m.truncate(2);
        assert_eq!(m.len(), 2);
        assert!(m.columns().iter().all(|c| c.values.len() == 2));
        assert!(m.prepend(text("word", &[Some("x"), Some("y")])).is_err());
    }
}
