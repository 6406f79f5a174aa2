//! The autoencoder network.
//!
//! Two architectures, both ending in a linear `code_dim`-d code and a mirrored decoder whose
//! logits go through a sigmoid to give pixels in `[0, 1]`:
//! - `dense`: `pixels -> 512 -> 256 -> code -> 256 -> 512 -> pixels` (ReLU between layers);
//! - `conv`: two stride-2 3x3 convolutions (32, 64 channels) -> linear code, mirrored with
//!   transposed convolutions (image sides must be multiples of 4).
//!
//! Weights are saved as safetensors. The file is self-describing: the architecture, layer sizes
//! and image shape are read back from the tensor names and shapes (plus a non-trainable
//! `meta.input_shape` tensor), so `encode` needs nothing but the file.

use std::path::Path;

use tch::nn::{self, Module};
use tch::{Device, Kind, Reduction, Tensor};

use crate::model::error::ModelError;

/// The network family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// Fully connected layers.
    #[default]
    Dense,
    /// Convolutional encoder and transposed-convolution decoder.
    Conv,
}

/// Everything needed to build the network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelSpec {
    /// The network family.
    pub arch: Arch,
    /// Image rows.
    pub rows: usize,
    /// Image columns.
    pub cols: usize,
    /// Hidden layer widths of the dense encoder (mirrored by the decoder).
    pub hidden: Vec<usize>,
    /// Dimension of the code.
    pub code_dim: usize,
}

const CONV_CHANNELS: [i64; 2] = [32, 64];
const DENSE_HIDDEN: [usize; 2] = [512, 256];

impl ModelSpec {
    /// The default network for `rows x cols` images.
    pub fn new(arch: Arch, rows: usize, cols: usize, code_dim: usize) -> Result<Self, ModelError> {
        if code_dim == 0 {
            return Err(ModelError::Param {
                param: "code_dim",
                problem: "must be at least 1".into(),
            });
        }
        if arch == Arch::Conv && (rows % 4 != 0 || cols % 4 != 0) {
            return Err(ModelError::Param {
                param: "arch",
                problem: format!(
                    "conv needs image sides that are multiples of 4, got {rows}x{cols}"
                ),
            });
        }
        Ok(Self {
            arch,
            rows,
            cols,
            hidden: if arch == Arch::Dense {
                DENSE_HIDDEN.to_vec()
            } else {
                Vec::new()
            },
            code_dim,
        })
    }

    /// Pixels per image.
    pub fn input_dim(&self) -> usize {
        self.rows * self.cols
    }

    /// Reads the spec back from the tensors of a saved model.
    pub fn infer(path: &Path, tensors: &[(String, Tensor)]) -> Result<Self, ModelError> {
        let bad = |problem: String| ModelError::BadModelFile {
            path: path.to_path_buf(),
            problem,
        };
        let shape = |name: &str| {
            tensors
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.size())
                .ok_or_else(|| bad(format!("tensor '{name}' is missing")))
        };
        let input: Vec<f32> = tensors
            .iter()
            .find(|(n, _)| n == "meta.input_shape")
            .map(|(_, t)| Vec::<f32>::try_from(t.to_kind(Kind::Float).view(-1)))
            .ok_or_else(|| bad("tensor 'meta.input_shape' is missing".into()))?
            .map_err(|e| bad(format!("meta.input_shape: {e}")))?;
        let [rows, cols] = input[..] else {
            return Err(bad("meta.input_shape must hold 2 values".into()));
        };
        let (rows, cols) = (rows as usize, cols as usize);
        if tensors.iter().any(|(n, _)| n == "enc_conv1.weight") {
            let code_dim = shape("enc_fc.weight")?[0] as usize;
            return Ok(Self {
                arch: Arch::Conv,
                rows,
                cols,
                hidden: Vec::new(),
                code_dim,
            });
        }
        let mut hidden = Vec::new();
        let mut i = 0;
        while let Ok(s) = shape(&format!("enc{i}.weight")) {
            hidden.push(s[0] as usize);
            i += 1;
        }
        let code_dim = hidden
            .pop()
            .ok_or_else(|| bad("no encoder layers (enc0.weight) found".into()))?;
        Ok(Self {
            arch: Arch::Dense,
            rows,
            cols,
            hidden,
            code_dim,
        })
    }
}

/// The autoencoder: an encoder to the code and a decoder to pixel logits.
#[derive(Debug)]
pub struct Autoencoder {
    /// The network's spec.
    pub spec: ModelSpec,
    encoder: nn::Sequential,
    decoder: nn::Sequential,
}

