//! Pictures of an embedding: scatter plots (PNG, SVG), digit maps (PNG) and animated GIFs (the
//! t-SNE optimisation unfolding, a 3-D view turning), coloured by any metadata column.
//!
//! Every picture colours its points by a [`colouring::Colouring`] (classes from the 20-colour
//! palette, a viridis scale, or one colour), uses the bundled DejaVu Sans font
//! (`assets/fonts/`, so a picture is identical on every machine) and the same page layout
//! (`canvas`): a bold title and a muted subtitle from the caller (fitted to the width), the
//! plot, and the `legend` on the right (classes with counts, or a colour bar). Long work
//! reports to a [`crate::progress::Progress`]. Every file is written atomically.

pub mod animation;
mod canvas;
pub mod colouring;
pub mod digits;
mod labels;
mod legend;
mod page;
pub mod palette;
pub mod scatter;
mod text;

mod error;
pub use canvas::Layout;
pub use error::RenderError;
pub use page::Rect;
