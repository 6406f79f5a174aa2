//! Build script: make the binary find libtorch at run time without `LD_LIBRARY_PATH`.
//!
//! `torch-sys` (links = "tch") exports the directory of the libtorch it linked as
//! `DEP_TCH_LIBTORCH_LIB`. We add it as an rpath, and link `libtorch_cuda` explicitly when it
//! exists: with `--as-needed` linking nothing references it directly, so it would be dropped and
//! CUDA would never be found. libtorch_cpu is linked first, so BLAS calls resolve to its MKL.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!(
            "cargo:warning=DEP_TCH_LIBTORCH_LIB not set: the binary will need LD_LIBRARY_PATH"
        );
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    // Put libtorch_cpu first among the shared libraries: it exports BLAS symbols (MKL) that
    // libtorch itself calls through the PLT. Linked after Debian's OpenBLAS (which ndarray-linalg
    // needs), those calls went to OpenBLAS's generic kernels: 3x slower training, measured.
    println!("cargo:rustc-link-search=native={lib}");
    println!("cargo:rustc-link-lib=dylib=torch_cpu");
    if Path::new(&lib).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
