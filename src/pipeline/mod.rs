//! The pipeline: stages that read inputs and write their outputs to a directory, shared by the
//! single-stage commands (`train`, `encode`, ...) and the `demo` that runs them all.

pub mod cache;
pub mod demo;
pub mod reports;
pub mod train;
