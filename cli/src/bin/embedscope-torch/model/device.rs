//! Device selection: `auto` (CUDA when libtorch sees a GPU, else CPU), `cpu` or `cuda`.

use tch::Device;

use crate::model::error::ModelError;

/// The user's device choice, before resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
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

/// Sets libtorch's intra-op CPU threads. One is the default of the commands: the autoencoder is
/// small, and libtorch's OpenMP threads collapse when the cores are shared with other work
/// (measured on 2 busy cores: 3.2 s per epoch with 1 thread, 36 s with 2).
pub fn set_cpu_threads(n: usize) -> Result<(), ModelError> {
    if n == 0 {
        return Err(ModelError::Param {
            param: "threads",
            problem: "must be at least 1".into(),
        });
    }
    tch::set_num_threads(i32::try_from(n).unwrap_or(i32::MAX));
    Ok(())
}
