//! Which maps a view computes (`--maps tsne2,tsne3,pca,umap2`), and the default that keeps a
//! big view fast.
//!
//! Every map costs time: the 2-D t-SNE most of a view's, the 3-D t-SNE about as much again, the
//! PCA map almost nothing once the view's one PCA ran, UMAP a fraction of the 2-D t-SNE. The
//! default draws the 2-D and 3-D t-SNE and the PCA map up to [`BIG_VIEW`] points and leaves the
//! 3-D t-SNE out above (a million points: about 7 minutes less); UMAP is drawn when asked for.

use std::fmt;
use std::str::FromStr;

use crate::reduce::ReduceError;

/// Above this many points the default leaves the 3-D t-SNE out.
pub const BIG_VIEW: usize = 250_000;

/// One of the maps a view can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMap {
    /// The 2-D t-SNE (the stills, the unfolding GIF, the image map).
    Tsne2,
    /// The 3-D t-SNE (the turning GIF, the page's 3-D tab).
    Tsne3,
    /// The first 3 principal components (the PC1-PC2 still, the turning GIF).
    Pca,
    /// The 2-D UMAP.
    Umap2,
}

impl ViewMap {
    /// Every map, in the order the view computes and shows them.
    pub const ALL: [ViewMap; 4] = [Self::Tsne2, Self::Tsne3, Self::Pca, Self::Umap2];

    /// Its name in `--maps`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tsne2 => "tsne2",
            Self::Tsne3 => "tsne3",
            Self::Pca => "pca",
            Self::Umap2 => "umap2",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A non-empty set of maps.
///
/// ```
/// use embedscope::pipeline::view::{MapChoice, ViewMap};
/// let maps: MapChoice = "pca,tsne2".parse()?;
/// assert!(maps.contains(ViewMap::Tsne2) && !maps.contains(ViewMap::Tsne3));
/// assert_eq!(maps.to_string(), "tsne2,pca");
/// assert!(!MapChoice::default_for(1_000_000).contains(ViewMap::Tsne3));
/// assert!("tsne2,mds".parse::<MapChoice>().is_err());
/// # Ok::<(), embedscope::reduce::ReduceError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapChoice(u8);

impl MapChoice {
    /// The default for `n` points: t-SNE 2-D, t-SNE 3-D and PCA, without the 3-D t-SNE above
    /// [`BIG_VIEW`] points.
    pub fn default_for(n: usize) -> Self {
        let mut maps = [ViewMap::Tsne2, ViewMap::Pca].to_vec();
        if n <= BIG_VIEW {
            maps.push(ViewMap::Tsne3);
        }
        Self::of(&maps)
    }

    /// The maps of a view of `n` points: `asked`, or the default with a note when the default
    /// leaves a map out.
    pub(super) fn resolve(asked: Option<MapChoice>, n: usize) -> (MapChoice, Option<String>) {
        if let Some(maps) = asked {
            return (maps, None);
        }
        let maps = Self::default_for(n);
        let note = (!maps.contains(ViewMap::Tsne3)).then(|| {
            format!(
                "{n} points: the 3-D t-SNE map is left out by default above {BIG_VIEW} points \
                 (it takes about as long as the 2-D map again); `--maps {maps},tsne3` draws it"
            )
        });
        (maps, note)
    }

    /// The set of `maps` (at least one).
    fn of(maps: &[ViewMap]) -> Self {
        Self(maps.iter().fold(0, |bits, m| bits | m.bit()))
    }

    /// Whether `map` is in the set.
    pub fn contains(self, map: ViewMap) -> bool {
        self.0 & map.bit() != 0
    }

    /// The maps of the set, in [`ViewMap::ALL`]'s order.
    pub fn maps(self) -> impl Iterator<Item = ViewMap> {
        ViewMap::ALL.into_iter().filter(move |&m| self.contains(m))
    }
}

impl FromStr for MapChoice {
    type Err = ReduceError;

    /// A comma-separated list of map names, in any order, each at most once.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |problem: String| ReduceError::InvalidParam {
            param: "maps",
            value: s.to_string(),
            problem,
        };
        let mut maps = Vec::new();
        for name in s.split(',').map(str::trim) {
            let map = ViewMap::ALL
                .into_iter()
                .find(|m| m.name() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = ViewMap::ALL.iter().map(|m| m.name()).collect();
                    invalid(format!(
                        "unknown map '{name}' (the maps are {})",
                        known.join(", ")
                    ))
                })?;
            if maps.contains(&map) {
                return Err(invalid(format!("'{name}' is named twice")));
            }
            maps.push(map);
        }
        Ok(Self::of(&maps))
    }
}

impl fmt::Display for MapChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.maps().map(ViewMap::name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_drops_the_3d_map_only_above_the_big_view() {
        let small = MapChoice::default_for(BIG_VIEW);
        assert_eq!(small.to_string(), "tsne2,tsne3,pca");
        let big = MapChoice::default_for(BIG_VIEW + 1);
        assert_eq!(big.to_string(), "tsne2,pca");
    }

    #[test]
    fn a_default_that_leaves_a_map_out_says_so_and_an_asked_set_is_kept() {
        let (maps, note) = MapChoice::resolve(None, 1_000_000);
        assert_eq!(maps.to_string(), "tsne2,pca");
        let note = note.expect("a note");
        assert!(note.contains("`--maps tsne2,pca,tsne3`"), "{note}");
        assert_eq!(MapChoice::resolve(None, 10).1, None);
        let asked: MapChoice = "tsne3".parse().unwrap();
        assert_eq!(MapChoice::resolve(Some(asked), 1_000_000), (asked, None));
    }

    #[test]
    fn lists_parse_in_any_order_and_bad_ones_are_named() {
        let all: MapChoice = " umap2,pca , tsne3,tsne2".parse().unwrap();
        assert_eq!(all.to_string(), "tsne2,tsne3,pca,umap2");
        let err = "tsne2,tsne2".parse::<MapChoice>().unwrap_err().to_string();
        assert!(err.contains("'tsne2' is named twice"), "{err}");
        let err = "".parse::<MapChoice>().unwrap_err().to_string();
        assert!(err.contains("unknown map ''"), "{err}");
        let err = "tsne,pca".parse::<MapChoice>().unwrap_err().to_string();
        assert!(
            err.starts_with("maps tsne,pca: unknown map 'tsne'"),
            "{err}"
        );
        assert!(err.contains("tsne2, tsne3, pca, umap2"), "{err}");
    }
}
