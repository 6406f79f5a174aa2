//! Build script: make `embedscope-torch` find libtorch at run time without `LD_LIBRARY_PATH`,
//! and keep libtorch out of `embedscope`.
//!
//! `torch-sys` (links = "tch") exports the directory of the libtorch it linked as
//! `DEP_TCH_LIBTORCH_LIB`. Every target gets it as an rpath (which loads nothing by itself).
//! Only `embedscope-torch` links libtorch: `libtorch_cpu` first among its libraries, so BLAS
//! calls resolve to its MKL (after Debian's OpenBLAS, which ndarray-linalg needs, training was
//! 3x slower, measured), and `libtorch_cuda` explicitly when it exists (with `--as-needed`
//! nothing references it directly, so it would be dropped and CUDA never found). `embedscope`
//! references no libtorch symbol, so `--as-needed` drops the libraries torch-sys names: it
//! starts without loading libtorch.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_TORCH").is_none() {
        return;
    }
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!(
            "cargo:warning=DEP_TCH_LIBTORCH_LIB not set: the binary will need LD_LIBRARY_PATH"
        );
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    println!("cargo:rustc-link-search=native={lib}");
    let bin = "cargo:rustc-link-arg-bin=embedscope-torch";
    let cuda = if Path::new(&lib).join("libtorch_cuda.so").exists() {
        ",-ltorch_cuda"
    } else {
        ""
    };
    println!("{bin}=-Wl,--push-state,--no-as-needed,-ltorch_cpu{cuda},--pop-state");
}
