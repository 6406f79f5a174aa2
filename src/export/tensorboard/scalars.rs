//! Scalar summaries: the [`EventWriter`] that writes an event file, and the [`ScalarSeries`]
//! the log-directory export turns into one.
//!
//! An event file is an append log, as TensorFlow writes it: records go to
//! `events.out.tfevents.<secs>.<host>` as they are added, so TensorBoard can follow a file that
//! is still growing, and each record is whole once [`EventWriter::flush`] or
//! [`EventWriter::close`] returns. For all-or-nothing output, write it inside a
//! [`crate::fsutil::AtomicDir`], as [`super::export_logdir`] does.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::event::{Event, Payload, FILE_VERSION};
use super::record::write_record;
use crate::data::history::TrainHistory;
use crate::export::ExportError;

/// A named series of `(step, value)` points, e.g. `train/loss` per step.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalarSeries {
    /// The tag TensorBoard shows, e.g. `train/loss`.
    pub tag: String,
    /// The points, with strictly increasing steps and finite values.
    pub points: Vec<(i64, f32)>,
}

impl ScalarSeries {
    /// A series from its tag and points.
    pub fn new(tag: impl Into<String>, points: Vec<(i64, f32)>) -> Self {
        Self {
            tag: tag.into(),
            points,
        }
    }

    /// Checks what [`EventWriter::add_scalar`] would refuse: an empty tag, a step that does
    /// not strictly increase, a non-finite value.
    pub fn check(&self) -> Result<(), ExportError> {
        let mut previous = None;
        for &(step, value) in &self.points {
            check_point(&self.tag, previous, step, value)?;
            previous = Some(step);
        }
        Ok(())
    }
}

/// `train/loss` per optimisation step and `test/loss` (held-out reconstruction loss) per epoch.
pub fn training_scalars(history: &TrainHistory) -> Vec<ScalarSeries> {
    let steps = history
        .steps
        .iter()
        .map(|s| (s.step as i64, s.loss))
        .collect();
    let epochs = history
        .epochs
        .iter()
        .map(|e| (e.epoch as i64, e.test_loss as f32))
        .collect();
    vec![
        ScalarSeries::new("train/loss", steps),
        ScalarSeries::new("test/loss", epochs),
    ]
}

/// `tsne/kl_divergence` from `(iteration, KL)` pairs (every 50 iterations and the last).
pub fn kl_scalars(history: impl IntoIterator<Item = (usize, f64)>) -> ScalarSeries {
    let points = history
        .into_iter()
        .map(|(it, kl)| (it as i64, kl as f32))
        .collect();
    ScalarSeries::new("tsne/kl_divergence", points)
}

/// Refuses an empty tag, a non-finite value, or a step not above the tag's `previous` one.
fn check_point(tag: &str, previous: Option<i64>, step: i64, value: f32) -> Result<(), ExportError> {
    if tag.is_empty() {
        return Err(ExportError::invalid("scalar tag", "must not be empty"));
    }
    if !value.is_finite() {
        return Err(ExportError::invalid(
            format!("scalar '{tag}'"),
            format!("value {value} at step {step} is not finite"),
        ));
    }
    match previous {
        Some(previous) if step <= previous => Err(ExportError::StepOrder {
            tag: tag.to_string(),
            previous,
            step,
        }),
        _ => Ok(()),
    }
}

/// Writes one TensorBoard event file: the `file_version` record, then scalars.
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    file: BufWriter<File>,
    /// The last step written per tag, to enforce strictly increasing steps.
    last_step: HashMap<String, i64>,
}

impl EventWriter {
    /// Creates `dir/events.out.tfevents.<secs>.<host>` (with a `.N` suffix if that name is
    /// taken) stamped with the current time. `dir` must exist.
    pub fn create(dir: &Path) -> Result<Self, ExportError> {
        Self::create_at(dir, now())
    }

    /// Like [`EventWriter::create`], with the file's start time given (seconds since the epoch).
    pub fn create_at(dir: &Path, wall_time: f64) -> Result<Self, ExportError> {
        let base = format!("events.out.tfevents.{}.{}", wall_time as u64, hostname());
        let (path, file) = (0..100)
            .map(|n| match n {
                0 => dir.join(&base),
                n => dir.join(format!("{base}.{n}")),
            })
            .find_map(
                |path| match OpenOptions::new().write(true).create_new(true).open(&path) {
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => None,
                    result => Some((path, result)),
                },
            )
            .ok_or_else(|| {
                ExportError::io(
                    dir.join(&base),
                    std::io::Error::new(ErrorKind::AlreadyExists, "100 event files of that name"),
                )
            })?;
        let file = file.map_err(|e| ExportError::io(&path, e))?;
        let mut writer = Self {
            path,
            file: BufWriter::new(file),
            last_step: HashMap::new(),
        };
        writer.write_event(&Event {
            wall_time,
            step: 0,
            payload: Payload::FileVersion(FILE_VERSION),
        })?;
        Ok(writer)
    }

    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one scalar. Per tag, steps must strictly increase and values be finite
    /// (TensorBoard drops or reorders points whose steps go backwards). Scalars of one tag
    /// may come from several calls or series: they continue each other.
    pub fn add_scalar(
        &mut self,
        tag: &str,
        step: i64,
        value: f32,
        wall_time: f64,
    ) -> Result<(), ExportError> {
        check_point(tag, self.last_step.get(tag).copied(), step, value)?;
        self.write_event(&Event {
            wall_time,
            step,
            payload: Payload::Scalar { tag, value },
        })?;
        self.last_step.insert(tag.to_string(), step);
        Ok(())
    }

