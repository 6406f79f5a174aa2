//! The view's first stage: the parameters checked against the data, the colourings, the
//! fingerprints every later stage builds on, and the one PCA of the input that serves the
//! pre-reduction of wide inputs, the t-SNE initialisation and the PCA map.

use std::borrow::Cow;

use ndarray::{s, ArrayView2};

use super::output::OutputDir;
use super::report::PreReduction;
use super::stage::Recorded;
use super::{Input, Settings};
use crate::data::metadata::{Column, Metadata};
use crate::export::html::colourings;
use crate::pipeline::cache::Fingerprint;
use crate::reduce::knn::KnnParams;
use crate::reduce::pca::{self, PcaResult};
use crate::reduce::scale::{spread_note, Standardization};
use crate::reduce::tsne::{self, TsneParams, ValidTsneParams};
use crate::render::colouring::{colour_column, default_column, label_column, Colouring};

/// Neighbours per point in the page's k-NN graph (and the 10-NN accuracy).
pub const PAGE_NEIGHBORS: usize = 10;

/// The input as the later stages see it.
pub(super) struct Prepared<'i, 'a> {
    /// The view's input.
    pub input: &'i Input<'a>,
    /// The 2-D and 3-D t-SNE parameters, checked (perplexity lowered when too large).
    pub tsne: [ValidTsneParams; 2],
    /// Choices made for the user.
    pub notes: Vec<String>,
    /// Each metadata column's colouring.
    pub colourings: Vec<Colouring>,
    /// The column that colours the pictures (index into the metadata), if any.
    pub colour: Option<usize>,
    /// Whether that is the default colour column (the stills keep their plain names).
    pub colour_is_default: bool,
    /// The column that names the points on the page (index into the metadata), if any.
    pub label: Option<usize>,
    /// The standardisation the caller applied to the input's columns, if any.
    pub standardized: Option<Standardization>,
    /// Columns the input is reduced to by PCA before t-SNE, when it is wide.
    pub reduce_to: Option<usize>,
    /// Principal components kept from the one PCA: the pre-reduction's, or at least 3.
    components: usize,
    /// The PCA of the input, once computed.
    pca: Option<PcaResult>,
    /// What the vectors t-SNE sees are made from (the input and the pre-reduction).
    pub vectors_fp: Fingerprint,
    /// The input vectors.
    pub input_fp: Fingerprint,
    /// The metadata and the images: what the logs and the page show besides the maps.
    pub points_fp: Fingerprint,
}

impl<'i, 'a> Prepared<'i, 'a> {
    /// Checks `settings` against `input`, lowering a perplexity too large for it (with a note).
    pub(super) fn new(input: &'i Input<'a>, settings: &Settings) -> crate::pipeline::Result<Self> {
        let (n, d) = input.vectors.dim();
        if n < tsne::MIN_POINTS {
            return Err(crate::reduce::ReduceError::TooFewPoints {
                n,
                min: tsne::MIN_POINTS,
            }
            .into());
        }
        let mut notes = Vec::new();
        // Columns on very different scales, or the constant columns standardising left alone.
        notes.extend(match &settings.standardized {
            Some(s) => s.note(),
            None => spread_note(input.vectors),
        });
        let mut params = settings.tsne;
        let largest = (n - 1) as f64 / 3.0;
        if params.perplexity > largest {
            notes.push(format!(
                "perplexity {} is too large for {n} points; using the largest allowed, {:.2} \
                 ((N - 1) / 3)",
                params.perplexity, largest
            ));
            params.perplexity = largest;
        }
        let k = settings.pca_dims;
        let reduce_to = (k > 0 && d > 2 * k).then_some(k);
        let tsne_dims = reduce_to.unwrap_or(d);
        let tsne = [2, 3].map(|dims| TsneParams { dims, ..params });
        let tsne = [tsne[0].check(n)?, tsne[1].check(n)?];
        let index_of = |c: &Column| {
            let columns = input.metadata.columns();
            columns
                .iter()
                .position(|o| o.name == c.name)
                .expect("its own column")
        };
        let default_colour = default_column(input.metadata).map(index_of);
        let colour = match settings.colour_by.as_deref() {
            None => default_colour,
            name => colour_column(input.metadata, name)?.map(index_of),
        };
        let label = label_column(input.metadata, settings.label_by.as_deref())?.map(index_of);
        let input_fp = Fingerprint::new().matrix(input.vectors);
        let vectors_fp = input_fp.field("pre-reduction", tsne_dims);
        let mut points_fp = metadata_fingerprint(input_fp, input.metadata);
        if let Some(images) = &input.images {
            points_fp = points_fp
                .field("images", format!("{}x{}", images.rows, images.cols))
                .bytes(
                    images
                        .pixels
                        .as_standard_layout()
                        .as_slice()
                        .expect("standard"),
                );
        }
        Ok(Self {
            input,
            tsne,
            notes,
            colourings: colourings(input.metadata),
            colour,
            colour_is_default: colour == default_colour,
            label,
            standardized: settings.standardized.clone(),
            reduce_to,
            components: reduce_to.unwrap_or(0).max(3.min(d)),
            pca: None,
            vectors_fp,
            input_fp,
            points_fp,
        })
    }

