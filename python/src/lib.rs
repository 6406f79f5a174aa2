//! `embedscope._core`: the extension module under the Python package `embedscope`.
//!
//! Thin functions over the library's public API; the Python modules (`embedscope.TSNE`,
//! `embedscope.sklearn.TSNE`, `embedscope.PCA`, `embedscope.view`) hold the user-facing
//! conventions (parameter names, learning-rate scaling, dtype and layout conversion) and call
//! these with float32, C-contiguous arrays.
//!
//! Every long call runs on a rayon pool of the requested size in a thread of its own, with the
//! GIL released; the calling thread waits, and every [`SIGNAL_POLL`] takes the GIL back for a
//! moment to run Python's signal handlers: a `KeyboardInterrupt` raises the library's
//! interrupt flag ([`embedscope::interrupt`]), the work stops at its next check (every t-SNE
//! iteration), the flag is cleared and the exception propagates. Python callbacks (the
//! per-iteration callbacks, the progress bar) are called from the worker thread with the GIL
//! taken for the call only.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::Duration;

use ndarray::{Array2, ArrayView2};
use numpy::{PyArray1, PyArray2, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use embedscope::data::metadata::{Column, Metadata, Values};
use embedscope::data::thumbnails::ThumbnailView;
use embedscope::interrupt;
use embedscope::pipeline::view::{self, Input, Names, Settings};
use embedscope::pipeline::PipelineError;
use embedscope::progress::Progress;
use embedscope::reduce::knn::{KnnGraph, Metric};
use embedscope::reduce::tsne::observer::{IterationInfo, Observer};
use embedscope::reduce::tsne::transform::{self, Reference, TransformParams};
use embedscope::reduce::tsne::{self as tsne, Init, LearningRate, TsneParams};
use embedscope::reduce::{pca, ReduceError};

/// How often a waiting call runs Python's signal handlers.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// A library error as the Python exception a user expects, with the library's message:
/// `KeyboardInterrupt` for an interrupt, `OSError` for a file that could not be written,
/// `ValueError` for everything about the input and the parameters.
fn reduce_err(e: ReduceError) -> PyErr {
    match e {
        ReduceError::Interrupted(_) => PyKeyboardInterrupt::new_err("interrupted"),
        e => PyValueError::new_err(e.to_string()),
    }
}

fn pipeline_err(e: PipelineError) -> PyErr {
    match e {
        PipelineError::Reduce(e) => reduce_err(e),
        PipelineError::Interrupted(_) => PyKeyboardInterrupt::new_err("interrupted"),
        e @ (PipelineError::Data(_) | PipelineError::Io(_)) => PyOSError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Runs `work` on a pool of `threads` threads (0: one per core) with the GIL released, running
/// Python's signal handlers meanwhile (see the module's documentation).
fn run<T: Send>(py: Python<'_>, threads: usize, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("n_jobs: no thread pool: {e}")))?;
    std::thread::scope(|s| {
        let (tx, mut rx) = channel();
        let pool = &pool;
        s.spawn(move || {
            let done = catch_unwind(AssertUnwindSafe(|| pool.install(work)));
            // The receiver outlives the scope's threads; a send cannot fail.
            let _ = tx.send(done);
        });
        loop {
            let (back, got) = py.detach(move || {
                let got = rx.recv_timeout(SIGNAL_POLL);
                (rx, got)
            });
            rx = back;
            match got {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err(
                        "embedscope: internal error (a panic in the library); please report it",
                    ))
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = py.check_signals() {
                        interrupt::request();
                        let (_, _) = py.detach(move || {
                            let got = rx.recv();
                            (rx, got)
                        });
                        interrupt::clear();
                        return Err(e);
                    }
                }
            }
        }
    })
}

/// Forwards the optimiser's iterations to Python: `progress(iteration, total, kl)` after every
/// iteration, `callback(iteration, kl, embedding)` every `every` iterations (`kl` is `None`
/// where it was not evaluated). A truthy return from `callback` stops the run there (its
/// embedding is kept); an exception stops it and is raised.
struct PyObserver {
    callback: Option<Py<PyAny>>,
    every: usize,
    progress: Option<Py<PyAny>>,
    error: Option<PyErr>,
    stopped: Option<(usize, Option<f64>, Array2<f32>)>,
}

impl PyObserver {
    fn new(callback: Option<Py<PyAny>>, every: usize, progress: Option<Py<PyAny>>) -> Self {
        Self {
            callback,
            every: every.max(1),
            progress,
            error: None,
            stopped: None,
        }
    }

    /// Ends the run at the next check (the observer has what the caller needs).
    fn stop(&mut self, error: Option<PyErr>) {
        if error.is_some() {
            self.error = error;
        }
        interrupt::request();
    }

    fn call(&mut self, py: Python<'_>, info: &IterationInfo<'_>) -> PyResult<()> {
        if let Some(p) = &self.progress {
            p.call1(py, (info.iteration, info.total, info.kl))?;
        }
        if let (Some(cb), Some(coords)) = (&self.callback, &info.coords) {
            let embedding = coords.to_pyarray(py);
            let verdict = cb.call1(py, (info.iteration, info.kl, embedding))?;
            if verdict.is_truthy(py)? {
                self.stopped = Some((info.iteration, info.kl, coords.to_owned()));
                self.stop(None);
            }
        }
        Ok(())
    }

    /// After the run: the interrupt flag this observer raised is withdrawn, and the callback's
    /// exception, if any, returned.
    fn finish(&mut self) -> PyResult<()> {
        if self.error.is_some() || self.stopped.is_some() {
            interrupt::clear();
        }
        self.error.take().map_or(Ok(()), Err)
    }
}

impl Observer for PyObserver {
    fn wants_coords(&self, iteration: usize) -> bool {
        self.callback.is_some() && iteration % self.every == 0
    }

    fn on_iteration(&mut self, info: &IterationInfo<'_>) {
        if self.error.is_some() || self.stopped.is_some() {
            return;
        }
        if self.progress.is_none() && !self.wants_coords(info.iteration) {
            return;
        }
        if let Err(e) = Python::attach(|py| self.call(py, info)) {
            self.stop(Some(e));
        }
    }
}

/// A [`Progress`] that forwards to a Python callable `progress(event, text, done, total)`
/// with `event` one of `begin`, `update`, `end`, `note` (the view's stages and notes).
struct PyProgress(Option<Py<PyAny>>);

impl PyProgress {
    fn send(&self, event: &str, text: &str, done: u64, total: u64) {
        if let Some(p) = &self.0 {
            Python::attach(|py| {
                if let Err(e) = p.call1(py, (event, text, done, total)) {
                    // A broken progress display must not lose the user's work: shown, not raised.
                    e.print(py);
                }
            });
        }
    }
}

impl Progress for PyProgress {
    fn begin(&mut self, task: &str, total: u64) {
        self.send("begin", task, 0, total);
    }
    fn update(&mut self, done: u64, message: Option<&str>) {
        self.send("update", message.unwrap_or(""), done, 0);
    }
    fn end(&mut self) {
        self.send("end", "", 0, 0);
    }
    fn note(&mut self, line: &str) {
        self.send("note", line, 0, 0);
    }
}

fn parse<T: std::str::FromStr<Err = ReduceError>>(s: &str) -> PyResult<T> {
    s.parse().map_err(reduce_err)
}

/// Fits t-SNE to `x` (`N x D`, or `N x N` distances with `metric="precomputed"`). The
/// learning rate is the library's (scikit-learn's convention); `None` is `auto`;
/// `iterations` counts all of them, early exaggeration included; `all_neighbours` accepts a
/// perplexity up to `N - 1` (scikit-learn's rule) rather than `(N - 1) / 3`.
#[pyfunction]
#[pyo3(signature = (x, *, dims, perplexity, learning_rate, iterations, theta, method, neighbors,
    metric, seed, init, threads, exaggeration=tsne::EARLY_EXAGGERATION,
    exaggeration_iterations=tsne::EXAGGERATION_ITERATIONS, all_neighbours=false, callback=None,
    callback_every=50, progress=None))]
