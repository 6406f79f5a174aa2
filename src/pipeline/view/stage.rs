//! One stage abstraction for the view. A [`CachedStage`] names what it depends on (its cache
//! entry's fingerprint), the files it writes and how to read them back; [`Steps`] runs the
//! stages in order, reuses the outputs an earlier run left valid, and logs and times each.

use std::marker::PhantomData;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::output::OutputDir;
use crate::fsutil::{read_json, write_json};
use crate::pipeline::cache::{Fingerprint, Stage};
use crate::progress::Progress;

/// A stage of the view whose outputs are kept between runs.
pub(super) trait CachedStage {
    /// What the stage makes, computed or reloaded.
    type Output;
    /// Its name in the stage log and the report.
    fn name(&self) -> &str;
    /// Its cache entry: the report that records the fingerprint, and the outputs to find.
    fn entry(&self) -> &Stage;
    /// The files it writes, relative to the output directory (its report included).
    fn files(&self) -> Vec<String>;
    /// Reads the outputs of an earlier run whose entry is fresh.
    fn reload(&self, out: &OutputDir) -> crate::pipeline::Result<Self::Output>;
}

/// What a [`Recorded`] stage's record holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record<T> {
    /// What the outputs were made from.
    fingerprint: String,
    /// What the stage found, if anything beyond its files.
    result: T,
}

/// A cached stage without a report of its own (pictures, logs, accuracy, page, the PCA of the
/// input): its record in `stages/` holds its fingerprint and its result, and is its last write.
pub(super) struct Recorded<T> {
    name: &'static str,
    files: Vec<String>,
    entry: Stage,
    result: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> Recorded<T> {
    /// The stage `name`, recorded as `record`, writing `files`, made from what `fp` says.
    pub(super) fn new(
        out: &OutputDir,
        (name, record): (&'static str, &str),
        files: Vec<String>,
        fp: Fingerprint,
    ) -> Self {
        Self {
            entry: entry(out, &OutputDir::stage_record(record), &files, fp),
            name,
            files,
            result: PhantomData,
        }
    }

    /// Records the stage as done with `result`, once its files are written.
    pub(super) fn finish(&self, result: T) -> crate::pipeline::Result<T> {
        let record = Record {
            fingerprint: self.entry.fingerprint().hex(),
            result,
        };
        write_json(self.entry.report(), &record)?;
        Ok(record.result)
    }
}

impl<T: Serialize + DeserializeOwned> CachedStage for Recorded<T> {
    type Output = T;

    fn name(&self) -> &str {
        self.name
    }

    fn entry(&self) -> &Stage {
        &self.entry
    }

    fn files(&self) -> Vec<String> {
        self.files.clone()
    }

    fn reload(&self, _: &OutputDir) -> crate::pipeline::Result<T> {
        Ok(read_json::<Record<T>>(self.entry.report())?.result)
    }
}

/// Stage headers, timings, reuse and the files written.
pub(super) struct Steps<'p> {
    total: usize,
    current: usize,
    name: String,
    started: Instant,
    force: bool,
    /// Seconds per stage.
    pub seconds: Vec<(String, f64)>,
    /// The stages whose outputs came from an earlier run.
    pub reused: Vec<String>,
    /// The output directory.
    pub out: OutputDir,
    /// Where the stages report.
    pub progress: &'p mut dyn Progress,
}

impl<'p> Steps<'p> {
    /// `total` stages writing into `out`; `force` reuses nothing.
    pub(super) fn new(
        total: usize,
        out: OutputDir,
        force: bool,
        progress: &'p mut dyn Progress,
    ) -> Self {
        Self {
            total,
            current: 0,
            name: String::new(),
            started: Instant::now(),
            force,
            seconds: Vec::new(),
            reused: Vec::new(),
            out,
            progress,
        }
    }

    /// Starts the stage `name`.
    pub(super) fn begin(&mut self, name: &str) {
        self.current += 1;
        self.name = name.to_string();
        self.started = Instant::now();
        self.progress
            .note(&format!("[{}/{}] {name}", self.current, self.total));
    }

    /// Ends the current stage.
    pub(super) fn end(&mut self) {
        self.seconds
            .push((self.name.clone(), self.started.elapsed().as_secs_f64()));
    }

    /// The outputs of `stage` from an earlier run, when they are still valid (never with
    /// `force`); `None` when they must be computed.
    pub(super) fn earlier<S: CachedStage>(&self, stage: &S) -> Option<S::Output> {
        if self.force || !stage.entry().is_fresh() {
            return None;
        }
        stage.reload(&self.out).ok()
    }

    /// Runs `stage`: keeps its `earlier` outputs, or forgets them and computes new ones with
    /// `compute`; records its files either way.
    pub(super) fn run<S: CachedStage>(
        &mut self,
        stage: &S,
        earlier: Option<S::Output>,
        compute: impl FnOnce(&OutputDir, &mut dyn Progress) -> crate::pipeline::Result<S::Output>,
    ) -> crate::pipeline::Result<S::Output> {
        self.begin(stage.name());
        let output = match earlier {
            Some(output) => {
                self.keep();
                output
            }
            None => {
                stage.entry().invalidate()?;
                compute(&self.out, &mut *self.progress)?
            }
        };
        self.out.record(stage.files());
        self.end();
        Ok(output)
    }

    /// A stage with nothing to do: everything that reads its result was reused.
    pub(super) fn skip(&mut self, name: &str) {
        self.begin(name);
        self.keep();
        self.end();
    }

    /// Marks the current stage as reused.
    fn keep(&mut self) {
        self.progress
            .note("      reusing the outputs of an earlier run (--force redoes them)");
        self.reused.push(self.name.clone());
    }
}

/// A cache entry whose report is the stage record `file` of `out`, for `outputs`.
pub(super) fn entry(out: &OutputDir, file: &str, outputs: &[String], fp: Fingerprint) -> Stage {
    Stage::new(
        out.path(file),
        outputs.iter().map(|f| out.path(f)).collect(),
        fp,
    )
}
