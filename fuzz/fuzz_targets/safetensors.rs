//! The safetensors header check that `encode --model` runs before libtorch reads the weights.
//! Every accepted header's tensors must tile the file's data exactly.
#![no_main]

use std::path::Path;

use embedscope::data::safetensors::{dtype_size, parse_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tensors) = parse_header(Path::new("fuzz.safetensors"), data, data.len() as u64) {
        let header = u64::from_le_bytes(data[..8].try_into().unwrap());
        let bytes: u64 = tensors
            .iter()
            .map(|t| {
                let size = dtype_size(&t.dtype).expect("accepted dtypes are known");
                t.shape.iter().map(|&d| d as u64).product::<u64>() * size
            })
            .sum();
        assert_eq!(8 + header + bytes, data.len() as u64);
    }
});