#[allow(clippy::too_many_arguments)]
fn tsne_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f32>,
    dims: usize,
    perplexity: f64,
    learning_rate: Option<f64>,
    iterations: usize,
    theta: f64,
    method: &str,
    neighbors: &str,
    metric: &str,
    seed: u64,
    init: &str,
    threads: usize,
    exaggeration: f64,
    exaggeration_iterations: usize,
    all_neighbours: bool,
    callback: Option<Py<PyAny>>,
    callback_every: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let precomputed = metric == "precomputed";
    let init: Init = parse(init)?;
    if precomputed && init == Init::Pca {
        return Err(PyValueError::new_err(
            "init pca: cannot be used with metric precomputed (there are no vectors); use random",
        ));
    }
    let params = TsneParams {
        dims,
        perplexity,
        learning_rate: learning_rate.map_or(LearningRate::Auto, LearningRate::Fixed),
        iterations,
        theta,
        method: parse(method)?,
        neighbors: parse(neighbors)?,
        metric: if precomputed {
            Metric::Euclidean
        } else {
            parse(metric)?
        },
        seed,
        init,
    };
    let data = x.as_array();
    let checked = if all_neighbours {
        params.check_allowing_all_neighbours(data.nrows())
    } else {
        params.check(data.nrows())
    };
    let valid = checked
        .and_then(|v| v.with_exaggeration(exaggeration, exaggeration_iterations))
        .map_err(reduce_err)?;
    let mut observer = PyObserver::new(callback, callback_every, progress);
    let (result, mut observer) = run(py, threads, move || {
        let result = if precomputed {
            KnnGraph::from_distances(data, valid.neighbors())
                .and_then(|g| tsne::fit_with_graph(data, &valid, &g, None, &mut observer))
        } else {
            tsne::fit(data, &valid, &mut observer)
        };
        (result, observer)
    })?;
    observer.finish()?;
    let out = PyDict::new(py);
    match (result, observer.stopped.take()) {
        (_, Some((iteration, kl, embedding))) => {
            out.set_item("embedding", PyArray2::from_owned_array(py, embedding))?;
            out.set_item("kl_divergence", kl)?;
            out.set_item("n_iter", iteration)?;
            out.set_item("stopped", true)?;
        }
        (Err(e), None) => return Err(reduce_err(e)),
        (Ok(r), None) => {
            out.set_item("embedding", PyArray2::from_owned_array(py, r.embedding))?;
            out.set_item("kl_divergence", r.kl_divergence)?;
            out.set_item("kl_history", r.kl_history)?;
            out.set_item("n_iter", iterations)?;
            out.set_item("stopped", false)?;
            let t = PyDict::new(py);
            t.set_item("neighbors", r.timings.neighbors)?;
            t.set_item("affinities", r.timings.affinities)?;
            t.set_item("optimization", r.timings.optimization)?;
            out.set_item("timings", t)?;
            out.set_item("learning_rate", r.learning_rate)?;
            out.set_item("neighbors", r.neighbors)?;
            out.set_item("method", r.method.name())?;
            out.set_item("neighbor_method", r.neighbor_method.name())?;
            out.set_item("neighbor_recall", r.neighbor_recall)?;
        }
    }
    Ok(out)
}

