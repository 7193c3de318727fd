//! A job's progress as a shell gets it: the core's phase and rows done, the live run's counts
//! so far and the time since the job started, at most about ten messages a second (a run of
//! 100,000 rows reports far more often than a page can draw).

use std::time::{Duration, Instant};

use hubsync_store::{RunCounts, Store};
use hubsync_sync::{Phase, Progress};
use serde::Serialize;
use ts_rs::TS;

/// The least time between two messages of the same phase.
const THROTTLE: Duration = Duration::from_millis(100);
/// How often a live run's counts are read again from the store.
const COUNTS_EVERY: Duration = Duration::from_secs(1);

/// One progress message of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncProgress {
    pub phase: Phase,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    /// The live run, once the core has made it, and its counts so far (read about once a second).
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    pub counts: Option<RunCounts>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Reads a live run's counts, on a connection of its own, about once a second.
pub struct CountWatch {
    store: Store,
    /// The run the counts are of, as the core's progress names it.
    run_id: Option<i64>,
    read_at: Option<Instant>,
    counts: Option<RunCounts>,
}

impl CountWatch {
    pub fn new(store: Store) -> CountWatch {
        CountWatch { store, run_id: None, read_at: None, counts: None }
    }

    /// Run `run_id`'s counts, read again when `COUNTS_EVERY` has passed, the run changed, or
    /// `fresh` asks (a phase's last message must not show older counts); a failed read keeps
    /// the last.
    fn counts_at(&mut self, run_id: i64, now: Instant, fresh: bool) -> Option<RunCounts> {
        let other_run = self.run_id != Some(run_id);
        if other_run || fresh || self.read_at.is_none_or(|at| now.saturating_duration_since(at) >= COUNTS_EVERY) {
            if other_run {
                self.run_id = Some(run_id);
                self.counts = None;
            }
            self.read_at = Some(now);
            match self.store.run(run_id) {
                Ok(Some(run)) => self.counts = Some(run.counts),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "a running sync's counts could not be read"),
            }
        }
        self.counts.clone()
    }
}

/// Turns the core's progress into throttled `SyncProgress` messages.
pub struct Reporter<F: FnMut(SyncProgress)> {
    send: F,
    started: Instant,
    last: Option<(Phase, Instant)>,
    watch: Option<CountWatch>,
}

impl<F: FnMut(SyncProgress)> Reporter<F> {
    pub fn new(send: F, started: Instant, watch: Option<CountWatch>) -> Self {
        Reporter { send, started, last: None, watch }
    }

    /// The core's progress at `now`: sent when the phase changes, the phase is done, or
    /// `THROTTLE` has passed since the last message. A live job's messages name its run, as
    /// the core does, with the run's counts; a preview's name none (its run is not one yet).
    pub fn core(&mut self, progress: Progress, now: Instant) {
        let Progress { run_id, phase, done, total } = progress;
        let due = match self.last {
            Some((last_phase, at)) => {
                last_phase != phase || done >= total || now.saturating_duration_since(at) >= THROTTLE
            }
            None => true,
        };
        if !due {
            return;
        }
        self.last = Some((phase, now));
        let (run_id, counts) = match &mut self.watch {
            Some(watch) => (Some(run_id), watch.counts_at(run_id, now, done >= total)),
            None => (None, None),
        };
        let elapsed_ms = now.saturating_duration_since(self.started).as_millis() as u64;
        (self.send)(SyncProgress { phase, done, total, run_id, counts, elapsed_ms });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writing(done: u64) -> Progress {
        Progress { run_id: 1, phase: Phase::Writing, done, total: 1000 }
    }

    #[test]
    fn messages_come_at_most_every_tenth_of_a_second_but_never_miss_a_phase_or_its_end() {
        let mut sent = Vec::new();
        let start = Instant::now();
        let mut reporter = Reporter::new(|p| sent.push(p), start, None);
        reporter.core(Progress { run_id: 1, phase: Phase::Reading, done: 0, total: 10 }, start);
        reporter.core(Progress { run_id: 1, phase: Phase::Reading, done: 10, total: 10 }, start);
        reporter.core(writing(100), start + Duration::from_millis(10));
        reporter.core(writing(200), start + Duration::from_millis(50));
        reporter.core(writing(250), start + Duration::from_millis(109));
        reporter.core(writing(300), start + Duration::from_millis(110));
        reporter.core(writing(400), start + Duration::from_millis(150));
        reporter.core(writing(1000), start + Duration::from_millis(151));
        let seen: Vec<(Phase, u64, u64)> = sent.iter().map(|p| (p.phase, p.done, p.elapsed_ms)).collect();
        assert_eq!(
            seen,
            vec![
                (Phase::Reading, 0, 0),
                (Phase::Reading, 10, 0),
                (Phase::Writing, 100, 10),
                (Phase::Writing, 300, 110),
                (Phase::Writing, 1000, 151),
            ]
        );
        assert!(sent.iter().all(|p| p.counts.is_none() && p.run_id.is_none()));
    }
}
