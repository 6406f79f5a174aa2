//! Device selection: `auto` (CUDA when libtorch sees a GPU, else CPU), `cpu` or `cuda`.

use tch::Device;

use crate::error::ModelError;

/// The user's device choice, before resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// CUDA device 0 when available, otherwise the CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// CUDA device 0; an error when there is none.
    Cuda,
}

impl DeviceChoice {
    /// Resolves the choice to a libtorch device.
    pub fn resolve(self) -> Result<Device, ModelError> {
        match self {
            Self::Auto => Ok(Device::cuda_if_available()),
            Self::Cpu => Ok(Device::Cpu),
            Self::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            Self::Cuda => Err(ModelError::CudaUnavailable),
        }
    }
}

/// A short human name for a device ("cpu", "cuda:0").
pub fn device_name(d: Device) -> String {
    match d {
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}").to_lowercase(),
    }
}
