//! Training the autoencoder, and encoding a dataset with a trained one.
//!
//! The last 10% of the dataset (in dataset order) is a fixed held-out split: the model never
//! trains on it, and its reconstruction loss is reported after every epoch. Batches are drawn
//! from a per-epoch permutation of the training rows made by a seeded ChaCha generator; together
//! with `tch::manual_seed` this makes a run reproducible on the same device.
//!
//! Progress is reported through [`TrainObserver`]: the progress bar, the `train.json` history
//! and the TensorBoard scalar writer are all observers; the loop knows none of them.

use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

use crate::model::autoencoder::{Arch, Autoencoder, ModelSpec};
use crate::model::error::ModelError;
use embedscope::data::history::{EpochStats, StepLoss, TrainHistory};
use embedscope::interrupt;

/// Validated training parameters.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainConfig {
    /// Passes over the training split.
    pub epochs: usize,
    /// Images per optimisation step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Dimension of the code.
    pub code_dim: usize,
    /// The network family.
    pub arch: Arch,
    /// Seed of the weight initialisation and the batch order.
    pub seed: u64,
    /// Fraction of the data held out (taken from the end, in dataset order).
    pub test_fraction: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 128,
            learning_rate: 1e-3,
            code_dim: 64,
            arch: Arch::Dense,
            seed: 42,
            test_fraction: 0.1,
        }
    }
}

impl TrainConfig {
    /// Checks every parameter, naming the flag at fault.
    pub fn check(self) -> Result<Self, ModelError> {
        let param = |param, problem: &str| {
            Err(ModelError::Param {
                param,
                problem: problem.to_string(),
            })
        };
        if self.epochs == 0 {
            return param("epochs", "must be at least 1");
        }
        if self.batch_size == 0 {
            return param("batch_size", "must be at least 1");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return param("learning_rate", "must be a positive number");
        }
        if self.code_dim == 0 {
            return param("code_dim", "must be at least 1");
        }
        Ok(self)
    }

    /// Sizes of the training and held-out splits for `n` images (at least one of each).
    pub fn split(&self, n: usize) -> Result<(usize, usize), ModelError> {
        if n < 2 {
            return Err(ModelError::TooFewImages { n });
        }
        let test = ((n as f64 * self.test_fraction).round() as usize).clamp(1, n - 1);
        Ok((n - test, test))
    }
}

/// Watches training.
pub trait TrainObserver {
    /// An epoch of `steps` steps begins.
    fn on_epoch_start(&mut self, _epoch: usize, _steps: usize) {}
    /// A step finished with this batch loss.
    fn on_step(&mut self, _step: usize, _loss: f32) {}
    /// An epoch finished.
    fn on_epoch(&mut self, _stats: &EpochStats) {}
}

impl TrainObserver for TrainHistory {
    fn on_step(&mut self, step: usize, loss: f32) {
        self.steps.push(StepLoss { step, loss });
    }
    fn on_epoch(&mut self, stats: &EpochStats) {
        self.epochs.push(*stats);
    }
}

/// A trained model with its variables and history.
#[derive(Debug)]
pub struct Trained {
    /// The variables (to save).
    pub vs: nn::VarStore,
    /// The network.
    pub model: Autoencoder,
    /// Per-epoch and per-step losses.
    pub history: TrainHistory,
}

