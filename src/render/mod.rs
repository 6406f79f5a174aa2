//! Pictures of an embedding: label-coloured scatter plots (PNG, SVG), digit maps (PNG) and
//! animated GIFs (the t-SNE optimisation unfolding, a 3-D view turning).
//!
//! Every picture uses the same ten class colours ([`palette`]), the bundled DejaVu Sans font
//! (`assets/fonts/`, so a picture is identical on every machine) and the same page layout
//! ([`canvas`]): a bold title, a muted subtitle with the method and its numbers, the plot, and
//! a legend of class names on the right. Every file is written atomically.

pub mod animation;
pub mod canvas;
pub mod digits;
pub mod palette;
pub mod scatter;
pub mod text;

pub use crate::error::RenderError;