    /// The colouring of the pictures.
    pub(super) fn colouring(&self) -> Cow<'_, Colouring> {
        match self.colour {
            Some(c) => Cow::Borrowed(&self.colourings[c]),
            None => Cow::Owned(Colouring::Single),
        }
    }

    /// The colour column, if any.
    pub(super) fn colour_column(&self) -> Option<&'a Column> {
        self.colour.map(|c| &self.input.metadata.columns()[c])
    }

    /// The column that names the points, if any.
    pub(super) fn label_column(&self) -> Option<&'a Column> {
        self.label.map(|c| &self.input.metadata.columns()[c])
    }

    /// The PCA of the input (computed on first use).
    pub(super) fn pca(&mut self) -> crate::pipeline::Result<&PcaResult> {
        if self.pca.is_none() {
            self.pca = Some(pca::fit(self.input.vectors, self.components)?);
        }
        Ok(self.pca.as_ref().expect("just computed"))
    }

    /// The vectors t-SNE and the neighbour search see: the input, or its leading principal
    /// components when it is wide (then the PCA must have been computed).
    pub(super) fn vectors(&self) -> ArrayView2<'_, f32> {
        match (self.reduce_to, &self.pca) {
            (None, _) => self.input.vectors,
            (Some(k), Some(p)) => p.projected.slice(s![.., ..k]),
            (Some(_), None) => unreachable!("the pre-reduction needs the PCA"),
        }
    }

    /// The principal-component scores of the vectors t-SNE sees (their PCA initialisation):
    /// the input's, whose leading components are also those of its pre-reduction.
    pub(super) fn scores(&self) -> Option<ArrayView2<'_, f32>> {
        self.pca.as_ref().map(|p| p.projected.view())
    }

    /// The pre-reduction, when the input is wide and the PCA was computed.
    pub(super) fn pre_reduction(&self) -> Option<PreReduction> {
        let (k, p) = (self.reduce_to?, self.pca.as_ref()?);
        Some(PreReduction {
            from_dims: self.input.vectors.ncols(),
            to_dims: k,
            explained_variance: p.cumulative_ratio[k - 1],
        })
    }

    /// The note that describes the pre-reduction.
    pub(super) fn pre_reduction_note(r: &PreReduction) -> String {
        format!(
            "{} input columns reduced to {} by PCA before t-SNE ({:.1}% of the variance kept)",
            r.from_dims,
            r.to_dims,
            100.0 * r.explained_variance
        )
    }

    /// Neighbours per point of the one neighbour search: what t-SNE needs, at least the
    /// page's. The same whichever stages are reused, so the page's prefix never depends on it.
    pub(super) fn graph_k(&self) -> usize {
        let n = self.input.vectors.nrows();
        self.tsne[0].neighbors().max(PAGE_NEIGHBORS.min(n - 1))
    }

    /// The neighbour search's parameters.
    pub(super) fn knn_params(&self) -> KnnParams {
        self.tsne[0].knn_params()
    }

    /// What the neighbour graph is made from: the vectors and the search.
    pub(super) fn graph_fp(&self) -> Fingerprint {
        let (n, _) = self.input.vectors.dim();
        let d = self.reduce_to.unwrap_or(self.input.vectors.ncols());
        let p = self.knn_params();
        self.vectors_fp
            .field("neighbours", self.graph_k())
            .field("neighbour method", p.method.resolve(n, d).name())
            .field("metric", p.metric.name())
            .field("seed", p.seed)
    }
}

/// Mixes in every metadata column: name, kind and values as written.
fn metadata_fingerprint(fp: Fingerprint, metadata: &Metadata) -> Fingerprint {
    metadata.columns().iter().fold(fp, |fp, c| {
        let fp = fp
            .field("column", &c.name)
            .field("numeric", c.values.is_numeric());
        (0..c.values.len()).fold(fp, |fp, i| {
            fp.bytes(c.values.display(i).as_deref().unwrap_or("\u{0}").as_bytes())
        })
    })
}

/// Mixes in what a colouring draws: every point's class or value.
pub(super) fn colouring_fingerprint(fp: Fingerprint, colouring: &Colouring) -> Fingerprint {
    match colouring {
        Colouring::Single => fp.bytes(b"single"),
        Colouring::Categorical(c) => {
            let names: Vec<&str> = c.classes.iter().map(|k| k.name.as_str()).collect();
            let codes: Vec<u8> = c.of_point.iter().flat_map(|k| k.to_le_bytes()).collect();
            fp.bytes(names.join("\t").as_bytes()).bytes(&codes)
        }
        Colouring::Continuous(s) => {
            let values: Vec<u8> = s.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            fp.bytes(s.column.as_bytes()).bytes(&values)
        }
    }
}

/// The stage of the one PCA of the input. Its record keeps the pre-reduction's figures, so a
/// rerun that needs no PCA still reports them.
pub(super) fn components_stage(
    prepared: &Prepared<'_, '_>,
    out: &OutputDir,
) -> Recorded<Option<PreReduction>> {
    let fp = prepared
        .input_fp
        .field("principal components", prepared.components)
        .field("pre-reduction", prepared.reduce_to.unwrap_or(0));
    Recorded::new(out, ("principal components", "components"), Vec::new(), fp)
}