/// Trains an autoencoder on `pixels` (`N x rows*cols`, values in `[0, 1]`), holding out the last
/// `test_fraction` of the rows.
pub fn train(
    pixels: ArrayView2<f32>,
    rows: usize,
    cols: usize,
    cfg: &TrainConfig,
    device: Device,
    observer: &mut dyn TrainObserver,
) -> Result<Trained, ModelError> {
    let n = pixels.nrows();
    let (n_train, _) = cfg.split(n)?;
    if pixels.ncols() != rows * cols {
        return Err(ModelError::InputSize {
            expected: rows * cols,
            found: pixels.ncols(),
        });
    }
    let spec = ModelSpec::new(cfg.arch, rows, cols, cfg.code_dim)?;
    tch::manual_seed(cfg.seed as i64);
    let vs = nn::VarStore::new(device);
    let model = Autoencoder::new(&vs.root(), &spec);
    let mut opt = nn::Adam::default()
        .build(&vs, cfg.learning_rate)
        .map_err(ModelError::torch("creating the Adam optimiser"))?;
    let data = to_tensor(pixels, device);
    let train_x = data.narrow(0, 0, n_train as i64);
    let test_x = data.narrow(0, n_train as i64, (n - n_train) as i64);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<i64> = (0..n_train as i64).collect();
    let steps_per_epoch = n_train.div_ceil(cfg.batch_size);
    let mut history = TrainHistory::default();
    let mut step = 0;
    for epoch in 1..=cfg.epochs {
        let start = Instant::now();
        observer.on_epoch_start(epoch, steps_per_epoch);
        order.shuffle(&mut rng);
        let perm = Tensor::from_slice(&order).to_device(device);
        let mut sum = 0.0f64;
        for b in 0..steps_per_epoch {
            interrupt::check()?;
            let lo = (b * cfg.batch_size) as i64;
            let len = cfg.batch_size.min(n_train - b * cfg.batch_size) as i64;
            let x = train_x.index_select(0, &perm.narrow(0, lo, len));
            let loss = model.loss(&x);
            opt.backward_step(&loss);
            let l = loss.double_value(&[]);
            sum += l;
            step += 1;
            observer.on_step(step, l as f32);
            history.on_step(step, l as f32);
        }
        let test_loss = evaluate(&model, &test_x, cfg.batch_size.max(1024));
        let stats = EpochStats {
            epoch,
            train_loss: sum / steps_per_epoch as f64,
            test_loss,
            seconds: start.elapsed().as_secs_f64(),
        };
        observer.on_epoch(&stats);
        history.on_epoch(&stats);
    }
    Ok(Trained { vs, model, history })
}

/// Mean per-pixel BCE of `x`'s reconstruction, weighted by batch size.
fn evaluate(model: &Autoencoder, x: &Tensor, batch: usize) -> f64 {
    tch::no_grad(|| {
        let n = x.size()[0];
        let mut total = 0.0;
        let mut lo = 0;
        while lo < n {
            let len = (batch as i64).min(n - lo);
            total += model.loss(&x.narrow(0, lo, len)).double_value(&[]) * len as f64;
            lo += len;
        }
        total / n as f64
    })
}

/// The codes of every row of `pixels` (`N x rows*cols` in `[0, 1]`), in row order.
pub fn encode(
    model: &Autoencoder,
    pixels: ArrayView2<f32>,
    device: Device,
) -> Result<Array2<f32>, ModelError> {
    let expected = model.spec.input_dim();
    if pixels.ncols() != expected {
        return Err(ModelError::InputSize {
            expected,
            found: pixels.ncols(),
        });
    }
    let n = pixels.nrows();
    let d = model.spec.code_dim;
    let mut out = Vec::with_capacity(n * d);
    tch::no_grad(|| -> Result<(), ModelError> {
        for chunk in pixels.axis_chunks_iter(ndarray::Axis(0), 2048) {
            interrupt::check()?;
            let z = model
                .encode(&to_tensor(chunk, device))
                .to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .contiguous();
            let v = Vec::<f32>::try_from(z.view(-1)).map_err(ModelError::torch("copying codes"))?;
            out.extend(v);
        }
        Ok(())
    })?;
    Ok(Array2::from_shape_vec((n, d), out).expect("encoder output has N x code_dim values"))
}

fn to_tensor(a: ArrayView2<f32>, device: Device) -> Tensor {
    let (n, d) = a.dim();
    let owned;
    let slice = match a.as_slice() {
        Some(s) => s,
        None => {
            owned = a.as_standard_layout().into_owned();
            owned.as_slice().expect("standard layout")
        }
    };
    Tensor::from_slice(slice)
        .view([n as i64, d as i64])
        .to_device(device)
}
