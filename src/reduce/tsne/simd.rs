//! The one choice of how the t-SNE kernels sum their [`LANES`] float32 lanes: in one AVX
//! register where the CPU has AVX, else in plain arrays ("portable"). Both ways do the same
//! operations in the same order (no fused multiply-adds), so they give the same bits.
//!
//! The choice is made once per process, by [`Lanes::chosen`], from the CPU and the environment
//! variable [`SIMD_VAR`] (`EMBEDSCOPE_SIMD`):
//!
//! - unset, empty or `auto`: AVX where the CPU has it, else portable;
//! - `portable`: the portable lanes even on an AVX CPU (to check that both give the same
//!   results, or to rule the vector code out);
//! - anything else: [`ReduceError::Environment`], returned when a t-SNE run starts.
//!
//! The variable is read at the first call only; later changes to it are not seen.
//!
//! Each kernel implements `LaneKernel` (a portable and an AVX version of one sum), and
//! `Lanes::run` is the single place that picks the version. An AVX [`Lanes`] value can only
//! be made by the detection, which is what makes calling the AVX versions sound.

use std::ffi::OsStr;
use std::sync::OnceLock;

use crate::reduce::ReduceError;

/// The environment variable that picks the lanes: unset, empty or `auto` (the fastest the CPU
/// has) or `portable`.
pub(crate) const SIMD_VAR: &str = "EMBEDSCOPE_SIMD";

/// Float32 lanes per sum: one 256-bit AVX register.
pub(crate) const LANES: usize = 8;

/// How the kernels sum their lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lanes {
    /// Plain arrays of [`LANES`] floats, on any CPU.
    Portable,
    /// One AVX register; only [`Lanes::chosen`] makes this value, after finding AVX.
    #[cfg(target_arch = "x86_64")]
    Avx(AvxFound),
}

/// Proof that this CPU has AVX: only the detection can make one.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvxFound(());

/// A sum over [`LANES`] float32 lanes, written twice: with arrays and with AVX intrinsics.
/// Both versions must give the same bits.
pub(crate) trait LaneKernel {
    /// What the sum returns.
    type Output;

    /// The sum with arrays as lanes.
    fn portable(&self) -> Self::Output;

    /// The sum with the lanes in one AVX register.
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx(&self) -> Self::Output;
}

impl Lanes {
    /// The lanes of this process: on the first call, the fastest the CPU has, unless
    /// [`SIMD_VAR`] says `portable`; [`ReduceError::Environment`] when [`SIMD_VAR`] holds
    /// anything but nothing, `auto` or `portable`. Later calls give the first call's answer.
    pub fn chosen() -> Result<Self, ReduceError> {
        static CHOICE: OnceLock<Result<Lanes, String>> = OnceLock::new();
        CHOICE
            .get_or_init(|| choose(std::env::var_os(SIMD_VAR).as_deref()))
            .clone()
            .map_err(refusal)
    }

    /// The fastest lanes this CPU has.
    fn fastest() -> Self {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            return Self::Avx(AvxFound(()));
        }
        Self::Portable
    }

    /// Every kind of lanes this CPU can run, portable first (just portable without AVX).
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Self> {
        let mut all = vec![Self::Portable];
        all.extend(Some(Self::fastest()).filter(|&l| l != Self::Portable));
        all
    }

    /// Runs `kernel` in these lanes.
    #[inline]
    pub(crate) fn run<K: LaneKernel>(self, kernel: &K) -> K::Output {
        match self {
            Self::Portable => kernel.portable(),
            // SAFETY: an `Avx` value is only made once AVX has been found.
            #[cfg(target_arch = "x86_64")]
            Self::Avx(_) => unsafe { kernel.avx() },
        }
    }
}

/// The lanes a value of [`SIMD_VAR`] asks for (`None`: unset); the value itself, as text, when
/// it is not one of the accepted ones.
fn choose(value: Option<&OsStr>) -> Result<Lanes, String> {
    let Some(value) = value else {
        return Ok(Lanes::fastest());
    };
    match value.to_str() {
        Some("" | "auto") => Ok(Lanes::fastest()),
        Some("portable") => Ok(Lanes::Portable),
        _ => Err(value.to_string_lossy().into_owned()),
    }
}

/// The error for a value of [`SIMD_VAR`] that is not accepted.
fn refusal(value: String) -> ReduceError {
    ReduceError::Environment {
        var: SIMD_VAR,
        value,
        problem: "must be unset, auto or portable".into(),
    }
}

/// The float64 sum of float32 lanes, lane 0 first: how every kernel totals its lanes.
pub(crate) fn lanes_total(lanes: &[f32; LANES]) -> f64 {
    lanes.iter().map(|&v| f64::from(v)).sum()
}

/// The lanes of an AVX register as an array, lane 0 first.
///
/// # Safety
/// The CPU must support AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
pub(crate) unsafe fn avx_lanes(v: std::arch::x86_64::__m256) -> [f32; LANES] {
    let mut out = [0f32; LANES];
    // SAFETY: `out` holds 8 floats; the caller guarantees AVX.
    unsafe { std::arch::x86_64::_mm256_storeu_ps(out.as_mut_ptr(), v) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_accepts_auto_and_portable_only() {
        let fastest = Lanes::fastest();
        assert_eq!(choose(None), Ok(fastest));
        assert_eq!(choose(Some(OsStr::new(""))), Ok(fastest));
        assert_eq!(choose(Some(OsStr::new("auto"))), Ok(fastest));
        assert_eq!(choose(Some(OsStr::new("portable"))), Ok(Lanes::Portable));
        for bad in ["avx", "Portable", " portable", "scalar"] {
            assert_eq!(choose(Some(OsStr::new(bad))), Err(bad.to_string()));
        }
    }

    #[test]
    fn the_error_names_the_variable_and_its_values() {
        assert_eq!(
            refusal("avx512".into()).to_string(),
            "EMBEDSCOPE_SIMD=avx512: must be unset, auto or portable"
        );
    }

    /// AVX lanes are available exactly when the CPU reports AVX (always the portable ones).
    #[test]
    fn available_lanes_follow_the_cpu() {
        let all = Lanes::available();
        assert_eq!(all[0], Lanes::Portable);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            all.len(),
            1 + usize::from(std::arch::is_x86_feature_detected!("avx"))
        );
        #[cfg(not(target_arch = "x86_64"))]
        assert_eq!(all.len(), 1);
    }
}