    /// Appends every point of `series`, all stamped `wall_time`.
    pub fn add_series(&mut self, series: &ScalarSeries, wall_time: f64) -> Result<(), ExportError> {
        series
            .points
            .iter()
            .try_for_each(|&(step, value)| self.add_scalar(&series.tag, step, value, wall_time))
    }

    /// Pushes buffered records to the file, so a running TensorBoard sees them.
    pub fn flush(&mut self) -> Result<(), ExportError> {
        self.file
            .flush()
            .map_err(|e| ExportError::io(&self.path, e))
    }

    /// Flushes, syncs and closes the file; returns its path.
    pub fn close(mut self) -> Result<PathBuf, ExportError> {
        self.flush()?;
        self.file
            .get_ref()
            .sync_all()
            .map_err(|e| ExportError::io(&self.path, e))?;
        Ok(self.path)
    }

    fn write_event(&mut self, event: &Event<'_>) -> Result<(), ExportError> {
        write_record(&mut self.file, &event.encode()).map_err(|e| ExportError::io(&self.path, e))
    }
}

/// Seconds since the Unix epoch, as TensorBoard's `wall_time`.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The host name for the event file name, reduced to `[A-Za-z0-9._-]` (`localhost` if unknown).
fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let clean: String = raw
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    if clean.is_empty() {
        "localhost".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::read_records;
    use super::*;

    #[test]
    fn writes_version_then_scalars() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventWriter::create_at(dir.path(), 1_700_000_000.25).unwrap();
        let name = w.path().file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            name.starts_with("events.out.tfevents.1700000000."),
            "{name}"
        );
        w.add_scalar("train/loss", 1, 0.5, 1_700_000_001.0).unwrap();
        w.add_scalar("test/loss", 1, 0.25, 1_700_000_001.0).unwrap();
        w.add_scalar("train/loss", 2, 0.4, 1_700_000_002.0).unwrap();
        let path = w.close().unwrap();
        let records = read_records(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(records.len(), 4);
        let first = Event {
            wall_time: 1_700_000_000.25,
            step: 0,
            payload: Payload::FileVersion("brain.Event:2"),
        };
        assert_eq!(records[0], first.encode());
        let last = Event {
            wall_time: 1_700_000_002.0,
            step: 2,
            payload: Payload::Scalar {
                tag: "train/loss",
                value: 0.4,
            },
        };
        assert_eq!(records[3], last.encode());
    }

    #[test]
    fn steps_must_strictly_increase_per_tag() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventWriter::create_at(dir.path(), 1.0).unwrap();
        w.add_scalar("a", 5, 1.0, 1.0).unwrap();
        w.add_scalar("b", 1, 1.0, 1.0).unwrap();
        let err = w.add_scalar("a", 5, 1.0, 1.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "scalar 'a': step 5 follows step 5; steps must strictly increase"
        );
        let err = w.add_scalar("a", 2, f32::NAN, 1.0).unwrap_err();
        assert!(err.to_string().contains("is not finite"), "{err}");
        w.add_scalar("a", 6, 1.0, 1.0).unwrap();
        assert!(ScalarSeries::new("x", vec![(1, 1.0), (3, 2.0)])
            .check()
            .is_ok());
        let err = ScalarSeries::new("x", vec![(1, 1.0), (3, 2.0), (2, 0.0)])
            .check()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "scalar 'x': step 2 follows step 3; steps must strictly increase"
        );
        let err = ScalarSeries::new("x", vec![(1, f32::INFINITY)]).check();
        assert!(err.unwrap_err().to_string().contains("value inf at step 1"));
    }

    #[test]
    fn histories_become_tagged_series() {
        use crate::data::history::{EpochStats, StepLoss};
        let history = TrainHistory {
            epochs: vec![EpochStats {
                epoch: 1,
                train_loss: 0.3,
                test_loss: 0.25,
                seconds: 1.0,
            }],
            steps: (1..=3)
                .map(|step| StepLoss {
                    step,
                    loss: 1.0 / step as f32,
                })
                .collect(),
        };
        let series = training_scalars(&history);
        assert_eq!(series[0].tag, "train/loss");
        assert_eq!(series[0].points, vec![(1, 1.0), (2, 0.5), (3, 1.0 / 3.0)]);
        assert_eq!(series[1].tag, "test/loss");
        assert_eq!(series[1].points, vec![(1, 0.25)]);
        let kl = kl_scalars([(50, 2.0), (100, 1.5)]);
        assert_eq!(kl.tag, "tsne/kl_divergence");
        assert_eq!(kl.points, vec![(50, 2.0), (100, 1.5)]);
        kl.check().unwrap();
    }

    #[test]
    fn second_writer_in_same_second_gets_a_new_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = EventWriter::create_at(dir.path(), 7.0).unwrap();
        let b = EventWriter::create_at(dir.path(), 7.0).unwrap();
        assert_ne!(a.path(), b.path());
        assert!(b.path().to_str().unwrap().ends_with(".1"));
        a.close().unwrap();
        b.close().unwrap();
    }

    #[test]
    fn missing_dir_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = EventWriter::create(&missing).unwrap_err();
        assert!(
            err.to_string().contains("nope/events.out.tfevents."),
            "{err}"
        );
    }
}
