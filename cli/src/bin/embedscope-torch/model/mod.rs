//! The model stage: a libtorch (tch) autoencoder that turns each image into a 64-d code.
//!
//! - [`autoencoder`]: the network (dense or convolutional), its spec and saved-file format;
//! - [`train`]: the training loop with a held-out split, observers, and encoding;
//! - [`device`]: `--device auto|cpu|cuda` resolution.

pub mod autoencoder;
pub mod device;
pub mod error;
pub mod train;

pub use autoencoder::Arch;
pub use device::DeviceChoice;