impl Autoencoder {
    /// Builds the network's variables under `vs`.
    pub fn new(vs: &nn::Path, spec: &ModelSpec) -> Self {
        let (r, c) = (spec.rows as i64, spec.cols as i64);
        let mut meta = (vs / "meta").zeros_no_train("input_shape", &[2]);
        tch::no_grad(|| meta.copy_(&Tensor::from_slice(&[r as f32, c as f32])));
        let code = spec.code_dim as i64;
        let (encoder, decoder) = match spec.arch {
            Arch::Dense => {
                let mut widths = vec![spec.input_dim() as i64];
                widths.extend(spec.hidden.iter().map(|&h| h as i64));
                widths.push(code);
                let layers = widths.len() - 1;
                let mut enc = nn::seq();
                for (i, w) in widths.windows(2).enumerate() {
                    enc = enc.add(nn::linear(
                        vs / format!("enc{i}"),
                        w[0],
                        w[1],
                        Default::default(),
                    ));
                    if i + 1 < layers {
                        enc = enc.add_fn(|x| x.relu());
                    }
                }
                let mut dec = nn::seq();
                for (i, w) in widths
                    .iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .windows(2)
                    .enumerate()
                {
                    dec = dec.add(nn::linear(
                        vs / format!("dec{i}"),
                        *w[0],
                        *w[1],
                        Default::default(),
                    ));
                    if i + 1 < layers {
                        dec = dec.add_fn(|x| x.relu());
                    }
                }
                (enc, dec)
            }
            Arch::Conv => {
                let [c1, c2] = CONV_CHANNELS;
                let (h, w) = (r / 4, c / 4);
                let flat = c2 * h * w;
                let conv = nn::ConvConfig {
                    stride: 2,
                    padding: 1,
                    ..Default::default()
                };
                let deconv = nn::ConvTransposeConfig {
                    stride: 2,
                    padding: 1,
                    output_padding: 1,
                    ..Default::default()
                };
                let enc = nn::seq()
                    .add_fn(move |x| x.view([-1, 1, r, c]))
                    .add(nn::conv2d(vs / "enc_conv1", 1, c1, 3, conv))
                    .add_fn(|x| x.relu())
                    .add(nn::conv2d(vs / "enc_conv2", c1, c2, 3, conv))
                    .add_fn(|x| x.relu().flatten(1, -1))
                    .add(nn::linear(vs / "enc_fc", flat, code, Default::default()));
                let dec = nn::seq()
                    .add(nn::linear(vs / "dec_fc", code, flat, Default::default()))
                    .add_fn(move |x| x.relu().view([-1, c2, h, w]))
                    .add(nn::conv_transpose2d(vs / "dec_deconv1", c2, c1, 3, deconv))
                    .add_fn(|x| x.relu())
                    .add(nn::conv_transpose2d(vs / "dec_deconv2", c1, 1, 3, deconv))
                    .add_fn(move |x| x.view([-1, r * c]));
                (enc, dec)
            }
        };
        Self {
            spec: spec.clone(),
            encoder,
            decoder,
        }
    }

    /// Maps a batch of flattened images (`B x pixels`, values in `[0, 1]`) to codes (`B x code_dim`).
    pub fn encode(&self, x: &Tensor) -> Tensor {
        self.encoder.forward(x)
    }

    /// Mean per-pixel binary cross-entropy between the reconstruction of `x` and `x`.
    pub fn loss(&self, x: &Tensor) -> Tensor {
        let logits = self.decoder.forward(&self.encoder.forward(x));
        logits.binary_cross_entropy_with_logits::<Tensor>(x, None, None, Reduction::Mean)
    }
}

/// Saves the variables of `vs` to `path` (safetensors), atomically, as an ordinary file (0644)
/// like every other output.
pub fn save(vs: &nn::VarStore, path: &Path) -> Result<(), ModelError> {
    embedscope::fsutil::write_atomic_at(path, |tmp| {
        vs.save(tmp)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .map_err(|e| ModelError::torch(format!("saving {}", path.display()))(e.into()))
}

/// Loads a saved model onto `device`, rebuilding the network from the file alone.
///
/// The file's header is checked first ([`embedscope::data::safetensors`]), so libtorch only
/// reads files whose every tensor lies within the file, whatever their header claims.
pub fn load(path: &Path, device: Device) -> Result<(nn::VarStore, Autoencoder), ModelError> {
    embedscope::data::safetensors::read_header(path)?;
    let tensors = Tensor::read_safetensors(path).map_err(|e| ModelError::BadModelFile {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    let spec = ModelSpec::infer(path, &tensors)?;
    let mut vs = nn::VarStore::new(device);
    let model = Autoencoder::new(&vs.root(), &spec);
    vs.load(path).map_err(|e| ModelError::BadModelFile {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    Ok((vs, model))
}