/// Places `new` (`M x D`) into the fixed map `map` of the reference `vectors` (`N x D`) with
/// the library's `transform` (openTSNE's conventions).
#[pyfunction]
#[pyo3(signature = (vectors, map, new, *, metric, neighbors, perplexity, iterations,
    learning_rate, exaggeration, momentum, max_grad_norm, theta, seed, threads, progress=None))]
#[allow(clippy::too_many_arguments)]
fn tsne_transform<'py>(
    py: Python<'py>,
    vectors: PyReadonlyArray2<'py, f32>,
    map: PyReadonlyArray2<'py, f32>,
    new: PyReadonlyArray2<'py, f32>,
    metric: &str,
    neighbors: usize,
    perplexity: f64,
    iterations: usize,
    learning_rate: f64,
    exaggeration: f64,
    momentum: f64,
    max_grad_norm: f64,
    theta: f64,
    seed: u64,
    threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let params = TransformParams {
        neighbors,
        perplexity,
        iterations,
        learning_rate,
        exaggeration,
        momentum,
        max_grad_norm,
        theta,
        seed,
    };
    let (vectors, map, new) = (vectors.as_array(), map.as_array(), new.as_array());
    if new.ncols() != vectors.ncols() {
        return Err(PyValueError::new_err(format!(
            "X has {} columns; the map was fitted to {} (shape mismatch)",
            new.ncols(),
            vectors.ncols()
        )));
    }
    let reference = Reference {
        vectors,
        map,
        metric: parse(metric)?,
    };
    let mut observer = PyObserver::new(None, 1, progress);
    let (placed, mut observer) = run(py, threads, move || {
        let placed = transform::transform(reference, new, &params, &mut observer);
        (placed, observer)
    })?;
    observer.finish()?;
    let placed = placed.map_err(reduce_err)?;
    let out = PyDict::new(py);
    out.set_item(
        "embedding",
        PyArray2::from_owned_array(py, placed.embedding),
    )?;
    out.set_item("kl_divergence", placed.kl)?;
    let (n, a, o) = placed.seconds;
    let t = PyDict::new(py);
    t.set_item("neighbors", n)?;
    t.set_item("affinities", a)?;
    t.set_item("optimization", o)?;
    out.set_item("timings", t)?;
    Ok(out)
}

