//! t-SNE (provisional).
pub mod observer;