/// The principal components of `x` (`N x D`): the library's eigendecomposition of the
/// covariance.
#[pyfunction]
#[pyo3(signature = (x, n_components, threads=0))]
fn pca_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f32>,
    n_components: usize,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let data = x.as_array();
    let fitted = run(py, threads, move || pca::fit(data, n_components))?.map_err(reduce_err)?;
    let out = PyDict::new(py);
    out.set_item(
        "projected",
        PyArray2::from_owned_array(py, fitted.projected),
    )?;
    out.set_item(
        "components",
        PyArray2::from_owned_array(py, fitted.components),
    )?;
    out.set_item("mean", PyArray1::from_owned_array(py, fitted.mean))?;
    out.set_item("explained_variance", fitted.explained_variance)?;
    out.set_item("explained_variance_ratio", fitted.explained_variance_ratio)?;
    out.set_item("total_variance", fitted.total_variance)?;
    Ok(out)
}

/// One metadata column from Python: its name, its kind (`text`, `int`, `float`) and its
/// values (`None` missing).
fn column(name: String, kind: &str, values: &Bound<'_, PyAny>) -> PyResult<Column> {
    let values = match kind {
        "text" => Values::Text(values.extract()?),
        "int" => Values::Integer(values.extract()?),
        "float" => Values::Float(values.extract()?),
        other => {
            return Err(PyValueError::new_err(format!(
                "metadata column '{name}': unknown kind {other}"
            )))
        }
    };
    Ok(Column { name, values })
}

/// Runs the view pipeline on `x` (`N x D`) into `out`; returns `(report.json's text, the
/// summary the command line prints)`. `images`: `N x (rows * cols)` ink values.
#[pyfunction]
#[pyo3(signature = (x, *, out, name, columns, images=None, image_shape=(0, 0), colour_by=None,
    label_by=None, perplexity=25.0, learning_rate=None, iterations=1000, seed=0, metric="euclidean",
    pca_dims=50, gif_every=10, force=false, threads=0, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run_view<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f32>,
    out: PathBuf,
    name: String,
    columns: Vec<(String, String, Bound<'py, PyAny>)>,
    images: Option<PyReadonlyArray2<'py, u8>>,
    image_shape: (usize, usize),
    colour_by: Option<String>,
    label_by: Option<String>,
    perplexity: f64,
    learning_rate: Option<f64>,
    iterations: usize,
    seed: u64,
    metric: &str,
    pca_dims: usize,
    gif_every: usize,
    force: bool,
    threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, String)> {
    let vectors = x.as_array();
    let n = vectors.nrows();
    let columns = columns
        .into_iter()
        .map(|(name, kind, values)| column(name, &kind, &values))
        .collect::<PyResult<Vec<_>>>()?;
    let metadata = Metadata::new(n, columns).map_err(|e| PyValueError::new_err(e.to_string()))?;
    if gif_every == 0 {
        return Err(PyValueError::new_err("gif_every 0: must be at least 1"));
    }
    let images: Option<ArrayView2<u8>> = images.as_ref().map(|i| i.as_array());
    if let Some(i) = &images {
        if i.nrows() != n || i.ncols() != image_shape.0 * image_shape.1 {
            return Err(PyValueError::new_err(format!(
                "images: {} of {} pixels for {n} points of {} x {} pixels",
                i.nrows(),
                i.ncols(),
                image_shape.0,
                image_shape.1
            )));
        }
    }
    let settings = Settings {
        out: out.clone(),
        force,
        tsne: TsneParams {
            perplexity,
            learning_rate: learning_rate.map_or(LearningRate::Auto, LearningRate::Fixed),
            iterations,
            seed,
            metric: parse(metric)?,
            ..TsneParams::default()
        },
        gif_every,
        colour_by,
        label_by,
        pca_dims,
        maps: None,
        names: Names::for_stem(&name),
        input_scalars: Vec::new(),
        standardized: None,
    };
    let source = format!("{name} (from Python)");
    let report = run(py, threads, move || {
        let input = Input {
            name,
            source,
            vectors,
            metadata: &metadata,
            images: images.map(|pixels| ThumbnailView {
                pixels,
                rows: image_shape.0,
                cols: image_shape.1,
            }),
        };
        view::run(&input, &settings, &mut PyProgress(progress))
    })?
    .map_err(pipeline_err)?;
    let json = serde_json::to_string(&report)
        .map_err(|e| PyRuntimeError::new_err(format!("report: {e}")))?;
    Ok((json, view::summary(&report, &out)))
}

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tsne_fit, m)?)?;
    m.add_function(wrap_pyfunction!(tsne_transform, m)?)?;
    m.add_function(wrap_pyfunction!(pca_fit, m)?)?;
    m.add_function(wrap_pyfunction!(run_view, m)?)?;
    m.add("PAGE_FILE", view::PAGE_FILE)?;
    m.add("REPORT_FILE", view::REPORT_FILE)?;
    m.add("MIN_POINTS", tsne::MIN_POINTS)?;
    Ok(())
}
